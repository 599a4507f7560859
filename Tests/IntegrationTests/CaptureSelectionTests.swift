import DMRecord
import DMTestSupport
import Foundation
import Testing

/// --shard, --sample and --packet-limit choose exactly the packets they promise.
@Suite("Capture selection")
struct CaptureSelectionTests {
    static let sample = Programs.packageRoot + "/examples/sample.pcap"

    static func packets(_ arguments: [String]) throws -> [PacketRecord] {
        let directory = try TemporaryDirectory()
        let (_, packets, result) = try CaptureCorpusTests.captureFrames(["--pcap", sample] + arguments, directory: directory)
        #expect(result.status == 0, "\(result.standardError)")
        return packets
    }

    /// The sorted IPv4/IPv6 address pair of an Ethernet frame, read independently of FlowHash.
    static func addressPair(_ packet: PacketRecord) -> [UInt8] {
        let frame = packet.frame
        let type = UInt16(frame[12]) << 8 | UInt16(frame[13])
        let (a, b): ([UInt8], [UInt8]) = type == 0x0800
            ? (Array(frame[26..<30]), Array(frame[30..<34])) : (Array(frame[22..<38]), Array(frame[38..<54]))
        return a.lexicographicallyPrecedes(b) ? a + b : b + a
    }

    @Test("the shards of a capture are disjoint, together equal the whole, and keep each address pair in one shard", arguments: [2, 3, 5])
    func shardsPartition(count: Int) throws {
        let whole = try Self.packets([])
        var union: [PacketRecord] = []
        var shardOfPair: [[UInt8]: Int] = [:]
        for index in 0..<count {
            let shard = try Self.packets(["--shard", "\(index)/\(count)"])
            #expect(!shard.isEmpty, "shard \(index)/\(count) is empty")
            for packet in shard {
                let pair = Self.addressPair(packet)
                #expect(shardOfPair[pair, default: index] == index, "an address pair is split across shards")
                shardOfPair[pair] = index
            }
            union += shard
        }
        #expect(union.count == whole.count)
        let key = { (packet: PacketRecord) in "\(packet.metadata.timeNanoseconds) \(packet.frame)" }
        #expect(union.map(key).sorted() == whole.map(key).sorted())
        #expect(Set(union.map(key)).count == union.count, "a packet landed in two shards")
    }

    @Test("--sample A:B keeps exactly the first A of every B packets", arguments: [(1, 10), (2, 7), (1, 1), (0, 5), (5, 5)])
    func sampleExactly(keep: Int, outOf: Int) throws {
        let whole = try Self.packets([])
        let sampled = try Self.packets(["--sample", "\(keep):\(outOf)"])
        let expected = whole.enumerated().filter { $0.offset % outOf < keep }.map(\.element)
        #expect(sampled == expected)
    }

    @Test("--packet-limit stops after N packets; sampling and sharding compose")
    func limitAndComposition() throws {
        let whole = try Self.packets([])
        #expect(try Self.packets(["--packet-limit", "17"]) == Array(whole.prefix(17)))
        let shard = try Self.packets(["--shard", "1/2"])
        #expect(try Self.packets(["--shard", "1/2", "--sample", "1:3"]) == shard.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))
    }

    @Test("invalid --sample and --shard values are refused with the flag named", arguments: ["--sample=3:2", "--sample=1:0", "--sample=x", "--shard=3/3", "--shard=1", "--shard=0/0"])
    func invalidValues(argument: String) throws {
        let result = try Programs.run(Programs.product("dm-capture"), ["--pcap", Self.sample, argument], output: "/dev/null")
        #expect(result.status != 0)
        #expect(result.standardError.contains(String(argument.split(separator: "=")[0])), "\(result.standardError)")
    }
}
