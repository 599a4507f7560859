import DMBytes
@testable import DMFilter
import DMRecord
import DMStage
import DMTestSupport
import Testing

/// The filter's building blocks in-process: masks, sampler, dedup table, type/rcode lists.
@Suite("Filter parts")
struct FilterPartsTests {
    @Test("masks keep exactly the leading bits of v4 and v6 addresses, /0 and full length included")
    func masks() throws {
        var rng = SplitMix64(seed: 11)
        for bits4 in [0, 1, 7, 8, 9, 16, 24, 31, 32] {
            for bits6 in [0, 1, 48, 63, 64, 65, 120, 127, 128] {
                let mask = try #require(AddressMask(bits4: bits4, bits6: bits6))
                #expect(mask.isIdentity == (bits4 == 32 && bits6 == 128))
                for version: UInt8 in [4, 6] {
                    let count = version == 4 ? 4 : 16
                    let source = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    let destination = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    var body = [UInt8](repeating: 0xAA, count: 60)
                    body[12] = version
                    body.replaceSubrange(24..<40, with: source + [UInt8](repeating: 0, count: 16 - count))
                    body.replaceSubrange(40..<56, with: destination + [UInt8](repeating: 0, count: 16 - count))
                    let before = body
                    body.withMutableByteView { mask.applyToDNSBody($0) }
                    let bits = version == 4 ? bits4 : bits6
                    #expect(Array(body[24..<(24 + count)]) == Oracles.naiveMask(source, bits: bits), "v\(version) /\(bits)")
                    #expect(Array(body[40..<(40 + count)]) == Oracles.naiveMask(destination, bits: bits), "v\(version) /\(bits)")
                    // Nothing else changes (the 12 padding bytes of a v4 address stay zero).
                    #expect(Array(body[0..<24]) == Array(before[0..<24]))
                    #expect(Array(body[(24 + count)..<40]) == Array(before[(24 + count)..<40]))
                    #expect(Array(body[(40 + count)...]) == Array(before[(40 + count)...]))
                }
            }
        }
        #expect(AddressMask(bits4: 33) == nil)
        #expect(AddressMask(bits6: 129) == nil)
        #expect(AddressMask(bits4: -1) == nil)
    }

    @Test("the sampler keeps exactly the first A of every B", arguments: [(1, 10), (2, 7), (1, 1), (0, 5), (5, 5), (3, 4)])
    func sampler(keep: UInt64, outOf: UInt64) throws {
        var sampler = try #require(RecordSampler(keep: keep, outOf: outOf))
        let kept = (0..<UInt64(1000)).filter { _ in sampler.admit() }
        #expect(kept == (0..<UInt64(1000)).filter { $0 % outOf < keep })
        #expect(RecordSampler(parsing: "\(keep):\(outOf)") != nil)
    }

    @Test("sampler arguments out of range are refused", arguments: ["3:2", "1:0", "x", "1:", ":1", "1:2:3", "-1:2"])
    func badSampler(text: String) {
        #expect(RecordSampler(parsing: text) == nil)
    }

    @Test("dedup window edges: a duplicate inside the window is caught, at the window's end it is kept again")
    func dedupWindow() {
        let window: UInt64 = 1_000_000_000
        let dedup = Deduplicator(windowNanoseconds: window, capacity: 1024)
        let t0: UInt64 = 1_700_000_000_000_000_000
        #expect(!dedup.isDuplicate(hash: 42, time: t0))
        #expect(dedup.isDuplicate(hash: 42, time: t0))  // same instant
        #expect(dedup.isDuplicate(hash: 42, time: t0 + window - 1))  // last nanosecond inside
        #expect(dedup.isDuplicate(hash: 42, time: t0 - (window - 1)))  // earlier, within the window
        #expect(!dedup.isDuplicate(hash: 42, time: t0 + window))  // the window ends: kept, window restarts
        #expect(dedup.isDuplicate(hash: 42, time: t0 + window + 5))
        #expect(!dedup.isDuplicate(hash: 43, time: t0 + window + 5))  // another record
        // Duplicates do not extend the window: kept again one window after the kept one.
        #expect(dedup.isDuplicate(hash: 42, time: t0 + 2 * window - 1))
        #expect(!dedup.isDuplicate(hash: 42, time: t0 + 2 * window))
        #expect(dedup.evictions == 0)
    }

    @Test("the dedup table is bounded: a full bucket evicts its oldest live entry and counts it")
    func dedupBounded() {
        let dedup = Deduplicator(windowNanoseconds: 1_000_000, capacity: 4)  // one bucket of 4
        #expect(dedup.capacity == 4)
        for hash: UInt64 in 1...4 { #expect(!dedup.isDuplicate(hash: hash, time: hash)) }
        #expect(dedup.evictions == 0)
        #expect(!dedup.isDuplicate(hash: 5, time: 10))  // evicts hash 1 (time 1, the oldest)
        #expect(dedup.evictions == 1)
        #expect(!dedup.isDuplicate(hash: 1, time: 11))  // forgotten: kept again, evicts hash 2
        #expect(dedup.evictions == 2)
        #expect(dedup.isDuplicate(hash: 5, time: 12))
        // Expired entries are reused without counting an eviction.
        #expect(!dedup.isDuplicate(hash: 6, time: 5_000_000))
        #expect(dedup.evictions == 2)
    }

    @Test("the record hash covers addresses, ports, transport and message, not time, identity or flags")
    func dedupHash() {
        func body(_ edit: (inout DNSRecord) -> Void) -> UInt64 {
            var record = DNSRecord(
                metadata: DNSMetadata(
                    timeNanoseconds: 1, packetLength: 3, ipVersion: 4, transport: .udp, sourcePort: 1000, destinationPort: 53,
                    sourceAddress: IPAddressBytes([10, 0, 0, 1])!, destinationAddress: IPAddressBytes([10, 0, 0, 2])!),
                identity: Array("a".utf8), message: [1, 2, 3])
            edit(&record)
            let bytes = record.encodedBody()
            return bytes.withByteView { raw in
                Deduplicator.hash(dnsBody: raw, message: raw.subview(from: (56 + record.identity.count)))
            }
        }
        let base = body { _ in }
        #expect(body { $0.metadata.timeNanoseconds = 99 } == base)
        #expect(body { $0.identity = Array("other".utf8) } == base)
        #expect(body { $0.metadata.matchFlags = .evaluated } == base)
        #expect(body { $0.metadata.packetLength = 9 } == base)
        #expect(body { $0.metadata.sourcePort = 1001 } != base)
        #expect(body { $0.metadata.destinationPort = 54 } != base)
        #expect(body { $0.metadata.transport = .tcp } != base)
        #expect(body { $0.metadata.sourceAddress = IPAddressBytes([10, 0, 0, 3])! } != base)
        #expect(body { $0.metadata.destinationAddress = IPAddressBytes([10, 0, 0, 3])! } != base)
        #expect(body { $0.message = [1, 2, 4] } != base)
        #expect(body { $0.message = [1, 2, 3, 0] } != base)
    }

    @Test("qtype and rcode lists by name, TYPEn and number; bad items named")
    func fieldSelections() throws {
        let types = try DNSFieldSelection.queryTypes("A, aaaa,HTTPS,TYPE99,65535,*")
        for value: UInt16 in [1, 28, 65, 99, 65535, 255] { #expect(types.contains(value)) }
        for value: UInt16 in [0, 2, 5, 64, 65534] { #expect(!types.contains(value)) }
        let codes = try DNSFieldSelection.responseCodes("NXDOMAIN,servfail,0,15")
        for value: UInt16 in [0, 2, 3, 15] { #expect(codes.contains(value)) }
        for value: UInt16 in [1, 5, 14, 16] { #expect(!codes.contains(value)) }
        #expect(throws: DNSFieldSelectionError.self) { try DNSFieldSelection.queryTypes("A,BOGUS") }
        #expect(throws: DNSFieldSelectionError.self) { try DNSFieldSelection.queryTypes("65536") }
        #expect(throws: DNSFieldSelectionError.self) { try DNSFieldSelection.responseCodes("16") }
        #expect(throws: DNSFieldSelectionError.self) { try DNSFieldSelection.responseCodes("") }
    }
}
