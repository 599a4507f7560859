#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory mapping of the rest of a regular file, from where a stream in it starts.
///
/// Readers of large regular files (record streams, captures) parse the file in place instead
/// of copying it from the page cache into a buffer of their own. The mapping is never written
/// to and lives until ``unmap()``.
///
/// The mapping covers the file as it was when mapped: bytes appended later are not read (a
/// read loop would stop at the same end of file), and a file cut shorter while mapped ends the
/// process with SIGBUS, as it would for any mapping reader. Captures and record files are
/// written before they are read, so neither happens in the pipelines this serves.
struct FileMapping {
    /// The stream's bytes: from its first byte to the end of the file.
    let bytes: UnsafeRawBufferPointer
    /// Where the stream starts in the file.
    let fileOffset: Int
    /// The whole mapping, from the page holding the stream's first byte.
    private let whole: UnsafeMutableRawBufferPointer

    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Maps the rest of `fd` when it is a regular file of at least `minimumSize` bytes. The
    /// stream starts `alreadyRead` bytes before the descriptor's position: bytes a caller read
    /// to recognise the format belong to it. Nil when `fd` is no such file or cannot be mapped,
    /// and the caller reads instead.
    static func mapRest(of fd: Int32, alreadyRead: Int, minimumSize: Int) -> FileMapping? {
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size >= max(1, minimumSize) else { return nil }
        let position = Int(lseek(fd, 0, SEEK_CUR))
        guard position >= alreadyRead else { return nil }
        let fileOffset = position - alreadyRead
        let alignedOffset = fileOffset & ~(Self.pageSize - 1)
        let length = Int(status.st_size) - alignedOffset
        guard length > fileOffset - alignedOffset,
            let address = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, off_t(alignedOffset)), address != MAP_FAILED
        else { return nil }
        // Readahead in large steps: the file is read once, front to back.
        _ = madvise(address, length, MADV_SEQUENTIAL)
        let whole = UnsafeMutableRawBufferPointer(start: address, count: length)
        return FileMapping(
            bytes: UnsafeRawBufferPointer(rebasing: whole[(fileOffset - alignedOffset)...]), fileOffset: fileOffset, whole: whole)
    }

    private init(bytes: UnsafeRawBufferPointer, fileOffset: Int, whole: UnsafeMutableRawBufferPointer) {
        self.bytes = bytes
        self.fileOffset = fileOffset
        self.whole = whole
    }

    /// Removes the mapping; ``bytes`` must not be used afterwards.
    func unmap() {
        munmap(self.whole.baseAddress, self.whole.count)
    }
}
