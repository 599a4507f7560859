import DMRecord
import PropertyBased
import Testing

/// The DNS wire check: what it accepts, what it refuses, and that hostile input ends quickly.
@Suite("DNS message validation")
struct DNSMessageValidatorTests {
    static func validate(_ bytes: [UInt8]) -> Result<DNSMessageValidator.Summary, DNSWireError> {
        bytes.withUnsafeBytes { raw in Result { () throws(DNSWireError) in try DNSMessageValidator.validate(raw) } }
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
