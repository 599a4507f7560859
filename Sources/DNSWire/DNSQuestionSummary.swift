import DMBytes

/// The header bits and the first question of a DNS message, read in place for filtering.
///
/// Reads only what a filter decides on — the flags word (QR, rcode), the question count, and
/// the first question's name, type and class — with the same bounds checks and limits as
/// ``DNSMessageValidator/skipName(_:at:)``: every length is checked before it is read, a name
/// is at most 255 bytes and follows at most ``DNSMessageValidator/maximumPointerHops``
/// compression pointers. The rest of the message is not looked at.
///
/// The name is copied out as uncompressed wire labels (`03 www 06 google 03 com 00`) with ASCII
/// letters lowercased, into a caller's buffer of at least ``nameBufferSize`` bytes. Nothing is
/// allocated.
@frozen
public struct DNSQuestionSummary: Hashable, Sendable {
    /// Bytes a name buffer must hold: the longest name (255) plus room for 8-byte loads past its end.
    @inlinable public static var nameBufferSize: Int { 264 }

    /// The 16 flag bits of the header: QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode.
    public var flags: UInt16
    /// QDCOUNT from the header.
    public var questionCount: UInt16
    /// The first question's QTYPE; 0 when there is no readable question.
    public var questionType: UInt16
    /// The first question's QCLASS; 0 when there is no readable question.
    public var questionClass: UInt16
    /// Bytes of the lowercased wire name written to the buffer, root label included; 0 when
    /// there is no readable question (QDCOUNT 0, or a name or fixed part that is damaged).
    public var nameLength: Int

    /// Whether the message is a response (the QR bit).
    @inlinable public var isResponse: Bool { self.flags & 0x8000 != 0 }
    /// The 4-bit response code of the header (without an EDNS extension).
    @inlinable public var rcode: UInt8 { UInt8(truncatingIfNeeded: self.flags & 0x000F) }
    /// Whether the first question was read (its name is in the buffer).
    @inlinable public var hasQuestion: Bool { self.nameLength > 0 }

    @inlinable
    public init(flags: UInt16, questionCount: UInt16, questionType: UInt16, questionClass: UInt16, nameLength: Int) {
        self.flags = flags
        self.questionCount = questionCount
        self.questionType = questionType
        self.questionClass = questionClass
        self.nameLength = nameLength
    }

    /// The header's flags word, or nil when the message is shorter than the 12-byte header.
    @inlinable
    public static func headerFlags(_ message: ByteView) -> UInt16? {
        guard message.count >= 12 else { return nil }
        return UInt16(message[2]) << 8 | UInt16(message[3])
    }

    /// Reads the header and the first question, copying its lowercased name into `nameBuffer`
    /// (at least ``nameBufferSize`` bytes). Nil when the message is shorter than the header.
    @inlinable @inline(__always)
    public static func read(_ message: ByteView, nameInto nameBuffer: MutableByteView) -> DNSQuestionSummary? {
        guard message.count >= 12 else { return nil }
        var summary = DNSQuestionSummary(
            flags: UInt16(message[2]) << 8 | UInt16(message[3]),
            questionCount: UInt16(message[4]) << 8 | UInt16(message[5]), questionType: 0, questionClass: 0, nameLength: 0)
        guard summary.questionCount > 0 else { return summary }
        let (end, length) = self.copyName(message, at: 12, into: nameBuffer)
        guard length > 0, end + 4 <= message.count else { return summary }
        summary.questionType = UInt16(message[end]) << 8 | UInt16(message[end + 1])
        summary.questionClass = UInt16(message[end + 2]) << 8 | UInt16(message[end + 3])
        summary.nameLength = length
        return summary
    }

    /// Copies the name at `start` into `buffer` as lowercased, uncompressed wire labels.
    /// Returns the offset just after the name in the message and the bytes written, or a
    /// length of 0 when the name is damaged (truncated, a bad label type or pointer, too long).
    @inlinable @inline(__always)
    public static func copyName(
        _ message: ByteView, at start: Int, into buffer: MutableByteView
    ) -> (end: Int, length: Int) {
        // The usual case: no compression pointer. Walk the label lengths to find the end, then
        // copy the whole name in 8-byte words, lowercasing as it goes (length bytes are below
        // 64, so the A–Z range never touches them).
        var offset = start
        while offset < message.count {
            let byte = Int(message[offset])
            if byte == 0 {
                let length = offset + 1 - start
                guard length <= 255 else { return (0, 0) }
                self.copyLowercased(message.subview(start..<(offset + 1)), into: buffer, at: 0)
                return (offset + 1, length)
            }
            if byte >= 0x40 { break }  // a pointer (or a bad label type): take the careful path
            offset += 1 + byte
            guard offset - start < 255 else { return (0, 0) }
        }
        return self.copyNameFollowingPointers(message, at: start, into: buffer)
    }

    /// The general path: labels one at a time, following compression pointers.
    @usableFromInline
    static func copyNameFollowingPointers(
        _ message: ByteView, at start: Int, into buffer: MutableByteView
    ) -> (end: Int, length: Int) {
        var offset = start
        var end: Int?
        var hops = 0
        var written = 0
        while true {
            guard offset < message.count else { return (0, 0) }
            let byte = message[offset]
            switch byte & 0xC0 {
            case 0x00:
                let labelEnd = offset + 1 + Int(byte)
                guard labelEnd <= message.count, written + 1 + Int(byte) <= 255 else { return (0, 0) }
                self.copyLowercased(message.subview(offset..<labelEnd), into: buffer, at: written)
                written += 1 + Int(byte)
                if byte == 0 { return (end ?? labelEnd, written) }
                offset = labelEnd
            case 0xC0:
                guard offset + 2 <= message.count else { return (0, 0) }
                let target = Int(byte & 0x3F) << 8 | Int(message[offset + 1])
                hops += 1
                guard target < message.count, hops <= DNSMessageValidator.maximumPointerHops else { return (0, 0) }
                if end == nil { end = offset + 2 }
                offset = target
            default:
                return (0, 0)
            }
        }
    }

    /// Copies `bytes` to `destination` at `offset` with ASCII A–Z turned into a–z, eight bytes
    /// at a time; traps unless they fit there.
    @inlinable
    public static func copyLowercased(_ bytes: ByteView, into buffer: MutableByteView, at offset: Int) {
        let count = bytes.count
        let destination = buffer.subview(offset..<(offset + count))
        var index = 0
        while count - index >= 8 {
            let word = bytes.uncheckedLoadLittleEndian(at: index, as: UInt64.self)
            destination.storeLittleEndian(self.lowercased(word), at: index)
            index += 8
        }
        if index < count && count >= 8 {
            // The last partial word: the final 8 bytes again, overlapping what was written.
            let word = bytes.uncheckedLoadLittleEndian(at: count - 8, as: UInt64.self)
            destination.storeLittleEndian(self.lowercased(word), at: count - 8)
            return
        }
        while index < count {
            let byte = bytes.uncheckedByte(at: index)
            destination[index] = byte &+ ((byte &- 0x41) < 26 ? 0x20 : 0)
            index += 1
        }
    }

    /// Lowercases the ASCII letters among eight bytes (SWAR: bytes ≥ 0x80 are left alone).
    @inlinable @inline(__always)
    public static func lowercased(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let low7 = word & ~high
        let atLeastA = low7 &+ ones &* (0x80 - 0x41)  // high bit set where byte ≥ 'A'
        let aboveZ = low7 &+ ones &* (0x80 - 0x5B)  // high bit set where byte > 'Z'
        let upper = atLeastA & ~aboveZ & ~word & high
        return word | (upper >> 2)
    }
}
