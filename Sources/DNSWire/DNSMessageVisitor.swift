import DMBytes

/// What a walk over a DNS message reports, in wire order: questions, then each section's
/// records with their RDATA fields. The validator listens with no-ops; the renderers print.
///
/// Names are reported by where they start in `message` (walk them with ``DNSNameWalk``); byte
/// fields as views into the message. Every event comes after its bytes were checked.
public protocol DNSMessageVisitor {
    /// The question section begins; `count` questions follow.
    mutating func questionsStart(count: Int)
    /// One question.
    mutating func question(nameAt offset: Int, in message: ByteView, type: UInt16, class: UInt16)
    /// The question section ends.
    mutating func questionsEnd()
    /// A record section begins; `count` records follow.
    mutating func sectionStart(_ section: DNSSection, count: Int)
    /// A record section ends.
    mutating func sectionEnd(_ section: DNSSection)
    /// A record's header; its RDATA fields follow.
    mutating func recordStart(
        nameAt offset: Int, in message: ByteView, type: UInt16, class: UInt16, ttl: UInt32,
        rdataLength: UInt16)
    /// The record's RDATA fields were all reported.
    mutating func recordEnd()

    /// An integer field.
    mutating func unsignedField(_ field: RDataField, _ value: UInt64)
    /// A field of bytes: an address, a character-string's content, raw text, or binary data;
    /// `field.kind` tells which.
    mutating func bytesField(_ field: RDataField, _ bytes: ByteView)
    /// A domain-name field starting at `offset` in `message`.
    mutating func nameField(_ field: RDataField, nameAt offset: Int, in message: ByteView)
    /// A field the RDATA ended before: it keeps its zero value.
    mutating func zeroField(_ field: RDataField)
    /// A list field begins; elements follow until ``listEnd(_:)``.
    mutating func listStart(_ field: RDataField)
    /// A list field ends.
    mutating func listEnd(_ field: RDataField)
    /// A character-string of a TXT-like list.
    mutating func characterStringElement(_ bytes: ByteView)
    /// A type number of a type bitmap.
    mutating func typeElement(_ type: UInt16)
    /// A name of a list of names.
    mutating func nameElement(nameAt offset: Int, in message: ByteView)
    /// An EDNS option.
    mutating func ednsOptionElement(_ option: EDNSOption)
    /// An SVCB/HTTPS parameter.
    mutating func serviceParameterElement(_ parameter: ServiceParameter)
    /// An APL item.
    mutating func aplElement(_ item: APLItem)
    /// Whether the visitor listens to RDATA fields. One that does not (the validator) lets
    /// the walker accept the usual records by ``RDataDecoder/fitsExactly(_:in:from:)``,
    /// skipping the field-by-field decode.
    static var observesRData: Bool { get }
}

/// Every event a visitor does not listen for is a no-op, so a visitor implements only what it
/// needs (the validator none); after specialisation the no-ops disappear.
extension DNSMessageVisitor {
    @inlinable @inline(__always) public mutating func questionsStart(count: Int) {}
    @inlinable @inline(__always) public mutating func question(nameAt offset: Int, in message: ByteView, type: UInt16, class: UInt16) {}
    @inlinable @inline(__always) public mutating func questionsEnd() {}
    @inlinable @inline(__always) public mutating func sectionStart(_ section: DNSSection, count: Int) {}
    @inlinable @inline(__always) public mutating func sectionEnd(_ section: DNSSection) {}
    @inlinable @inline(__always) public mutating func recordStart(
        nameAt offset: Int, in message: ByteView, type: UInt16, class: UInt16, ttl: UInt32,
        rdataLength: UInt16) {}
    @inlinable @inline(__always) public mutating func recordEnd() {}
    @inlinable @inline(__always) public mutating func unsignedField(_ field: RDataField, _ value: UInt64) {}
    @inlinable @inline(__always) public mutating func bytesField(_ field: RDataField, _ bytes: ByteView) {}
    @inlinable @inline(__always) public mutating func nameField(_ field: RDataField, nameAt offset: Int, in message: ByteView) {}
    @inlinable @inline(__always) public mutating func zeroField(_ field: RDataField) {}
    @inlinable @inline(__always) public mutating func listStart(_ field: RDataField) {}
    @inlinable @inline(__always) public mutating func listEnd(_ field: RDataField) {}
    @inlinable @inline(__always) public mutating func characterStringElement(_ bytes: ByteView) {}
    @inlinable @inline(__always) public mutating func typeElement(_ type: UInt16) {}
    @inlinable @inline(__always) public mutating func nameElement(nameAt offset: Int, in message: ByteView) {}
    @inlinable @inline(__always) public mutating func ednsOptionElement(_ option: EDNSOption) {}
    @inlinable @inline(__always) public mutating func serviceParameterElement(_ parameter: ServiceParameter) {}
    @inlinable @inline(__always) public mutating func aplElement(_ item: APLItem) {}
    @inlinable @inline(__always) public static var observesRData: Bool { true }
}

/// The three record sections of a message.
public enum DNSSection: Hashable, Sendable {
    case answer, authority, additional
}

/// One APL item (RFC 3123) as miekg/dns decodes it.
public struct APLItem: Sendable {
    /// The "!" flag.
    public var negation: Bool
    /// 1 (IPv4) or 2 (IPv6).
    public var family: UInt16
    /// The prefix length in bits.
    public var prefixLength: UInt8
    /// The address, zero-filled after the bytes the item carries.
    public var address: IPAddressBytes

    @inlinable
    public init(negation: Bool, family: UInt16, prefixLength: UInt8, address: IPAddressBytes) {
        self.negation = negation
        self.family = family
        self.prefixLength = prefixLength
        self.address = address
    }
}

/// Listens to nothing: the validator's visitor. Specialised away entirely.
public struct DiscardingVisitor: DNSMessageVisitor {
    @inlinable public init() {}

    @inlinable @inline(__always) public static var observesRData: Bool { false }
}
