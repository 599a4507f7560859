/// Walks a whole DNS message: the header, every question, then every record of the answer,
/// authority and additional sections with its RDATA (``RDataDecoder``), reporting each part to a
/// visitor after checking its bytes. ``DNSMessageValidator`` and the output renderers share it.
enum DNSMessageWalker {
    /// Walks `message` and returns its header summary, or throws at the first damage.
    static func walk<Visitor: DNSMessageVisitor>(
        _ message: UnsafeRawBufferPointer, visitor: inout Visitor
    ) throws(DNSWireError) -> DNSMessageValidator.Summary {
        guard message.count >= 12 else { throw DNSWireError(kind: .shortHeader, offset: 0) }
        var summary = DNSMessageValidator.Summary(
            id: message.bigEndian(at: 0), flags: message.bigEndian(at: 2), questionCount: message.bigEndian(at: 4),
            answerCount: message.bigEndian(at: 6), authorityCount: message.bigEndian(at: 8),
            additionalCount: message.bigEndian(at: 10), extendedRcodeBits: 0)
        var offset = 12
        let layouts = RDataSchema.layouts
        // The pointers the first question's name follows; -1 without a question. Most
        // records' names are nothing but a pointer to it (0xC00C).
        var questionNameHops = -1
        visitor.questionsStart(count: Int(summary.questionCount))
        for question in 0..<summary.questionCount {
            let nameStart = offset
            var hops = 0
            offset = try DNSNameWalk.skip(message, at: offset, pointerHops: &hops)
            if question == 0 { questionNameHops = hops }
            guard offset + 4 <= message.count else { throw DNSWireError(kind: .truncated, offset: offset) }
            visitor.question(
                nameAt: nameStart, in: message, type: message.bigEndian(at: offset), class: message.bigEndian(at: offset + 2))
            offset += 4
        }
        visitor.questionsEnd()
        // Three passes rather than an array of sections: no allocation per message.
        for sectionIndex in 0..<3 {
            let (section, count): (DNSSection, UInt16) =
                switch sectionIndex {
                case 0: (.answer, summary.answerCount)
                case 1: (.authority, summary.authorityCount)
                default: (.additional, summary.additionalCount)
                }
            visitor.sectionStart(section, count: Int(count))
            for _ in 0..<count {
                let nameStart = offset
                if questionNameHops >= 0 && questionNameHops < DNSMessageValidator.maximumPointerHops
                    && offset + 2 <= message.count && message[offset] == 0xC0 && message[offset + 1] == 12
                {
                    // A pointer to the first question's name, which was walked in this same
                    // message and stays valid with one more pointer in front: walking it
                    // again would meet the same labels and limits.
                    offset += 2
                } else {
                    offset = try DNSNameWalk.skip(message, at: offset)
                }
                guard offset + 10 <= message.count else { throw DNSWireError(kind: .truncated, offset: offset) }
                let type: UInt16 = message.bigEndian(at: offset)
                let ttl: UInt32 = message.bigEndian(at: offset + 4)
                let rdataLength: UInt16 = message.bigEndian(at: offset + 8)
                offset += 10
                let end = offset + Int(rdataLength)
                guard end <= message.count else { throw DNSWireError(kind: .truncated, offset: offset) }
                // miekg takes the extended rcode from the last OPT of the additional section.
                if type == 41 && section == .additional { summary.extendedRcodeBits = UInt8(ttl >> 24) }
                visitor.recordStart(
                    nameAt: nameStart, in: message, type: type, class: message.bigEndian(at: offset - 8), ttl: ttl,
                    rdataLength: rdataLength)
                let record = UnsafeRawBufferPointer(rebasing: message[..<end])
                let layout = RDataSchema.layout(of: type, in: layouts)
                // Empty RDATA (OPT without options, most of all) is valid for every type: miekg
                // lets RDATA end before any field. So is RDATA of a fixed layout's exact size.
                if Visitor.observesRData
                    || rdataLength != 0 && Int(rdataLength) != layout.fixedSize
                        && !RDataDecoder.fitsExactly(layout.fields, in: record, from: offset)
                {
                    try RDataDecoder.decode(layout.fields, in: record, from: offset, visitor: &visitor)
                }
                visitor.recordEnd()
                offset = end
            }
            visitor.sectionEnd(section)
        }
        return summary
    }
}
