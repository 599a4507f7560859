import DMBytes
@testable import DMPacket
import DMRecord
import DMTestSupport
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
        // Where each key was inserted: its entry number must not change until it is removed.
        var entries: [TestKey: Int] = [:]
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
                    #expect(table.key(at: slot) == key)
                    model[key] = [step]
                    entries[key] = slot
                }
            case 1:
                if let slot = table.find(key) {
                    #expect(slot == entries.removeValue(forKey: key))
                    #expect(table.remove(at: slot) == model.removeValue(forKey: key))
                    #expect(!table.isOccupied(slot))
                } else {
                    #expect(model[key] == nil)
                }
            default:
                #expect(table.find(key).map { table[$0] } == model[key])
            }
            #expect(table.count == model.count)
        }
        for (key, value) in model {
            #expect(table.find(key).map { table[$0] } == value)
            #expect(table.find(key) == entries[key])
        }
        #expect(!model.isEmpty)
    }

    /// Removed entries' places are reused, the most recently freed first, so the entries
    /// number at most the peak count held however long the churn.
    @Test func reusesFreedEntries() {
        var table = FlowTable<TestKey, Int>(maximumCount: 1000)
        var generator = SplitMix64(seed: 9)
        var held: [(TestKey, Int)] = []
        for id in 0..<50 {
            let key = TestKey(id: id, bucket: generator.next())
            held.append((key, table.insert(key, id)!))
        }
        #expect(Set(held.map(\.1)) == Set(0..<50))
        for id in 50..<100_000 {
            let (oldKey, oldSlot) = held.removeFirst()
            table.remove(at: oldSlot)
            let key = TestKey(id: id, bucket: generator.next())
            let slot = table.insert(key, id)!
            #expect(slot == oldSlot)
            #expect(table.find(oldKey) == nil)
            held.append((key, slot))
        }
        for (key, slot) in held { #expect(table.find(key) == slot && table[slot] == key.id) }
        #expect(!table.isOccupied(50))
    }

    /// The creation-order queue keeps its order across wrapping around its ring and growing,
    /// and dropping stale elements keeps the others in order.
    @Test func insertionOrderKeepsOrderAcrossWrapAndGrowth() {
        var order = InsertionOrder<Int>()
        var model: [(UInt64, Int)] = []
        var generator = SplitMix64(seed: 3)
        for step in 0..<5_000 {
            if generator.next() % 3 != 0 {
                model.append((order.append(step), step))
            } else if !model.isEmpty {
                #expect(order.oldest.map { [$0.generation, UInt64($0.element)] } == [model[0].0, UInt64(model[0].1)])
                order.removeOldest()
                model.removeFirst()
            }
            if step % 1000 == 999 {
                order.removeAll { _, element in element % 2 == 0 }
                model.removeAll { $0.1 % 2 == 0 }
            }
            #expect(order.count == model.count)
            #expect(order.secondOldest.map { $0.element } == (model.count > 1 ? model[1].1 : nil))
        }
        #expect(Set(model.map(\.0)).count == model.count)
        while let (generation, element) = order.oldest {
            #expect(generation == model.first?.0 && element == model.first?.1)
            order.removeOldest()
            model.removeFirst()
        }
        #expect(model.isEmpty)
    }

    /// Streams that end at once (FIN) leave stale elements in the creation-order queue; a
    /// long-lived stream at its front keeps them from reaching the front, so they are
    /// dropped before the queue passes twice the stream bound.
    @Test func staleQueueElementsBehindALongLivedStreamAreDropped() throws {
        var reassembler = TCPReassembler(limits: TCPReassembler.Limits(maximumStreams: 100))
        func send(port: UInt16, sequence: UInt32, flags: UInt8, time: UInt64) throws {
            let key = TCPReassembler.StreamKey(
                version: 4, source: IPAddressBytes([10, 0, 0, 1])!, destination: IPAddressBytes([10, 0, 0, 2])!,
                sourcePort: port, destinationPort: 53)
            try TCPReassemblerTests.segment(sequence: sequence, flags: flags, [0, 2, 1, 2]).withByteView { raw throws in
                let segment = try #require(TCPReassembler.Segment(raw))
                reassembler.add(segment, key: key, time: time) { _, _, _ in }
            }
        }
        var sequence: UInt32 = 1000
        for round in 0..<10_000 {
            // The long-lived stream stays busy; every other stream says one thing and ends.
            try send(port: 1000, sequence: sequence, flags: 0x18, time: UInt64(round))
            sequence &+= 4
            try send(port: 2000 + UInt16(round % 5000), sequence: 7, flags: 0x19, time: UInt64(round))
            #expect(reassembler.queuedStreamCount <= 2 * 100 + 64)
        }
        #expect(reassembler.streamCount == 1)
        #expect(reassembler.counters.messages == 20_000)
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
            if key.flowHash(seed: seed) & 255 == 0 { keys.append(key) }
            port += 1
        }
        var reassembler = TCPReassembler(limits: TCPReassembler.Limits(maximumStreams: 100), seed: seed)
        var messages: [[UInt8]] = []
        for (index, key) in keys.enumerated() {
            let message: [UInt8] = [0, 3, 7, 7, UInt8(index)]
            try TCPReassemblerTests.segment(sequence: 1000, message).withByteView { raw throws in
                let segment = try #require(TCPReassembler.Segment(raw))
                reassembler.add(segment, key: key, time: 5) { bytes, _, _ in messages.append(Array(bytes)) }
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
