/// Walks a whole DNS message: the header, every question, then every record of the answer,
/// authority and additional sections with its RDATA (``RDataDecoder``), reporting each part to a
/// visitor after checking its bytes. ``DNSMessageValidator`` and the output renderers share it.
enum DNSMessageWalker {
    /// Walks `message` and returns its header summary, or throws at the first damage.
    static func walk<Visitor: DNSMessageVisitor>(
        _ message: UnsafeRawBufferPointer, visitor: inout Visitor
    ) throws(DNSWireError) -> DNSMessageValidator.Summary {
        guard message.count >= 12 else { throw DNSWireError(kind: .shortHeader, offset: 0) }
        let count = message.count
        var summary = DNSMessageValidator.Summary(
            id: message.bigEndian(at: 0), flags: message.bigEndian(at: 2), questionCount: message.bigEndian(at: 4),
            answerCount: message.bigEndian(at: 6), authorityCount: message.bigEndian(at: 8),
            additionalCount: message.bigEndian(at: 10), extendedRcodeBits: 0)
        // Offsets stay below `count` (checked before each step), so their sums cannot overflow.
        var offset = 12
        let layouts = RDataSchema.layouts
        // Most records' names are nothing but a pointer to the first question's name (0xC00C).
        // When that name was walked in this message with room for one more pointer, such a
        // name is valid without walking it again: the walk would meet the same labels and limits.
        var questionNameTakesPointer = false
        visitor.questionsStart(count: Int(summary.questionCount))
        for question in 0..<summary.questionCount {
            let nameStart = offset
            var hops = 0
            offset = try DNSNameWalk.skip(message, at: offset, pointerHops: &hops)
            if question == 0 { questionNameTakesPointer = hops < DNSMessageValidator.maximumPointerHops }
            guard offset &+ 4 <= count else { throw DNSWireError(kind: .truncated, offset: offset) }
            visitor.question(
                nameAt: nameStart, in: message, type: message.bigEndian(at: offset), class: message.bigEndian(at: offset &+ 2))
            offset &+= 4
        }
        visitor.questionsEnd()
        // The three record sections as one loop over their records, with the section changing
        // at its boundaries: no allocation, and no setup per section.
        let answers = Int(summary.answerCount), authorities = Int(summary.authorityCount)
        let additionals = Int(summary.additionalCount)
        var section = DNSSection.answer
        var sectionEnd = answers
        var index = 0
        visitor.sectionStart(.answer, count: answers)
        while true {
            while index == sectionEnd {
                visitor.sectionEnd(section)
                switch section {
                case .answer:
                    section = .authority
                    sectionEnd &+= authorities
                    visitor.sectionStart(.authority, count: authorities)
                case .authority:
                    section = .additional
                    sectionEnd &+= additionals
                    visitor.sectionStart(.additional, count: additionals)
                case .additional:
                    return summary
                }
            }
            index &+= 1
            let nameStart = offset
            if questionNameTakesPointer && offset &+ 2 <= count
                && message.loadUnaligned(fromByteOffset: offset, as: UInt16.self) == UInt16(bigEndian: 0xC00C)
            {
                offset &+= 2
            } else {
                offset = try DNSNameWalk.skip(message, at: offset)
            }
            guard offset &+ 10 <= count else { throw DNSWireError(kind: .truncated, offset: offset) }
            let type: UInt16 = message.bigEndian(at: offset)
            let rdataLength: UInt16 = message.bigEndian(at: offset &+ 8)
            let rdataStart = offset &+ 10
            let end = rdataStart &+ Int(rdataLength)
            guard end <= count else { throw DNSWireError(kind: .truncated, offset: rdataStart) }
            let ttl: UInt32 = message.bigEndian(at: offset &+ 4)
            // miekg takes the extended rcode from the last OPT of the additional section.
            if type == 41 && section == .additional { summary.extendedRcodeBits = UInt8(truncatingIfNeeded: ttl >> 24) }
            visitor.recordStart(
                nameAt: nameStart, in: message, type: type, class: message.bigEndian(at: offset &+ 2), ttl: ttl,
                rdataLength: rdataLength)
            let layout = RDataSchema.layout(of: type, in: layouts)
            // Empty RDATA (OPT without options, most of all) is valid for every type: miekg
            // lets RDATA end before any field. So is RDATA of a fixed layout's exact size.
            if Visitor.observesRData || rdataLength != 0 && Int(rdataLength) != layout.fixedSize {
                let record = UnsafeRawBufferPointer(rebasing: message[..<end])
                if Visitor.observesRData || !RDataDecoder.fitsExactly(layout.fields, in: record, from: rdataStart) {
                    try RDataDecoder.decode(layout.fields, in: record, from: rdataStart, visitor: &visitor)
                }
            }
            visitor.recordEnd()
            offset = end
        }
    }
}
