import DMSystem

/// An exception the server sent: its code, name and message, as clickhouse-client shows them.
public struct ServerException: Hashable, Sendable, CustomStringConvertible {
    /// The error code (ErrorCodes.cpp): 60 unknown table, 81 unknown database, 193 wrong password, …
    public var code: Int32
    /// The exception's class: `DB::Exception`.
    public var name: String
    /// The message.
    public var message: String

    public init(code: Int32, name: String, message: String) {
        self.code = code
        self.name = name
        self.message = message
    }

    public var description: String { "code \(self.code): \(self.message)" }

    /// Whether retrying cannot help: the server refuses the user, the database, the table or
    /// its columns, or the query itself. Anything else (too many parts, memory, a replica
    /// down) may pass, so it is retried.
    public var isPermanent: Bool {
        Self.permanentCodes.contains(self.code)
    }

    /// Syntax error, unknown identifier/table/database/column/user, wrong password,
    /// authentication failed, readonly, access denied, type mismatch, not enough privileges,
    /// no such column, cannot parse, illegal column, unknown setting.
    private static let permanentCodes: Set<Int32> = [
        6, 16, 27, 41, 44, 47, 53, 60, 62, 70, 81, 115, 164, 192, 193, 194, 195, 196, 291, 497, 516,
    ]
}

/// Why talking to ClickHouse failed.
public enum ClickHouseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Connecting, sending or receiving failed (refused, reset, timed out).
    case connection(SystemError)
    /// The server closed the connection in the middle of an exchange.
    case closedByServer(peer: String)
    /// The server answered with an exception.
    case server(ServerException, peer: String)
    /// The server sent something this client cannot read.
    case protocolViolation(peer: String, reason: String)
    /// The table has a column of a type this client does not write.
    case unsupportedType(column: String, type: String)
    /// The TLS handshake failed; `untrusted` when the server's certificate was refused.
    case tls(peer: String, reason: String, untrusted: Bool)

    public var description: String {
        switch self {
        case .connection(let error): return "ClickHouse: \(error)"
        case .closedByServer(let peer): return "ClickHouse \(peer) closed the connection"
        case .server(let exception, let peer): return "ClickHouse \(peer) refused: \(exception)"
        case .protocolViolation(let peer, let reason): return "ClickHouse \(peer) sent something unexpected: \(reason)"
        case .unsupportedType(let column, let type): return "column \(column) has type \(type), which this sink cannot write"
        case .tls(let peer, let reason, _): return "ClickHouse \(peer): TLS: \(reason)"
        }
    }

    /// Whether trying again (another connection, later) cannot help.
    public var isPermanent: Bool {
        switch self {
        case .server(let exception, _): return exception.isPermanent
        case .unsupportedType: return true
        case .tls(_, _, let untrusted): return untrusted
        default: return false
        }
    }
}
