import DMBytes
@testable import DMRecord
import DMTestSupport
import Foundation
import PropertyBased
import Testing

/// Random records of every type go through RecordWriter and RecordReader unchanged.
@Suite("Record round trip")
struct RecordRoundTripTests {
    @Test("random records of every type survive write and read, with any read split")
    func randomRecords() async throws {
        let directory = try TemporaryDirectory()
        await propertyCheck(
            count: 150, input: Gen.uint64(), Gen.uint8().array(of: 0...700), Gen.int(in: 1...5000)
        ) { seed, payload, readLimit in
            var rng = SplitMix64(seed: seed)
            let samples = (0..<Int.random(in: 0...40, using: &rng)).map { index in
                RecordSamples.sample(&rng, payload: Array(payload.prefix(index * 37 % (payload.count + 1))))
            }
            let header = StreamHeader(entries: [.source("seed \(seed)"), Provenance.current(tool: "dm-test").entry])
            let path = directory.file("roundtrip-\(seed).dmr")
            try StreamFiles.write(path) { writer in
                try writer.writeHeader(header)
                try RecordSamples.write(samples, to: writer)
            }
            let items = try StreamFiles.read(path, readLimit: readLimit)
            #expect(items == [.header(header)] + samples.map(\.owned))
            #expect(try RecordSamples.decode(items) == samples)
        }
    }

    @Test("records and headers of the maximum size round trip; one byte more is refused")
    func maximumSizes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("max.dmr")
        var rng = SplitMix64(seed: 42)
        let maximumBody = RecordSamples.randomBytes(RecordFraming.maximumBodySize, &rng)
        let maximumFrame = PacketRecord(
            metadata: PacketMetadata(timeNanoseconds: 1, originalLength: UInt32(PacketRecordLayout.maximumFrameSize), linkType: 1),
            frame: RecordSamples.randomBytes(PacketRecordLayout.maximumFrameSize, &rng))
        let maximumMessage = DNSRecord(
            metadata: DNSMetadata(
                timeNanoseconds: 2, packetLength: 65535, ipVersion: 6, transport: .tcp, sourcePort: 53, destinationPort: 9,
                sourceAddress: RecordSamples.randomAddress(version: 6, &rng), destinationAddress: RecordSamples.randomAddress(version: 6, &rng)),
            identity: Array(repeating: 0x61, count: 255), message: RecordSamples.randomBytes(DNSRecordLayout.maximumMessageSize, &rng))
        // A header whose entries fill exactly the 1 MiB limit.
        let bigEntry = HeaderEntry(tag: 0x8001, value: RecordSamples.randomBytes(StreamHeader.maximumEntriesLength - 8, &rng))
        let header = StreamHeader(entries: [bigEntry])
        try StreamFiles.write(path) { writer in
            try writer.writeHeader(header)
            try writer.writeRecord(type: RecordType(rawValue: 0x9000), body: maximumBody)
            try RecordSamples.write([.packet(maximumFrame, flags: 0), .dns(maximumMessage, flags: 0)], to: writer)
        }
        let items = try StreamFiles.read(path, readLimit: 100_003)
        #expect(items.count == 4)
        #expect(items[0] == .header(header))
        #expect(items[1] == .record(type: 0x9000, flags: 0, body: maximumBody))
        #expect(try RecordSamples.decode(Array(items[2...])) == [.packet(maximumFrame, flags: 0), .dns(maximumMessage, flags: 0)])

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
        #expect(throws: RecordLayoutError.self) { try body.withByteView { raw throws in _ = try DNSRecordView(body: raw) } }
        #expect(throws: RecordLayoutError.self) {
            try Array(body.prefix(40)).withByteView { raw throws in _ = try DNSRecordView(body: raw) }
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
