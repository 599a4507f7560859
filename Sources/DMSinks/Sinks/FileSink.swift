import DMBytes
import DMRecord
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// Lines to standard output or to a file, through one reused buffer.
///
/// A line counts as written only once the kernel has taken all of it. When a write fails (a
/// full disk, an I/O error), what did not go out stays buffered, a line cut short included, and
/// is written first when writing works again (tried at most every 100 ms meanwhile); lines that
/// find the buffer full count as failed, and so does whatever is still buffered at
/// ``finish()``. One warning names the failure and one says when writing works again. A
/// consumer that closes standard output ends the stage (``SinkError/isConsumerClosed``).
///
/// A file is opened for appending, so an external rotation (logrotate's `create` or
/// `copytruncate`) and ``reopen()`` after SIGHUP lose nothing. The sink can also rotate on its
/// own, by size and by age: the file is renamed to `PATH.1` (older ones shift to `PATH.2`, …,
/// and beyond ``Rotation/keep`` are deleted) and a new `PATH` is started; a path that is not a
/// regular file (`/dev/stdout`, a FIFO, a link) is never rotated.
public final class FileSink: OutputSink {
    /// Where lines go.
    public enum Destination: Hashable, Sendable {
        case standardOutput
        case path(String)
    }

    /// When the sink rotates its file itself.
    public struct Rotation: Hashable, Sendable {
        /// Rotate before a line would take the file past this many bytes; 0 turns it off.
        public var maximumBytes: UInt64
        /// Rotate once the file has been open this long (monotonic nanoseconds); 0 turns it off.
        public var maximumAgeNanoseconds: UInt64
        /// How many rotated files to keep (`PATH.1` … `PATH.N`).
        public var keep: Int

        public init(maximumBytes: UInt64 = 0, maximumAgeNanoseconds: UInt64 = 0, keep: Int = 4) {
            self.maximumBytes = maximumBytes
            self.maximumAgeNanoseconds = maximumAgeNanoseconds
            self.keep = keep
        }

        /// No rotation by the sink.
        public static let none = Rotation()
    }

    /// Bytes buffered before a write, unless a single line needs more.
    public static let bufferCapacity = 1 << 20

    public let name: String
    @exclusivity(unchecked) public var counters = SinkCounters()
    public let destination: Destination
    public let rotation: Rotation
    /// Files this sink has rotated.
    @exclusivity(unchecked) public private(set) var rotations: UInt64 = 0

    /// The destination's name in messages.
    private let outputName: String
    @exclusivity(unchecked) private var fd: Int32
    /// Lines gathered between writes; replaced by a larger one only for a line that does not
    /// fit an empty buffer.
    @exclusivity(unchecked) private var buffer = ByteStorage(count: FileSink.bufferCapacity)
    @exclusivity(unchecked) private var used = 0
    /// Where each buffered line ends in ``buffer``; the first may have been partly written.
    @exclusivity(unchecked) private var lineEnds: [Int] = []
    @exclusivity(unchecked) private var clock = FlushClock(policy: .standard)
    /// The failure of the last write while writing keeps failing; nil once a write succeeds.
    @exclusivity(unchecked) private var failure: SystemError?
    @exclusivity(unchecked) private var failedAt: UInt64 = 0
    /// ``SinkCounters/failed`` when the current failure began, for the recovery message.
    @exclusivity(unchecked) private var failedBeforeOutage: UInt64 = 0
    private let warn: (String) -> Void
    /// Whether lines must be checked against ``rotation`` (a file with a size or age limit);
    /// decided once, so writing a line touches no enum payload.
    private let checksRotation: Bool
    @exclusivity(unchecked) private var fileBytes: UInt64 = 0
    @exclusivity(unchecked) private var openedAt: UInt64 = 0

    /// Opens `destination`; a file is created if needed (with missing folders above it) and
    /// appended to. `warn` receives the
    /// messages about failing and recovering writes.
    public init(_ destination: Destination, rotation: Rotation = .none, warn: @escaping (String) -> Void = { _ in }) throws(SinkError) {
        self.destination = destination
        self.rotation = rotation
        self.warn = warn
        self.lineEnds.reserveCapacity(4096)
        switch destination {
        case .standardOutput:
            self.name = "stdout"
            self.outputName = "standard output"
            self.fd = 1
            self.checksRotation = false
        case .path(let path):
            self.name = "file"
            self.outputName = path
            self.fd = try Self.open(path)
            // A device, FIFO or link to one (`/dev/stdout`) is never renamed away.
            var status = stat()
            let isRegularFile = lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
            self.checksRotation = isRegularFile && (rotation.maximumBytes > 0 || rotation.maximumAgeNanoseconds > 0)
            self.fileBytes = Self.size(of: path)
            self.openedAt = WallClock.monotonicNanoseconds()
        }
        FileDescriptorIO.growPipe(self.fd)
    }

    deinit {
        if case .path = self.destination { close(self.fd) }
    }

    /// Opens `path` for appending, creating it, and the folders above it when they are missing
    /// (as dnsmonster's file output does).
    private static func open(_ path: String) throws(SinkError) -> Int32 {
        var fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0 && errno == ENOENT, let folder = Folders.parent(of: path) {
            do { try Folders.create(folder) } catch { throw .open(error) }
            fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw .open(SystemError.current("open", path)) }
        return fd
    }

    private static func size(of path: String) -> UInt64 {
        var status = stat()
        return stat(path, &status) == 0 ? UInt64(status.st_size) : 0
    }

    public func write(_ line: ByteView, timeNanoseconds: UInt64) throws(SinkError) {
        guard try self.append(line) else {
            self.counters.failed &+= 1
            return
        }
        self.lineEnds.append(self.used)
        if self.clock.noteAppend() { try self.writeBuffered(retryingNow: false) }
    }

    public func writeHeader(_ line: ByteView) throws(SinkError) {
        // Not a record: buffered like one (it must come first) but never counted.
        _ = try self.append(line)
    }

    /// Copies `line` into the buffer, writing the buffer first when it has no room; false when
    /// there is still no room because writing fails.
    @inline(__always)
    private func append(_ line: ByteView) throws(SinkError) -> Bool {
        if self.checksRotation { try self.rotateIfDue(adding: line.count) }
        if line.count > self.buffer.count &- self.used {
            guard try self.makeRoom(line.count) else { return false }
        }
        self.buffer.mutableView.copy(line, to: self.used)
        self.used &+= line.count
        self.fileBytes &+= UInt64(line.count)
        return true
    }

    private func makeRoom(_ count: Int) throws(SinkError) -> Bool {
        try self.writeBuffered(retryingNow: false)
        if self.used == 0 && count > self.buffer.count {
            self.buffer = ByteStorage(count: count)
        }
        return count <= self.buffer.count &- self.used
    }

    /// Writes what is buffered; while writes fail, tries again only every 100 ms unless
    /// `retryingNow`.
    private func writeBuffered(retryingNow: Bool) throws(SinkError) {
        guard self.used > 0 else { return }
        if self.failure != nil && !retryingNow && WallClock.monotonicNanoseconds() &- self.failedAt < 100_000_000 { return }
        let progress = FileDescriptorIO.writeUntilFailure(self.fd, self.buffer.view.subview(0..<self.used), object: self.outputName)
        if progress.written == self.used {
            self.counters.written &+= UInt64(self.lineEnds.count)
            self.used = 0
            self.lineEnds.removeAll(keepingCapacity: true)
            self.clock.reset()
            if self.failure != nil { self.noteRecovery() }
            return
        }
        let error = progress.error ?? SystemError(code: EIO, operation: "write to", object: self.outputName)
        if error.code == EPIPE {
            throw .write(RecordWriteError(kind: .consumerClosed, output: self.outputName, message: "the consumer closed its end"))
        }
        self.keepUnwritten(after: progress.written)
        self.noteFailure(error)
    }

    /// Moves the bytes from `written` on to the start of the buffer; the lines that ended
    /// before it are written.
    private func keepUnwritten(after written: Int) {
        guard written > 0 else { return }
        let whole = self.lineEnds.firstIndex { $0 > written } ?? self.lineEnds.count
        self.counters.written &+= UInt64(whole)
        self.lineEnds.removeFirst(whole)
        for index in self.lineEnds.indices { self.lineEnds[index] -= written }
        let view = self.buffer.mutableView
        view.copy(view.view.subview(written..<self.used), to: 0)
        self.used -= written
    }

    private func noteFailure(_ error: SystemError) {
        self.failedAt = WallClock.monotonicNanoseconds()
        if self.failure == nil {
            self.failedBeforeOutage = self.counters.failed
            self.warn("\(self.name): \(error); lines wait while the buffer has room and count as failed after that")
        }
        self.failure = error
    }

    private func noteRecovery() {
        self.failure = nil
        self.warn("\(self.name): writing to \(self.outputName) works again; \(self.counters.failed &- self.failedBeforeOutage) lines failed meanwhile")
    }

    public func flush() throws(SinkError) {
        try self.writeBuffered(retryingNow: false)
    }

    public func reopen() throws(SinkError) {
        guard case .path(let path) = self.destination else { return }
        try self.writeBuffered(retryingNow: true)
        let fd = try Self.open(path)
        close(self.fd)
        self.fd = fd
        self.fileBytes = Self.size(of: path) &+ UInt64(self.used)
        self.openedAt = WallClock.monotonicNanoseconds()
    }

    /// Writes what is buffered; lines that still cannot be written count as failed (the first
    /// of them may be in the file in part).
    public func finish() throws(SinkError) {
        try self.writeBuffered(retryingNow: true)
        guard self.used > 0 else { return }
        self.counters.failed &+= UInt64(self.lineEnds.count)
        self.used = 0
        self.lineEnds.removeAll()
    }

    private func rotateIfDue(adding bytes: Int) throws(SinkError) {
        let bySize = self.rotation.maximumBytes > 0 && self.fileBytes > 0
            && self.fileBytes &+ UInt64(bytes) > self.rotation.maximumBytes
        let byAge = self.rotation.maximumAgeNanoseconds > 0
            && WallClock.monotonicNanoseconds() &- self.openedAt >= self.rotation.maximumAgeNanoseconds
        guard bySize || byAge, case .path(let path) = self.destination else { return }
        try self.writeBuffered(retryingNow: true)
        // Shift PATH.(keep-1) → PATH.keep, …, PATH → PATH.1; the oldest is replaced.
        if self.rotation.keep > 0 {
            for index in stride(from: self.rotation.keep - 1, through: 1, by: -1) {
                _ = rename("\(path).\(index)", "\(path).\(index + 1)")
            }
            guard rename(path, "\(path).1") == 0 else { throw .open(SystemError.current("rotate", path)) }
        } else {
            guard unlink(path) == 0 else { throw .open(SystemError.current("rotate", path)) }
        }
        self.rotations &+= 1
        try self.reopen()
    }
}
