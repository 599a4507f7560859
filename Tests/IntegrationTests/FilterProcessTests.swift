import DMBytes
import DMFilter
import DMRecord
import DMTestSupport
import Foundation
import Testing

/// dm-filter as a process: each option's effect on real streams, and its counters.
@Suite("dm-filter", .serialized)
struct FilterProcessTests {
    typealias F = FilterFixtures

    /// DNS records with distinct times, names cycling through a few domains, queries and responses.
    static func mixedDNS(_ count: Int) -> [DNSRecord] {
        let names = ["www.google.com", "ads.example.net", "mail.example.org", "dev.home", "cdn.fastly.net", "x.y.z"]
        return (0..<count).map { index in
            F.record(
                names[index % names.count], time: F.t0 + UInt64(index) * 1000, qtype: [1, 28, 65, 15][index % 4],
                response: index % 3 == 0, rcode: index % 3 == 0 ? [0, 3, 2][index % 9 / 3] : 0, port: UInt16(30000 + index),
                version: index % 5 == 0 ? 6 : 4)
        }
    }

    @Test("--sample A:B keeps exactly the first A of every B DNS records; other records all pass", arguments: [(2, 7), (1, 10), (0, 3), (4, 4)])
    func sampleExactly(keep: Int, outOf: Int) throws {
        let directory = try TemporaryDirectory()
        let dns = Self.mixedDNS(200)
        var items: [OwnedItem] = []
        for (index, record) in dns.enumerated() {
            items.append(F.item(record))
            if index % 20 == 0 { items.append(.record(type: 0x8001, flags: 3, body: Array("private \(index)".utf8))) }
        }
        let (records, stats, _) = try F.run(items, ["--sample", "\(keep):\(outOf)"], directory: directory)
        let expectedDNS = dns.enumerated().filter { $0.offset % outOf < keep }.map(\.element)
        #expect(try F.dnsRecords(records) == expectedDNS)
        #expect(records.filter { if case .record(0x8001, _, _) = $0 { return true } else { return false } }.count == 10)
        #expect(stats[counter: "sampled_out"] == UInt64(200 - expectedDNS.count))
        #expect(stats[counter: "other_records"] == 10)
        F.expectBalanced(stats)
    }

    @Test("--dedup: a record identical to one kept within the window is dropped; the window's edges")
    func dedupWindow() throws {
        let directory = try TemporaryDirectory()
        let window: UInt64 = 1_500_000_000  // --dedup-window 1500ms
        let a = F.record("www.example.com", time: F.t0)
        var mirrored = a  // the same packet on another VLAN: 3 µs later, another identity
        mirrored.metadata.timeNanoseconds += 3000
        mirrored.identity = Array("vlan-20".utf8)
        var lastInside = a
        lastInside.metadata.timeNanoseconds = F.t0 + window - 1
        var otherPort = a
        otherPort.metadata.sourcePort = 40001
        otherPort.metadata.timeNanoseconds += 10
        var atEdge = a
        atEdge.metadata.timeNanoseconds = F.t0 + window
        var otherMessage = a
        otherMessage.message[1] ^= 1  // another DNS id
        otherMessage.metadata.timeNanoseconds += 20
        var afterEdge = a  // a duplicate of the one kept at the edge
        afterEdge.metadata.timeNanoseconds = F.t0 + window + 1
        var v6 = F.record("www.example.com", time: F.t0, version: 6)
        v6.metadata.timeNanoseconds += 30
        let input = [a, mirrored, lastInside, otherPort, atEdge, otherMessage, afterEdge, v6, v6]
        let (records, stats, _) = try F.run(input.map(F.item), ["--dedup", "--dedup-window", "1500ms"], directory: directory)
        #expect(try F.dnsRecords(records) == [a, otherPort, atEdge, otherMessage, v6])
        #expect(stats[counter: "duplicates"] == 4)
        #expect(stats[counter: "dedup_evicted"] == 0)
        F.expectBalanced(stats)
    }

    @Test("--dedup-capacity bounds the table: a tiny table forgets and counts evictions")
    func dedupCapacity() throws {
        let directory = try TemporaryDirectory()
        let distinct = (0..<64).map { F.record("n\($0).example", time: F.t0 + UInt64($0)) }
        // Each record twice, far apart in the stream: a 4-entry table cannot hold them all.
        let (records, stats, _) = try F.run((distinct + distinct).map(F.item), ["--dedup", "--dedup-capacity", "4"], directory: directory)
        #expect(stats[counter: "dedup_evicted"]! > 0)
        #expect(UInt64(records.count) == 128 - stats[counter: "duplicates"]!)
        F.expectBalanced(stats)
    }

    @Test("--mask4/--mask6 rewrite source and destination addresses; nothing else changes", arguments: [(0, 0), (24, 64), (31, 127), (32, 128), (8, 128)])
    func masks(bits4: Int, bits6: Int) throws {
        let directory = try TemporaryDirectory()
        let input = Self.mixedDNS(40)
        let (records, stats, _) = try F.run(input.map(F.item), ["--mask4", "\(bits4)", "--mask6", "\(bits6)"], directory: directory)
        let output = try F.dnsRecords(records)
        #expect(output.count == input.count)
        for (got, original) in zip(output, input) {
            let count = original.metadata.ipVersion == 4 ? 4 : 16
            let bits = original.metadata.ipVersion == 4 ? bits4 : bits6
            var expected = original
            expected.metadata.sourceAddress = IPAddressBytes(Oracles.naiveMask(Array(original.metadata.sourceAddress.bytes.prefix(count)), bits: bits))!
            expected.metadata.destinationAddress = IPAddressBytes(Oracles.naiveMask(Array(original.metadata.destinationAddress.bytes.prefix(count)), bits: bits))!
            #expect(got == expected)
        }
        #expect(stats[counter: "masked"] == (bits4 == 32 && bits6 == 128 ? 0 : 40))
        F.expectBalanced(stats)
    }

    @Test("--qr, --rcode and --qtype keep what they name", arguments: [
        (["--qr", "response"], "qr_filtered"), (["--qr", "query"], "qr_filtered"), (["--rcode", "NXDOMAIN,servfail"], "rcode_filtered"),
        (["--rcode", "0"], "rcode_filtered"), (["--qtype", "AAAA,HTTPS"], "qtype_filtered"), (["--qtype", "1"], "qtype_filtered"),
    ])
    func headerFilters(arguments: [String], counter: String) throws {
        let directory = try TemporaryDirectory()
        let input = Self.mixedDNS(90)
        let (records, stats, _) = try F.run(input.map(F.item), arguments, directory: directory)
        let keep: (DNSRecord) -> Bool = { record in
            let flags = UInt16(record.message[2]) << 8 | UInt16(record.message[3])
            let qtype = UInt16(record.message[record.message.count - 4]) << 8 | UInt16(record.message[record.message.count - 3])
            switch arguments.joined(separator: " ") {
            case "--qr response": return flags & 0x8000 != 0
            case "--qr query": return flags & 0x8000 == 0
            case "--rcode NXDOMAIN,servfail": return [2, 3].contains(flags & 0xF)
            case "--rcode 0": return flags & 0xF == 0
            case "--qtype AAAA,HTTPS": return [28, 65].contains(qtype)
            default: return qtype == 1
            }
        }
        let expected = input.filter(keep)
        #expect(!expected.isEmpty && expected.count < input.count)
        #expect(try F.dnsRecords(records) == expected)
        #expect(stats[counter: counter] == UInt64(input.count - expected.count))
        F.expectBalanced(stats)
    }

    @Test("skip and allow lists: skip matches rejected, then only allow matches kept; kept records unchanged")
    func listsFilter() throws {
        let directory = try TemporaryDirectory()
        try StreamFiles.writeBytes(Array("google.com,suffix\ndev.home,fqdn\n".utf8), to: directory.file("skip.csv"))
        try StreamFiles.writeBytes(Array("example.net,suffix\nexample.org,suffix\nwww,prefix\n".utf8), to: directory.file("allow.csv"))
        let input = Self.mixedDNS(60)
        let (records, stats, standardError) = try F.run(
            input.map(F.item), ["--skip-domains", directory.file("skip.csv"), "--allow-domains", directory.file("allow.csv")], directory: directory)
        let skip = DomainListParser.parse(Array("google.com,suffix\ndev.home,fqdn\n".utf8)).list
        let allow = DomainListParser.parse(Array("example.net,suffix\nexample.org,suffix\nwww,prefix\n".utf8)).list
        let name: (DNSRecord) -> String = { record in
            var labels: [String] = []
            var offset = 12
            while record.message[offset] != 0 {
                let size = Int(record.message[offset])
                labels.append(String(decoding: record.message[(offset + 1)...(offset + size)], as: UTF8.self))
                offset += 1 + size
            }
            return labels.joined(separator: ".")
        }
        let expected = input.filter { skip.match(name($0)) == nil && allow.match(name($0)) != nil }
        #expect(!expected.isEmpty)
        #expect(try F.dnsRecords(records) == expected)
        #expect(stats[counter: "skip_matched"] == UInt64(input.filter { skip.match(name($0)) != nil }.count))
        #expect(stats[counter: "allow_missed"] == UInt64(input.filter { skip.match(name($0)) == nil && allow.match(name($0)) == nil }.count))
        #expect(stats[counter: "skip_list_entries"] == 2 && stats[counter: "allow_list_entries"] == 3)
        #expect(standardError.contains("skip list: 2 entries (1 suffix, 0 prefix, 1 fqdn) from \(directory.file("skip.csv"))"), "\(standardError)")
        F.expectBalanced(stats)
    }

    @Test("--tag-only keeps every record and sets the match flags for dm-out's per-sink types")
    func tagOnly() throws {
        let directory = try TemporaryDirectory()
        try StreamFiles.writeBytes(Array("google.com,suffix\n".utf8), to: directory.file("skip.csv"))
        try StreamFiles.writeBytes(Array("google.com,suffix\nexample.net,suffix\n".utf8), to: directory.file("allow.csv"))
        var input = Self.mixedDNS(12)
        // Flags set by an earlier filter are replaced; other bits are kept.
        input[1].metadata.matchFlags = DNSMatchFlags(rawValue: 0x0103)
        var noQuestion = F.record("a.b", time: F.t0 + 99)
        noQuestion.message[5] = 0  // QDCOUNT 0
        input.append(noQuestion)
        let (records, stats, _) = try F.run(
            input.map(F.item),
            ["--skip-domains", directory.file("skip.csv"), "--allow-domains", directory.file("allow.csv"), "--tag-only"], directory: directory)
        let output = try F.dnsRecords(records)
        #expect(output.count == input.count)
        for (got, original) in zip(output, input) {
            var expected = original
            let text = String(decoding: original.message, as: UTF8.self)
            var flags: UInt16 = original.metadata.matchFlags.rawValue & ~7 | DNSMatchFlags.evaluated.rawValue
            if original.message[5] == 1 && text.contains("google") { flags |= DNSMatchFlags.skipMatch.rawValue | DNSMatchFlags.allowMatch.rawValue }
            if original.message[5] == 1 && text.contains("example\u{3}net") { flags |= DNSMatchFlags.allowMatch.rawValue }
            expected.metadata.matchFlags = DNSMatchFlags(rawValue: flags)
            #expect(got == expected)
        }
        #expect(stats[counter: "tagged_skip"] == 2)
        #expect(stats[counter: "tagged_allow"] == 4)
        #expect(stats[counter: "unreadable_questions"] == 1)
        #expect(stats[counter: "passed"] == UInt64(input.count))
        F.expectBalanced(stats)
    }

    @Test("--pass-to and --fail-to partition the input exactly; both streams carry headers, upstream STATS and the final STATS")
    func passFailPartition() throws {
        let directory = try TemporaryDirectory()
        try StreamFiles.writeBytes(Array("google.com,suffix\nads,prefix\n".utf8), to: directory.file("skip.csv"))
        var rng = SplitMix64(seed: 5)
        var items: [OwnedItem] = []
        let dns = Self.mixedDNS(400)
        for (index, record) in dns.enumerated() {
            items.append(F.item(record))
            if index % 7 == 0 { items.append(F.item(dns[Int.random(in: 0...index, using: &rng)])) }  // duplicates
            if index % 50 == 0 { items.append(.record(type: 2, flags: 0, body: [1, 2, 3])) }  // malformed DNS body
            if index % 60 == 0 { items.append(.record(type: 1, flags: 0, body: [UInt8](repeating: 7, count: 30))) }  // PACKET
            if index % 100 == 0 {
                let stats = StatsRecord(timeNanoseconds: 1, processID: 9, lane: 0, kind: .periodic, stage: "dm-parse", counters: [("x", UInt64(index))])
                items.append(.record(type: 3, flags: 0, body: stats.encodedBody()))
            }
        }
        try F.write(items, to: directory.file("in"))
        let arguments = [
            "--pass-to", directory.file("pass"), "--fail-to", directory.file("fail"), "--skip-domains", directory.file("skip.csv"),
            "--dedup", "--sample", "5:6", "--qtype", "A,AAAA,HTTPS",
        ]
        let result = try Programs.run(Programs.product("dm-filter"), arguments, input: directory.file("in"), output: directory.file("stdout"))
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try StreamFiles.bytes(directory.file("stdout")).isEmpty)
        let pass = try StreamFiles.read(directory.file("pass"))
        let fail = try StreamFiles.read(directory.file("fail"))
        let (passRecords, passStats) = try F.output(directory.file("pass"))
        let (failRecords, failStats) = try F.output(directory.file("fail"))
        #expect(passStats.counters.map(\.name) == failStats.counters.map(\.name))
        #expect(passStats[counter: "failed"] == failStats[counter: "failed"])
        // Both streams start with the input header plus dm-filter's provenance.
        for stream in [pass, fail] {
            guard case .header(let header) = stream.first else { Issue.record("no header"); continue }
            #expect(header.entries.first == .source("filter-test"))
            #expect(header.provenance.last?.tool == "dm-filter")
        }
        // Upstream STATS go to both; every other record to exactly one, in input order. The
        // only change dm-filter makes here is the match flags of DNS records it evaluated.
        let isStats: (OwnedItem) -> Bool = { if case .record(3, _, _) = $0 { return true } else { return false } }
        let upstream = items.filter(isStats)
        #expect(passRecords.filter(isStats) == upstream)
        #expect(failRecords.filter(isStats) == upstream)
        func unflagged(_ item: OwnedItem) -> OwnedItem {
            guard case .record(2, let flags, var body) = item, body.count >= 56 else { return item }
            body[18] = 0
            return .record(type: 2, flags: flags, body: body)
        }
        var passed = passRecords.filter { !isStats($0) }.map(unflagged)[...]
        var failed = failRecords.filter { !isStats($0) }.map(unflagged)[...]
        for item in items where !isStats(item) {
            if passed.first == item {
                passed.removeFirst()
            } else if failed.first == item {
                failed.removeFirst()
            } else {
                Issue.record("\(item) is in neither output (or out of order)")
                break
            }
        }
        #expect(passed.isEmpty && failed.isEmpty)
        let stats = passStats
        #expect(stats[counter: "passed"] == UInt64(passRecords.filter { !isStats($0) }.count))
        #expect(stats[counter: "failed"] == UInt64(failRecords.filter { !isStats($0) }.count))
        #expect(stats[counter: "records_in"] == UInt64(items.count - upstream.count))
        #expect(stats[counter: "stats_forwarded"] == UInt64(upstream.count))
        #expect(stats[counter: "malformed"] == 8)
        for counter in ["skip_matched", "duplicates", "sampled_out", "qtype_filtered"] { #expect(stats[counter: counter]! > 0, "\(counter)") }
        F.expectBalanced(stats)
        #expect(result.standardError.contains("records_in=\(items.count - upstream.count) "), "\(result.standardError)")
    }

    @Test("bad option values are refused with the flag named", arguments: [
        (["--sample", "3:2"], "--sample"), (["--mask4", "33"], "--mask4"), (["--mask6", "129"], "--mask6"),
        (["--tag-only"], "--tag-only"), (["--dedup-window", "1s"], "--dedup"), (["--dedup", "--dedup-window", "x"], "--dedup-window"),
        (["--pass-to", "a", "--out", "b"], "--pass-to"), (["--fail-to", "-"], "--fail-to"), (["--rcode", "NOPE"], "--rcode"),
        (["--qtype", "A,99999"], "--qtype"), (["--qr", "both"], "--qr"), (["--refresh", "5s"], "--refresh"),
        (["--skip-domains", "/nonexistent/list.csv"], "/nonexistent/list.csv: No such file or directory"),
    ])
    func badOptions(arguments: [String], mention: String) throws {
        let result = try Programs.run(Programs.product("dm-filter"), arguments, output: "/dev/null")
        #expect(result.status != 0)
        #expect(result.standardError.contains(mention), "\(result.standardError)")
    }
}
