import CTLSClient
import DMBytes

#if canImport(Glibc)
import Glibc
#endif

/// What a connection's bytes go through: a plain socket or TLS over one.
public protocol ByteStream: AnyObject {
    /// The peer as the user named it, for messages.
    var peer: String { get }
    /// Sends all of `bytes`.
    func sendAll(_ bytes: ByteView) throws(SystemError)
    /// Receives at most `buffer.count` bytes; 0 when the peer closed the connection.
    func receive(into buffer: MutableByteView) throws(SystemError) -> Int
    /// Makes a send or receive another thread is blocked in return now.
    func shutdown()
    /// Closes the connection.
    func close()
}

extension StreamSocket: ByteStream {}

/// Why a TLS handshake failed.
public struct TLSHandshakeError: Error, Hashable, Sendable, CustomStringConvertible {
    public var peer: String
    public var reason: String
    /// Whether the server's certificate was not trusted (a set-up problem, not an outage).
    public var isUntrustedCertificate: Bool

    public var description: String { "TLS with \(self.peer): \(self.reason)" }
}

/// TLS (OpenSSL, TLS 1.2 or later) over a connected ``StreamSocket``, whose timeouts bound
/// every wait as they do without TLS.
public final class TLSStream: ByteStream {
    private var session: OpaquePointer?
    private let socket: StreamSocket
    public var peer: String { self.socket.peer }

    /// Performs the handshake as a client of `serverName` (SNI; checked against the
    /// certificate when `verify`, with its chain against `caFile` or the system's CA store).
    /// - Throws: ``TLSHandshakeError``.
    public init(over socket: StreamSocket, serverName: String, caFile: String?, verify: Bool) throws(TLSHandshakeError) {
        self.socket = socket
        var error = [CChar](repeating: 0, count: 512)
        let session = cdm_tls_connect(socket.descriptor, serverName, caFile, verify ? 1 : 0, &error, error.count)
        guard let session else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw TLSHandshakeError(peer: socket.peer, reason: reason, isUntrustedCertificate: reason.hasPrefix("the server's certificate"))
        }
        self.session = session
    }

    deinit { self.close() }

    public func sendAll(_ bytes: ByteView) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let rest = bytes.subview(from: offset)
            var timedOut: Int32 = 0
            var error = [CChar](repeating: 0, count: 256)
            let written = rest.withUnsafeBytes { cdm_tls_write(self.session, $0.baseAddress, $0.count, &timedOut, &error, error.count) }
            guard written > 0 else { throw self.failure("send to", timedOut: timedOut != 0, error) }
            offset += written
        }
    }

    public func receive(into buffer: MutableByteView) throws(SystemError) -> Int {
        var timedOut: Int32 = 0
        var error = [CChar](repeating: 0, count: 256)
        let read = buffer.withUnsafeMutableBytes { cdm_tls_read(self.session, $0.baseAddress, $0.count, &timedOut, &error, error.count) }
        guard read >= 0 else { throw self.failure("wait for an answer from", timedOut: timedOut != 0, error) }
        return read
    }

    private func failure(_ operation: String, timedOut: Bool, _ error: [CChar]) -> SystemError {
        let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return SystemError(code: timedOut ? ETIMEDOUT : EPROTO, operation: operation, object: "\(self.socket.peer) (\(reason))")
    }

    public func shutdown() { self.socket.shutdown() }

    public func close() {
        if let session = self.session {
            cdm_tls_free(session)
            self.session = nil
        }
        self.socket.close()
    }
}
