/// Why records could not be written.
public struct RecordWriteError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The consumer closed its end (EPIPE): the stage should end quietly.
        case consumerClosed
        /// A record larger than the format allows.
        case recordTooLarge
        /// The operating system reported an error.
        case system
        /// The LZ4 encoder failed.
        case compression
    }

    public var kind: Kind
    /// The output's name: a path, `standard output`, an endpoint.
    public var output: String
    public var message: String

    public init(kind: Kind, output: String, message: String) {
        self.kind = kind
        self.output = output
        self.message = message
    }

    public var description: String { "\(self.output): \(self.message)" }
}
