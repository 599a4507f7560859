import DMRecord
import Foundation
import PropertyBased
import Testing

/// Random records of every type go through RecordWriter and RecordReader unchanged.
@Suite("Record round trip")
struct RecordRoundTripTests {
    /// One record to write, with its typed value where the type has one.
    enum Sample: Equatable {
        case packet(PacketRecord, flags: UInt16)
        case dns(DNSRecord, flags: UInt16)
        case stats(StatsRecord)
        case other(type: UInt16, flags: UInt16, body: [UInt8])

        var owned: OwnedItem {
            switch self {
            case .packet(let record, let flags): return .record(type: 1, flags: flags, body: record.encodedBody())
            case .dns(let record, let flags): return .record(type: 2, flags: flags, body: record.encodedBody())
            case .stats(let record): return .record(type: 3, flags: 0, body: record.encodedBody())
            case .other(let type, let flags, let body): return .record(type: type, flags: flags, body: body)
            }
        }
    }

    static func randomBytes(_ count: Int, _ rng: inout SplitMix64) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    static func randomAddress(version: UInt8, _ rng: inout SplitMix64) -> IPAddressBytes {
        IPAddressBytes(randomBytes(version == 4 ? 4 : 16, &rng))!
    }

    /// A random record of a random type; `payload` supplies the variable-length bytes.
    static func sample(_ rng: inout SplitMix64, payload: [UInt8]) -> Sample {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0:
            let metadata = PacketMetadata(
                timeNanoseconds: rng.next(), originalLength: UInt32.random(in: 0...UInt32.max, using: &rng),
                linkType: UInt16.random(in: 0...300, using: &rng), interface: UInt16.random(in: 0...3, using: &rng),
                lane: UInt16.random(in: 0...UInt16.max, using: &rng))
            return .packet(PacketRecord(metadata: metadata, frame: payload), flags: UInt16.random(in: 0...1, using: &rng))
        case 1:
            let version: UInt8 = Bool.random(using: &rng) ? 4 : 6
            let metadata = DNSMetadata(
                timeNanoseconds: rng.next(), packetLength: UInt32.random(in: 0...70000, using: &rng), ipVersion: version,
                transport: DNSTransport(rawValue: UInt8.random(in: 0...5, using: &rng)),
                sourcePort: UInt16.random(in: 0...UInt16.max, using: &rng), destinationPort: 53,
                matchFlags: DNSMatchFlags(rawValue: UInt16.random(in: 0...7, using: &rng)),
                sourceAddress: randomAddress(version: version, &rng), destinationAddress: randomAddress(version: version, &rng))
            let identity = Array("resolver-\(Int.random(in: 0...99, using: &rng))".utf8.prefix(Int.random(in: 0...11, using: &rng)))
            return .dns(DNSRecord(metadata: metadata, identity: identity, message: payload), flags: UInt16.random(in: 0...1, using: &rng))
        case 2:
            let counters = (0..<Int.random(in: 0...6, using: &rng)).map { index in
                (name: "counter_\(index)_\(payload.count)", value: rng.next())
            }
            return .stats(StatsRecord(
                timeNanoseconds: rng.next(), processID: UInt32.random(in: 1...4_000_000, using: &rng),
                lane: UInt16.random(in: 0...8, using: &rng), kind: Bool.random(using: &rng) ? .periodic : .final,
                stage: "dm-test", counters: counters))
        default:
            let type = Bool.random(using: &rng) ? UInt16.random(in: 4...0x7FFF, using: &rng) : UInt16.random(in: 0x8000...0xFFFF, using: &rng)
            return .other(type: type, flags: UInt16.random(in: 0...UInt16.max, using: &rng), body: payload)
        }
    }

    static func write(_ samples: [Sample], to writer: RecordWriter) throws {
        for sample in samples {
            switch sample {
            case .packet(let record, let flags):
                // The in-place path every capture stage uses.
                try writer.writeRecord(type: .packet, flags: flags, bodySize: PacketRecordLayout.fixedSize + record.frame.count) { body in
                    record.metadata.store(into: body)
                    record.frame.withUnsafeBytes { body.copyBytes($0, at: PacketRecordLayout.fixedSize) }
                }
            case .dns(let record, let flags):
                try writer.writeRecord(type: .dns, flags: flags, body: record.encodedBody())
            case .stats(let record):
                try writer.writeRecord(type: .stats, body: record.encodedBody())
            case .other(let type, let flags, let body):
                try writer.writeRecord(type: RecordType(rawValue: type), flags: flags, body: body)
            }
        }
    }

    /// Decodes typed records back into samples, so the layouts are checked field by field.
    static func decode(_ items: [OwnedItem]) throws -> [Sample] {
        try items.compactMap { item in
            guard case .record(let type, let flags, let body) = item else { return nil }
            return try body.withUnsafeBytes { raw in
                switch RecordType(rawValue: type) {
                case .packet: return .packet(PacketRecord(try PacketRecordView(body: raw)), flags: flags)
                case .dns: return .dns(DNSRecord(try DNSRecordView(body: raw)), flags: flags)
                case .stats: return .stats(try StatsRecord(body: raw))
                default: return .other(type: type, flags: flags, body: body)
                }
            }
        }
    }

    @Test("random records of every type survive write and read, with any read split")
    func randomRecords() async throws {
        let directory = try TemporaryDirectory()
        await propertyCheck(
            count: 150, input: Gen.uint64(), Gen.uint8().array(of: 0...700), Gen.int(in: 1...5000)
        ) { seed, payload, readLimit in
            var rng = SplitMix64(seed: seed)
            let samples = (0..<Int.random(in: 0...40, using: &rng)).map { index in
                Self.sample(&rng, payload: Array(payload.prefix(index * 37 % (payload.count + 1))))
            }
            let header = StreamHeader(entries: [.source("seed \(seed)"), Provenance.current(tool: "dm-test").entry])
            let path = directory.file("roundtrip-\(seed).dmr")
            try StreamFiles.write(path) { writer in
                try writer.writeHeader(header)
                try Self.write(samples, to: writer)
            }
            let items = try StreamFiles.read(path, readLimit: readLimit)
            #expect(items == [.header(header)] + samples.map(\.owned))
            #expect(try Self.decode(items) == samples)
        }
    }

    @Test("records and headers of the maximum size round trip; one byte more is refused")
    func maximumSizes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("max.dmr")
        var rng = SplitMix64(seed: 42)
        let maximumBody = Self.randomBytes(RecordFraming.maximumBodySize, &rng)
        let maximumFrame = PacketRecord(
            metadata: PacketMetadata(timeNanoseconds: 1, originalLength: UInt32(PacketRecordLayout.maximumFrameSize), linkType: 1),
            frame: Self.randomBytes(PacketRecordLayout.maximumFrameSize, &rng))
        let maximumMessage = DNSRecord(
            metadata: DNSMetadata(
                timeNanoseconds: 2, packetLength: 65535, ipVersion: 6, transport: .tcp, sourcePort: 53, destinationPort: 9,
                sourceAddress: Self.randomAddress(version: 6, &rng), destinationAddress: Self.randomAddress(version: 6, &rng)),
            identity: Array(repeating: 0x61, count: 255), message: Self.randomBytes(DNSRecordLayout.maximumMessageSize, &rng))
        // A header whose entries fill exactly the 1 MiB limit.
        let bigEntry = HeaderEntry(tag: 0x8001, value: Self.randomBytes(StreamHeader.maximumEntriesLength - 8, &rng))
        let header = StreamHeader(entries: [bigEntry])
        try StreamFiles.write(path) { writer in
            try writer.writeHeader(header)
            try writer.writeRecord(type: RecordType(rawValue: 0x9000), body: maximumBody)
            try Self.write([.packet(maximumFrame, flags: 0), .dns(maximumMessage, flags: 0)], to: writer)
        }
        let items = try StreamFiles.read(path, readLimit: 100_003)
        #expect(items.count == 4)
        #expect(items[0] == .header(header))
        #expect(items[1] == .record(type: 0x9000, flags: 0, body: maximumBody))
        #expect(try Self.decode(Array(items[2...])) == [.packet(maximumFrame, flags: 0), .dns(maximumMessage, flags: 0)])

        try StreamFiles.write(directory.file("too-big.dmr")) { writer in
            #expect(throws: RecordWriteError.self) {
                try writer.writeRecord(type: RecordType(rawValue: 0x9000), body: maximumBody + [0])
            }
            #expect(throws: RecordWriteError.self) {
                try writer.writeHeader(StreamHeader(entries: [HeaderEntry(tag: 0x8001, value: bigEntry.value + [0])]))
            }
        }
    }

    @Test("a DNS message over 65535 bytes is refused by the view")
    func oversizedDNSMessage() throws {
        let record = DNSRecord(
            metadata: DNSMetadata(
                timeNanoseconds: 0, packetLength: 0, ipVersion: 4, transport: .udp, sourcePort: 1, destinationPort: 53,
                sourceAddress: IPAddressBytes([1, 2, 3, 4])!, destinationAddress: IPAddressBytes([5, 6, 7, 8])!),
            message: [UInt8](repeating: 0, count: 65536))
        let body = record.encodedBody()
        #expect(throws: RecordLayoutError.self) { try body.withUnsafeBytes { raw throws in _ = try DNSRecordView(body: raw) } }
        #expect(throws: RecordLayoutError.self) {
            try Array(body.prefix(40)).withUnsafeBytes { raw throws in _ = try DNSRecordView(body: raw) }
        }
    }

    @Test("provenance entries decode to what was encoded")
    func provenanceRoundTrip() throws {
        let provenance = Provenance(
            startTimeNanoseconds: 1_700_000_000_123_456_789, processID: 4242, tool: "dm-capture", version: "1.2.3",
            arguments: ["dm-capture", "", "--pcap", "ünïcode file.pcap"])
        #expect(Provenance(value: provenance.entry.value) == provenance)
        #expect(Provenance(value: Array(provenance.entry.value.dropLast())) == nil)
        #expect(StreamHeader(entries: [provenance.entry]).provenance == [provenance])
    }
}
