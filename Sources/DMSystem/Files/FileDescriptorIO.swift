import CDMShims
import DMBytes

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
        _ fd: Int32, into buffer: MutableByteView, object: String, stop: StopSignal = .process
    ) throws(SystemError) -> ReadResult {
        switch retryingInterrupts(stop: stop, { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }) {
        case .value(0): return .endOfInput
        case .value(let count): return .bytes(count)
        case .interrupted: return .interrupted
        case .failed(let code): throw SystemError(code: code, operation: "read from", object: object)
        }
    }

    /// Reads `fd` to its end, retrying interrupted reads (a file read is short: it finishes
    /// even while the process is stopping). `expectedSize` sizes the result up front.
    public static func readToEnd(_ fd: Int32, object: String, expectedSize: Int = 0) throws(SystemError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(max(0, expectedSize) + 1)
        let chunk = ByteStorage(count: 1 << 20)
        let neverRaised = StopSignal()
        while case .bytes(let count) = try Self.read(fd, into: chunk.mutableView, object: object, stop: neverRaised) {
            bytes += chunk.view.subview(0..<count)
        }
        return bytes
    }

    /// Writes all of `bytes`, retrying short writes and interruptions: buffered data is written
    /// even while the stage is stopping.
    public static func writeAll(_ fd: Int32, _ bytes: ByteView, object: String) throws(SystemError) {
        let progress = Self.writeUntilFailure(fd, bytes, object: object)
        if let error = progress.error { throw error }
    }

    /// How far a write got: the bytes the kernel took, and why it stopped short, if it did.
    public struct WriteProgress: Sendable {
        /// Bytes written, from the start.
        public var written: Int
        /// The failure that stopped the write; nil when every byte was written.
        public var error: SystemError?
    }

    /// Writes as much of `bytes` as the kernel takes, retrying short writes and interruptions,
    /// and says how far it got: after a failure (a full disk) the caller knows which bytes are
    /// out and which are not.
    public static func writeUntilFailure(_ fd: Int32, _ bytes: ByteView, object: String) -> WriteProgress {
        var offset = 0
        while offset < bytes.count {
            let rest = bytes.subview(from: offset)
            switch retryingInterrupts({ rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }) {
            case .value(let count): offset += count
            case .interrupted: continue
            case .failed(let code): return WriteProgress(written: offset, error: SystemError(code: code, operation: "write to", object: object))
            }
        }
        return WriteProgress(written: offset, error: nil)
    }

    /// Sends `bytes` on the socket `fd` (without SIGPIPE), retrying interrupted sends; returns
    /// how many bytes the kernel took, which for a stream socket may be fewer than all.
    public static func send(_ fd: Int32, _ bytes: ByteView, object: String) throws(SystemError) -> Int {
        switch retryingInterrupts({ bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }) {
        case .value(let sent): return sent
        case .interrupted: return 0
        case .failed(let code): throw SystemError(code: code, operation: "send to", object: object)
        }
    }

    /// The error the socket `fd` holds for a later call (SO_ERROR, which reading clears): on a
    /// connected UDP socket, ECONNREFUSED after an earlier datagram met a closed port. 0 when none.
    public static func takePendingSocketError(_ fd: Int32) -> Int32 {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else { return errno }
        return code
    }

    /// Receives at most `buffer.count` bytes from the socket `fd`, retrying interrupted calls;
    /// 0 when the peer closed the connection.
    public static func receive(_ fd: Int32, into buffer: MutableByteView, object: String) throws(SystemError) -> Int {
        switch retryingInterrupts({ buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) } }) {
        case .value(let count): return count
        case .interrupted: return 0
        case .failed(let code): throw SystemError(code: code, operation: "receive from", object: object)
        }
    }

    /// Receives what the socket `fd` holds without waiting: nil when nothing is there yet, 0
    /// when the peer closed the connection.
    public static func receiveAvailable(_ fd: Int32, into buffer: MutableByteView, object: String) throws(SystemError) -> Int? {
        switch retryingInterrupts({ buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) } }) {
        case .value(let count): return count
        case .interrupted: return nil
        case .failed(let code):
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            throw SystemError(code: code, operation: "receive from", object: object)
        }
    }

    /// Waits until one of `descriptors` has data (or end of input) and returns its index; nil
    /// when a signal interrupted the wait while `stop` was raised.
    public static func waitForReadable(
        _ descriptors: [Int32], object: String, stop: StopSignal = .process
    ) throws(SystemError) -> Int? {
        var polled = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        switch retryingInterrupts(stop: stop, { polled.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), -1) } }) {
        case .value: return polled.firstIndex { $0.revents != 0 } ?? 0
        case .interrupted: return nil
        case .failed(let code): throw SystemError(code: code, operation: "poll", object: object)
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

    /// Whether `fd` is a regular file (not a pipe, socket or device).
    public static func isRegularFile(_ fd: Int32) -> Bool {
        var status = stat()
        return fstat(fd, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }
}
