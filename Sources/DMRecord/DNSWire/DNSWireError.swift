/// Why a DNS message failed the wire-format check, with the byte offset inside the message.
public struct DNSWireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kinds of damage the validator distinguishes (each is a separate counter in dm-parse).
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// Shorter than the 12-byte header.
        case shortHeader = "short_header"
        /// A name, record or field runs past the end of the message.
        case truncated
        /// A compression pointer outside the message, or a chain of them that loops.
        case badPointer = "bad_pointer"
        /// A label type other than a length (00) or a pointer (11).
        case badLabel = "bad_label"
        /// A name longer than 255 bytes.
        case nameTooLong = "name_too_long"
    }

    public var kind: Kind
    /// Offset in the message where the damage was found.
    public var offset: Int

    public init(kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String { "DNS message \(String(self.kind.rawValue.map { $0 == "_" ? " " : $0 })) at byte \(self.offset)" }
}
