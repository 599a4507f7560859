import DMRecord
import DMSystem

/// Why a sink cannot go on. A sink that can lose records and continue (syslog) counts them as
/// failed instead of throwing.
public enum SinkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Writing to a file or standard output failed (a full disk, a closed pipe, …).
    case write(RecordWriteError)
    /// The destination could not be opened or reached at start-up.
    case open(SystemError)
    /// A destination address that cannot be used.
    case invalidAddress(String, reason: String)

    public var description: String {
        switch self {
        case .write(let error): return error.description
        case .open(let error): return error.description
        case .invalidAddress(let address, let reason): return "'\(address)': \(reason)"
        }
    }

    /// Whether the consumer went away (EPIPE): a quiet end, as for every stage.
    public var isConsumerClosed: Bool {
        if case .write(let error) = self { return error.kind == .consumerClosed }
        return false
    }
}
