import DMBytes
import DMRecord
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// Records as syslog messages over UDP, TCP or a Unix socket.
///
/// Over UDP and Unix datagram sockets each record is one datagram; a closed port's refusal
/// (reported on a later send) turns an earlier datagram from written into failed. Over TCP,
/// messages are framed (RFC 6587: octet counting or a newline; dnsmonster's header ends each
/// message with its newline) and buffered like file output.
/// A syslog server that is down or goes away loses records but never stops the pipeline: every
/// such record counts as failed, one warning names the outage, and the sink reconnects at most
/// once a second.
public final class SyslogSink: OutputSink {
    /// How messages are delimited on a stream (RFC 6587).
    public enum Framing: String, CaseIterable, Hashable, Sendable {
        /// `LENGTH SP MESSAGE`: safe for messages containing newlines.
        case octetCounting = "octet-counting"
        /// `MESSAGE LF`: what older receivers expect.
        case newline
    }

    public let name = "syslog"
    @exclusivity(unchecked) public var counters = SinkCounters()
    public let address: SyslogAddress
    public let framing: Framing
    /// Messages longer than this are cut (UDP's practical limit; rsyslog's default is 8 KiB).
    public let maximumMessageBytes: Int

    @exclusivity(unchecked) private var header: SyslogHeader
    /// Whether each message ends with its newline (dnsmonster's header), which on a stream is
    /// then the newline framing's delimiter.
    private let keepsNewline: Bool
    @exclusivity(unchecked) private var fd: Int32 = -1
    @exclusivity(unchecked) private var stream = false
    @exclusivity(unchecked) private var retryAt: UInt64 = 0
    @exclusivity(unchecked) private var warnedOutage = false
    /// One message (datagrams), or many framed messages (streams).
    private let storage: ByteStorage
    @exclusivity(unchecked) private var used = 0
    /// Records among the buffered messages.
    @exclusivity(unchecked) private var bufferedMessages: UInt64 = 0
    @exclusivity(unchecked) private var clock = FlushClock(policy: .standard)
    private let warn: (String) -> Void

    /// Opens the connection; a server that cannot be reached yet is retried when records come.
    public init(
        address: SyslogAddress, header: SyslogHeader, framing: Framing = .octetCounting, maximumMessageBytes: Int = 65_000,
        warn: @escaping (String) -> Void
    ) {
        self.address = address
        self.header = header
        self.keepsNewline = header.format.endsWithNewline
        self.framing = framing
        self.maximumMessageBytes = maximumMessageBytes
        self.warn = warn
        self.storage = ByteStorage(count: max(1 << 18, maximumMessageBytes + SyslogHeader.maximumLength + 16))
        self.connect()
    }

    deinit {
        if self.fd >= 0 { close(self.fd) }
    }

    /// Whether the sink currently holds a connection.
    public var isConnected: Bool { self.fd >= 0 }

    private func connect() {
        let now = WallClock.monotonicNanoseconds()
        guard now >= self.retryAt else { return }
        do {
            (self.fd, self.stream) = try self.address.connect()
            if self.warnedOutage {
                self.warn("syslog \(self.address): connected again")
                self.warnedOutage = false
            }
        } catch {
            self.retryAt = now &+ 1_000_000_000
            self.noteOutage(error.description)
        }
    }

    private func noteOutage(_ reason: String) {
        guard !self.warnedOutage else { return }
        self.warnedOutage = true
        self.warn("syslog \(self.address): \(reason); retrying every second, records meanwhile count as failed")
    }

    private func disconnect(_ error: SystemError) {
        if self.fd >= 0 { close(self.fd) }
        self.fd = -1
        self.retryAt = WallClock.monotonicNanoseconds() &+ 1_000_000_000
        self.noteOutage(error.description)
    }

    public func write(_ line: ByteView, timeNanoseconds: UInt64) throws(SinkError) {
        self.send(line, timeNanoseconds: timeNanoseconds, isRecord: true)
    }

    public func writeHeader(_ line: ByteView) throws(SinkError) {
        self.send(line, timeNanoseconds: 0, isRecord: false)
    }

    /// Sends or buffers one message; only a record counts as written or failed.
    private func send(_ line: ByteView, timeNanoseconds: UInt64, isRecord: Bool) {
        let buffer = self.storage.mutableView
        if self.fd < 0 { self.connect() }
        guard self.fd >= 0 else {
            if isRecord { self.counters.failed &+= 1 }
            return
        }
        // The message is the line without its newline (framing adds its own delimiter).
        let lineLength = line.count > 0 && line[line.count - 1] == 0x0A ? line.count - 1 : line.count
        let body = min(lineLength, self.maximumMessageBytes)
        let room = SyslogHeader.maximumLength + body + 8
        if self.stream && self.used + room > buffer.count { self.flushStream() }
        guard self.fd >= 0 else {
            if isRecord { self.counters.failed &+= 1 }
            return
        }
        // Octet counting puts the length in front: leave room for it, then move it into place.
        let framed = self.stream && self.framing == .octetCounting
        let start = self.used + (framed ? 6 : 0)
        var end = start + self.header.write(timeNanoseconds: timeNanoseconds, into: buffer.subview(from: start))
        buffer.copy(line.subview(0..<body), to: end)
        end += body
        if self.keepsNewline {
            buffer[end] = 0x0A
            end += 1
        }
        if !self.stream {
            self.sendDatagram(buffer.view.subview(start..<end), isRecord: isRecord)
            return
        }
        if framed {
            // The decimal length and a space, written backwards into the reserved room: no
            // allocation per message.
            var position = start - 1
            buffer[position] = UInt8(ascii: " ")
            var length = end - start
            repeat {
                position -= 1
                buffer[position] = UInt8(ascii: "0") + UInt8(length % 10)
                length /= 10
            } while length > 0
            if position > self.used {
                // Close the gap the unused part of the reserved room left.
                let moved = end - position
                buffer.copy(buffer.view.subview(position..<end), to: self.used)
                end = self.used + moved
            }
        } else if !self.keepsNewline {
            buffer[end] = 0x0A
            end += 1
        }
        self.used = end
        if isRecord { self.bufferedMessages &+= 1 }
        if self.clock.noteAppend() { self.flushStream() }
    }

    private func sendDatagram(_ message: ByteView, isRecord: Bool) {
        do {
            do {
                _ = try FileDescriptorIO.send(self.fd, message, object: self.address.description)
            } catch where error.code == ECONNREFUSED {
                // A closed port answered an earlier datagram, counted as written: it was
                // refused. The error is reported instead of sending this one, which is tried
                // once more (a server back up takes it).
                self.countRefusedDatagram()
                self.noteOutage(error.description)
                _ = try FileDescriptorIO.send(self.fd, message, object: self.address.description)
            }
            if isRecord { self.counters.written &+= 1 }
        } catch {
            if isRecord { self.counters.failed &+= 1 }
            // The socket stays usable after a refusal; any other error gets a new one.
            if error.code != ECONNREFUSED { self.disconnect(error) }
        }
    }

    /// An earlier datagram counted as written was refused by a closed port.
    private func countRefusedDatagram() {
        guard self.counters.written > 0 else { return }
        self.counters.written &-= 1
        self.counters.failed &+= 1
    }

    private func flushStream() {
        guard self.used > 0 else { return }
        defer {
            self.used = 0
            self.bufferedMessages = 0
            self.clock.reset()
        }
        guard self.fd >= 0 else {
            self.counters.failed &+= self.bufferedMessages
            return
        }
        var offset = 0
        while offset < self.used {
            do {
                offset += try FileDescriptorIO.send(self.fd, self.storage.view.subview(offset..<self.used), object: self.address.description)
            } catch {
                // What the kernel took may or may not have arrived; what it did not take is lost.
                self.counters.failed &+= self.bufferedMessages
                self.disconnect(error)
                return
            }
        }
        self.counters.written &+= self.bufferedMessages
    }

    public func flush() throws(SinkError) {
        self.flushStream()
    }

    public func reopen() throws(SinkError) {
        self.flushStream()
        if self.fd >= 0 { close(self.fd) }
        self.fd = -1
        self.retryAt = 0
        self.connect()
    }

    public func finish() throws(SinkError) {
        self.flushStream()
        // The last datagram sent to a closed port is refused after its send returned.
        if !self.stream && self.fd >= 0 && FileDescriptorIO.takePendingSocketError(self.fd) == ECONNREFUSED {
            self.countRefusedDatagram()
            self.noteOutage(SystemError(code: ECONNREFUSED, operation: "send to", object: self.address.description).description)
        }
    }
}
