import DMBytes
import DMFormats
import DMRecord
import DNSWire
import Foundation
import Testing

/// The shared reference files (../shared/reference beside the clone): dnsmonster's golden JSON
/// rows, and how a test reads them.
package enum Reference {
    package static let folder = Programs.packageRoot + "/../shared/reference"
    /// The golden files are in the shared folder beside the clone; without it (and outside CI)
    /// the golden tests are skipped rather than failed.
    package static let isAvailable =
        FileManager.default.fileExists(atPath: folder + "/json_golden.tsv")
        || ProcessInfo.processInfo.environment["CI"] != nil

    /// One golden row: the wire message and the JSON line for it.
    package struct GoldenRow: CustomTestStringConvertible {
        package var message: [UInt8]
        package var json: String
        package var testDescription: String { String(self.json.prefix(120)) }
    }

    package static func goldenRows() throws -> [GoldenRow] {
        let text = try String(contentsOfFile: folder + "/json_golden.tsv", encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let columns = line.split(separator: "\t", maxSplits: 1)
            return GoldenRow(message: Self.bytes(hex: columns[0]), json: String(columns[1]))
        }
    }

    /// The bytes of a hex string; empty when it is not one.
    package static func bytes(hex: Substring) -> [UInt8] {
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
    package static func metadata(of json: String) throws -> DNSMetadata {
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
    package static func nanoseconds(rfc3339 text: String) throws -> UInt64 {
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
    package static func render(_ message: [UInt8], _ metadata: DNSMetadata, escapesHTML: Bool) throws -> String {
        let buffer = OutputByteBuffer(initialCapacity: 64)
        let renderer = DNSMonsterJSON(configuration: .init(escapesHTML: escapesHTML))
        let record = DNSRecord(metadata: metadata, message: message)
        try record.encodedBody().withByteView { body in
            try renderer.appendLine(try DNSRecordView(body: body), to: buffer)
        }
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    /// The "DNS" value of the line for `message` (encoding/json escaping unless `escapesHTML` is
    /// false), or "ERR" with the error: what miekg_json prints for the same message.
    package static func dnsValue(_ message: [UInt8], escapesHTML: Bool = true) -> (text: String, error: DNSWireError?) {
        let buffer = OutputByteBuffer(initialCapacity: 1024)
        let metadata = DNSMetadata(
            timeNanoseconds: 0, packetLength: 0, ipVersion: 4, transport: .udp, sourcePort: 0, destinationPort: 0,
            sourceAddress: IPAddressBytes([192, 0, 2, 1])!, destinationAddress: IPAddressBytes([192, 0, 2, 2])!)
        do {
            try message.withByteView { (raw) throws(DNSWireError) in
                try DNSMonsterJSON(configuration: .init(escapesHTML: escapesHTML)).append(
                    metadata: metadata, identity: ByteView(), message: raw, to: buffer)
            }
        } catch {
            return ("ERR \(error)", error)
        }
        let line = String(decoding: buffer.bytes, as: UTF8.self)
        guard let start = line.range(of: "\"DNS\":")?.upperBound, let end = line.range(of: ",\"IPVersion\"")?.lowerBound else {
            return ("ERR no DNS field in \(line)", nil)
        }
        return (String(line[start..<end]), nil)
    }

    /// encoding/json's (Go 1.22+) JSON turned into sonic's: the HTML escapes (and U+2028/U+2029)
    /// back into the characters, `\b` and `\f` into `\u0008` and `\u000c`. Reads escape by escape, so an
    /// escaped backslash followed by `b` stays as it is.
    package static func sonic(_ json: String) -> String {
        var output = ""
        var characters = json.makeIterator()
        while let character = characters.next() {
            guard character == "\\", let escaped = characters.next() else {
                output.append(character)
                continue
            }
            switch escaped {
            case "b": output += "\\u0008"
            case "f": output += "\\u000c"
            case "u":
                let digits = String([characters.next(), characters.next(), characters.next(), characters.next()].compactMap { $0 })
                switch digits {
                case "003c": output += "<"
                case "003e": output += ">"
                case "0026": output += "&"
                case "2028": output += "\u{2028}"
                case "2029": output += "\u{2029}"
                default: output += "\\u" + digits
                }
            default: output += "\\" + String(escaped)
            }
        }
        return output
    }

}
