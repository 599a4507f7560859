import DMRecord
import DMTestSupport
import Foundation
import Testing

/// dm-parse on damaged frames: no crash, and every frame is accounted for by one counter.
@Suite("Parse hostile input")
struct ParseHostileInputTests {
    @Test("mutated and random frames: exit 0, outcome counters add up to packets_in")
    func mutatedFrames() throws {
        let directory = try TemporaryDirectory()
        let frames = try ClassicPcap.frames(Programs.packageRoot + "/examples/sample.pcap")
        var rng = SplitMix64(seed: 99)
        try StreamFiles.write(directory.file("in")) { writer in
            try writer.writeHeader(StreamHeader())
            for round in 0..<20 {
                for frame in frames {
                    var bytes = frame.bytes
                    // Flip a few bytes, cut some frames short, and make some entirely random.
                    for _ in 0..<(round % 4) { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
                    if round % 5 == 1 { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
                    if round == 19 { bytes = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) } }
                    let linkType: UInt16 = round == 18 ? [0, 101, 113, 276, 999][Int.random(in: 0..<5, using: &rng)] : 1
                    let record = PacketRecord(metadata: PacketMetadata(timeNanoseconds: frame.timeNanoseconds, originalLength: frame.originalLength, linkType: linkType), frame: bytes)
                    try writer.writeRecord(type: .packet, body: record.encodedBody())
                }
            }
        }
        let result = try Programs.run(Programs.product("dm-parse"), ["--keep-malformed"], input: directory.file("in"), output: directory.file("out"))
        #expect(result.status == 0, "\(result.standardError)")
        let (rest, stats) = try StreamFiles.splitOwnStats(try StreamFiles.read(directory.file("out")), stage: "dm-parse")
        let packetsIn = try #require(stats[counter: "packets_in"])
        #expect(packetsIn == UInt64(frames.count * 20))
        // Each frame ends in one outcome, except fragments, which become (at most) one datagram
        // each when reassembled; that datagram then ends in one outcome. An opened tunnel
        // hands its frame's outcome to the packet inside. A UDP datagram on the
        // DNS port yields one message, a TCP segment any number.
        let outcomes = ["unsupported_link", "not_ip", "truncated_frames", "malformed_ip", "udp_messages", "tcp_segments",
                        "other_protocols", "other_ports", "malformed_packet_records", "tunnel_not_ip", "tunnel_undecodable",
                        "tunnel_too_deep"]
        let fragments = stats[counter: "ip_fragments"] ?? 0, reassembled = stats[counter: "reassembled"] ?? 0
        #expect(outcomes.reduce(0) { $0 + (stats[counter: $1] ?? 0) } == packetsIn - fragments + reassembled)
        let malformedDropped = (stats[counter: "malformed_dns"] ?? 0) - (stats[counter: "malformed_kept"] ?? 0)
        #expect((stats[counter: "dns_out"] ?? 0) + malformedDropped == (stats[counter: "udp_messages"] ?? 0) + (stats[counter: "tcp_messages"] ?? 0))
        let dnsRecords = rest.filter { if case .record(2, _, _) = $0 { return true } else { return false } }
        #expect(UInt64(dnsRecords.count) == stats[counter: "dns_out"])
        #expect(stats[counter: "malformed_kept"]! > 0)
    }
}
