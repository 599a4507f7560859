import DMBytes
import DMRecord
import DMStage
import DMSystem
import DMTestSupport
import Foundation
import Testing

/// The built stages as processes: pass-through, provenance, exit behaviour, transports.
@Suite("Stage processes", .serialized)
struct StageProcessTests {
    /// A stream with every kind of record, including reserved and private types and an
    /// upstream STATS record, split over two sections.
    static func mixedStream(_ path: String) throws -> (header: StreamHeader, items: [OwnedItem]) {
        let header = StreamHeader(entries: [.source("mixed"), HeaderEntry(tag: 0x8123, flags: 9, value: [1, 2, 3])])
        var items: [OwnedItem] = []
        var rng = SplitMix64(seed: 7)
        try StreamFiles.write(path) { writer in
            for section in 0..<2 {
                try writer.writeHeader(header)
                items.append(.header(header))
                for index in 0..<300 {
                    let sample = RecordSamples.sample(&rng, payload: [UInt8](repeating: UInt8(index & 0xFF), count: index % 90))
                    try RecordSamples.write([sample], to: writer)
                    items.append(sample.owned)
                }
                let reserved: [UInt8] = Array("section \(section)".utf8)
                try writer.writeRecord(type: RecordType(rawValue: 77), flags: 0xFFFF, body: reserved)
                items.append(.record(type: 77, flags: 0xFFFF, body: reserved))
            }
        }
        return (header, items)
    }

    @Test("dm-filter and dm-stream cat forward every record unchanged and add their provenance", arguments: [
        ["dm-filter"], ["dm-stream", "cat"], ["dm-stream", "cat", "--compress", "lz4"],
    ])
    func passThrough(command: [String]) throws {
        let directory = try TemporaryDirectory()
        let (header, items) = try Self.mixedStream(directory.file("in"))
        let result = try Programs.run(Programs.product(command[0]), Array(command.dropFirst()), input: directory.file("in"), output: directory.file("out"))
        #expect(result.status == 0, "\(result.standardError)")
        let (rest, stats) = try StreamFiles.splitOwnStats(try StreamFiles.read(directory.file("out")), stage: command[0])
        // Headers gain exactly one PROVENANCE entry naming the tool; records are identical.
        let expected: [OwnedItem] = items.map { item in
            guard case .header = item else { return item }
            return .header(header)
        }
        #expect(rest.count == expected.count)
        for (got, want) in zip(rest, expected) {
            switch (got, want) {
            case (.header(let got), .header(let want)):
                #expect(Array(got.entries.dropLast()) == want.entries)
                #expect(got.provenance.last?.tool == command[0])
                #expect(got.provenance.last?.arguments.dropFirst() == command.dropFirst())
            default:
                #expect(got == want)
            }
        }
        let records = items.filter { !$0.isHeader }
        let upstreamStats = records.filter { if case .record(3, _, _) = $0 { return true } else { return false } }
        #expect(upstreamStats.count > 0)
        // dm-filter counts kept records as `passed` and leaves upstream STATS out of records_in
        // (records_in = passed + rejections); dm-stream counts every record read.
        let isFilter = command[0] == "dm-filter"
        #expect(stats[counter: isFilter ? "passed" : "records_out"] == UInt64(records.count - upstreamStats.count))
        #expect(stats[counter: "stats_forwarded"] == UInt64(upstreamStats.count))
        #expect(stats[counter: "sections"] == 2)
        let recordsIn = isFilter ? records.count - upstreamStats.count : records.count
        #expect(result.standardError.contains("records_in=\(recordsIn) "), "\(result.standardError)")
    }

    @Test("dm-capture writes one PACKET per pcap frame with the file's times and lengths")
    func captureSample() throws {
        let directory = try TemporaryDirectory()
        let pcapPath = Programs.packageRoot + "/examples/sample.pcap"
        let result = try Programs.run(Programs.product("dm-capture"), ["--pcap", pcapPath], output: directory.file("out"))
        #expect(result.status == 0, "\(result.standardError)")
        let items = try StreamFiles.read(directory.file("out"))
        let packets = try items.compactMap { item -> PacketRecord? in
            guard case .record(1, _, let body) = item else { return nil }
            return PacketRecord(try body.withByteView { try PacketRecordView(body: $0) })
        }
        let expected = try ClassicPcap.frames(pcapPath)
        #expect(packets.count == expected.count)
        #expect(packets.count == 400)
        for (packet, frame) in zip(packets, expected) {
            #expect(packet.metadata.timeNanoseconds == frame.timeNanoseconds)
            #expect(packet.metadata.originalLength == frame.originalLength)
            #expect(packet.frame == frame.bytes)
            #expect(packet.metadata.linkType == 1)
        }
        guard case .header(let header) = items.first else { Issue.record("no header"); return }
        #expect(header.entries.first == .source(pcapPath))
        #expect(header.provenance.map(\.tool) == ["dm-capture"])
    }

    @Test("a stage refuses a terminal as its standard output and says what to do")
    func refusesTerminal() throws {
        let directory = try TemporaryDirectory()
        _ = try Self.mixedStream(directory.file("in"))
        // script(1) gives the command a pseudo-terminal as standard output.
        let result = try Programs.shell("script -qec '\(Programs.product("dm-filter")) < \(directory.file("in"))' /dev/null")
        #expect(result.status != 0)
        let transcript = try Programs.shell("script -qec '\(Programs.product("dm-filter")) < \(directory.file("in")); echo status=$?' \(directory.file("typescript")) > /dev/null")
        #expect(transcript.status == 0)
        let text = String(decoding: try StreamFiles.bytes(directory.file("typescript")), as: UTF8.self)
        #expect(text.contains("refusing to write binary records to a terminal"), "\(text)")
        #expect(text.contains("status=1"), "\(text)")
    }

    @Test("a consumer that goes away ends the stage quietly with status 141")
    func brokenPipeIsQuiet() throws {
        let directory = try TemporaryDirectory()
        let big = directory.file("big")
        try StreamFiles.write(big) { writer in
            try writer.writeHeader(StreamHeader())
            for _ in 0..<200_000 { try writer.writeRecord(type: RecordType(rawValue: 0x8000), body: [UInt8](repeating: 1, count: 100)) }
        }
        let result = try Programs.shell(
            "\(Programs.product("dm-stream")) cat < \(big) 2> \(directory.file("err")) | head -c 100 > /dev/null; echo ${PIPESTATUS[0]} > \(directory.file("status"))")
        #expect(result.status == 0)
        #expect(String(decoding: try StreamFiles.bytes(directory.file("status")), as: UTF8.self) == "141\n")
        #expect(try StreamFiles.bytes(directory.file("err")).isEmpty)
    }

    @Test("corrupt input mid-stream: the records before the fault and the final STATS still go out, then exit 1")
    func corruptInputKeepsWhatWasRead() throws {
        let directory = try TemporaryDirectory()
        var bytes = LiveStreamTests.streamBytes(count: 100)
        let faultOffset = bytes.count
        bytes += [3, 0, 0, 0, 0x00, 0x80, 0, 0] + LiveStreamTests.streamBytes(count: 5, header: false)
        try StreamFiles.writeBytes(bytes, to: directory.file("in"))
        let result = try Programs.run(Programs.product("dm-filter"), [], input: directory.file("in"), output: directory.file("out"))
        #expect(result.status == 1)
        #expect(result.standardError.contains("offset \(faultOffset): record length 3 is below the minimum"), "\(result.standardError)")
        let (rest, stats) = try StreamFiles.splitOwnStats(try StreamFiles.read(directory.file("out")), stage: "dm-filter")
        #expect(rest.filter { !$0.isHeader }.count == 100)
        #expect(stats[counter: "passed"] == 100)
    }

    @Test("bad input gives one clear line naming the input and offset, and exit status 1")
    func badInputMessage() throws {
        let pcapPath = Programs.packageRoot + "/examples/sample.pcap"
        let result = try Programs.run(Programs.product("dm-filter"), ["--input", pcapPath], output: "/dev/null")
        #expect(result.status == 1)
        #expect(result.standardError == "dm-filter: \(pcapPath): offset 0: this is a pcap capture, not a DMRecord stream: read captures with dm-capture --input FILE (or pipe them to dm-parse)\n")
        let missing = try Programs.run(Programs.product("dm-filter"), ["--input", "/nonexistent/file"], output: "/dev/null")
        #expect(missing.status == 1)
        #expect(missing.standardError.hasPrefix("dm-filter: open /nonexistent/file: No such file or directory"), "\(missing.standardError)")
        let badEndpoint = try Programs.run(Programs.product("dm-filter"), ["--out", "tcp:localhost"], output: "/dev/null")
        #expect(badEndpoint.status == 1)
        #expect(badEndpoint.standardError.contains("'tcp:localhost': expected HOST:PORT"), "\(badEndpoint.standardError)")
    }

    /// One vocabulary: every stage reads with --input and names the same endpoint forms, fd:N
    /// among them; one version everywhere; defaults shown as a user writes them.
    @Test("every stage: --input, the endpoint forms with fd:N, one version, defaults as written")
    func oneVocabulary() throws {
        let directory = try TemporaryDirectory()
        var versions: Set<String> = []
        for command in [["dm-capture"], ["dm-parse"], ["dm-filter"], ["dm-out"], ["dm-stream", "cat"], ["dm-stream", "dump"]] {
            let help = try Programs.run(Programs.product(command[0]), Array(command.dropFirst()) + ["--help"], output: directory.file("help"))
            #expect(help.status == 0)
            let text = try String(contentsOfFile: directory.file("help"), encoding: .utf8)
            #expect(text.contains("--input"), "\(command) has no --input")
            #expect(text.contains("fd:N"), "\(command) does not document fd:N")
            for odd in ["(default: number(", "(default: 0.0)", "Optional("] {
                #expect(!text.contains(odd), "\(command) shows \(odd)")
            }
            let version = try Programs.run(Programs.product(command[0]), ["--version"], output: directory.file("version"))
            #expect(version.status == 0)
            versions.insert(try String(contentsOfFile: directory.file("version"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(versions == [DMRecordVersion.string], "\(versions)")
        let wrapper = try Programs.run(Programs.product("dnsmonster"), ["--version"], output: directory.file("version"))
        #expect(wrapper.status == 0)
        #expect(try String(contentsOfFile: directory.file("version"), encoding: .utf8).contains(" \(DMRecordVersion.string) "))
        // The older spellings still work.
        let old = try Programs.shell("\(Programs.product("dm-capture")) --pcap \(Programs.packageRoot)/examples/sample.pcap | \(Programs.product("dm-stream")) dump - > /dev/null")
        #expect(old.status == 0, "\(old.standardError)")
    }
}

/// An independent reader for classic pcap files, to check dm-capture against.
enum ClassicPcap {
    struct Frame {
        var timeNanoseconds: UInt64
        var originalLength: UInt32
        var bytes: [UInt8]
    }

    static func frames(_ path: String) throws -> [Frame] {
        let bytes = try StreamFiles.bytes(path)
        func u32(_ at: Int) -> UInt32 { UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24 }
        let magic = u32(0)
        precondition(magic == 0xA1B2_C3D4 || magic == 0xA1B2_3C4D, "little-endian classic pcap only")
        let fractionScale: UInt64 = magic == 0xA1B2_C3D4 ? 1000 : 1
        var frames: [Frame] = []
        var offset = 24
        while offset + 16 <= bytes.count {
            let captured = Int(u32(offset + 8))
            let time = UInt64(u32(offset)) * 1_000_000_000 + UInt64(u32(offset + 4)) * fractionScale
            frames.append(Frame(timeNanoseconds: time, originalLength: u32(offset + 12), bytes: Array(bytes[(offset + 16)..<(offset + 16 + captured)])))
            offset += 16 + captured
        }
        return frames
    }
}

/// `--stats-interval`: every stage reports its counters while records flow, not only at the end.
@Suite("Periodic STATS", .serialized)
struct PeriodicStatsTests {
    @Test("a schedule is due once per interval, never when the interval is 0")
    func schedule() {
        var schedule = StatsSchedule(seconds: 1)
        let start = WallClock.monotonicNanoseconds()
        let due = [start, start + 1_100_000_000, start + 1_200_000_000, start + 2_200_000_000].map { schedule.isDue(now: $0) }
        #expect(due == [false, true, false, true])
        var never = StatsSchedule.never
        let neverDue = never.isDue(now: .max)
        #expect(!neverDue)
    }

    @Test("capture | parse | filter | out on a large file: every stage's periodic STATS reach --stats-out, then its final one")
    func everyStageReports() throws {
        let directory = try TemporaryDirectory()
        let capture = directory.file("big.pcap")
        _ = try DNSMonsterLaneTests.repeatedSample(copies: 400, to: capture)
        let stats = directory.file("stats.dmr")
        let result = try Programs.shell("""
            \(Programs.product("dm-capture")) --pcap \(capture) --stats-interval 0.05 2>/dev/null \
            | \(Programs.product("dm-parse")) --stats-interval 0.05 2>/dev/null \
            | \(Programs.product("dm-filter")) --stats-interval 0.05 --dedup 2>/dev/null \
            | \(Programs.product("dm-out")) --stats-interval 0.05 --stats-out \(stats) > /dev/null 2>/dev/null
            """)
        #expect(result.status == 0, "\(result.standardError)")
        var kinds: [String: [StatsRecord.Kind]] = [:]
        for item in try StreamFiles.read(stats) {
            guard case .record(3, _, let body) = item else { continue }
            let record = try body.withByteView { try StatsRecord(body: $0) }
            kinds[record.stage, default: []].append(record.kind)
        }
        for stage in ["dm-capture", "dm-parse", "dm-filter", "dm-out"] {
            let reported = kinds[stage] ?? []
            #expect(reported.filter { $0 == .periodic }.count >= 2, "\(stage): \(reported)")
            #expect(reported.last == .final && reported.filter { $0 == .final }.count == 1, "\(stage): \(reported)")
        }
    }

    @Test("--stats-interval out of range is refused with the flag named", arguments: ["dm-parse", "dm-filter", "dm-out"])
    func badInterval(stage: String) throws {
        let result = try Programs.run(Programs.product(stage), ["--stats-interval", "-1"])
        #expect(result.status == 64, "\(result.standardError)")
        #expect(result.standardError.contains("--stats-interval"), "\(result.standardError)")
    }
}
