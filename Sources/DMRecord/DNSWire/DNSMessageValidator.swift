/// A full structural check of a DNS message: header, every question, every resource record,
/// and every name with its compression pointers. Every length is checked before it is read.
///
/// Limits against hostile input, as swift-asn1 keeps its depth limit: a name is at most 255
/// bytes and follows at most ``maximumPointerHops`` compression pointers, so a pointer loop
/// ends in an error, never a hang.
public enum DNSMessageValidator {
    /// The most compression pointers one name may follow (a 255-byte name has at most 127 labels).
    public static let maximumPointerHops = 127

    /// The header fields every stage needs, read while validating.
    @frozen
    public struct Summary: Hashable, Sendable {
        public var id: UInt16
        /// The 16 flag bits: QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode.
        public var flags: UInt16
        public var questionCount: UInt16
        public var answerCount: UInt16
        public var authorityCount: UInt16
        public var additionalCount: UInt16

        /// Whether the message is a response.
        public var isResponse: Bool { self.flags & 0x8000 != 0 }
        /// The 4-bit response code of the header (without EDNS extension).
        public var rcode: UInt8 { UInt8(self.flags & 0x000F) }
        /// The opcode.
        public var opcode: UInt8 { UInt8((self.flags >> 11) & 0x0F) }
    }

    /// Validates `message` and returns its header summary.
    public static func validate(_ message: UnsafeRawBufferPointer) throws(DNSWireError) -> Summary {
        guard message.count >= 12 else { throw DNSWireError(kind: .shortHeader, offset: 0) }
        func u16(_ at: Int) -> UInt16 { UInt16(message[at]) << 8 | UInt16(message[at + 1]) }
        let summary = Summary(
            id: u16(0), flags: u16(2), questionCount: u16(4), answerCount: u16(6), authorityCount: u16(8),
            additionalCount: u16(10))
        var offset = 12
        for _ in 0..<summary.questionCount {
            offset = try self.skipName(message, at: offset)
            guard offset + 4 <= message.count else { throw DNSWireError(kind: .truncated, offset: offset) }
            offset += 4
        }
        let records = Int(summary.answerCount) + Int(summary.authorityCount) + Int(summary.additionalCount)
        for _ in 0..<records {
            offset = try self.skipName(message, at: offset)
            guard offset + 10 <= message.count else { throw DNSWireError(kind: .truncated, offset: offset) }
            let dataLength = Int(u16(offset + 8))
            offset += 10
            guard offset + dataLength <= message.count else { throw DNSWireError(kind: .truncated, offset: offset) }
            offset += dataLength
        }
        return summary
    }

    /// Checks the name at `offset` and returns the offset just after it in the message.
    public static func skipName(_ message: UnsafeRawBufferPointer, at start: Int) throws(DNSWireError) -> Int {
        var offset = start
        var end: Int?  // where the name ends in place, once a pointer was followed
        var hops = 0
        var length = 1  // the root label
        while true {
            guard offset < message.count else { throw DNSWireError(kind: .truncated, offset: offset) }
            let byte = message[offset]
            switch byte & 0xC0 {
            case 0x00:
                if byte == 0 { return end ?? offset + 1 }
                let labelEnd = offset + 1 + Int(byte)
                guard labelEnd <= message.count else { throw DNSWireError(kind: .truncated, offset: offset) }
                length += Int(byte) + 1
                guard length <= 255 else { throw DNSWireError(kind: .nameTooLong, offset: offset) }
                offset = labelEnd
            case 0xC0:
                guard offset + 2 <= message.count else { throw DNSWireError(kind: .truncated, offset: offset) }
                let target = Int(byte & 0x3F) << 8 | Int(message[offset + 1])
                hops += 1
                guard target < message.count, hops <= self.maximumPointerHops else {
                    throw DNSWireError(kind: .badPointer, offset: offset)
                }
                if end == nil { end = offset + 2 }
                offset = target
            default:
                throw DNSWireError(kind: .badLabel, offset: offset)
            }
        }
    }
}
