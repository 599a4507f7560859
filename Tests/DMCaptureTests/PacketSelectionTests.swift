@testable import DMCapture
import DMBytes
import DMPacket
import DMRecord
import DMStage
import DMTestSupport
import Testing

/// Which packets a capture writes: shards, samples, the limit, and their counters.
@Suite("Packet selection")
struct PacketSelectionTests {
    /// An Ethernet/IPv4/UDP frame between 10.0.0.<client> and 10.0.0.53.
    static func frame(client: UInt8, reply: Bool = false) -> [UInt8] {
        let (a, b): ([UInt8], [UInt8]) = ([10, 0, 0, client], [10, 0, 0, 53])
        let udp = Frames.udp(source: reply ? 53 : 40000, destination: reply ? 40000 : 53, Frames.query)
        return Frames.ethernet(Frames.ipv4(protocol: 17, source: reply ? b : a, destination: reply ? a : b, udp))
    }

    static func admit(_ selection: inout PacketSelection, _ frame: [UInt8]) -> Bool {
        frame.withByteView { view in
            selection.admit(CapturedPacket(metadata: PacketMetadata(timeNanoseconds: 0, originalLength: UInt32(view.count), linkType: 1), frame: view))
        }
    }

    @Test("--shard I/N parses only 0 ≤ I < N", arguments: [("0/1", true), ("3/4", true), ("4/4", false), ("1/0", false), ("a/2", false), ("1/2/3", false), ("", false)])
    func shardParsing(text: String, valid: Bool) {
        #expect((Shard(parsing: text) != nil) == valid)
    }

    @Test("shards split the flows between them, a query and its reply in the same one")
    func shardsPartitionFlows() {
        var shards = (0..<4).map { PacketSelection(sample: nil, shard: Shard(parsing: "\($0)/4"), limit: nil) }
        for client in UInt8(1)...200 {
            let kept = shards.indices.filter { Self.admit(&shards[$0], Self.frame(client: client)) }
            let keptReply = shards.indices.filter { Self.admit(&shards[$0], Self.frame(client: client, reply: true)) }
            #expect(kept.count == 1 && kept == keptReply, "client \(client): \(kept) \(keptReply)")
        }
        #expect(shards.map(\.packetsWritten).reduce(0, +) == 400)
        #expect(shards.allSatisfy { $0.packetsWritten > 40 }, "uneven: \(shards.map(\.packetsWritten))")
        for shard in shards { #expect(shard.packetsRead == shard.packetsWritten + shard.otherShards) }
    }

    @Test("a sample keeps A of every B and the limit stops the selection")
    func sampleAndLimit() {
        var selection = PacketSelection(sample: RecordSampler(keep: 1, outOf: 3), shard: nil, limit: 5)
        var admitted = 0
        while !selection.isDone {
            if Self.admit(&selection, Self.frame(client: 9)) { admitted += 1 }
        }
        #expect(admitted == 5 && selection.packetsWritten == 5)
        // Kept: packets 1, 4, 7, 10 and 13; the ones between are sampled out.
        #expect(selection.packetsRead == 13 && selection.sampledOut == 8)
        #expect(selection.bytesWritten == 5 * UInt64(Self.frame(client: 9).count))
    }

    @Test("file and live captures report their own counters, in the declared order")
    func countersBySource() {
        let selection = PacketSelection(sample: nil, shard: nil, limit: nil)
        let file = CaptureCounters(selection: selection, oversizedFrames: 1, file: (skippedBlocks: 2, truncatedInputs: 0)).fields
        #expect(file.map(\.name) == CaptureCounters.names.filter { !["kernel_received", "kernel_dropped", "interface_dropped"].contains($0) })
        let live = CaptureCounters(selection: selection, kernel: LiveCapture.Statistics(received: 7, kernelDropped: 1, interfaceDropped: 0)).fields
        #expect(live.map(\.name) == CaptureCounters.names.filter { !["skipped_blocks", "truncated_inputs"].contains($0) })
        #expect(live.first { $0.name == "kernel_received" }?.value == 7)
    }
}
