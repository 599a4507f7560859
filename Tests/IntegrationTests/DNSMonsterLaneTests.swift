import DMConfiguration
import DMTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// bin/dnsmonster's parallel lanes: how they are planned, that splitting a capture over lanes
/// changes no record, and that stopping a run mid-file leaves no record unaccounted.
@Suite("dnsmonster lanes", .serialized)
struct DNSMonsterLaneTests {
    static func plan(_ arguments: [String], environment: [String: String] = [:], cores: Int = 1) throws -> PipelinePlan {
        try PipelinePlanner.plan(
            Configuration.resolve(arguments: arguments, environment: environment), host: PlanningHost(cores: cores, fanoutGroup: 4242))
    }

    // MARK: planning

    @Test func aFileIsShardedFlowByFlowOverOneLanePerCore() throws {
        let plan = try Self.plan(["--pcapFile", "big.pcap", "--stdoutOutputType=1", "--maskSize4=24"], cores: 3)
        #expect(plan.lanes.count == 3)
        for (index, lane) in plan.lanes.enumerated() {
            #expect(lane.capture.arguments == ["--input", "big.pcap", "--shard", "\(index)/3", "--lane", "\(index)", "--stats-interval", "10"])
            #expect(lane.filter.arguments == ["--mask4", "24", "--stats-interval", "10"])
        }
        // The lanes come in on 3, 4 and 5, merged by capture time (a file); the pipeline's STATS
        // go back to dnsmonster on 6.
        #expect(plan.out.arguments == [
            "--order", "time", "--input", "fd:3", "--input", "fd:4", "--input", "fd:5", "--stdout", "--stdout-type", "1", "--stats-out", "fd:6", "--stats-interval", "10",
        ])
        #expect(plan.statsDescriptor == 6)
        #expect(plan.stages.count == 10)
    }

    @Test func anInterfaceIsSharedThroughOneFanoutGroup() throws {
        let plan = try Self.plan(["--devName", "eth0", "--stdoutOutputType=1", "--lanes", "2"], cores: 8)
        #expect(plan.lanes.map(\.capture.arguments) == [
            ["--iface", "eth0", "--fanout-group", "4242", "--lane", "0", "--stats-interval", "10"],
            ["--iface", "eth0", "--fanout-group", "4242", "--lane", "1", "--stats-interval", "10"],
        ])
        #expect(!plan.out.arguments.contains("--order"), "a live capture keeps arrival order")
    }

    @Test func lanesComeFromTheFlagTheEnvironmentOrTheINIFile() throws {
        #expect(try Self.plan(["--pcapFile=a", "--stdoutOutputType=1"], environment: ["DNSMONSTER_LANES": "3"]).lanes.count == 3)
        #expect(try Self.plan(["--pcapFile=a", "--stdoutOutputType=1", "--lanes=2"], environment: ["DNSMONSTER_LANES": "3"]).lanes.count == 2)
        let configuration = try Configuration.resolve(
            arguments: ["--config", "x.ini", "--pcapFile=a", "--stdoutOutputType=1"], environment: [:],
            readFile: { _ in "[swift]\nlanes = 4\n" })
        #expect(try PipelinePlanner.plan(configuration, host: .oneCore).lanes.count == 4)
        #expect(try Self.plan(["--pcapFile=a", "--stdoutOutputType=1", "--lanes=1"], cores: 16).lanes.count == 1)
    }

    @Test func inputsThatCannotBeSplitRunInOneLaneAndSaySo() throws {
        let stdin = try Self.plan(["--pcapFile=-", "--stdoutOutputType=1", "--lanes=4"])
        #expect(stdin.lanes.count == 1)
        #expect(stdin.notes.contains { $0.contains("standard input cannot be split") })
        #expect(stdin.out.arguments == ["--stdout", "--stdout-type", "1", "--stats-out", "fd:3", "--stats-interval", "10"])
        let limited = try Self.plan(["--pcapFile=a", "--stdoutOutputType=1", "--packetLimit=10"], cores: 4)
        #expect(limited.lanes.count == 1)
        #expect(limited.notes.isEmpty, "one lane by default on a limit needs no note: \(limited.notes)")
    }

    @Test func aBadLaneCountNamesTheFlag() {
        for value in ["-1", "65", "two"] {
            do {
                _ = try Self.plan(["--pcapFile=a", "--stdoutOutputType=1", "--lanes=\(value)"])
                Issue.record("--lanes=\(value) was accepted")
            } catch {
                #expect("\(error)".contains("lanes") && "\(error)".contains(value), "\(error)")
            }
        }
    }

    // MARK: running

    /// The corpus captures with several DNS messages (the ones a split can change: 26 files, with
    /// TCP, fragments, tunnels, IPv6), the generated ones and the sample, through one lane and
    /// through three: the same JSON lines in the same order (dm-out merges a file's lanes by
    /// capture time).
    @Test func oneLaneAndThreeLanesWriteTheSameRecords() throws {
        var captures = [Programs.packageRoot + "/examples/sample.pcap"]
        let corpus = CaptureCorpusTests.corpus
        if FileManager.default.fileExists(atPath: corpus + "/public/MANIFEST.tsv") {
            let manifest = try String(contentsOfFile: corpus + "/public/MANIFEST.tsv", encoding: .utf8)
            for row in manifest.split(separator: "\n").dropFirst() {
                let columns = row.split(separator: "\t", omittingEmptySubsequences: false)
                guard columns.count > 8, columns[0].hasSuffix(".pcap") || columns[0].hasSuffix(".pcapng"),
                    let messages = Int(columns[8]), messages >= 8 else { continue }
                captures.append(corpus + "/public/" + columns[0])
            }
            #expect(captures.count > 20, "MANIFEST.tsv's dns_msgs column (9th) was not read")
            captures += ["dns_lo_udp_tcp.pcap", "ipfrag_mtu1500.pcap"].map { corpus + "/generated/" + $0 }
        } else {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "the shared corpus is missing in CI")
            print("note: ../shared/corpus is absent; comparing lanes on examples/sample.pcap only")
        }
        let directory = try TemporaryDirectory()
        var comparedRecords = 0
        var splitCaptures = 0
        for capture in captures {
            var outputs: [[Substring]] = []
            for lanes in [1, 3] {
                let output = directory.file("lanes\(lanes).json")
                let result = try Programs.run(
                    Programs.product("dnsmonster"),
                    ["--pcapFile", capture, "--stdoutOutputType=1", "--lanes", String(lanes), "--logLevel=4"], output: output)
                let summaries = StageSummaries(result.standardError)
                outputs.append(try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n"))
                #expect(summaries.lines["dm-parse"] == lanes, "\(capture): \(result.standardError)")
                let lanesWithMessages = result.standardError.split(separator: "\n")
                    .filter { $0.hasPrefix("dm-parse:") && !$0.contains(" dns_out=0 ") }.count
                if lanes == 3 && lanesWithMessages > 1 { splitCaptures += 1 }
            }
            #expect(outputs[0].sorted() == outputs[1].sorted(), "\(capture): 1 lane wrote \(outputs[0].count) lines, 3 lanes \(outputs[1].count)")
            // dm-out merges the lanes of a file by capture time: the file's order, as one lane.
            #expect(outputs[0] == outputs[1], "\(capture): 3 lanes wrote the same lines in another order")
            comparedRecords += outputs[0].count
        }
        #expect(comparedRecords > 0)
        // The split must really happen: most captures with several flows spread over lanes.
        #expect(splitCaptures >= 1)
        print("lanes: \(captures.count) captures, \(comparedRecords) records, \(splitCaptures) split over more than one lane")
    }

    /// A capture that is a stream (/dev/stdin on a pipe, a FIFO, `<(…)`) is read by one lane:
    /// were each lane to open it, each would take a share of the bytes and packets would be lost.
    @Test(arguments: ["pipe", "fifo"])
    func streamInputsAreReadOnceWhateverTheLanes(kind: String) throws {
        let directory = try TemporaryDirectory()
        let capture = directory.file("big.pcap")
        _ = try Self.repeatedSample(copies: 50, to: capture)
        let dnsmonster = "\(Programs.product("dnsmonster")) --lanes=2 --stdoutOutputType=1 --metricFlushInterval=0"
        let whole = try Programs.shell("\(dnsmonster) --lanes=1 --pcapFile=\(capture) > \(directory.file("one-lane.json"))")
        #expect(whole.status == 0, "\(whole.standardError)")
        let expected = DMOutTests.lines(directory.file("one-lane.json")).count
        let command: String
        if kind == "pipe" {
            command = "cat \(capture) | \(dnsmonster) --pcapFile=/dev/stdin > \(directory.file("out.json"))"
        } else {
            let fifo = directory.file("fifo")
            try #require(mkfifo(fifo, 0o600) == 0)
            command = "(cat \(capture) > \(fifo) &) ; \(dnsmonster) --pcapFile=\(fifo) > \(directory.file("out.json"))"
        }
        let result = try Programs.shell(command)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(expected > 10_000)
        #expect(DMOutTests.lines(directory.file("out.json")).count == expected, "\(result.standardError)")
        #expect(result.standardError.contains("is a stream (a pipe, FIFO or device), not a file, so one lane reads it"), "\(result.standardError)")
    }

    /// A capture of `copies` copies of examples/sample.pcap back to back, each a second after
    /// the one before (classic little-endian pcap, as the sample is).
    static func repeatedSample(copies: Int, to path: String) throws -> Int {
        let sample = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Programs.packageRoot + "/examples/sample.pcap")))
        #expect(sample[0] == 0xD4 && sample[1] == 0xC3, "the sample is a little-endian pcap")
        func load32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        var records: [(offset: Int, length: Int)] = []
        var offset = 24
        while offset + 16 <= sample.count {
            let length = 16 + Int(load32(sample, offset + 8))
            records.append((offset, length))
            offset += length
        }
        let first = load32(sample, 24), last = load32(sample, records.last!.offset)
        let span = last - first + 1
        var output = [UInt8](sample[0..<24])
        output.reserveCapacity(24 + (sample.count - 24) * copies)
        for copy in 0..<copies {
            for record in records {
                let seconds = load32(sample, record.offset) &+ UInt32(copy) * span
                output += [UInt8(seconds & 0xFF), UInt8(seconds >> 8 & 0xFF), UInt8(seconds >> 16 & 0xFF), UInt8(seconds >> 24)]
                output += sample[(record.offset + 4)..<(record.offset + record.length)]
            }
        }
        try Data(output).write(to: URL(fileURLWithPath: path))
        return records.count * copies
    }

    /// SIGTERM while two lanes are in the middle of a large file: everything read drains, and
    /// every DNS message dm-parse produced is either written or counted where it was dropped.
    @Test func stoppingMidFileLeavesNoRecordUnaccounted() throws {
        let directory = try TemporaryDirectory()
        let capture = directory.file("big.pcap")
        let packets = try Self.repeatedSample(copies: 2000, to: capture)
        let output = directory.file("out.json")
        let outputFD = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { close(outputFD) }
        let errors = try PipePair()
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(devNull) }
        let child = try ChildProcess(
            Programs.product("dnsmonster"), ["--pcapFile", capture, "--stdoutOutputType=1", "--lanes=2", "--dedup", "--logLevel=4"],
            standardInput: devNull, standardOutput: outputFD, standardError: errors.writeEnd)
        errors.closeWriteEnd()
        // Stop once output is flowing: the run is then well under way and far from its end.
        var waited = 0
        while waited < 600, (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0 < 1 << 20 {
            usleep(50_000)
            waited += 1
        }
        child.signal(SIGTERM)
        let (status, signaled) = child.wait()
        let stderr = errors.readAll()
        #expect(status == 0 && !signaled, "\(stderr)")
        let sums = StageSummaries(stderr)
        #expect(sums.lines["dm-capture"] == 2 && sums.lines["dm-parse"] == 2 && sums.lines["dm-filter"] == 2 && sums.lines["dm-out"] == 1, "\(stderr)")
        // Stopped in the middle: each capture read part of the file.
        #expect(stderr.contains("dm-capture: stopped by signal"), "\(stderr)")
        #expect(sums.sum("dm-capture", "packets_read") < UInt64(2 * packets), "the run ended before the signal: \(stderr)")
        // Hand-offs between stages lose nothing.
        #expect(sums.sum("dm-capture", "packets_written") == sums.sum("dm-parse", "packets_in"))
        #expect(sums.sum("dm-parse", "dns_out") == sums.sum("dm-filter", "dns_records"))
        #expect(sums.sum("dm-filter", "passed") == sums.sum("dm-out", "dns_records"))
        // Records parsed = written + counted as not written.
        let parsed = sums.sum("dm-parse", "dns_out")
        let notWritten = ["malformed", "qr_filtered", "rcode_filtered", "qtype_filtered", "skip_matched", "allow_missed", "duplicates", "sampled_out"]
            .reduce(0) { $0 + sums.sum("dm-filter", $1) }
            + sums.sum("dm-out", "stdout_skipped") + sums.sum("dm-out", "stdout_failed") + sums.sum("dm-out", "malformed_unrendered")
            + sums.sum("dm-out", "no_line")
        let written = sums.sum("dm-out", "stdout_written")
        #expect(parsed > 0 && written > 0)
        #expect(written + notWritten == parsed, "parsed \(parsed), written \(written), not written \(notWritten): \(stderr)")
        #expect(sums.sum("dm-filter", "duplicates") > 0, "the repeated sample repeats messages; dedup should see some")
        // dnsmonster's own ledger, from the STATS records dm-out forwarded, says the same.
        #expect(stderr.contains("dnsmonster: accounted: every packet and record is counted where it ended\n"), "\(stderr)")
        #expect(stderr.contains("dnsmonster: outputs: stdout_written=\(written) "), "\(stderr)")
        #expect(stderr.contains(" duplicates=\(sums.sum("dm-filter", "duplicates")) "), "\(stderr)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(UInt64(lines.count - 1) == written && lines.last == "")
    }

    /// A lane's dm-parse killed mid-run: the wrapper names it with its lane and exits 1, and the
    /// other lane still runs to its end (nothing hangs).
    @Test func aLaneStageThatDiesIsNamedAndTheRestFinish() throws {
        let directory = try TemporaryDirectory()
        let capture = directory.file("big.pcap")
        _ = try Self.repeatedSample(copies: 500, to: capture)
        let output = directory.file("out.json")
        let outputFD = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { close(outputFD) }
        let errors = try PipePair()
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(devNull) }
        let child = try ChildProcess(
            Programs.product("dnsmonster"), ["--pcapFile", capture, "--stdoutOutputType=1", "--lanes=2", "--logLevel=4"],
            standardInput: devNull, standardOutput: outputFD, standardError: errors.writeEnd)
        errors.closeWriteEnd()
        var waited = 0
        while waited < 600, (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0 < 1 << 16 {
            usleep(20_000)
            waited += 1
        }
        // The oldest dm-parse child is lane 0's (lanes start in order).
        let pidFile = directory.file("pid")
        let found = try Programs.shell("pgrep -o -P \(child.pid) -x dm-parse > '\(pidFile)'")
        let victim = Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).filter(\.isNumber)) ?? 0
        #expect(victim > 0, "no dm-parse child found: \(found.standardError)")
        if victim > 0 { kill(victim, SIGKILL) }
        let (status, signaled) = child.wait()
        let stderr = errors.readAll()
        #expect(status == 1 && !signaled, "\(stderr)")
        #expect(stderr.contains("dnsmonster: dm-parse (lane 0) was killed by signal 9"), "\(stderr)")
        // The other lane's records were written to the end: its dm-parse reports all it read.
        let sums = StageSummaries(stderr)
        #expect(sums.lines["dm-parse"] == 1 && sums.lines["dm-out"] == 1, "\(stderr)")
        #expect(sums.sum("dm-out", "stdout_written") >= sums.sum("dm-parse", "dns_out"), "\(stderr)")
    }
}
