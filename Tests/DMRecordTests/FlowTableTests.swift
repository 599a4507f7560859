@testable import DMRecord
import Testing

/// The open-addressing table behind TCP reassembly: lookups, in-place changes, removal by
/// backward shift, growth, and the bounds that hold against chosen keys.
@Suite("Flow table")
struct FlowTableTests {
    /// A key whose hash the test chooses: `bucket` alone decides it, so keys collide at will.
    struct TestKey: FlowTableKey, Hashable {
        var id: Int
        var bucket: UInt64
        func flowHash(seed: FlowTableSeed) -> UInt64 { self.bucket }
    }

    /// Random insertions, changes and removals, with heavy collisions and probe runs that wrap
    /// around the end of the slots, agree with a dictionary at every step.
    @Test func agreesWithADictionaryUnderChurn() {
        var generator = SplitMix64(seed: 42)
        var table = FlowTable<TestKey, [Int]>(maximumCount: 300)
        var model: [TestKey: [Int]] = [:]
        for step in 0..<20_000 {
            // Few buckets near the top of the hash range: long runs that cross slot 0.
            let key = TestKey(id: Int(generator.next() % 400), bucket: UInt64.max - generator.next() % 24)
            switch generator.next() % 3 {
            case 0:
                if let slot = table.find(key) {
                    table[slot].append(step)
                    model[key]!.append(step)
                } else if let slot = table.insert(key, [step]) {
                    #expect(table.find(key) == slot)
                    model[key] = [step]
                }
            case 1:
                if let slot = table.find(key) {
                    #expect(table.remove(at: slot) == model.removeValue(forKey: key))
                } else {
                    #expect(model[key] == nil)
                }
            default:
                #expect(table.find(key).map { table[$0] } == model[key])
            }
            #expect(table.count == model.count)
        }
        for (key, value) in model { #expect(table.find(key).map { table[$0] } == value) }
        #expect(!model.isEmpty)
    }

    /// Keys that all share one hash fill at most ``FlowTable/maximumProbes`` slots; the next
    /// is refused, so one lookup never walks further than that against chosen keys.
    @Test func refusesKeysBeyondTheProbeBound() {
        var table = FlowTable<TestKey, Int>(maximumCount: 10_000)
        var inserted = 0
        for id in 0..<1000 where table.insert(TestKey(id: id, bucket: 7), id) != nil { inserted += 1 }
        #expect(inserted == FlowTable<TestKey, Int>.maximumProbes)
        #expect(table.find(TestKey(id: 3, bucket: 7)).map { table[$0] } == 3)
        #expect(table.insert(TestKey(id: 5000, bucket: 200), 1) != nil)
    }

    /// The table holds its maximum count and refuses one more; removing makes room again.
    @Test func holdsItsMaximumCount() {
        var table = FlowTable<TestKey, Int>(maximumCount: 100)
        var generator = SplitMix64(seed: 7)
        var keys: [TestKey] = []
        while keys.count < 128 {
            let key = TestKey(id: keys.count, bucket: generator.next())
            if table.insert(key, keys.count) != nil { keys.append(key) } else { break }
        }
        // 100 asked for: room for 128 (half of 256 slots), and no more.
        #expect(keys.count == 128)
        #expect(table.insert(TestKey(id: -1, bucket: generator.next()), 0) == nil)
        table.remove(at: table.find(keys[0])!)
        #expect(table.insert(TestKey(id: -1, bucket: generator.next()), 0) != nil)
        for key in keys.dropFirst() { #expect(table.find(key).map { table[$0] } == key.id) }
    }

    /// A new stream the table refuses (its probe run is full) still has its complete messages
    /// handed out, and is counted; the streams already held are untouched.
    @Test func reassemblyCountsARefusedStreamAndStillReportsItsMessages() throws {
        let seed = FlowTableSeed(first: 0x1234_5678, second: 0x9ABC_DEF0)
        let probes = FlowTable<TCPReassembler.StreamKey, Int>.maximumProbes
        // Streams whose home slot is 0 in every table size up to 256 slots, enough to fill
        // one probe run and then one more.
        var keys: [TCPReassembler.StreamKey] = []
        var port: UInt16 = 1024
        while keys.count <= probes {
            let key = TCPReassembler.StreamKey(
                version: 4, source: IPAddressBytes([10, 0, 0, 1])!, destination: IPAddressBytes([10, 0, 0, 2])!,
                sourcePort: port, destinationPort: 53)
            if max(1, key.flowHash(seed: seed)) & 255 == 0 { keys.append(key) }
            port += 1
        }
        var reassembler = TCPReassembler(limits: TCPReassembler.Limits(maximumStreams: 100), seed: seed)
        var messages: [[UInt8]] = []
        for (index, key) in keys.enumerated() {
            let message: [UInt8] = [0, 3, 7, 7, UInt8(index)]
            try TCPReassemblerTests.segment(sequence: 1000, message).withUnsafeBytes { raw throws in
                let segment = try #require(TCPReassembler.Segment(raw))
                try reassembler.add(segment, key: key, time: 5) { bytes, _, _ in messages.append(Array(bytes)) }
            }
        }
        #expect(messages == (0...probes).map { [7, 7, UInt8($0)] })
        #expect(reassembler.counters.refused == 1)
        #expect(reassembler.streamCount == probes)
    }

    /// Reassembly keys hash differently under different seeds, and each key keeps its hash.
    @Test func streamKeysHashBySeed() {
        let key = TCPReassembler.StreamKey(
            version: 4, source: IPAddressBytes([10, 0, 0, 1])!, destination: IPAddressBytes([10, 0, 0, 2])!,
            sourcePort: 40000, destinationPort: 53)
        let one = FlowTableSeed(first: 1, second: 2), other = FlowTableSeed(first: 3, second: 4)
        #expect(key.flowHash(seed: one) == key.flowHash(seed: one))
        #expect(key.flowHash(seed: one) != key.flowHash(seed: other))
        var reversed = key
        swap(&reversed.source, &reversed.destination)
        swap(&reversed.sourcePort, &reversed.destinationPort)
        #expect(key.flowHash(seed: one) != reversed.flowHash(seed: one))
    }
}
