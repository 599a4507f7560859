import DMRecord
import Foundation
import Testing

/// The JSON renderer against dnsmonster's own output: every row of the shared golden file
/// (json_golden.tsv: wire message → the JSON line miekg/dns + encoding/json print) and the
/// examples of json_examples.txt, byte for byte.
@Suite("dnsmonster JSON")
struct DNSMonsterJSONTests {
    static let reference = Programs.packageRoot + "/../shared/reference"
    /// The golden files are in the shared folder beside the clone; without it (and outside CI)
    /// the golden tests are skipped rather than failed.
    static let referenceAvailable =
        FileManager.default.fileExists(atPath: reference + "/json_golden.tsv")
        || ProcessInfo.processInfo.environment["CI"] != nil

    /// One golden row: the wire message and the JSON line for it.
    struct GoldenRow: CustomTestStringConvertible {
        var message: [UInt8]
        var json: String
        var testDescription: String { String(self.json.prefix(120)) }
    }

    static func goldenRows() throws -> [GoldenRow] {
        let text = try String(contentsOfFile: reference + "/json_golden.tsv", encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let columns = line.split(separator: "\t", maxSplits: 1)
            return GoldenRow(message: Self.bytes(hex: columns[0]), json: String(columns[1]))
        }
    }

    /// The bytes of a hex string; empty when it is not one.
    static func bytes(hex: Substring) -> [UInt8] {
        guard hex.count % 2 == 0, hex.allSatisfy(\.isHexDigit) else { return [] }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    /// The record metadata a golden line states: time, addresses, ports, transport, length.
    static func metadata(of json: String) throws -> DNSMetadata {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let version = try #require(object["IPVersion"] as? Int)
        func address(_ key: String) throws -> IPAddressBytes {
            let text = try #require(object[key] as? String)
            var raw = [UInt8](repeating: 0, count: 16)
            #expect(inet_pton(version == 4 ? AF_INET : AF_INET6, text, &raw) == 1, "\(text)")
            return IPAddressBytes(version == 4 ? Array(raw.prefix(4)) : raw)!
        }
        return DNSMetadata(
            timeNanoseconds: try Self.nanoseconds(rfc3339: try #require(object["Timestamp"] as? String)),
            packetLength: UInt32(try #require(object["PacketLength"] as? Int)), ipVersion: UInt8(version),
            transport: object["Protocol"] as? String == "tcp" ? .tcp : .udp,
            sourcePort: UInt16(object["SrcPort"] as? Int ?? 0), destinationPort: UInt16(object["DstPort"] as? Int ?? 0),
            sourceAddress: try address("SrcIP"), destinationAddress: try address("DstIP"))
    }

    /// Nanoseconds since 1970 of `2024-05-01T12:34:56.789012345Z` (UTC, any fraction length).
    static func nanoseconds(rfc3339 text: String) throws -> UInt64 {
        let parts = text.dropLast().split(whereSeparator: { "-T:.".contains($0) }).map { String($0) }
        let (year, month, day) = (Int(parts[0])!, Int(parts[1])!, Int(parts[2])!)
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        (components.year, components.month, components.day) = (year, month, day)
        (components.hour, components.minute, components.second) = (Int(parts[3])!, Int(parts[4])!, Int(parts[5])!)
        let seconds = UInt64(try #require(Calendar(identifier: .gregorian).date(from: components)).timeIntervalSince1970)
        let fraction = parts.count > 6 ? UInt64((parts[6] + String(repeating: "0", count: 9 - parts[6].count)))! : 0
        return seconds * 1_000_000_000 + fraction
    }

    /// The line the renderer prints for `message` with `metadata`.
    static func render(_ message: [UInt8], _ metadata: DNSMetadata, escapesHTML: Bool) throws -> String {
        let buffer = OutputByteBuffer(initialCapacity: 64)
        let renderer = DNSMonsterJSON(configuration: .init(escapesHTML: escapesHTML))
        let record = DNSRecord(metadata: metadata, message: message)
        try record.encodedBody().withUnsafeBytes { body in
            try renderer.appendLine(try DNSRecordView(body: body), to: buffer)
        }
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    /// The "DNS" value of the line for `message` (encoding/json escaping), or "ERR" with the
    /// error: what miekg_json prints for the same message.
    static func dnsValue(_ message: [UInt8]) -> (text: String, error: DNSWireError?) {
        let buffer = OutputByteBuffer(initialCapacity: 1024)
        let metadata = DNSMetadata(
            timeNanoseconds: 0, packetLength: 0, ipVersion: 4, transport: .udp, sourcePort: 0, destinationPort: 0,
            sourceAddress: IPAddressBytes([192, 0, 2, 1])!, destinationAddress: IPAddressBytes([192, 0, 2, 2])!)
        do {
            try message.withUnsafeBytes { raw in
                try DNSMonsterJSON(configuration: .init(escapesHTML: true)).append(
                    metadata: metadata, identity: UnsafeRawBufferPointer(start: nil, count: 0), message: raw, to: buffer)
            }
        } catch let error as DNSWireError {
            return ("ERR \(error)", error)
        } catch {
            return ("ERR \(error)", nil)
        }
        let line = String(decoding: buffer.bytes, as: UTF8.self)
        guard let start = line.range(of: "\"DNS\":")?.upperBound, let end = line.range(of: ",\"IPVersion\"")?.lowerBound else {
            return ("ERR no DNS field in \(line)", nil)
        }
        return (String(line[start..<end]), nil)
    }

    /// encoding/json's HTML escapes turned back into the characters sonic prints.
    static func sonic(_ json: String) -> String {
        json.replacingOccurrences(of: "\\u003c", with: "<").replacingOccurrences(of: "\\u003e", with: ">")
            .replacingOccurrences(of: "\\u0026", with: "&")
    }

    @Test(
        "every golden row, with encoding/json escaping and with sonic's",
        .enabled(if: referenceAvailable, "the shared reference folder ../shared/reference is missing"))
    func goldenRows() throws {
        let rows = try Self.goldenRows()
        #expect(rows.count == 17)
        for row in rows {
            let metadata = try Self.metadata(of: row.json)
            #expect(try Self.render(row.message, metadata, escapesHTML: true) == row.json + "\n")
            #expect(try Self.render(row.message, metadata, escapesHTML: false) == Self.sonic(row.json) + "\n")
        }
    }

    @Test(
        "the JSON examples of the reference notes",
        .enabled(if: referenceAvailable, "the shared reference folder ../shared/reference is missing"))
    func examples() throws {
        let rows = try Self.goldenRows()
        let examples = try String(contentsOfFile: Self.reference + "/json_examples.txt", encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { $0.hasPrefix("{\"Timestamp\"") }
        #expect(examples.count == 3)
        for (example, row) in zip(examples, rows) {
            // The third example has another (random) id than its golden row: patch it in.
            let object = try #require(try JSONSerialization.jsonObject(with: Data(example.utf8)) as? [String: Any])
            let id = try #require((object["DNS"] as? [String: Any])?["Id"] as? Int)
            var message = row.message
            message[0] = UInt8(id >> 8)
            message[1] = UInt8(id & 0xFF)
            #expect(try Self.render(message, try Self.metadata(of: example), escapesHTML: true) == example + "\n")
        }
    }
}
