import DMBytes
@testable import DMFormats
import DMRecord
import DMTestSupport
import Foundation
import Testing

/// dm-out's other formats against dnsmonster: CSV and OCSF byte for byte against the reference
/// examples, RR.String() and Go templates against miekg/dns and Go's text/template themselves
/// (Tests/oracle/miekg_json, modes `rr` and `template`), and template start-up errors.
@Suite("dm-out formats", .serialized)
struct OutputFormatTests {
    /// Go and Debian's miekg source; required in CI, otherwise the oracle tests are skipped.
    static let oracleAvailable = MiekgOracleTests.available || ProcessInfo.processInfo.environment["CI"] != nil

    /// The record of `message` with `metadata`, handed to `body` as a view.
    static func withRecord<T>(_ message: [UInt8], _ metadata: DNSMetadata, _ body: (DNSRecordView) throws -> T) throws -> T {
        try DNSRecord(metadata: metadata, message: message).encodedBody().withByteView { raw in
            try body(try DNSRecordView(body: raw))
        }
    }

    static func text(_ buffer: OutputByteBuffer) -> String { String(decoding: buffer.bytes, as: UTF8.self) }

    /// Golden rows 1–3 with the metadata of their JSON lines.
    static func goldenRows() throws -> [(message: [UInt8], metadata: DNSMetadata)] {
        try Reference.goldenRows().map { ($0.message, try Reference.metadata(of: $0.json)) }
    }

    /// Builds and runs Tests/oracle/miekg_json with `arguments`, feeding it `input`.
    static func oracle(_ arguments: [String], input: String) throws -> [String] {
        let directory = try TemporaryDirectory()
        let build = try Programs.shell("""
            cd \(Programs.packageRoot)/Tests/oracle/miekg_json && GOPATH=/usr/share/gocode GO111MODULE=off \
            GOCACHE=\(directory.path)/gocache go build -o \(directory.path)/miekg_json . 2>&1 >&2
            """)
        try #require(build.status == 0, "go build: \(build.standardError)")
        try input.write(toFile: directory.file("in"), atomically: false, encoding: .utf8)
        let run = try Programs.run(directory.file("miekg_json"), arguments, input: directory.file("in"), output: directory.file("out"))
        try #require(run.status == 0, "\(run.standardError)")
        return try String(contentsOfFile: directory.file("out"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    // MARK: CSV

    @Test("CSV: the example rows of json_examples.txt from golden rows 1 and 2; header; no row without a question",
          .enabled(if: Reference.isAvailable, "the shared reference folder ../shared/reference is missing"))
    func csvExamples() throws {
        let rows = try Self.goldenRows()
        let expected = try String(contentsOfFile: Reference.folder + "/json_examples.txt", encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { $0.hasPrefix("2024,") }
        #expect(expected.count == 2)
        let csv = DNSMonsterCSV()
        for (row, line) in zip(rows, expected) {
            let buffer = OutputByteBuffer(initialCapacity: 64)
            #expect(try Self.withRecord(row.message, row.metadata) { try csv.append($0, to: buffer) })
            #expect(Self.text(buffer) == line)
        }
        #expect(DNSMonsterCSV.header.description
            == "Year,Month,Day,Hour,Minute,Second,Ns,Server,IPVersion,SrcIP,DstIP,Protocol,Qr,OpCode,Class,Type,ResponseCode,Question,Size,Edns0Present,DoBit,ID")
        // The server name; and a message with no question prints nothing.
        let buffer = OutputByteBuffer(initialCapacity: 64)
        _ = try Self.withRecord(rows[2].message, rows[2].metadata) { try DNSMonsterCSV(serverName: "ns1").append($0, to: buffer) }
        #expect(Self.text(buffer) == "2024,5,1,12,0,0,0,ns1,4,167772160,167772213,6,1,0,1,16,3,nope.example.,30,0,0,52984")
        var noQuestion = rows[2].message
        noQuestion[5] = 0
        noQuestion = Array(noQuestion.prefix(12))
        buffer.removeAll()
        #expect(try Self.withRecord(noQuestion, rows[2].metadata) { try DNSMonsterCSV().append($0, to: buffer) } == false)
        #expect(buffer.count == 0)
    }

    // MARK: OCSF

    @Test("OCSF: the examples of ocsf_examples.txt from the same messages",
          .enabled(if: Reference.isAvailable, "the shared reference folder ../shared/reference is missing"))
    func ocsfExamples() throws {
        let expected = try String(contentsOfFile: Reference.folder + "/ocsf_examples.txt", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(expected.count == 2)
        // 1: a response to www.example.com A with one A record; 2: a query for example.com AAAA over TCP.
        let response = Reference.bytes(hex: "123481800001000100000000037777770765786" + "16d706c6503636f6d0000010001c00c000100010000012c00045db8d822")
        let query = Reference.bytes(hex: "000101000001000000000000076578616d706c6503636f6d00001c0001")
        func metadata(_ source: [UInt8], _ sourcePort: UInt16, _ destination: [UInt8], _ destinationPort: UInt16, _ transport: DNSTransport) -> DNSMetadata {
            DNSMetadata(
                timeNanoseconds: 1_714_566_896_789_012_345, packetLength: 0, ipVersion: 4, transport: transport,
                sourcePort: sourcePort, destinationPort: destinationPort, sourceAddress: IPAddressBytes(source)!,
                destinationAddress: IPAddressBytes(destination)!)
        }
        let ocsf = OCSFDNSActivity()
        for (message, meta, line) in [
            (response, metadata([192, 168, 1, 1], 53, [192, 168, 1, 10], 53211, .udp), expected[0]),
            (query, metadata([10, 0, 0, 1], 0, [10, 0, 0, 2], 0, .tcp), expected[1]),
        ] {
            let buffer = OutputByteBuffer(initialCapacity: 64)
            try Self.withRecord(message, meta) { try ocsf.append($0, to: buffer) }
            #expect(Self.text(buffer) == line)
        }
    }

    @Test("RR.String() of every record of every golden row and corpus message equals miekg's",
          .enabled(if: oracleAvailable, "needs golang-go and golang-github-miekg-dns-dev (scripts/install-deps.sh)"))
    func presentationAgreesWithMiekg() throws {
        var messages = try Self.goldenRows().map(\.message)
        if FileManager.default.fileExists(atPath: CaptureCorpusTests.corpus + "/public/MANIFEST.tsv") {
            let directory = try TemporaryDirectory()
            let captures = try CaptureCorpusTests.captures().map(\.path).filter {
                !$0.hasSuffix(".lz4") && !$0.hasSuffix(".xz") && !$0.hasSuffix(".zst")
            }
            try captures.joined(separator: "\n").write(toFile: directory.file("list"), atomically: false, encoding: .utf8)
            let extract = try Programs.shell("""
                cd \(CaptureCorpusTests.corpus) && xargs -P 2 -I{} sh -c 'tshark -r "{}" -Y "dns && udp && !icmp && !icmpv6" \
                -T fields -e udp.payload 2>/dev/null; true' < \(directory.file("list")) | grep -v , | sort -u > \(directory.file("payloads"))
                """)
            try #require(extract.status == 0, "\(extract.standardError)")
            messages += try String(contentsOfFile: directory.file("payloads"), encoding: .utf8)
                .split(separator: "\n").map { Reference.bytes(hex: $0) }.filter { !$0.isEmpty }
        }
        let theirs = try Self.oracle(["rr"], input: messages.map(Self.hex).joined(separator: "\n") + "\n").map {
            $0.replacingOccurrences(of: "\\u0008", with: "\\b").replacingOccurrences(of: "\\u000c", with: "\\f")
        }
        try #require(theirs.count == messages.count)
        let index = DNSMessageIndex()
        let text = OutputByteBuffer(), line = OutputByteBuffer()
        var compared = 0, records = 0
        var differences: [String] = []
        for (message, their) in zip(messages, theirs) where !their.hasPrefix("ERR") {
            let loaded: Bool = message.withByteView { raw in
                guard (try? index.load(raw)) != nil else { return false }
                line.removeAll()
                line.append(UInt8(ascii: "["))
                for (position, record) in index.records.enumerated() {
                    if position > 0 { line.append(UInt8(ascii: ",")) }
                    text.removeAll()
                    index.appendPresentation(of: record, to: text)
                    GoJSONString.append(text.bytes, to: line, escapesHTML: true)
                }
                line.append(UInt8(ascii: "]"))
                records += index.records.count
                return true
            }
            guard loaded else { continue }  // miekg's leniency for early-ending messages (see MiekgOracleTests)
            compared += 1
            let mine = Self.text(line)
            if mine != their {
                differences.append("\(Self.hex(message))\n\(MiekgOracleTests.firstDifference(mine, their))")
            }
        }
        #expect(differences.isEmpty, "\(differences.count) of \(compared) differ:\n\(differences.prefix(5).joined(separator: "\n"))")
        #expect(compared >= 3 && records > 0)
    }

    // MARK: Go templates

    static let templateTable: [(String, [String])] = [
        ("{{.DNS.Id}} {{(index .DNS.Question 0).Name}} {{.SrcIP}}:{{.SrcPort}}", ["4660 example.com. 192.168.1.10:53211", "4660 www.example.com. 2001:db8::53:53", "52984 nope.example. 10.0.0.0:0"]),
        ("{{index .DNS.Question 0}}", [";example.com.\tIN\t A", ";www.example.com.\tIN\t A", ";nope.example.\tIN\t TXT"]),
        ("{{len .DNS.Answer}}/{{len .DNS.Ns}}/{{len .DNS.Extra}}", ["0/0/1", "9/1/1", "0/0/0"]),
        ("{{range .DNS.Answer}}{{.Hdr.Name}} {{.Hdr.Ttl}} {{.Hdr.Rrtype}};{{else}}none{{end}}", ["none", "www.example.com. 300 5;example.com. 300 1;example.com. 300 28;example.com. 300 15;example.com. 300 16;example.com. 300 2;example.com. 300 12;example.com. 300 33;example.com. 300 257;", "none"]),
        ("{{if .DNS.Response}}R {{.DNS.Rcode}}{{else}}Q{{end}}", ["Q", "R 0", "R 3"]),
        ("{{- \"a\" }}  {{- \" b\" -}}  c", ["a bc", "a bc", "a bc"]),
        ("{{printf \"%s %d %v %q\" .Protocol .DNS.Id .DNS.Response .Protocol}}", ["udp 4660 false \"udp\"", "udp 4660 true \"udp\"", "tcp 52984 true \"tcp\""]),
        ("{{.Timestamp}} {{.DNS.MsgHdr}}", ["2024-05-01 12:34:56.789012345 +0000 UTC {4660 false 0 false false true false false false false 0}", "2024-05-01 12:34:56.789012345 +0000 UTC {4660 true 0 false false true true false false false 0}", "2024-05-01 12:00:00 +0000 UTC {52984 true 0 false false true false false false false 3}"]),
        ("{{range .DNS.Answer}}{{.}}|{{end}}", ["", "www.example.com.\t300\tIN\tCNAME\texample.com.|example.com.\t300\tIN\tA\t93.184.216.34|example.com.\t300\tIN\tAAAA\t2606:2800:220:1:248:1893:25c8:1946|example.com.\t300\tIN\tMX\t10 mail.example.com.|example.com.\t300\tIN\tTXT\t\"v=spf1 -all\" \"second <&> string\"|example.com.\t300\tIN\tNS\ta.iana-servers.net.|example.com.\t300\tIN\tPTR\thost.example.com.|example.com.\t300\tIN\tSRV\t10 5 5060 sip.example.com.|example.com.\t300\tIN\tCAA\t0 issue \"letsencrypt.org\"|", ""]),
        ("{{index .DNS.Answer 9}}", ["", "", ""]),
        ("{{range .DNS.Extra}}{{.Hdr}}{{end}}", [";.\t32768\tCLASS1232\tOPT\t", ";.\t0\tCLASS1232\tOPT\t", ""]),
        ("{{.DNS.Question}}", ["[{example.com. 1 1}]", "[{www.example.com. 1 1}]", "[{nope.example. 16 1}]"]),
        ("timestamp=\"{{.Timestamp}}\" id={{.DNS.Id}} question={{(index .DNS.Question 0).Name}} src={{.SrcIP}}", ["timestamp=\"2024-05-01 12:34:56.789012345 +0000 UTC\" id=4660 question=example.com. src=192.168.1.10", "timestamp=\"2024-05-01 12:34:56.789012345 +0000 UTC\" id=4660 question=www.example.com. src=2001:db8::53", "timestamp=\"2024-05-01 12:00:00 +0000 UTC\" id=52984 question=nope.example. src=10.0.0.0"]),
        ("{{.DNS.Id | printf \"%d!\"}}", ["4660!", "4660!", "52984!"]),
    ]

    @Test("templates on golden rows 1–3: the outputs Go's text/template printed", .enabled(if: Reference.isAvailable, "the shared reference folder ../shared/reference is missing"))
    func templateTable() throws {
        let rows = Array(try Self.goldenRows().prefix(3))
        for (source, outputs) in Self.templateTable {
            let template = try GoTemplate(source)
            for (row, expected) in zip(rows, outputs) {
                let buffer = OutputByteBuffer(initialCapacity: 64)
                try Self.withRecord(row.message, row.metadata) { try template.append($0, to: buffer) }
                #expect(Self.text(buffer) == expected, "\(source)")
            }
        }
    }

    @Test("{{.}}: dnsmonster.md's example (golden row 3 with its id)", .enabled(if: Reference.isAvailable, "the shared reference folder ../shared/reference is missing"))
    func defaultTemplate() throws {
        let notes = try String(contentsOfFile: Reference.folder + "/dnsmonster.md", encoding: .utf8)
        let start = try #require(notes.range(of: "{{.}} = Go %v of the struct, e.g. `")?.upperBound)
        let example = String(notes[start...].prefix { $0 != "`" })
        var row = try Self.goldenRows()[2]
        row.message[0] = UInt8(9698 >> 8)
        row.message[1] = UInt8(9698 & 0xFF)
        let buffer = OutputByteBuffer(initialCapacity: 64)
        try Self.withRecord(row.message, row.metadata) { try GoTemplate(GoTemplate.defaultSource).append($0, to: buffer) }
        // The notes abbreviate the middle with "...": the rest must match around it.
        let parts = example.components(separatedBy: "...")
        #expect(parts.count == 2)
        #expect(Self.text(buffer).hasPrefix(parts[0]) && Self.text(buffer).hasSuffix(parts[1]), "\(Self.text(buffer))")
        #expect(Self.text(buffer)
            == "{2024-05-01 12:00:00 +0000 UTC {{9698 true 0 false false true false false false false 3} false [{nope.example. 16 1}] [] [] []} 4 10.0.0.0 0 10.0.0.53 0 tcp 30  }")
    }

    @Test("every template of the table on all 17 golden rows equals Go's text/template with miekg",
          .enabled(if: oracleAvailable && Reference.isAvailable, "needs golang-go and golang-github-miekg-dns-dev"))
    func templatesAgreeWithGo() throws {
        let golden = try String(contentsOfFile: Reference.folder + "/json_golden.tsv", encoding: .utf8)
            .split(separator: "\n").dropFirst().joined(separator: "\n") + "\n"
        let rows = try Self.goldenRows()
        for source in Self.templateTable.map(\.0) + [GoTemplate.defaultSource, "{{range .DNS.Answer}}{{.}} {{.Hdr}}|{{end}}{{range .DNS.Extra}}{{.}}{{end}}"] {
            let theirs = try Self.oracle(["template", source], input: golden)
            try #require(theirs.count == rows.count)
            let template = try GoTemplate(source)
            for (row, their) in zip(rows, theirs) {
                let buffer = OutputByteBuffer(initialCapacity: 64)
                try Self.withRecord(row.message, row.metadata) { try template.append($0, to: buffer) }
                let expected = their.hasPrefix("ERR") ? "" : try #require(try JSONSerialization.jsonObject(with: Data(their.utf8), options: .fragmentsAllowed) as? String)
                #expect(Self.text(buffer) == expected, "\(source) on \(Self.hex(row.message).prefix(40))")
            }
        }
    }

    @Test("unsupported constructs are start-up errors with their position", arguments: [
        ("{{template \"x\"}}", "{{template}} is not supported", 1, 3),
        ("ab\n{{block \"b\" .}}{{end}}", "{{block}} is not supported", 2, 3),
        ("{{.Foo}}", "can't evaluate field Foo in type util.DNSResult", 1, 3),
        ("{{.DNS.Bar}}", "can't evaluate field Bar in type dns.Msg", 1, 7),
        ("{{with .DNS}}{{end}}", "{{with}} is not supported", 1, 3),
        ("{{$x := 1}}", "variable declarations and assignments are not supported", 1, 6),
        ("{{eq 1 2}}", "function \"eq\" is not supported (only index, len and printf)", 1, 3),
        ("{{printf \"%5d\" 1}}", "printf verb %5 is not supported (only %s %d %v %q %%)", 1, 10),
        ("{{if .DNS.Response}}x", "unexpected EOF: {{if}} has no {{end}}", 1, 3),
        ("{{range .SrcPort}}{{end}}", "range can't iterate over uint16", 1, 3),
        ("{{.DNS.Id", "unclosed action", 1, 1),
    ])
    func templateErrors(source: String, message: String, line: Int, column: Int) {
        #expect(throws: GoTemplateError(message: message, line: line, column: column)) { try GoTemplate(source) }
    }

    // MARK: Text

    @Test("text: one line per message with the query, rcode, answers and section counts", .enabled(if: Reference.isAvailable, "the shared reference folder ../shared/reference is missing"))
    func textLines() throws {
        let rows = try Self.goldenRows()
        let text = DNSTextLine()
        var lines: [String] = []
        for row in rows.prefix(3) {
            let buffer = OutputByteBuffer(initialCapacity: 64)
            try Self.withRecord(row.message, row.metadata) { try text.append($0, to: buffer) }
            lines.append(Self.text(buffer))
        }
        #expect(lines[0] == "2024-05-01T12:34:56.789Z udp 192.168.1.10:53211 > 192.168.1.1:53 id 4660 query do example.com. IN A")
        #expect(lines[1] == "2024-05-01T12:34:56.789Z udp [2001:db8::53]:53 > [2001:db8::]:41000 id 4660 response NOERROR www.example.com. IN A: CNAME example.com., A 93.184.216.34, AAAA 2606:2800:220:1:248:1893:25c8:1946, MX 10 mail.example.com., TXT \"v=spf1 -all\" \"second <&> string\", NS a.iana-servers.net., PTR host.example.com., SRV 10 5 5060 sip.example.com., CAA 0 issue \"letsencrypt.org\" (+1 ns, +0 extra)")
        #expect(lines[2] == "2024-05-01T12:00:00.000Z tcp 10.0.0.0 > 10.0.0.53 id 52984 response NXDOMAIN nope.example. IN TXT")
    }
}
