@testable import DMFormats
import DMRecord
import DMTestSupport
import Foundation
import Testing

/// The JSON renderer against dnsmonster's own output: every row of the shared golden file
/// (json_golden.tsv: wire message → the JSON line miekg/dns + encoding/json print) and the
/// examples of json_examples.txt, byte for byte.
@Suite("dnsmonster JSON")
struct DNSMonsterJSONTests {
    @Test(
        "every golden row, with encoding/json escaping and with sonic's",
        .enabled(if: Reference.isAvailable, "the shared reference folder ../shared/reference is missing"))
    func goldenRows() throws {
        let rows = try Reference.goldenRows()
        #expect(rows.count == 17)
        for row in rows {
            let metadata = try Reference.metadata(of: row.json)
            #expect(try Reference.render(row.message, metadata, escapesHTML: true) == row.json + "\n")
            #expect(try Reference.render(row.message, metadata, escapesHTML: false) == Reference.sonic(row.json) + "\n")
        }
    }

    @Test(
        "the JSON examples of the reference notes",
        .enabled(if: Reference.isAvailable, "the shared reference folder ../shared/reference is missing"))
    func examples() throws {
        let rows = try Reference.goldenRows()
        let examples = try String(contentsOfFile: Reference.folder + "/json_examples.txt", encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { $0.hasPrefix("{\"Timestamp\"") }
        #expect(examples.count == 3)
        for (example, row) in zip(examples, rows) {
            // The third example has another (random) id than its golden row: patch it in.
            let object = try #require(try JSONSerialization.jsonObject(with: Data(example.utf8)) as? [String: Any])
            let id = try #require((object["DNS"] as? [String: Any])?["Id"] as? Int)
            var message = row.message
            message[0] = UInt8(id >> 8)
            message[1] = UInt8(id & 0xFF)
            #expect(try Reference.render(message, try Reference.metadata(of: example), escapesHTML: true) == example + "\n")
        }
    }
}
