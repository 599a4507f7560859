import DMBytes
import DMFormats
import DMRecord
@testable import DNSWire
import Foundation
import PropertyBased
import Testing

/// The per-type RDATA check of the validator: each type's damage is refused with its kind and
/// offset, the shapes miekg/dns accepts are accepted (dnsmonster prints those), and mutated
/// messages never crash the validator or the renderer.
@Suite("RDATA validation")
struct RDataValidationTests {
    /// Where the RDATA starts in ``message(type:rdata:)``: header, root owner name, 10 bytes.
    static let rdataStart = 23

    /// A response with no question and one answer of `type` (owner: the root) holding `rdata`.
    static func message(type: UInt16, rdata: [UInt8]) -> [UInt8] {
        [0x12, 0x34, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0, UInt8(type >> 8), UInt8(type & 0xFF), 0, 1, 0, 0, 0x0E, 0x10,
         UInt8(rdata.count >> 8), UInt8(rdata.count & 0xFF)] + rdata
    }

    /// One type's RDATA and the verdict: nil accepted, else the kind and the offset in the RDATA.
    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var type: UInt16
        var rdata: [UInt8]
        var expected: (kind: DNSWireError.Kind, rdataOffset: Int)?
        var testDescription: String { self.label }

        init(_ label: String, _ type: UInt16, _ rdata: [UInt8], _ expected: (DNSWireError.Kind, Int)? = nil) {
            self.label = label
            self.type = type
            self.rdata = rdata
            self.expected = expected.map { (kind: $0.0, rdataOffset: $0.1) }
        }
    }

    static let svcbHead: [UInt8] = [0, 1, 0]  // priority 1, target "."
    static let ipv4Mapped: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 1]

    static let cases: [Case] = [
        Case("A of 4 bytes", 1, [192, 0, 2, 1]),
        Case("A without RDATA (dynamic update)", 1, []),
        Case("A of 3 bytes", 1, [192, 0, 2], (.rdataLength, 0)),
        Case("A of 5 bytes", 1, [192, 0, 2, 1, 0], (.rdataLength, 4)),
        Case("AAAA of 16 bytes", 28, [UInt8](repeating: 1, count: 16)),
        Case("AAAA of 15 bytes", 28, [UInt8](repeating: 1, count: 15), (.rdataLength, 0)),
        Case("AAAA of 17 bytes", 28, [UInt8](repeating: 1, count: 17), (.rdataLength, 16)),
        Case("CNAME pointing back into the message", 5, [0xC0, 12]),
        Case("CNAME label running out of the RDATA", 5, [3, 0x61, 0x62], (.rdataLength, 0)),
        Case("CNAME pointing past its own RDATA", 5, [0xC0, 40], (.badPointer, 0)),
        Case("NS with bytes after the name", 2, [0, 0], (.rdataLength, 1)),
        Case("PTR with a reserved label type", 12, [0x40], (.badLabel, 0)),
        Case("MX ending after the preference", 15, [0, 10]),
        Case("MX cut inside the preference", 15, [0], (.rdataLength, 0)),
        Case("MX whose name runs out", 15, [0, 10, 1, 0x61], (.rdataLength, 4)),
        Case("SOA cut inside refresh", 6, [0, 0, 0, 0, 0, 1, 0, 0], (.rdataLength, 6)),
        Case("SOA complete", 6, [0, 0] + [UInt8](repeating: 0, count: 20)),
        Case("SRV cut inside the port", 33, [0, 1, 0, 2, 0], (.rdataLength, 4)),
        Case("TXT string running out", 16, [5, 0x61], (.rdataLength, 1)),
        Case("TXT of two strings", 16, [1, 0x61, 0]),
        Case("HINFO cut inside the OS", 13, [3, 0x78, 0x38, 0x36, 5, 0x6C], (.rdataLength, 5)),
        Case("LOC of 16 bytes", 29, [UInt8](repeating: 0, count: 16)),
        Case("LOC of 15 bytes", 29, [UInt8](repeating: 0, count: 15), (.rdataLength, 12)),
        Case("LOC of 17 bytes", 29, [UInt8](repeating: 0, count: 17), (.rdataLength, 16)),
        Case("LOC of only its version (miekg accepts)", 29, [0]),
        Case("OPT option overrunning the record", 41, [0, 10, 0, 8, 1, 2, 3], (.badEDNSOption, 0)),
        Case("OPT option header cut", 41, [0, 10, 0], (.badEDNSOption, 0)),
        Case("OPT cookie", 41, [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]),
        Case("ECS of unknown family", 41, [0, 8, 0, 4, 0, 3, 0, 0], (.badEDNSOption, 0)),
        Case("ECS family 0 with a prefix", 41, [0, 8, 0, 4, 0, 0, 8, 0], (.badEDNSOption, 0)),
        Case("ECS IPv4 prefix of 33", 41, [0, 8, 0, 8, 0, 1, 33, 0, 1, 2, 3, 4], (.badEDNSOption, 0)),
        Case("ECS IPv6 scope of 129", 41, [0, 8, 0, 4, 0, 2, 0, 129], (.badEDNSOption, 0)),
        Case("ECS shorter than its head", 41, [0, 8, 0, 3, 0, 1, 24], (.badEDNSOption, 0)),
        Case("ECS IPv4 /24", 41, [0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2]),
        Case("ECS as the second option", 41, [0, 10, 0, 0, 0, 8, 0, 2, 0, 1], (.badEDNSOption, 4)),
        Case("TCP keepalive of 1 byte", 41, [0, 11, 0, 1, 5], (.badEDNSOption, 0)),
        Case("update lease of 5 bytes", 41, [0, 2, 0, 5, 0, 0, 0, 0, 0], (.badEDNSOption, 0)),
        Case("expire of 2 bytes", 41, [0, 9, 0, 2, 0, 0], (.badEDNSOption, 0)),
        Case("extended error of 1 byte", 41, [0, 15, 0, 1, 0], (.badEDNSOption, 0)),
        Case("LLQ of 17 bytes", 41, [0, 1, 0, 17] + [UInt8](repeating: 0, count: 17), (.badEDNSOption, 0)),
        Case("padding, NSID, EDE, expire query, keepalive", 41,
             [0, 12, 0, 2, 0, 0, 0, 3, 0, 1, 0x61, 0, 15, 0, 3, 0, 18, 0x78, 0, 9, 0, 0, 0, 11, 0, 2, 0, 100]),
        Case("SVCB alpn and port", 64, svcbHead + [0, 1, 0, 3, 2, 0x68, 0x32, 0, 3, 0, 2, 1, 187]),
        Case("SVCB ending after the target (no parameters)", 64, svcbHead),
        Case("SVCB alpn length too long", 64, svcbHead + [0, 1, 0, 3, 5, 0x68, 0x32], (.badServiceParameter, 3)),
        Case("SVCB alpn length too short", 64, svcbHead + [0, 1, 0, 4, 1, 0x68, 0x32, 0x33], (.badServiceParameter, 3)),
        Case("SVCB port of 3 bytes", 64, svcbHead + [0, 3, 0, 3, 1, 187, 0], (.badServiceParameter, 3)),
        Case("SVCB keys descending", 64, svcbHead + [0, 3, 0, 2, 1, 187, 0, 1, 0, 3, 2, 0x68, 0x32], (.badServiceParameter, 9)),
        Case("SVCB key repeated", 64, svcbHead + [0, 3, 0, 2, 1, 187, 0, 3, 0, 2, 1, 187], (.badServiceParameter, 9)),
        Case("SVCB reserved key 65535", 64, svcbHead + [0xFF, 0xFF, 0, 0], (.badServiceParameter, 3)),
        Case("SVCB ipv4hint of 5 bytes", 65, svcbHead + [0, 4, 0, 5, 1, 2, 3, 4, 5], (.badServiceParameter, 3)),
        Case("SVCB empty ipv4hint", 65, svcbHead + [0, 4, 0, 0], (.badServiceParameter, 3)),
        Case("SVCB ipv6hint holding an IPv4-mapped address", 65, svcbHead + [0, 6, 0, 16] + ipv4Mapped, (.badServiceParameter, 3)),
        Case("SVCB no-default-alpn with a value", 65, svcbHead + [0, 2, 0, 1, 0], (.badServiceParameter, 3)),
        Case("SVCB mandatory of odd length", 65, svcbHead + [0, 0, 0, 1, 5], (.badServiceParameter, 3)),
        Case("SVCB parameter header cut", 65, svcbHead + [0, 1, 0], (.badServiceParameter, 3)),
        Case("SVCB parameter overrunning", 65, svcbHead + [0, 7, 0, 9, 0x2F], (.badServiceParameter, 3)),
        Case("SVCB ech, dohpath, private key", 65, svcbHead + [0, 5, 0, 1, 9, 0, 7, 0, 1, 0x2F, 0xFF, 0, 0, 0]),
        Case("RRSIG cut inside the original TTL", 46, [0, 1, 8, 2, 0, 0], (.rdataLength, 4)),
        Case("RRSIG without signature", 46, [0, 1, 8, 2] + [UInt8](repeating: 0, count: 14) + [0]),
        Case("DNSKEY of 1 byte", 48, [1], (.rdataLength, 0)),
        Case("DNSKEY without key", 48, [1, 0, 3, 8]),
        Case("DS of 1 byte", 43, [0], (.rdataLength, 0)),
        Case("DS ending after the algorithm", 43, [0, 1, 8]),
        Case("NSEC windows out of order", 47, [0, 0, 1, 0x40, 0, 1, 0x40], (.badTypeBitmap, 4)),
        Case("NSEC empty window", 47, [0, 0, 0], (.badTypeBitmap, 1)),
        Case("NSEC window of 33 bytes", 47, [0, 0, 33] + [UInt8](repeating: 1, count: 33), (.badTypeBitmap, 1)),
        Case("NSEC window overrunning", 47, [0, 0, 2, 0x40], (.badTypeBitmap, 1)),
        Case("NSEC window header cut", 47, [0, 0], (.badTypeBitmap, 1)),
        Case("NSEC3 salt cut", 50, [1, 0, 0, 1, 4, 0xAA, 0xBB], (.rdataLength, 5)),
        Case("NSEC3 ending after the salt", 50, [1, 0, 0, 1, 1, 0xAA], (.rdataLength, 6)),
        Case("NSEC3 ending after the salt length", 50, [1, 0, 0, 1, 0]),
        Case("NSEC3PARAM salt cut", 51, [1, 0, 0, 1, 4, 0xAA], (.rdataLength, 5)),
        Case("TSIG without original id", 250, [0] + [UInt8](repeating: 0, count: 8) + [0, 2, 1, 2], (.rdataLength, 13)),
        Case("HIP hit cut", 55, [4, 2, 0, 0, 1, 2], (.rdataLength, 4)),
        Case("APL of unknown family", 42, [0, 3, 0, 0], (.badRdataValue, 0)),
        Case("APL address with a trailing zero byte", 42, [0, 1, 24, 3, 192, 0, 0], (.badRdataValue, 0)),
        Case("APL prefix longer than the address", 42, [0, 1, 33, 0], (.badRdataValue, 0)),
        Case("APL item cut", 42, [0, 1, 24], (.rdataLength, 0)),
        Case("APL IPv4 /24 and negated IPv6", 42, [0, 1, 24, 3, 192, 0, 2, 0, 2, 64, 0x84, 0x20, 1, 0x0D, 0xB8]),
        Case("ANY with RDATA", 255, [1], (.rdataLength, 0)),
        Case("unknown type, any bytes", 65400, [0xDE, 0xAD, 0xBE, 0xEF]),
        Case("CAA flag only", 257, [0]),
        Case("CAA tag running out", 257, [0, 5, 0x69], (.rdataLength, 2)),
    ]

    static func validate(_ bytes: [UInt8]) -> Result<DNSMessageValidator.Summary, DNSWireError> {
        bytes.withByteView { raw in Result { () throws(DNSWireError) in try DNSMessageValidator.validate(raw) } }
    }

    @Test("each type's damage is refused with its kind and offset; accepted shapes pass", arguments: cases)
    func perType(_ testCase: Case) throws {
        let message = Self.message(type: testCase.type, rdata: testCase.rdata)
        switch (Self.validate(message), testCase.expected) {
        case (.success, nil): break
        case (.success, let expected?): Issue.record("accepted; expected \(expected.kind) at RDATA byte \(expected.rdataOffset)")
        case (.failure(let error), nil): Issue.record("refused: \(error)")
        case (.failure(let error), let expected?):
            #expect(error == DNSWireError(kind: expected.kind, offset: Self.rdataStart + expected.rdataOffset))
        }
    }

    @Test("the accepted shapes also render as JSON that parses")
    func acceptedShapesRender() throws {
        for testCase in Self.cases where testCase.expected == nil {
            let line = try Self.render(Self.message(type: testCase.type, rdata: testCase.rdata))
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(testCase.label): \(line)")
        }
    }

    static func render(_ message: [UInt8]) throws -> String {
        let buffer = OutputByteBuffer(initialCapacity: 64)
        try message.withByteView { raw in
            try DNSMonsterJSON().append(
                metadata: DNSMetadata(
                    timeNanoseconds: 1, packetLength: UInt32(raw.count), ipVersion: 4, transport: .udp, sourcePort: 53,
                    destinationPort: 5353, sourceAddress: IPAddressBytes([192, 0, 2, 1])!,
                    destinationAddress: IPAddressBytes([192, 0, 2, 2])!),
                identity: ByteView(), message: raw, to: buffer)
        }
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    @Test("mutated messages of every type never crash the validator or the renderer; what validates renders as JSON")
    func mutatedMessages() async {
        let bases = Self.cases.filter { $0.expected == nil }.map { Self.message(type: $0.type, rdata: $0.rdata) }
        // The script: the first byte picks a message, each following pair sets a byte to a value,
        // an odd-length script also cuts the message there.
        await propertyCheck(count: 3000, input: Gen.uint8().array(of: 1...24)) { script in
            var bytes = bases[Int(script[0]) % bases.count]
            var index = 1
            while index + 1 < script.count {
                bytes[Int(script[index]) % bytes.count] = script[index + 1]
                index += 2
            }
            if script.count % 2 == 0 { bytes = Array(bytes.prefix(Int(script.last!) % (bytes.count + 1))) }
            switch Self.validate(bytes) {
            case .success:
                let line = try? Self.render(bytes)
                #expect(line.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } != nil, "\(bytes)")
            case .failure(let error):
                #expect(error.offset >= 0 && error.offset <= bytes.count)
                #expect(throws: DNSWireError.self) { try Self.render(bytes) }
            }
        }
    }
}
