import DMBytes

/// Walks a whole DNS message: the header, every question, then every record of the answer,
/// authority and additional sections with its RDATA (``RDataDecoder``), reporting each part to a
/// visitor after checking its bytes. ``DNSMessageValidator`` and the output renderers share it.
public enum DNSMessageWalker {
    /// Walks `message` and returns its header summary, or throws at the first damage.
    /// `layouts` is ``RDataSchema/layouts``, which a caller looping over many messages reads
    /// once for all of them.
    @inlinable
    public static func walk<Visitor: DNSMessageVisitor>(
        _ message: ByteView, visitor: inout Visitor,
        layouts: StaticTable<RDataSchema.Layout> = RDataSchema.layouts
    ) throws(DNSWireError) -> DNSMessageValidator.Summary {
        guard message.count >= 12 else { throw DNSWireError(kind: .shortHeader, offset: 0) }
        let count = message.count
        var summary = DNSMessageValidator.Summary(
            id: message.uncheckedLoadBigEndian(at: 0), flags: message.uncheckedLoadBigEndian(at: 2), questionCount: message.uncheckedLoadBigEndian(at: 4),
            answerCount: message.uncheckedLoadBigEndian(at: 6), authorityCount: message.uncheckedLoadBigEndian(at: 8),
            additionalCount: message.uncheckedLoadBigEndian(at: 10), extendedRcodeBits: 0)
        // Offsets stay below `count` (checked before each step), so their sums cannot overflow.
        var offset = 12
        // Most records' names are nothing but a pointer to a name already walked in this
        // message: the first question's (0xC00C), or the target of the CNAME just before them.
        // A pointer to a name that was walked with room for one more pointer is valid without
        // walking it again: the walk would meet the same labels and limits. These are those
        // two pointers, as the 16-bit words that encode them, or -1 while there is none.
        var questionPointer = -1
        var targetPointer = -1
        visitor.questionsStart(count: Int(summary.questionCount))
        for question in 0..<summary.questionCount {
            let nameStart = offset
            var hops = 0
            offset = try DNSNameWalk.skip(message, at: offset, pointerHops: &hops)
            if question == 0 && hops < DNSMessageValidator.maximumPointerHops { questionPointer = 0xC00C }
            guard offset &+ 4 <= count else { throw DNSWireError(kind: .truncated, offset: offset) }
            visitor.question(
                nameAt: nameStart, in: message, type: message.uncheckedLoadBigEndian(at: offset), class: message.uncheckedLoadBigEndian(at: offset &+ 2))
            offset &+= 4
        }
        visitor.questionsEnd()
        // The three record sections as one loop over their records, with the section changing
        // when its count runs out: no allocation, and no setup per section.
        let authorities = Int(summary.authorityCount), additionals = Int(summary.additionalCount)
        var section = DNSSection.answer
        var remaining = Int(summary.answerCount)
        visitor.sectionStart(.answer, count: remaining)
        while true {
            if remaining == 0 {
                visitor.sectionEnd(section)
                switch section {
                case .answer:
                    section = .authority
                    remaining = authorities
                case .authority:
                    section = .additional
                    remaining = additionals
                case .additional:
                    return summary
                }
                visitor.sectionStart(section, count: remaining)
                continue
            }
            remaining &-= 1
            let nameStart = offset
            if offset &+ 2 <= count {
                let word = Int(message.uncheckedLoadBigEndian(at: offset) as UInt16)
                if word == questionPointer || word == targetPointer {
                    offset &+= 2
                } else if word < 0x100 {
                    offset &+= 1  // the root (OPT's name, above all)
                } else {
                    offset = try DNSNameWalk.skip(message, at: offset)
                }
            } else {
                offset = try DNSNameWalk.skip(message, at: offset)
            }
            guard offset &+ 10 <= count else { throw DNSWireError(kind: .truncated, offset: offset) }
            let type: UInt16 = message.uncheckedLoadBigEndian(at: offset)
            let rdataLength: UInt16 = message.uncheckedLoadBigEndian(at: offset &+ 8)
            let rdataStart = offset &+ 10
            let end = rdataStart &+ Int(rdataLength)
            guard end <= count else { throw DNSWireError(kind: .truncated, offset: rdataStart) }
            let ttl: UInt32 = message.uncheckedLoadBigEndian(at: offset &+ 4)
            // miekg takes the extended rcode from the last OPT of the additional section.
            if type == 41 && section == .additional { summary.extendedRcodeBits = UInt8(truncatingIfNeeded: ttl >> 24) }
            visitor.recordStart(
                nameAt: nameStart, in: message, type: type, class: message.uncheckedLoadBigEndian(at: offset &+ 2), ttl: ttl,
                rdataLength: rdataLength)
            let layout = RDataSchema.layout(of: type, in: layouts)
            // Empty RDATA (OPT without options, most of all) is valid for every type: miekg
            // lets RDATA end before any field. So is RDATA of a fixed layout's exact size.
            if Visitor.observesRData || rdataLength != 0 && Int(rdataLength) != layout.fixedSize {
                let record = message.subview(0..<end)
                if Visitor.observesRData {
                    try RDataDecoder.decode(layout.fields, in: record, from: rdataStart, visitor: &visitor)
                } else if layout.isSingleName {
                    // The name must fill the RDATA, as ``RDataDecoder/fitsExactly`` would check;
                    // when it does not, the decoder names the damage.
                    var hops = 0
                    if let after = try? DNSNameWalk.skip(record, at: rdataStart, pointerHops: &hops), after == end {
                        // Walked inside the RDATA, the name reads the same in the whole message.
                        targetPointer = rdataStart < 0x4000 && hops < DNSMessageValidator.maximumPointerHops ? 0xC000 | rdataStart : -1
                    } else {
                        try RDataDecoder.decode(layout.fields, in: record, from: rdataStart, visitor: &visitor)
                    }
                } else if !RDataDecoder.fitsExactly(layout.fields, in: record, from: rdataStart) {
                    try RDataDecoder.decode(layout.fields, in: record, from: rdataStart, visitor: &visitor)
                }
            }
            visitor.recordEnd()
            offset = end
        }
    }
}
