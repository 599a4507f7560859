import DMCapture
import DMDnstap
import DMFilter
import DMPacket
import DMRecord
import DMSinks
import DMStage
import DMTestSupport
import Testing

/// Each stage's counters are declared once (``StageCounters``): the STATS records, the summary
/// line and `--help` of the built executables must all follow that declaration.
@Suite("Counter declarations", .serialized)
struct CounterDeclarationTests {
    static let sample = Programs.packageRoot + "/examples/sample.pcap"

    /// Checks one stage's final STATS and summary line against its declaration: every name
    /// declared, in the declared order, none twice, and the summary line the same fields.
    static func expectDeclared(_ stats: StatsRecord, summary: String, tool: String, declared: [String], required: [String]) {
        let names = stats.counters.map(\.name)
        #expect(Set(names).count == names.count, "\(tool): a counter twice in \(names)")
        let positions = names.map { declared.firstIndex(of: $0) }
        #expect(!positions.contains(nil), "\(tool): undeclared counters \(names.filter { !declared.contains($0) })")
        let ordered = positions.compactMap { $0 }
        #expect(ordered == ordered.sorted(), "\(tool): STATS order differs from the declaration")
        for name in required { #expect(names.contains(name), "\(tool): \(name) missing from STATS") }
        let line = summary.split(separator: "\n").last { $0.hasPrefix(tool + ":") }.map(String.init) ?? ""
        let fields = stats.counters.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        #expect(line == "\(tool): \(fields)", "summary line: \(line)")
    }

    static func help(of tool: String) throws -> String {
        let directory = try TemporaryDirectory()
        let result = try Programs.run(Programs.product(tool), ["--help"], output: directory.file("help"))
        #expect(result.status == 0)
        return String(decoding: try StreamFiles.bytes(directory.file("help")), as: UTF8.self)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test("--help names every declared counter with its meaning")
    func helpNamesEveryCounter() throws {
        let declarations: [(String, [(name: String, meaning: String)])] = [
            ("dm-capture", CaptureCounters.declared.map { ($0.name, $0.meaning) }),
            ("dm-capture", DnstapCounters.declared.map { ($0.name, $0.meaning) }),
            ("dm-parse", ParseCounters.declared.map { ($0.name, $0.meaning) }),
            ("dm-filter", FilterCounters.declared.map { ($0.name, $0.meaning) }),
            ("dm-out", OutputCounters.declared.map { ($0.name, $0.meaning) }),
        ]
        for (tool, counters) in declarations {
            let help = try Self.help(of: tool)
            for counter in counters {
                let words = "\(counter.name): \(counter.meaning)".split(whereSeparator: \.isWhitespace).joined(separator: " ")
                #expect(help.contains(words), "\(tool) --help lacks \(counter.name)")
            }
        }
    }

    @Test("capture, parse, filter and dm-out report exactly their declared counters")
    func statsFollowDeclarations() throws {
        let directory = try TemporaryDirectory()
        let capture = try Programs.run(Programs.product("dm-capture"), ["--pcap", Self.sample], output: directory.file("packets"))
        #expect(capture.status == 0, "\(capture.standardError)")
        let captureStats = try StreamFiles.splitOwnStats(try StreamFiles.read(directory.file("packets")), stage: "dm-capture").stats
        Self.expectDeclared(
            captureStats, summary: capture.standardError, tool: "dm-capture", declared: CaptureCounters.names,
            required: ["packets_read", "packets_written", "skipped_blocks", "truncated_inputs"])
        #expect(!captureStats.counters.contains { $0.name.hasPrefix("kernel_") }, "a file capture reports no kernel counters")

        let dnstapFile = Programs.packageRoot + "/../shared/corpus/generated/unbound_dnstap.fstrm"
        let dnstap = try Programs.run(Programs.product("dm-capture"), ["--input", dnstapFile], output: directory.file("dnstap"))
        #expect(dnstap.status == 0, "\(dnstap.standardError)")
        let dnstapStats = try StreamFiles.splitOwnStats(try StreamFiles.read(directory.file("dnstap")), stage: "dm-capture").stats
        let fileCounters = DnstapCounters.names.filter {
            !$0.hasPrefix("clients_") && !["protocol_errors", "cut_frames", "dnstap_other_shards", "dnstap_sampled_out"].contains($0)
        }
        Self.expectDeclared(dnstapStats, summary: dnstap.standardError, tool: "dm-capture", declared: DnstapCounters.names, required: fileCounters)
        #expect(!dnstapStats.counters.contains { $0.name.hasPrefix("clients_") }, "a dnstap file reports no client counters")

        let parse = try Programs.run(Programs.product("dm-parse"), [], input: directory.file("packets"), output: directory.file("dns"))
        #expect(parse.status == 0, "\(parse.standardError)")
        let parseStats = try StreamFiles.splitOwnStats(try StreamFiles.read(directory.file("dns")), stage: "dm-parse").stats
        Self.expectDeclared(parseStats, summary: parse.standardError, tool: "dm-parse", declared: ParseCounters.names, required: ParseCounters.names)

        try StreamFiles.writeBytes(Array("example.com\n".utf8), to: directory.file("skip.txt"))
        let filter = try Programs.run(
            Programs.product("dm-filter"), ["--skip-domains", directory.file("skip.txt")], input: directory.file("dns"), output: directory.file("kept"))
        #expect(filter.status == 0, "\(filter.standardError)")
        let filterStats = try StreamFiles.splitOwnStats(try StreamFiles.read(directory.file("kept")), stage: "dm-filter").stats
        let withoutAllowList = FilterCounters.names.filter { !$0.hasPrefix("allow_list_") }
        Self.expectDeclared(filterStats, summary: filter.standardError, tool: "dm-filter", declared: FilterCounters.names, required: withoutAllowList)
        #expect(!filterStats.counters.contains { $0.name.hasPrefix("allow_list_") }, "no allow list, no allow-list counters")

        let out = try Programs.run(
            Programs.product("dm-out"), ["--stats-out", directory.file("stats"), "--file", directory.file("out.json"), "--stdout"],
            input: directory.file("kept"), output: directory.file("stdout.json"))
        #expect(out.status == 0, "\(out.standardError)")
        let outStats = try #require(try StreamFiles.read(directory.file("stats")).compactMap { item -> StatsRecord? in
            guard case .record(3, _, let body) = item else { return nil }
            let stats = try body.withByteView { try StatsRecord(body: $0) }
            return stats.stage == "dm-out" && stats.kind == .final ? stats : nil
        }.last)
        let sinks = ["stdout", "file"].flatMap { ["\($0)_written", "\($0)_skipped", "\($0)_failed"] }
        Self.expectDeclared(outStats, summary: out.standardError, tool: "dm-out", declared: OutputCounters.names, required: sinks + ["file_rotations"])
        #expect(!outStats.counters.contains { $0.name.hasPrefix("syslog_") }, "no syslog sink, no syslog counters")
    }
}
