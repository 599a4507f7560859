import DMBytes
import DMRecord
@testable import DNSWire
import PropertyBased
import Testing

/// The DNS wire check: what it accepts, what it refuses, and that hostile input ends quickly.
@Suite("DNS message validation")
struct DNSMessageValidatorTests {
    static func validate(_ bytes: [UInt8]) -> Result<DNSMessageValidator.Summary, DNSWireError> {
        bytes.withByteView { raw in Result { () throws(DNSWireError) in try DNSMessageValidator.validate(raw) } }
    }

    /// A response with one question and one answer that points back at the question name.
    static let answer: [UInt8] = [
        0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
        3, 0x77, 0x77, 0x77, 7, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, 3, 0x63, 0x6F, 0x6D, 0, 0, 1, 0, 1,
        0xC0, 12, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4, 192, 0, 2, 1,
    ]

    @Test("a well-formed response validates and its header is summarised")
    func wellFormed() throws {
        let summary = try Self.validate(Self.answer).get()
        #expect(summary.id == 0x1234)
        #expect(summary.isResponse)
        #expect(summary.rcode == 0)
        #expect(summary.answerCount == 1)
    }

    @Test("damage is named with its offset", arguments: [
        (Array(answer.prefix(11)), DNSWireError(kind: .shortHeader, offset: 0)),
        (Array(answer.prefix(40)), DNSWireError(kind: .truncated, offset: 33 + 2)),
        (Array(answer.prefix(33 + 2)) + [0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4, 192, 0, 2, 1], nil),
        (Array(answer.prefix(33)) + [0xC0, 33] + Array(answer[35...]), DNSWireError(kind: .badPointer, offset: 33)),
        (Array(answer.prefix(33)) + [0xC0, 200] + Array(answer[35...]), DNSWireError(kind: .badPointer, offset: 33)),
        (Array(answer.prefix(33)) + [0x80, 12] + Array(answer[35...]), DNSWireError(kind: .badLabel, offset: 33)),
    ] as [([UInt8], DNSWireError?)])
    func damage(bytes: [UInt8], expected: DNSWireError?) throws {
        switch Self.validate(bytes) {
        case .success: #expect(expected == nil || bytes.count == 35 + 14, "accepted damaged message")
        case .failure(let error):
            if let expected { #expect(error == expected) } else { #expect(error.kind == .truncated) }
        }
    }

    @Test("a forward compression pointer is followed, as DNS allows and tshark does")
    func forwardPointer() throws {
        // The question name points forward to a name stored in the answer's RDATA.
        var message: [UInt8] = [0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xC0, 30, 0, 1, 0, 1]
        message += [0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 5, 3, 0x61, 0x62, 0x63, 0]
        #expect(throws: Never.self) { try Self.validate(message).get() }
    }

    @Test("names over 255 bytes are refused")
    func longName() throws {
        var message: [UInt8] = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        for _ in 0..<5 { message += [63] + [UInt8](repeating: 0x61, count: 63) }
        message += [0, 0, 1, 0, 1]
        #expect(throws: DNSWireError(kind: .nameTooLong, offset: 12 + 3 * 64)) { try Self.validate(message).get() }
    }

    /// A response whose answers are: opaque NULL data holding a name that follows `chain`
    /// pointers, a CNAME whose target points at that name (with `padding` bytes after it in
    /// its RDATA), and an A record whose owner points at the CNAME's target. The owner's name
    /// then follows `chain + 2` pointers.
    static func pointerChain(_ chain: Int, padding: Int = 0) -> (message: [UInt8], names: Range<Int>) {
        func pointer(_ offset: Int) -> [UInt8] { [0xC0 | UInt8(offset >> 8), UInt8(offset & 0xFF)] }
        var message: [UInt8] = [0, 1, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1]
        let chainStart = message.count + 12
        var null: [UInt8] = []
        for link in 0..<chain { null += pointer(chainStart + 2 * (link + 1)) }
        null.append(0)
        message += [0xC0, 12, 0, 10, 0, 1, 0, 0, 0, 60, 0, UInt8(null.count)] + null
        let targetStart = message.count + 12
        message += [0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, UInt8(2 + padding)] + pointer(chainStart)
        message += [UInt8](repeating: 0, count: padding)
        let ownerEnd = message.count + 2
        message += pointer(targetStart) + [0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]
        return (message, chainStart..<ownerEnd)
    }

    @Test("a name pointing at a CNAME's target has that target's pointers counted too")
    func pointerToCNAMETarget() throws {
        // 124 + 2 = 126 pointers: the most a name may follow.
        #expect(try Self.validate(Self.pointerChain(124).message).get().answerCount == 3)
        // One more: the CNAME's target still passes (126), the owner pointing at it does not.
        let (message, names) = Self.pointerChain(125)
        switch Self.validate(message) {
        case .success: Issue.record("accepted a name that follows 127 compression pointers")
        case .failure(let error):
            #expect(error.kind == .badPointer)
            #expect(names.contains(error.offset), "\(error)")
        }
        // A CNAME whose target ends before its RDATA does: the RDATA is damaged.
        #expect(throws: DNSWireError.self) { try Self.validate(Self.pointerChain(1, padding: 1).message).get() }
        #expect(throws: Never.self) { try Self.validate(Self.pointerChain(1).message).get() }
        // A root owner name (as OPT has) is one byte.
        let opt: [UInt8] = [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0]
        #expect(try Self.validate(opt).get().additionalCount == 1)
    }

    @Test("random bytes never crash or hang the validator")
    func randomBytes() async {
        await propertyCheck(count: 2000, input: Gen.uint8().array(of: 0...300)) { bytes in
            switch Self.validate(bytes) {
            case .success(let summary): #expect(bytes.count >= 12 && summary.id == UInt16(bytes[0]) << 8 | UInt16(bytes[1]))
            case .failure(let error): #expect(error.offset >= 0 && error.offset <= bytes.count)
            }
        }
    }
}
