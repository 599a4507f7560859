/// Why a stream could not be read, with the byte offset where the problem starts.
public struct RecordStreamError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kinds of problem a reader reports.
    public enum Kind: Hashable, Sendable {
        /// The input ends inside a record, header or LZ4 frame.
        case truncated
        /// A length field below 4 or above the maximum.
        case invalidLength
        /// A record of type 0.
        case invalidType
        /// Records before any header.
        case missingHeader
        /// A header with a format version this library does not read.
        case unsupportedVersion
        /// A header whose entries are malformed or too long.
        case invalidHeader
        /// The input is another known format (pcap, gzip, …).
        case foreignFormat
        /// The LZ4 decoder rejected the data.
        case compression
        /// The operating system reported an error.
        case system
    }

    /// What went wrong.
    public var kind: Kind
    /// Offset in the (decompressed) stream where the problem starts.
    public var offset: UInt64
    /// The input's name: a path, `standard input`, an endpoint.
    public var input: String
    /// The explanation, in words a user can act on.
    public var message: String

    public init(kind: Kind, offset: UInt64, input: String, message: String) {
        self.kind = kind
        self.offset = offset
        self.input = input
        self.message = message
    }

    public var description: String { "\(self.input): offset \(self.offset): \(self.message)" }
}
