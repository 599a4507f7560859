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
        /// The fields of a record's type do not end exactly at its RDLENGTH: a field is cut by the
        /// end of the RDATA, or bytes are left over after the last field.
        case rdataLength = "rdata_length"
        /// An EDNS option runs past the OPT record, or its content is wrong for its code (a client
        /// subnet with an unknown family or a prefix longer than the address, a fixed-size option
        /// of another size).
        case badEDNSOption = "bad_edns_option"
        /// An SVCB/HTTPS parameter runs past the record, has the wrong size for its key (port not
        /// 2 bytes, an ALPN list whose lengths do not add up, hints not a multiple of the address
        /// size), uses the reserved key 65535, or keys are not strictly ascending.
        case badServiceParameter = "bad_service_parameter"
        /// An NSEC/NSEC3/CSYNC type bitmap whose windows are out of order, empty, longer than 32
        /// bytes, or run past the record.
        case badTypeBitmap = "bad_type_bitmap"
        /// A value the record's type forbids, such as an APL item of unknown family or with
        /// trailing zero address bytes.
        case badRdataValue = "bad_rdata_value"
    }

    /// What is wrong.
    public var kind: Kind
    /// Offset in the message where the damage was found.
    public var offset: Int

    /// An error of `kind` found at `offset` in the message.
    public init(kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    /// "DNS message rdata length at byte 40", for logs.
    public var description: String { "DNS message \(String(self.kind.rawValue.map { $0 == "_" ? " " : $0 })) at byte \(self.offset)" }
}
