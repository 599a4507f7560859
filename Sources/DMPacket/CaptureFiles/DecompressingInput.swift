import DMBytes
import DMRecord
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// A byte input that recognises gzip and LZ4-frame compression by magic and hands out the
/// decompressed bytes, so capture readers never need `zcat` or `lz4cat` in front of them.
public final class DecompressingInput {
    /// The compression found at the start of the input.
    public enum Compression: String, Sendable {
        case none, gzip, lz4
    }

    /// The input's name in error messages.
    public let inputName: String
    /// What the input turned out to be; known after the first read.
    @exclusivity(unchecked) public private(set) var compression: Compression = .none
    /// Whether the input ended inside a gzip member or LZ4 frame (the decompressed bytes up to
    /// there were delivered).
    @exclusivity(unchecked) public private(set) var endedInsideCompressedData = false
    /// Whether a SIGINT or SIGTERM ended the input.
    public var stoppedBySignal: Bool { self.input.stoppedBySignal }
    /// The request that ends the input.
    public var stop: StopSignal { self.input.stop }
    /// Told before a read waits on a quiet input (a capture arriving through a pipe), so the
    /// stage's writer flushes the records it holds.
    public var idleObserver: (any InputIdleObserver)?

    private let input: InputDescriptor
    private let raw: ByteStorage
    @exclusivity(unchecked) private var rawStart = 0
    @exclusivity(unchecked) private var rawEnd = 0
    @exclusivity(unchecked) private var sniffed = false
    @exclusivity(unchecked) private var gzip: GzipDecoder?
    @exclusivity(unchecked) private var lz4: LZ4FrameDecoder?
    @exclusivity(unchecked) private var rawOffset: UInt64 = 0
    /// Set once the input was handed out as a mapping: it has nothing left to read.
    @exclusivity(unchecked) private var mapped = false

    /// Reads `fd`; `alreadyRead` holds bytes the caller read from it to recognise the format.
    /// The input ends when a read is interrupted while `stop` is raised.
    public init(
        fileDescriptor fd: Int32, inputName: String, closesDescriptor: Bool = false, alreadyRead: [UInt8] = [],
        stop: StopSignal = .process
    ) {
        self.input = InputDescriptor(fileDescriptor: fd, name: inputName, closesDescriptor: closesDescriptor, stop: stop)
        self.inputName = inputName
        self.raw = ByteStorage(count: 1 << 20)
        self.raw.mutableView.copy(alreadyRead, to: 0)
        self.rawEnd = alreadyRead.count
    }

    /// The whole input mapped in place, when it is an uncompressed regular file that nothing was
    /// read from yet but the bytes given to ``init``, so that a capture reader parses the file
    /// without copying it. The input is used up then: ``read(into:)`` returns 0. Nil otherwise
    /// (a pipe, a socket, compressed data), and the input is read as usual.
    func mapPlainFile() -> FileMapping? {
        guard !self.sniffed, !self.mapped, self.rawStart == 0,
            let mapping = FileMapping.mapRest(of: self.input.fileDescriptor, alreadyRead: self.rawEnd, minimumSize: 1)
        else { return nil }
        guard case .plain = Self.classify(Array(mapping.bytes.prefix(6))) else { return nil }
        self.mapped = true
        return mapping
    }

    /// Fills `destination` with up to its size in decompressed bytes; 0 at the end of the input.
    public func read(into destination: MutableByteView) throws(CaptureFileError) -> Int {
        if self.mapped { return 0 }
        if !self.sniffed { try self.sniff() }
        while true {
            if self.compression == .none {
                if self.rawStart < self.rawEnd {
                    let count = min(destination.count, self.rawEnd - self.rawStart)
                    destination.copy(self.raw.view.subview(self.rawStart..<(self.rawStart + count)), to: 0)
                    self.rawStart += count
                    return count
                }
                // Plain input bypasses the staging buffer.
                return try self.readRaw(into: destination) ?? 0
            }
            if self.rawStart == self.rawEnd {
                self.rawStart = 0
                guard let count = try self.readRaw(into: self.raw.mutableView) else {
                    self.rawEnd = 0
                    self.endedInsideCompressedData = (self.gzip?.insideMember ?? false) || (self.lz4?.insideFrame ?? false)
                    return 0
                }
                self.rawEnd = count
            }
            let source = self.raw.view.subview(self.rawStart..<self.rawEnd)
            let consumed: Int, produced: Int
            if let gzip = self.gzip {
                do {
                    (consumed, produced) = try gzip.decompress(source, into: destination)
                } catch {
                    throw CaptureFileError(input: self.inputName, offset: self.rawOffset, message: error.message)
                }
            } else {
                do {
                    let step = try self.lz4!.decompress(source, into: destination)
                    (consumed, produced) = (step.consumed, step.produced)
                } catch {
                    throw CaptureFileError(input: self.inputName, offset: self.rawOffset, message: "LZ4 data is corrupt: \(error.message)")
                }
            }
            self.rawStart += consumed
            self.rawOffset += UInt64(consumed)
            if produced > 0 { return produced }
        }
    }

    private func readRaw(into space: MutableByteView) throws(CaptureFileError) -> Int? {
        do {
            return try self.input.read(into: space, idleObserver: self.idleObserver)
        } catch {
            throw CaptureFileError(input: self.inputName, offset: self.rawOffset, message: error.description)
        }
    }

    /// Reads the first bytes and decides on the decoder.
    private func sniff() throws(CaptureFileError) {
        self.sniffed = true
        while self.rawEnd < 6, let count = try self.readRaw(into: self.raw.mutableView.subview(from: self.rawEnd)) {
            self.rawEnd += count
        }
        switch Self.classify(Array(self.raw.view.subview(0..<self.rawEnd).prefix(6))) {
        case .plain:
            break
        case .gzip:
            self.compression = .gzip
            self.gzip = GzipDecoder()
        case .lz4:
            self.compression = .lz4
            self.lz4 = LZ4FrameDecoder()
        case .refused(let message):
            throw CaptureFileError(input: self.inputName, offset: 0, message: message)
        }
    }

    /// What an input's first bytes say it is.
    private enum Head {
        case plain, gzip, lz4
        /// Compressed in a format that is not read directly; the message says what to do.
        case refused(String)
    }

    /// Recognises compression by the magic at the start of `head` (its first six bytes).
    private static func classify(_ head: [UInt8]) -> Head {
        func starts(_ magic: [UInt8]) -> Bool { head.starts(with: magic) }
        if starts([0x1F, 0x8B]) { return .gzip }
        if starts([0x04, 0x22, 0x4D, 0x18]) { return .lz4 }
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) {
            return .refused("xz-compressed input is not read directly; decompress it first (xzcat FILE | dm-capture --input -)")
        }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) {
            return .refused("zstd-compressed input is not read directly; decompress it first (zstdcat FILE | dm-capture --input -)")
        }
        if starts([0x42, 0x5A, 0x68]) {
            return .refused("bzip2-compressed input is not read directly; decompress it first (bzcat FILE | dm-capture --input -)")
        }
        return .plain
    }
}
