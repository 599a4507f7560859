import DMBytes
import DMDnstap
import DMRecord
import DMStage
import DMTestSupport
import DnstapSchema
import Foundation
import PropertyBased
import SwiftProtobuf
import Testing

/// DMDnstap's own protobuf reader against swift-protobuf's generated decoder (the oracle), and
/// the mapping of decoded messages to DNS records.
@Suite struct DnstapDecodingTests {
    /// A random but valid dnstap payload, built with swift-protobuf.
    static func randomPayload(_ rng: inout SplitMix64) -> Dnstap_Dnstap {
        func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
        func bytes(_ range: ClosedRange<Int>) -> Data {
            Data((0..<Int.random(in: range, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
        var payload = Dnstap_Dnstap()
        payload.type = .message
        if chance(80) { payload.identity = bytes(0...40) }
        if chance(80) { payload.version = bytes(0...40) }
        if chance(20) { payload.extra = bytes(0...20) }
        guard chance(95) else { return payload }
        var message = Dnstap_Message()
        message.type = Dnstap_Message.TypeEnum(rawValue: Int.random(in: 1...14, using: &rng))!
        if chance(90) { message.socketFamily = chance(50) ? .inet : .inet6 }
        if chance(90) { message.socketProtocol = Dnstap_SocketProtocol(rawValue: Int.random(in: 1...7, using: &rng))! }
        if chance(90) { message.queryAddress = bytes(chance(50) ? 4...4 : 16...16) }
        if chance(90) { message.responseAddress = bytes(chance(90) ? 4...4 : 0...17) }
        if chance(90) { message.queryPort = UInt32(truncatingIfNeeded: rng.next()) }
        if chance(90) { message.responsePort = UInt32.random(in: 0...65535, using: &rng) }
        if chance(90) { message.queryTimeSec = rng.next() >> Int.random(in: 0...63, using: &rng) }
        if chance(90) { message.queryTimeNsec = UInt32.random(in: 0...999_999_999, using: &rng) }
        if chance(70) { message.queryMessage = bytes(0...300) }
        if chance(20) { message.queryZone = bytes(1...30) }
        if chance(70) { message.responseTimeSec = rng.next() >> Int.random(in: 0...63, using: &rng) }
        if chance(70) { message.responseTimeNsec = UInt32(truncatingIfNeeded: rng.next()) }
        if chance(60) { message.responseMessage = bytes(0...300) }
        if chance(10) {
            var policy = Dnstap_Policy()
            policy.type = "RPZ"
            policy.rule = bytes(1...10)
            policy.action = .nxdomain
            message.policy = policy
        }
        if chance(10) { message.httpProtocol = .http2 }
        payload.message = message
        return payload
    }

    /// The fields DMDnstap decoded, in one comparable text.
    static func describe(_ payload: DnstapPayload) -> String {
        func hex(_ view: ByteView?) -> String { view.map { Array($0).map { String($0, radix: 16) }.joined(separator: ".") } ?? "-" }
        var text = "identity=\(hex(payload.identity)) version=\(hex(payload.version)) type=\(payload.payloadType)"
        guard payload.hasMessage else { return text }
        text += " message type=\(payload.messageType.rawValue) family=\(payload.socketFamily.map(String.init) ?? "-")"
        text += " protocol=\(payload.socketProtocol.map(String.init) ?? "-") qa=\(hex(payload.queryAddress)) ra=\(hex(payload.responseAddress))"
        text += " qp=\(payload.queryPort) rp=\(payload.responsePort) qt=\(payload.queryTimeSeconds).\(payload.queryTimeNanoseconds)"
        text += " rt=\(payload.responseTimeSeconds).\(payload.responseTimeNanoseconds) q=\(hex(payload.queryMessage)) r=\(hex(payload.responseMessage))"
        return text
    }

    /// The same text from swift-protobuf's decoding.
    static func describe(_ payload: Dnstap_Dnstap) -> String {
        func hex(_ data: Data?) -> String { data.map { $0.map { String($0, radix: 16) }.joined(separator: ".") } ?? "-" }
        var text = "identity=\(hex(payload.identity)) version=\(hex(payload.version)) type=\(payload.type.rawValue)"
        guard payload.hasMessage else { return text }
        let m = payload.message
        text += " message type=\(m.type.rawValue) family=\(m.hasSocketFamily ? String(m.socketFamily.rawValue) : "-")"
        text += " protocol=\(m.hasSocketProtocol ? String(m.socketProtocol.rawValue) : "-") qa=\(hex(m.queryAddress)) ra=\(hex(m.responseAddress))"
        text += " qp=\(m.queryPort) rp=\(m.responsePort) qt=\(m.queryTimeSec).\(m.queryTimeNsec)"
        text += " rt=\(m.responseTimeSec).\(m.responseTimeNsec) q=\(m.hasQueryMessage ? hex(m.queryMessage) : "-")"
        text += " r=\(m.hasResponseMessage ? hex(m.responseMessage) : "-")"
        return text
    }

    /// Both decoders' readings of `bytes`: the description, or nil when it refused them.
    static func decodeBoth(_ bytes: [UInt8]) -> (ours: String?, oracle: String?) {
        let ours = try? bytes.withByteView { view in Self.describe(try DnstapPayload(decoding: view)) }
        let oracle = try? Self.describe(Dnstap_Dnstap(serializedBytes: bytes))
        return (ours, oracle)
    }

    @Test func decodesWhatSwiftProtobufDecodes() async {
        await propertyCheck(count: 400, input: Gen.uint64()) { seed in
            var rng = SplitMix64(seed: seed)
            var bytes: [UInt8] = try Self.randomPayload(&rng).serializedBytes()
            // Fields the schema does not know (varint, fixed64, bytes, fixed32), and an identity
            // repeated at the end, which wins.
            if rng.next() % 2 == 0 { bytes += [0xA8, 0x06, 0x96, 0x01, 0xB1, 0x06, 1, 2, 3, 4, 5, 6, 7, 8, 0xBA, 0x06, 2, 9, 9, 0xC5, 0x06, 1, 2, 3, 4] }
            if rng.next() % 3 == 0 { bytes += [0x0A, 3, 0x61, 0x62, 0x63] }
            let (ours, oracle) = Self.decodeBoth(bytes)
            #expect(oracle != nil)
            #expect(ours == oracle)
        }
    }

    @Test func refusesWhatSwiftProtobufRefuses() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var rng = SplitMix64(seed: seed)
            let bytes: [UInt8] = try Self.randomPayload(&rng).serializedBytes()
            // Every cut: inside a field both refuse; at a field boundary both read the fields
            // before it (or both miss the required type).
            for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 40)) {
                let (ours, oracle) = Self.decodeBoth(Array(bytes.prefix(cut)))
                #expect(ours == oracle, "cut at \(cut) of \(bytes.count)")
            }
        }
    }

    @Test func requiredTypesMustBePresent() {
        // A Dnstap with an identity and no type; a Message without its type.
        #expect(Self.decodeBoth([0x0A, 1, 0x41]) == (nil, nil))
        #expect(Self.decodeBoth([0x78, 1, 0x72, 2, 0x10, 1]) == (nil, nil))
        // Groups (wire types 3 and 4) are no part of dnstap.
        #expect(throws: DnstapDecodeError.self) { try [0x78, 1, 0x0B].withByteView { _ = try DnstapPayload(decoding: $0) } }
    }
}

/// Decoded dnstap messages as DNS records.
@Suite struct DnstapMappingTests {
    static let query: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 7] + Array("example".utf8) + [4] + Array("test".utf8) + [0, 0, 1, 0, 1]
    static var response: [UInt8] {
        var message = Self.query
        message[2] = 0x81
        message[3] = 0x80
        return message
    }

    /// The records `payloads` give through `mapping`, and its counters.
    static func records(_ payloads: [Dnstap_Dnstap], mapping: DnstapRecordMapping) throws -> ([DNSRecord], DnstapRecordMapping.Counters) {
        let directory = try TemporaryDirectory()
        let path = directory.file("records.dmr")
        var mapping = mapping
        try StreamFiles.write(path) { writer in
            try writer.writeHeader(StreamHeader(entries: []))
            for payload in payloads {
                let bytes: [UInt8] = try payload.serializedBytes()
                try bytes.withByteView { try mapping.write(frame: $0, into: writer) }
            }
        }
        let records = try StreamFiles.read(path).compactMap { item -> DNSRecord? in
            guard case .record(2, _, let body) = item else { return nil }
            return try body.withByteView { DNSRecord(try DNSRecordView(body: $0)) }
        }
        return (records, mapping.counters)
    }

    static func clientResponse(family: Dnstap_SocketFamily?, protocol socketProtocol: Dnstap_SocketProtocol?, withQuery: Bool) -> Dnstap_Dnstap {
        var message = Dnstap_Message()
        message.type = .clientResponse
        if let family { message.socketFamily = family }
        if let socketProtocol { message.socketProtocol = socketProtocol }
        message.queryAddress = family == .inet6 ? Data([0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1]) : Data([192, 0, 2, 7])
        message.responseAddress = family == .inet6 ? Data([UInt8](repeating: 0, count: 15) + [1]) : Data([127, 0, 0, 1])
        message.queryPort = 40000
        message.responsePort = 53
        message.queryTimeSec = 1_700_000_000
        message.queryTimeNsec = 5
        message.responseTimeSec = 1_700_000_001
        message.responseTimeNsec = 7
        if withQuery { message.queryMessage = Data(Self.query) }
        message.responseMessage = Data(Self.response)
        var payload = Dnstap_Dnstap()
        payload.type = .message
        payload.identity = Data("ns1".utf8)
        payload.version = Data("BIND 9.18".utf8)
        payload.message = message
        return payload
    }

    @Test func mapsAsDnsmonsterDoes() throws {
        let (records, counters) = try Self.records(
            [
                Self.clientResponse(family: .inet, protocol: .udp, withQuery: true),
                Self.clientResponse(family: .inet6, protocol: .doh, withQuery: false),
                Self.clientResponse(family: nil, protocol: nil, withQuery: false),
            ], mapping: DnstapRecordMapping())
        #expect(counters.messages == 3 && counters.recordsWritten == 3)
        try #require(records.count == 3)
        // The query and its time when present …
        #expect(records[0].message == Self.query)
        #expect(records[0].metadata.timeNanoseconds == 1_700_000_000_000_000_005)
        #expect(records[0].metadata.ipVersion == 4 && records[0].metadata.transport == .udp)
        #expect(records[0].metadata.sourceAddress.text(ipVersion: 4) == "192.0.2.7" && records[0].metadata.sourcePort == 40000)
        #expect(records[0].metadata.destinationAddress.text(ipVersion: 4) == "127.0.0.1" && records[0].metadata.destinationPort == 53)
        #expect(records[0].metadata.packetLength == UInt32(Self.query.count))
        #expect(records[0].identity == Array("ns1".utf8) && records[0].version == Array("BIND 9.18".utf8))
        // … else the response and its time.
        #expect(records[1].message == Self.response)
        #expect(records[1].metadata.timeNanoseconds == 1_700_000_001_000_000_007)
        #expect(records[1].metadata.ipVersion == 6 && records[1].metadata.transport == .doh)
        #expect(records[1].metadata.sourceAddress.text(ipVersion: 6) == "2001:db8::1")
        // Without a family, the version follows the address; without a protocol, unknown.
        #expect(records[2].metadata.ipVersion == 4 && records[2].metadata.transport == .unknown)
    }

    @Test func bothMessagesAndTypeSelection() throws {
        let payloads = [Self.clientResponse(family: .inet, protocol: .tcp, withQuery: true)]
        let (both, _) = try Self.records(payloads, mapping: DnstapRecordMapping(writesBothMessages: true))
        #expect(both.map(\.message) == [Self.query, Self.response])
        #expect(both.map(\.metadata.timeNanoseconds) == [1_700_000_000_000_000_005, 1_700_000_001_000_000_007])

        let (none, counters) = try Self.records(payloads, mapping: DnstapRecordMapping(types: try DnstapTypeSelection(parsing: "CQ, AQ")))
        #expect(none.isEmpty && counters.typesSkipped == 1 && counters.messages == 1)
        let (kept, _) = try Self.records(payloads, mapping: DnstapRecordMapping(types: try DnstapTypeSelection(parsing: "client_response")))
        #expect(kept.count == 1)
        #expect(throws: DnstapTypeSelectionError.self) { try DnstapTypeSelection(parsing: "CQ,XX") }
    }

    @Test func shardsPartitionByClientAndSampleAndLimitCount() throws {
        var payloads: [Dnstap_Dnstap] = []
        for client in 0..<40 {
            var payload = Self.clientResponse(family: .inet, protocol: .udp, withQuery: true)
            payload.message.queryAddress = Data([10, 0, 0, UInt8(client)])
            payloads += [payload, payload]
        }
        var seen: [Data: Int] = [:]
        var total = 0
        for index in 0..<3 as Range<UInt64> {
            let (records, _) = try Self.records(payloads, mapping: DnstapRecordMapping(selection: DnstapSelection(shard: (index, 3), sample: nil, limit: nil)))
            total += records.count
            for record in records { seen[Data(record.metadata.sourceAddress.bytes.prefix(4)), default: 0] += 1 }
        }
        // Every message in exactly one shard, a client's messages together.
        #expect(total == 80 && seen.count == 40 && seen.values.allSatisfy { $0 == 2 })

        let (sampled, _) = try Self.records(payloads, mapping: DnstapRecordMapping(selection: DnstapSelection(shard: nil, sample: RecordSampler(keep: 1, outOf: 4), limit: nil)))
        #expect(sampled.count == 20)
        var limited = DnstapRecordMapping(selection: DnstapSelection(shard: nil, sample: nil, limit: 7))
        #expect(!limited.isDone)
        let (first, _) = try Self.records(Array(payloads.prefix(7)), mapping: limited)
        #expect(first.count == 7)
        limited.selection = DnstapSelection(shard: nil, sample: nil, limit: 0)
        #expect(limited.isDone)
    }

    @Test func countsWhatGivesNoRecord() throws {
        var noMessage = Dnstap_Dnstap()
        noMessage.type = .message
        var empty = Self.clientResponse(family: .inet, protocol: .udp, withQuery: false)
        empty.message.clearResponseMessage()
        var broken = Self.clientResponse(family: .inet, protocol: .udp, withQuery: true)
        broken.message.queryMessage = Data([1, 2, 3])
        let (records, counters) = try Self.records([noMessage, empty, broken], mapping: DnstapRecordMapping())
        #expect(records.isEmpty)
        #expect(counters.otherPayloads == 1 && counters.withoutDNSMessage == 1 && counters.malformed == 1)

        let (kept, keptCounters) = try Self.records([broken], mapping: DnstapRecordMapping(keepsMalformed: true))
        #expect(kept.count == 1 && keptCounters.malformedKept == 1)

        // A message longer than any DNS record holds (here also failing the wire check: an
        // answer whose name points at itself) is malformed, counted once, never kept.
        var huge = Self.clientResponse(family: .inet, protocol: .tcp, withQuery: true)
        var answered = Self.query
        answered[7] = 1
        huge.message.queryMessage = Data(answered + [0xC0, UInt8(answered.count)] + [UInt8](repeating: 0, count: 70_000))
        let (none, hugeCounters) = try Self.records([huge], mapping: DnstapRecordMapping(keepsMalformed: true))
        #expect(none.isEmpty && hugeCounters.malformed == 1 && hugeCounters.malformedKept == 0 && hugeCounters.messages == 1)
    }
}
