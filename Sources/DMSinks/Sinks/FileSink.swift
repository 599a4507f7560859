import DMBytes
import DMRecord
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// Lines to standard output or to a file, through one reused buffer (``RecordWriter``'s).
///
/// A file is opened for appending, so an external rotation (logrotate's `create` or
/// `copytruncate`) and ``reopen()`` after SIGHUP lose nothing. The sink can also rotate on its
/// own, by size and by age: the file is renamed to `PATH.1` (older ones shift to `PATH.2`, …,
/// and beyond ``Rotation/keep`` are deleted) and a new `PATH` is started.
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

    public let name: String
    @exclusivity(unchecked) public var counters = SinkCounters()
    public let destination: Destination
    public let rotation: Rotation
    /// Files this sink has rotated.
    @exclusivity(unchecked) public private(set) var rotations: UInt64 = 0

    /// One writer for the sink's life (a reopen gives it a new descriptor): a constant
    /// reference costs no retain per line, as a replaceable one would.
    private let writer: RecordWriter
    /// Whether lines must be checked against ``rotation`` (a file with a size or age limit);
    /// decided once, so writing a line touches no enum payload.
    private let checksRotation: Bool
    @exclusivity(unchecked) private var fileBytes: UInt64 = 0
    @exclusivity(unchecked) private var openedAt: UInt64 = 0

    /// Opens `destination`; a file is created if needed and appended to.
    public init(_ destination: Destination, rotation: Rotation = .none) throws(SinkError) {
        self.destination = destination
        self.rotation = rotation
        if case .path = destination {
            self.checksRotation = rotation.maximumBytes > 0 || rotation.maximumAgeNanoseconds > 0
        } else {
            self.checksRotation = false
        }
        switch destination {
        case .standardOutput:
            self.name = "stdout"
            self.writer = RecordWriter(fileDescriptor: 1, outputName: "standard output")
        case .path(let path):
            self.name = "file"
            self.writer = RecordWriter(fileDescriptor: try Self.open(path), outputName: path, closesDescriptor: true)
            self.fileBytes = Self.size(of: path)
            self.openedAt = WallClock.monotonicNanoseconds()
        }
    }

    private static func open(_ path: String) throws(SinkError) -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .open(SystemError.current("open", path)) }
        return fd
    }

    private static func size(of path: String) -> UInt64 {
        var status = stat()
        return stat(path, &status) == 0 ? UInt64(status.st_size) : 0
    }

    /// The reader's idle signal goes to the writer.
    public var idleObserver: InputIdleObserver { self.writer }

    public func write(_ line: ByteView, timeNanoseconds: UInt64) throws(SinkError) {
        if self.checksRotation { try self.rotateIfDue(adding: line.count) }
        do {
            try self.writer.writeRaw(line)
        } catch {
            throw .write(error)
        }
        self.fileBytes &+= UInt64(line.count)
        self.counters.written &+= 1
    }

    public func flush() throws(SinkError) {
        do { try self.writer.flush() } catch { throw .write(error) }
    }

    public func reopen() throws(SinkError) {
        guard case .path(let path) = self.destination else { return }
        try self.flush()
        let fd = try Self.open(path)
        do { try self.writer.replaceDescriptor(with: fd, closesDescriptor: true) } catch {
            close(fd)
            throw .write(error)
        }
        self.fileBytes = Self.size(of: path)
        self.openedAt = WallClock.monotonicNanoseconds()
    }

    public func finish() throws(SinkError) {
        do { try self.writer.finish() } catch { throw .write(error) }
    }

    private func rotateIfDue(adding bytes: Int) throws(SinkError) {
        let bySize = self.rotation.maximumBytes > 0 && self.fileBytes > 0
            && self.fileBytes &+ UInt64(bytes) > self.rotation.maximumBytes
        let byAge = self.rotation.maximumAgeNanoseconds > 0
            && WallClock.monotonicNanoseconds() &- self.openedAt >= self.rotation.maximumAgeNanoseconds
        guard bySize || byAge, case .path(let path) = self.destination else { return }
        try self.flush()
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
