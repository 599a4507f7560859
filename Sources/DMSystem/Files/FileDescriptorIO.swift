import CDMShims

#if canImport(Glibc)
import Glibc
#endif

/// Thin wrappers over read(2), write(2) and poll(2) on a raw descriptor.
///
/// An interrupted read is reported, not retried, when its ``StopSignal`` is raised, so a
/// SIGINT reaches a stage blocked on a quiet input at once.
public enum FileDescriptorIO {
    /// The outcome of one read.
    public enum ReadResult {
        case bytes(Int)
        case endOfInput
        /// A stop signal interrupted the read.
        case interrupted
    }

    /// Reads at most `buffer.count` bytes; an interrupted read is retried unless `stop` is raised.
    @inlinable
    public static func read(
        _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, object: String, stop: StopSignal = .process
    ) throws(SystemError) -> ReadResult {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .endOfInput }
            let code = errno
            if code == EINTR {
                if stop.isRaised { return .interrupted }
                continue
            }
            throw SystemError(code: code, operation: "read from", object: object)
        }
    }

    /// Writes all of `bytes`, retrying short writes and interruptions: buffered data is written
    /// even while the stage is stopping.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, object: String) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if count >= 0 {
                offset += count
                continue
            }
            let code = errno
            if code == EINTR { continue }
            throw SystemError(code: code, operation: "write to", object: object)
        }
    }

    /// Whether `fd` has data (or end of input) ready without waiting.
    public static func isReadable(_ fd: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) != 0
    }

    /// Grows the pipe behind `fd` to `bytes` if it is a pipe; a larger pipe cuts context
    /// switches about threefold. Failure (not a pipe, above the system limit) is harmless.
    public static func growPipe(_ fd: Int32, to bytes: Int32 = 1 << 20) {
        _ = cdm_set_pipe_size(fd, bytes)
    }

    /// Whether `fd` is a terminal.
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
}
