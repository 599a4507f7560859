import DMBytes

/// A full structural check of a DNS message: header, every question, every resource record with
/// its RDATA checked field by field for its type, and every name with its compression pointers.
/// Every length is checked before it is read.
///
/// What counts as damage follows miekg/dns's `Msg.Unpack`, which dnsmonster uses: a message it
/// refuses, dnsmonster drops, so dm-parse counts it as malformed. The per-type rules are in
/// ``RDataDecoder`` and ``RDataSchema``.
///
/// Limits against hostile input, as swift-asn1 keeps its depth limit: a name is at most 255
/// bytes and follows at most ``maximumPointerHops`` compression pointers, so a pointer loop
/// ends in an error, never a hang.
///
/// A value of this type has looked up the per-type RDATA layouts once; loops over many
/// messages keep one and call ``validate(_:)-swift.method`` on it, since each call of the
/// static ``validate(_:)-swift.type.method`` reads that lazily built table again, and the
/// check that it was built cost 1% of dm-parse's time (measured).
public struct DNSMessageValidator: @unchecked Sendable {
    /// ``RDataSchema/layouts``, read once: never written after it is built, so safe to share.
    private let layouts: StaticTable<RDataSchema.Layout>

    /// A validator with the layouts looked up.
    public init() {
        self.layouts = RDataSchema.layouts
    }

    /// Validates `message` and returns its header summary.
    public func validate(_ message: ByteView) throws(DNSWireError) -> Summary {
        var visitor = DiscardingVisitor()
        return try DNSMessageWalker.walk(message, visitor: &visitor, layouts: self.layouts)
    }

    /// The most compression pointers one name may follow: miekg/dns's limit (a 255-byte name has
    /// at most 127 labels, the last one the root).
    @inlinable public static var maximumPointerHops: Int { 126 }

    /// The header fields every stage needs, read while validating.
    @frozen
    public struct Summary: Hashable, Sendable {
        /// The message ID.
        public var id: UInt16
        /// The 16 flag bits: QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode.
        public var flags: UInt16
        /// QDCOUNT.
        public var questionCount: UInt16
        /// ANCOUNT.
        public var answerCount: UInt16
        /// NSCOUNT.
        public var authorityCount: UInt16
        /// ARCOUNT.
        public var additionalCount: UInt16
        /// The upper 8 bits of the extended rcode: the top byte of the TTL of the last OPT record
        /// in the additional section, 0 without one.
        public var extendedRcodeBits: UInt8

        @inlinable
        public init(
            id: UInt16, flags: UInt16, questionCount: UInt16, answerCount: UInt16, authorityCount: UInt16,
            additionalCount: UInt16, extendedRcodeBits: UInt8
        ) {
            self.id = id
            self.flags = flags
            self.questionCount = questionCount
            self.answerCount = answerCount
            self.authorityCount = authorityCount
            self.additionalCount = additionalCount
            self.extendedRcodeBits = extendedRcodeBits
        }

        /// Whether the message is a response.
        public var isResponse: Bool { self.flags & 0x8000 != 0 }
        /// The 4-bit response code of the header (without EDNS extension).
        public var rcode: UInt8 { UInt8(self.flags & 0x000F) }
        /// The 12-bit response code with the EDNS extension, as miekg reports it in `Rcode`.
        public var extendedRcode: Int { Int(self.extendedRcodeBits) << 4 | Int(self.rcode) }
        /// The opcode.
        public var opcode: UInt8 { UInt8((self.flags >> 11) & 0x0F) }
    }

    /// Validates `message` and returns its header summary.
    public static func validate(_ message: ByteView) throws(DNSWireError) -> Summary {
        try DNSMessageValidator().validate(message)
    }

    /// Checks the name at `offset` and returns the offset just after it in the message.
    public static func skipName(_ message: ByteView, at start: Int) throws(DNSWireError) -> Int {
        try DNSNameWalk.skip(message, at: start)
    }
}
