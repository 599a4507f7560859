import DMPacket
import DMStage

/// `--shard I/N`: keeps the packets whose symmetric address-pair hash falls in shard I of N
/// (0 ≤ I < N), so N processes split one capture and each flow, with its fragments, stays in
/// one of them. Frames without an IP header go to shard 0.
public struct Shard: Hashable, Sendable {
    /// Which shard is kept, from 0.
    public var index: UInt64
    /// How many shards there are.
    public var count: UInt64

    /// Parses `I/N`; nil unless 0 ≤ I < N.
    public init?(parsing argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = UInt64(parts[0]), let count = UInt64(parts[1]), count > 0, index < count else { return nil }
        self.index = index
        self.count = count
    }

    func keeps(_ packet: CapturedPacket) -> Bool {
        FlowHash.addressPair(linkType: packet.metadata.linkType, frame: packet.frame) % self.count == self.index
    }
}

/// Which packets a capture writes, and the counters of that decision.
public struct PacketSelection {
    /// `--sample A:B`.
    var sample: RecordSampler?
    /// `--shard I/N`.
    var shard: Shard?
    /// `--packet-limit N`: packets written before the capture stops.
    var limit: UInt64?

    var packetsRead: UInt64 = 0
    var otherShards: UInt64 = 0
    var sampledOut: UInt64 = 0
    var packetsWritten: UInt64 = 0
    var bytesWritten: UInt64 = 0
    /// A selection keeping A of every B packets of shard I of N, up to `limit` written.
    public init(sample: RecordSampler?, shard: Shard?, limit: UInt64?) {
        self.sample = sample
        self.shard = shard
        self.limit = limit
    }

    /// Whether the packet limit has been reached.
    var isDone: Bool { self.limit.map { self.packetsWritten >= $0 } ?? false }

    /// Decides on one packet and counts the decision.
    mutating func admit(_ packet: CapturedPacket) -> Bool {
        self.packetsRead &+= 1
        if let shard, !shard.keeps(packet) {
            self.otherShards &+= 1
            return false
        }
        if self.sample != nil, !self.sample!.admit() {
            self.sampledOut &+= 1
            return false
        }
        self.packetsWritten &+= 1
        self.bytesWritten &+= UInt64(packet.frame.count)
        return true
    }
}
