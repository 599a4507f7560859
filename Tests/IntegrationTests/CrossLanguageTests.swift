import DMBytes
import DMRecord
import DMTestSupport
import Foundation
import Testing

/// Swift writes, the Python examples (built from docs/record-format.md alone) read and
/// rewrite, Swift reads again.
@Suite("Cross-language")
struct CrossLanguageTests {
    static let python = "/usr/bin/env"
    static let examples = Programs.packageRoot + "/examples/python/"

    /// A DNS query message for `name` (first question only matters here).
    static func query(_ name: String, id: UInt16) -> [UInt8] {
        var wire: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            wire.append(UInt8(label.utf8.count))
            wire += Array(label.utf8)
        }
        return wire + [0, 0, 1, 0, 1]
    }

    static func dnsRecord(_ name: String, id: UInt16) -> DNSRecord {
        DNSRecord(
            metadata: DNSMetadata(
                timeNanoseconds: 1_700_000_000_000_000_000 + UInt64(id), packetLength: 40, ipVersion: 4, transport: .udp,
                sourcePort: 40000 + id, destinationPort: 53,
                sourceAddress: IPAddressBytes([192, 0, 2, UInt8(id & 0xFF)])!, destinationAddress: IPAddressBytes([192, 0, 2, 53])!),
            identity: Array("tap-1".utf8), message: Self.query(name, id: id))
    }

    @Test("the Python codec decodes and re-encodes every Swift record to identical bytes")
    func typedReencode() throws {
        let directory = try TemporaryDirectory()
        let (_, items) = try StageProcessTests.mixedStream(directory.file("in"))
        let result = try Programs.run(Self.python, ["python3", Self.examples + "reencode.py"], input: directory.file("in"), output: directory.file("out"))
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try StreamFiles.read(directory.file("out")) == items)
        #expect(try StreamFiles.bytes(directory.file("out")) == StreamFiles.bytes(directory.file("in")))
    }

    @Test("the Python codec re-encodes dm-capture's dnstap records, identity and version included, to identical bytes")
    func dnstapReencode() throws {
        let directory = try TemporaryDirectory()
        let capture = try Programs.run(
            Programs.product("dm-capture"), ["--input", Programs.packageRoot + "/../shared/corpus/generated/unbound_dnstap.fstrm"],
            output: directory.file("in"))
        #expect(capture.status == 0, "\(capture.standardError)")
        let script = "import sys, dmrecord\nfor item in dmrecord.Reader(sys.stdin.buffer):\n"
            + "    r = item.decode() if hasattr(item, 'decode') else None\n"
            + "    if isinstance(r, dmrecord.DNSRecord): print(r.identity, '|', r.version, '|', len(r.wire))\n"
        let listed = try Programs.run(
            Self.python, ["env", "PYTHONPATH=\(Self.examples)", "python3", "-c", script], input: directory.file("in"), output: directory.file("list"))
        #expect(listed.status == 0, "\(listed.standardError)")
        let lines = try String(contentsOfFile: directory.file("list"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 44 && lines.allSatisfy { $0.hasPrefix("ci-unbound | unbound 1.17.1 | ") }, "\(lines.prefix(3))")
        let result = try Programs.run(Self.python, ["python3", Self.examples + "reencode.py"], input: directory.file("in"), output: directory.file("out"))
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try StreamFiles.bytes(directory.file("out")) == StreamFiles.bytes(directory.file("in")))
    }

    @Test("drop_suffix.py drops exactly the names under the suffix, forwards the rest and adds its provenance")
    func dropSuffix() throws {
        let directory = try TemporaryDirectory()
        let names = ["www.example.com", "example.com", "notexample.com", "WWW.EXAMPLE.COM", "example.com.evil.org", "a.b.example.com", "example.org"]
        let dropped: Set<String> = ["www.example.com", "example.com", "WWW.EXAMPLE.COM", "a.b.example.com"]
        let header = StreamHeader(entries: [.source("cross-language"), Provenance.current(tool: "dm-test").entry])
        var expected: [OwnedItem] = []
        try StreamFiles.write(directory.file("in")) { writer in
            for section in 0..<2 {
                try writer.writeHeader(header)
                expected.append(.header(header))
                for (index, name) in names.enumerated() {
                    let record = Self.dnsRecord(name, id: UInt16(section * 100 + index))
                    try writer.writeRecord(type: .dns, body: record.encodedBody())
                    if !dropped.contains(name) { expected.append(.record(type: 2, flags: 0, body: record.encodedBody())) }
                }
                let packet = PacketRecord(metadata: PacketMetadata(timeNanoseconds: 5, originalLength: 3, linkType: 1), frame: [1, 2, 3])
                try writer.writeRecord(type: .packet, body: packet.encodedBody())
                try writer.writeRecord(type: RecordType(rawValue: 0xBEEF), flags: 3, body: [9, 9])
                expected += [.record(type: 1, flags: 0, body: packet.encodedBody()), .record(type: 0xBEEF, flags: 3, body: [9, 9])]
            }
        }
        let result = try Programs.run(
            Self.python, ["python3", Self.examples + "drop_suffix.py", "example.com"], input: directory.file("in"), output: directory.file("out"))
        #expect(result.status == 0, "\(result.standardError)")
        let (rest, stats) = try StreamFiles.splitOwnStats(try StreamFiles.read(directory.file("out")), stage: "drop_suffix.py")
        #expect(stats[counter: "dns_dropped"] == 8)
        #expect(rest.count == expected.count)
        for (got, want) in zip(rest, expected) {
            if case .header(let got) = got, case .header(let want) = want {
                #expect(Array(got.entries.dropLast()) == want.entries)
                #expect(got.provenance.last?.tool == "drop_suffix.py")
                #expect(got.provenance.last?.arguments.last == "example.com")
            } else {
                #expect(got == want)
            }
        }
    }
}
