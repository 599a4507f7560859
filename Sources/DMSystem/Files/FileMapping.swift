import DMBytes

#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory mapping of the rest of a regular file, from where a stream in it starts.
///
/// Readers of large regular files (record streams, captures) parse the file in place instead
/// of copying it from the page cache into a buffer of their own. The mapping is never written
/// to (``bytes`` is a read-only view) and lives as long as this object.
///
/// The mapping covers the file as it was when mapped: bytes appended later are not read (a
/// read loop would stop at the same end of file), and a file cut shorter while mapped ends the
/// process with SIGBUS, as it would for any mapping reader. Captures and record files are
/// written before they are read, so neither happens in the pipelines this serves.
public final class FileMapping {
    /// The stream's bytes: from its first byte to the end of the file. Valid while the mapping
    /// lives.
    public let bytes: ByteView
    /// Where the stream starts in the file.
    public let fileOffset: Int
    /// The whole mapping, from the page holding the stream's first byte: read-only (PROT_READ),
    /// and typed so.
    private let whole: UnsafeRawBufferPointer

    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    /// Where the pages already handed back end, as an offset into ``bytes``.
    @exclusivity(unchecked) private var releasedEnd = 0
    /// Bytes read past before their pages are handed back, in one call.
    private static let releaseStep = 8 << 20

    /// Maps the rest of `fd` when it is a regular file of at least `minimumSize` bytes. The
    /// stream starts `alreadyRead` bytes before the descriptor's position: bytes a caller read
    /// to recognise the format belong to it. Nil when `fd` is no such file or cannot be mapped,
    /// and the caller reads instead.
    public static func mapRest(of fd: Int32, alreadyRead: Int, minimumSize: Int) -> FileMapping? {
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
        return FileMapping(whole: UnsafeRawBufferPointer(start: address, count: length), streamStart: fileOffset - alignedOffset, fileOffset: fileOffset)
    }

    private init(whole: UnsafeRawBufferPointer, streamStart: Int, fileOffset: Int) {
        self.whole = whole
        self.bytes = ByteView(unsafeBytes: UnsafeRawBufferPointer(rebasing: whole[streamStart...]))
        self.fileOffset = fileOffset
    }

    deinit {
        // munmap takes a mutable pointer, but only ends the mapping; nothing is written.
        munmap(UnsafeMutableRawPointer(mutating: self.whole.baseAddress), self.whole.count)
    }

    /// Makes ``bytes`` up to `step` bytes past `end` readable and returns the new end. Pages more
    /// than a step behind `end` are handed back (MADV_DONTNEED), so the process's resident size
    /// stays flat however large the file: the readers have moved on from them, and a mapping
    /// that is never written reads any page again from the file should it be touched. Readers
    /// reveal the mapping a step at a time, as reads would bring it, and each step's pages are
    /// entered into the page tables here in one call (reading them from the file if they are
    /// not cached) instead of a fault every few pages: a cache-line request into a page not
    /// yet entered is dropped, so the readers' requests ahead of their work were lost at every
    /// such page and they waited on memory instead (12% of dm-parse's time on a cached file).
    public func reveal(after end: Int, step: Int) -> Int {
        let newEnd = min(self.bytes.count, end + step)
        guard newEnd > end else { return end }
        // From the page holding `end`: madvise takes page-aligned addresses. A kernel without
        // MADV_POPULATE_READ (before 5.14) refuses it, and the pages fault in as before.
        self.bytes.subview(end..<newEnd).withUnsafeBytes { range in
            let first = Int(bitPattern: range.baseAddress!) & ~(Self.pageSize - 1)
            let last = Int(bitPattern: range.baseAddress! + range.count)
            _ = madvise(UnsafeMutableRawPointer(bitPattern: first), last - first, MADV_POPULATE_READ)
        }
        let keptFrom = end - step
        if keptFrom - self.releasedEnd >= Self.releaseStep {
            self.bytes.subview(self.releasedEnd..<keptFrom).withUnsafeBytes { range in
                let first = Int(bitPattern: range.baseAddress!) & ~(Self.pageSize - 1)
                let last = Int(bitPattern: range.baseAddress! + range.count) & ~(Self.pageSize - 1)
                if last > first { _ = madvise(UnsafeMutableRawPointer(bitPattern: first), last - first, MADV_DONTNEED) }
            }
            self.releasedEnd = keptFrom
        }
        return newEnd
    }
}
