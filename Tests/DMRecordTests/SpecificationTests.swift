import DMBytes
@testable import DMRecord
import DMTestSupport
import Foundation
import Testing

/// The worked example in docs/record-format.md stays true.
@Suite("Specification")
struct SpecificationTests {
    /// The bytes of the `xxd` listing in section 8.
    static func walkThroughBytes() throws -> [UInt8] {
        let text = try String(contentsOfFile: Programs.packageRoot + "/docs/record-format.md", encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## 8.").last)
        var bytes: [UInt8] = []
        for line in section.split(separator: "\n") where line.count > 10 && line.prefix(8).allSatisfy(\.isHexDigit) && line.dropFirst(8).first == ":" {
            // "00000000: 8944 4d52 …  .DMR…": the hex groups sit between the colon and the two-space gap.
            let hex = line.dropFirst(10).components(separatedBy: "  ")[0].replacingOccurrences(of: " ", with: "")
            var index = hex.startIndex
            while index < hex.endIndex {
                let next = hex.index(index, offsetBy: 2)
                bytes.append(try #require(UInt8(hex[index..<next], radix: 16)))
                index = next
            }
        }
        return bytes
    }

    @Test("the walk-through bytes read as the header, PACKET and STATS the table describes")
    func walkThroughDecodes() throws {
        let bytes = try Self.walkThroughBytes()
        #expect(bytes.count == 456)
        let directory = try TemporaryDirectory()
        try StreamFiles.writeBytes(bytes, to: directory.file("walk"))
        let items = try StreamFiles.read(directory.file("walk"))
        try #require(items.count == 3)
        guard case .header(let header) = items[0], case .record(1, 0, let packetBody) = items[1],
            case .record(3, 0, let statsBody) = items[2]
        else { Issue.record("unexpected items \(items)"); return }
        #expect(header.entries.first == .source("one-query.pcap"))
        #expect(header.provenance.first?.tool == "dm-capture")
        #expect(header.provenance.first?.processID == 2673)
        let packet = PacketRecord(try packetBody.withByteView { try PacketRecordView(body: $0) })
        #expect(packet.metadata.timeNanoseconds == 1_700_000_000_000_040_000)
        #expect(packet.frame.count == 89)
        let stats = try statsBody.withByteView { try StatsRecord(body: $0) }
        #expect(stats.counters.map(\.name) == [
            "packets_read", "other_shards", "sampled_out", "packets_written", "bytes_written", "oversized_frames",
            "skipped_blocks", "truncated_inputs",
        ])
        #expect(stats.counters.map(\.value) == [1, 0, 0, 1, 89, 0, 0, 0])
    }

    @Test("dm-capture still writes the walk-through's PACKET record for examples/one-query.pcap")
    func walkThroughMatchesCapture() throws {
        let directory = try TemporaryDirectory()
        let result = try Programs.run(
            Programs.product("dm-capture"), ["--pcap", Programs.packageRoot + "/examples/one-query.pcap"], output: directory.file("out"))
        #expect(result.status == 0, "\(result.standardError)")
        let captured = try StreamFiles.read(directory.file("out"))
        let documented = try StreamFiles.read({
            let path = directory.file("walk")
            try StreamFiles.writeBytes(try Self.walkThroughBytes(), to: path)
            return path
        }())
        #expect(captured.count == 3)
        #expect(captured[1] == documented[1])
    }
}
