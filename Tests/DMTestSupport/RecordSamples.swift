import DMBytes
import DMRecord

/// Random records of every type, written through a RecordWriter and decoded back field by field.
package enum RecordSamples {
    /// One record to write, with its typed value where the type has one.
    package enum Sample: Equatable {
        case packet(PacketRecord, flags: UInt16)
        case dns(DNSRecord, flags: UInt16)
        case stats(StatsRecord)
        case other(type: UInt16, flags: UInt16, body: [UInt8])

        package var owned: OwnedItem {
            switch self {
            case .packet(let record, let flags): return .record(type: 1, flags: flags, body: record.encodedBody())
            case .dns(let record, let flags): return .record(type: 2, flags: flags, body: record.encodedBody())
            case .stats(let record): return .record(type: 3, flags: 0, body: record.encodedBody())
            case .other(let type, let flags, let body): return .record(type: type, flags: flags, body: body)
            }
        }
    }

    package static func randomBytes(_ count: Int, _ rng: inout SplitMix64) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    package static func randomAddress(version: UInt8, _ rng: inout SplitMix64) -> IPAddressBytes {
        IPAddressBytes(randomBytes(version == 4 ? 4 : 16, &rng))!
    }

    /// A random record of a random type; `payload` supplies the variable-length bytes.
    package static func sample(_ rng: inout SplitMix64, payload: [UInt8]) -> Sample {
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

    package static func write(_ samples: [Sample], to writer: RecordWriter) throws {
        for sample in samples {
            switch sample {
            case .packet(let record, let flags):
                // The in-place path every capture stage uses.
                try writer.writeRecord(type: .packet, flags: flags, bodySize: PacketRecordLayout.fixedSize + record.frame.count) { body in
                    record.metadata.store(into: body)
                    body.copy(record.frame, to: PacketRecordLayout.fixedSize)
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
    package static func decode(_ items: [OwnedItem]) throws -> [Sample] {
        try items.compactMap { item in
            guard case .record(let type, let flags, let body) = item else { return nil }
            return try body.withByteView { raw in
                switch RecordType(rawValue: type) {
                case .packet: return .packet(PacketRecord(try PacketRecordView(body: raw)), flags: flags)
                case .dns: return .dns(DNSRecord(try DNSRecordView(body: raw)), flags: flags)
                case .stats: return .stats(try StatsRecord(body: raw))
                default: return .other(type: type, flags: flags, body: body)
                }
            }
        }
    }
}
