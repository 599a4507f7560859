import DMBytes
import DMFormats
import DMRecord
import DMTestSupport
import Foundation
import Testing

/// dm-out as a process: JSON lines to standard output and files, SIGHUP reopen, rotation,
/// failing destinations, and syslog into a real rsyslog.
@Suite("dm-out", .serialized)
struct DMOutTests {
    /// DNS records of examples/sample.pcap (written by dm-parse) and how many there are.
    static func sampleRecords(in directory: TemporaryDirectory, packetLimit: Int? = nil) throws -> (path: String, count: Int) {
        let path = directory.file("records.dmr")
        let limit = packetLimit.map { "--packet-limit \($0)" } ?? ""
        let result = try Programs.shell("""
            \(Programs.product("dm-capture")) --pcap \(Programs.packageRoot)/examples/sample.pcap \(limit) 2>/dev/null \
            | \(Programs.product("dm-parse")) > \(path) 2>/dev/null
            """)
        #expect(result.status == 0)
        let count = try StreamFiles.read(path).filter { if case .record(2, _, _) = $0 { return true } else { return false } }.count
        #expect(count > 0)
        return (path, count)
    }

    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
    }

    /// The value of `name=N` in a stage's summary line.
    static func counter(_ name: String, in summary: String) -> UInt64? {
        guard let range = summary.range(of: " \(name)=") ?? summary.range(of: ": \(name)=") else { return nil }
        return UInt64(summary[range.upperBound...].prefix { $0.isNumber })
    }

    @Test("JSON to standard output: one JSON object per DNS record, with its addresses and message fields")
    func jsonToStandardOutput() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let result = try Programs.run(Programs.product("dm-out"), ["--input", records], output: directory.file("out.json"))
        #expect(result.status == 0, "\(result.standardError)")
        let lines = Self.lines(directory.file("out.json"))
        #expect(lines.count == count)
        #expect(Self.counter("stdout_written", in: result.standardError) == UInt64(count))
        // Every line is a JSON object in dnsmonster's field order.
        let check = try Programs.shell("""
            python3 -c 'import json,sys
            keys = None
            for line in open(sys.argv[1]):
                value = json.loads(line)
                assert list(value)[:2] == ["Timestamp", "DNS"], list(value)
                assert value["Protocol"] in ("udp", "tcp"), value["Protocol"]
                assert list(value["DNS"])[:2] == ["Id", "Response"]
            ' \(directory.file("out.json"))
            """)
        #expect(check.status == 0, "\(check.standardError)")
    }

    @Test("SIGHUP after logrotate moved the file: the rest goes to a new file, no line lost or doubled")
    func reopenOnHangup() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let bytes = try StreamFiles.bytes(records)
        let input = try PipePair()
        let errors = try PipePair()
        let path = directory.file("dns.json")
        let child = try ChildProcess(Programs.product("dm-out"), ["--file", path], standardInput: input.readEnd,
                                     standardOutput: 1, standardError: errors.writeEnd)
        input.closeReadEnd()
        errors.closeWriteEnd()
        try input.write(bytes)
        // dm-out flushes when its input goes quiet: wait for the first copy to land.
        var waited = 0
        while Self.lines(path).count < count && waited < 100 {
            usleep(50_000)
            waited += 1
        }
        #expect(Self.lines(path).count == count)
        #expect(rename(path, path + ".1") == 0)
        child.signal(SIGHUP)
        usleep(100_000)
        try input.write(bytes)
        input.closeWriteEnd()
        let summary = errors.readAll()
        #expect(child.wait().status == 0, "\(summary)")
        let rotated = Self.lines(path + ".1"), fresh = Self.lines(path)
        #expect(rotated.count == count && fresh.count == count)
        #expect(rotated == fresh, "the same records, once in each file")
        #expect(Self.counter("file_written", in: summary) == UInt64(2 * count))
    }

    @Test("SIGTERM while the input is open: every record read is written, then the summary, exit 0")
    func stopSignal() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let input = try PipePair()
        let errors = try PipePair()
        let path = directory.file("dns.json")
        let child = try ChildProcess(Programs.product("dm-out"), ["--file", path], standardInput: input.readEnd,
                                     standardOutput: 1, standardError: errors.writeEnd)
        input.closeReadEnd()
        errors.closeWriteEnd()
        try input.write(try StreamFiles.bytes(records))
        var waited = 0
        while Self.lines(path).count < count && waited < 100 {
            usleep(50_000)
            waited += 1
        }
        child.signal(SIGTERM)
        let summary = errors.readAll()
        #expect(child.wait().status == 0, "\(summary)")
        input.closeWriteEnd()
        #expect(summary.contains("dm-out: stopped by signal;"), "\(summary)")
        #expect(Self.counter("file_written", in: summary) == UInt64(count))
        #expect(Self.lines(path).count == count)
    }

    @Test("rotation by size: every line is in PATH or PATH.N, and no file passes the size")
    func rotationBySize() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let path = directory.file("dns.json")
        let result = try Programs.run(Programs.product("dm-out"), ["--input", records, "--file", path, "--file-rotate-size", "40K",
                                                                   "--file-rotate-keep", "100"])
        #expect(result.status == 0, "\(result.standardError)")
        let rotations = try #require(Self.counter("file_rotations", in: result.standardError))
        #expect(rotations >= 2)
        var total = 0
        for name in [path] + (1...Int(rotations)).map({ "\(path).\($0)" }) {
            total += Self.lines(name).count
            let size = try FileManager.default.attributesOfItem(atPath: name)[.size] as? Int ?? 0
            #expect(size <= 40 * 1024, "\(name)")
        }
        #expect(total == count)
        // With keep 1 only PATH and PATH.1 remain.
        let kept = try Programs.run(Programs.product("dm-out"), ["--input", records, "--file", directory.file("k.json"),
                                                                 "--file-rotate-size", "40K", "--file-rotate-keep", "1"])
        #expect(kept.status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.file("k.json.1")))
        #expect(!FileManager.default.fileExists(atPath: directory.file("k.json.2")))
    }

    @Test("a full disk and a closed standard output: lines count as failed, one warning, exit 1; a closed pipe ends quietly")
    func failingDestinations() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let full = try Programs.run(Programs.product("dm-out"), ["--input", records, "--file", "/dev/full"])
        #expect(full.status == 1)
        #expect(full.standardError.contains("dm-out: file: write to /dev/full: No space left on device"), "\(full.standardError)")
        #expect(Self.counter("file_written", in: full.standardError) == 0)
        #expect(Self.counter("file_failed", in: full.standardError) == UInt64(count))
        #expect(full.standardError.contains("dm-out: \(count) records were not delivered (file_failed=\(count))"), "\(full.standardError)")
        let standardOutput = try Programs.shell("\(Programs.product("dm-out")) --input \(records) > /dev/full")
        #expect(standardOutput.status == 1)
        #expect(Self.counter("stdout_written", in: standardOutput.standardError) == 0)
        #expect(Self.counter("stdout_failed", in: standardOutput.standardError) == UInt64(count))
        #expect(standardOutput.standardError.components(separatedBy: "No space left on device").count == 2, "one warning: \(standardOutput.standardError)")
        let closed = try Programs.shell("\(Programs.product("dm-out")) --input \(records) >&-")
        #expect(closed.status == 1)
        #expect(closed.standardError.contains("Bad file descriptor"), "\(closed.standardError)")
        #expect(Self.counter("stdout_failed", in: closed.standardError) == UInt64(count))
        // More than the 1 MiB pipe dm-out asks for, so it is still writing when head leaves.
        let many = directory.file("many.dmr")
        try StreamFiles.writeBytes(Array(repeating: try StreamFiles.bytes(records), count: 12).flatMap { $0 }, to: many)
        let pipe = try Programs.shell("set -o pipefail; \(Programs.product("dm-out")) --input \(many) | head -1 > /dev/null")
        #expect(pipe.status == 141, "\(pipe.standardError)")
        #expect(pipe.standardError.isEmpty, "a closed pipe ends quietly: \(pipe.standardError)")
    }

    @Test("a disk that fills mid-run: written counts exactly the whole lines in the file, the cut one and the rest are failed")
    func diskFillsMidRun() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let many = directory.file("many.dmr")
        try StreamFiles.writeBytes(Array(repeating: try StreamFiles.bytes(records), count: 10).flatMap { $0 }, to: many)
        let disk = directory.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: false)
        let mount = try Programs.shell("mount -t tmpfs -o size=1m dm-out-test \(disk)")
        try #require(mount.status == 0, "a 1 MiB tmpfs is needed (the tests run as root): \(mount.standardError)")
        defer { _ = try? Programs.shell("umount \(disk)") }
        let result = try Programs.run(Programs.product("dm-out"), ["--input", many, "--file", disk + "/out.json"])
        #expect(result.status == 1)
        let bytes = try StreamFiles.bytes(disk + "/out.json")
        let wholeLines = bytes.filter { $0 == 0x0A }.count
        let written = try #require(Self.counter("file_written", in: result.standardError))
        let failed = try #require(Self.counter("file_failed", in: result.standardError))
        #expect(wholeLines > 0 && wholeLines < 10 * count, "the disk fills after some lines: \(wholeLines)")
        #expect(written == UInt64(wholeLines))
        #expect(written + failed == UInt64(10 * count))
        #expect(bytes.last != 0x0A, "the disk filled inside a line, which is not counted")
        #expect(result.standardError.components(separatedBy: "No space left on device").count == 2, "one warning: \(result.standardError)")
    }

    @Test("a DNS record with a broken layout is counted and skipped; PACKET records get one hint")
    func brokenAndForeignRecords() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let items = try StreamFiles.read(records)
        let broken = directory.file("broken.dmr")
        var dnsSeen = 0
        try StreamFiles.write(broken) { writer in
            for item in items {
                guard case .record(let type, let flags, let body) = item else {
                    if case .header(let header) = item { try writer.writeHeader(header) }
                    continue
                }
                if type == 2 { dnsSeen += 1 }
                // Every 100th DNS record loses the end of its body: its layout no longer adds up.
                let kept = type == 2 && dnsSeen % 100 == 0 ? Array(body.prefix(10)) : body
                try writer.writeRecord(type: RecordType(rawValue: type), flags: flags, body: kept)
            }
        }
        let result = try Programs.run(Programs.product("dm-out"), ["--input", broken], output: directory.file("out.json"))
        #expect(result.status == 0, "\(result.standardError)")
        let brokenCount = count / 100
        #expect(Self.lines(directory.file("out.json")).count == count - brokenCount)
        #expect(Self.counter("invalid_records", in: result.standardError) == UInt64(brokenCount))
        #expect(Self.counter("stdout_written", in: result.standardError) == UInt64(count - brokenCount))
        #expect(result.standardError.components(separatedBy: "broken layout").count == 2, "one warning: \(result.standardError)")

        let packets = try Programs.shell("""
            \(Programs.product("dm-capture")) --pcap \(Programs.packageRoot)/examples/sample.pcap 2>/dev/null \
            | \(Programs.product("dm-out")) > \(directory.file("packets.out"))
            """)
        #expect(packets.status == 0)
        #expect(try StreamFiles.bytes(directory.file("packets.out")).isEmpty)
        #expect(packets.standardError.components(separatedBy: "put dm-parse in between").count == 2, "one hint: \(packets.standardError)")
    }

    @Test("output types 2–4 without dm-filter's marks: type 2 writes all, type 3 skips all and says why")
    func unmarkedRecords() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let skipType = try Programs.run(Programs.product("dm-out"), ["--input", records, "--stdout-type", "2"])
        #expect(Self.counter("stdout_written", in: skipType.standardError) == UInt64(count))
        let allowType = try Programs.run(Programs.product("dm-out"), ["--input", records, "--stdout-type", "3"],
                                         output: directory.file("none"))
        #expect(Self.counter("stdout_skipped", in: allowType.standardError) == UInt64(count))
        #expect(Self.lines(directory.file("none")).isEmpty)
        #expect(allowType.standardError.contains("records were not checked against domain lists"))
        let bad = try Programs.run(Programs.product("dm-out"), ["--stdout-type", "5"])
        #expect(bad.status != 0 && bad.standardError.contains("--stdout-type"), "\(bad.standardError)")
    }

    @Test("dm-filter --tag-only marks records and dm-out's output types 2, 3 and 4 choose by the marks")
    func outputTypesFromFilterMarks() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let all = try Programs.run(Programs.product("dm-out"), ["--input", records], output: directory.file("all"))
        #expect(all.status == 0)
        let lines = Self.lines(directory.file("all"))
        #expect(lines.count == count)
        func name(_ line: String) -> String {
            guard let range = line.range(of: "\"Question\":[{\"Name\":\"") else { return "" }
            return String(line[range.upperBound...].prefix { $0 != "\"" })
        }
        // Skip ten names exactly; allow everything under com. (label-aware suffix).
        var skipped = Set<String>()
        for line in lines where skipped.count < 10 && !name(line).isEmpty { skipped.insert(name(line)) }
        #expect(skipped.count == 10)
        try skipped.map { "\($0),fqdn" }.joined(separator: "\n").write(toFile: directory.file("skip.csv"), atomically: true, encoding: .utf8)
        try "com.,suffix\n".write(toFile: directory.file("allow.csv"), atomically: true, encoding: .utf8)
        let tagged = try Programs.run(Programs.product("dm-filter"), [
            "--input", records, "--tag-only", "--skip-domains", directory.file("skip.csv"), "--allow-domains", directory.file("allow.csv"),
        ], output: directory.file("tagged"))
        #expect(tagged.status == 0, "\(tagged.standardError)")
        let isSkipped = { (line: String) in skipped.contains(name(line)) }
        let isAllowed = { (line: String) in name(line).hasSuffix(".com.") }
        for (type, keep) in [(2, { !isSkipped($0) }), (3, { isAllowed($0) }), (4, { !isSkipped($0) && isAllowed($0) })] as [(Int, (String) -> Bool)] {
            let result = try Programs.run(Programs.product("dm-out"), ["--input", directory.file("tagged"), "--stdout-type", String(type)],
                                          output: directory.file("type\(type)"))
            #expect(result.status == 0, "\(result.standardError)")
            let expected = lines.filter(keep)
            #expect(Self.lines(directory.file("type\(type)")) == expected, "type \(type)")
            #expect(Self.counter("stdout_skipped", in: result.standardError) == UInt64(count - expected.count), "type \(type)")
            #expect(!result.standardError.contains("not checked"), "marked records give no warning")
        }
        #expect(lines.filter(isSkipped).count >= 10 && lines.filter(isAllowed).count > 0, "the lists match something")
    }

    @Test("--stats-out carries the pipeline's STATS and dm-out's own, whose counters add up")
    func statsOut() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let result = try Programs.run(Programs.product("dm-out"), [
            "--input", records, "--stats-out", directory.file("stats.dmr"), "--file", directory.file("x.json"), "--stdout-type", "0",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let stats = try StreamFiles.read(directory.file("stats.dmr")).compactMap { item -> StatsRecord? in
            guard case .record(3, _, let body) = item else { return nil }
            return try body.withByteView { try StatsRecord(body: $0) }
        }
        #expect(stats.map(\.stage) == ["dm-capture", "dm-parse", "dm-out"])
        let own = try #require(stats.last)
        #expect(own.kind == .final)
        #expect(own[counter: "dns_records"] == UInt64(count))
        #expect(own[counter: "file_written"] == UInt64(count))
        #expect(own[counter: "stats_records"] == 2)
        #expect(stats[1][counter: "dns_out"] == UInt64(count), "dm-parse's count reaches the end of the pipeline")
        #expect(Self.lines(directory.file("x.json")).count == count)
    }

    /// A real rsyslog on a free port, writing every raw message to a file (../shared/servers/rsyslog.sh).
    final class Rsyslog {
        let directory: TemporaryDirectory
        let port: Int
        var rawLog: String { self.directory.file("raw.log") }
        static let script = Programs.packageRoot + "/../shared/servers/rsyslog.sh"

        init() throws {
            self.directory = try TemporaryDirectory()
            self.port = 20000 + Int(getpid() % 20000)
            let start = try Programs.shell("RS_DIR=\(self.directory.path) SYSLOG_PORT=\(self.port) bash \(Self.script) start")
            try #require(start.status == 0, "rsyslog did not start: \(start.standardError)")
        }

        deinit {
            _ = try? Programs.shell("RS_DIR=\(self.directory.path) SYSLOG_PORT=\(self.port) bash \(Self.script) stop")
        }

        /// Waits until the raw log holds `count` lines (rsyslog writes asynchronously).
        func lines(waitingFor count: Int) -> [String] {
            for _ in 0..<100 {
                let lines = DMOutTests.lines(self.rawLog)
                if lines.count >= count { return lines }
                usleep(50_000)
            }
            return DMOutTests.lines(self.rawLog)
        }
    }

    @Test("syslog into a real rsyslog: TCP with octet counting and with newlines, and UDP; every message arrives intact")
    func syslogToRsyslog() throws {
        try #require(FileManager.default.fileExists(atPath: Rsyslog.script), "the shared server scripts are missing")
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let fewDirectory = try TemporaryDirectory()
        let (fewRecords, fewCount) = try Self.sampleRecords(in: fewDirectory, packetLimit: 60)
        let expected = try Programs.run(Programs.product("dm-out"), ["--input", records], output: directory.file("expected"))
        #expect(expected.status == 0)
        let json = Self.lines(directory.file("expected"))
        let server = try Rsyslog()
        var total = 0
        for (arguments, sent) in [(["--syslog", "tcp://127.0.0.1:\(server.port)"], count),
                                  (["--syslog", "tcp://127.0.0.1:\(server.port)", "--syslog-header", "rfc5424"], count),
                                  (["--syslog", "tcp://127.0.0.1:\(server.port)", "--syslog-framing", "newline", "--syslog-header", "rfc3164"], count),
                                  (["--syslog", "udp://127.0.0.1:\(server.port)"], fewCount)] {
            let input = sent == count ? records : fewRecords
            let result = try Programs.run(Programs.product("dm-out"), ["--input", input] + arguments)
            #expect(result.status == 0, "\(result.standardError)")
            #expect(Self.counter("syslog_written", in: result.standardError) == UInt64(sent), "\(arguments): \(result.standardError)")
            total += sent
            let received = server.lines(waitingFor: total)
            #expect(received.count == total, "\(arguments)")
            // Each message is the header, then exactly the JSON line standard output gets.
            let bodies = received.suffix(sent).map { line -> String in
                guard let brace = line.firstIndex(of: "{") else { return line }
                return String(line[brace...])
            }
            #expect(bodies == Array(json.prefix(sent)), "\(arguments)")
            let header = received.last.map { String($0.prefix { $0 != "{" }) } ?? ""
            let prefix = arguments.contains("rfc3164") ? "<134>" : arguments.contains("rfc5424") ? "<134>1 " : "<9>"
            #expect(header.hasPrefix(prefix), "\(header)")
        }
        // rsyslog reads dnsmonster's header as dnsmonster's users see it: user.alert, tag default[PID].
        let parsed = DMOutTests.lines(server.directory.file("parsed.log"))
        #expect(parsed.first?.contains("pri=9 fac=user sev=alert") == true, "\(parsed.first ?? "")")
        #expect(parsed.first?.contains(" tag=default[") == true, "\(parsed.first ?? "")")
    }

    /// The bytes dnsmonster v1.2.5 sent for examples/sample.pcap (../shared/reference/sinks/
    /// syslog-tcp and syslog-udp), with the time, host name and PID masked, against what dm-out
    /// sends by default to a raw listener.
    @Test("syslog by default: byte for byte what dnsmonster sends, over TCP (LF-framed) and UDP", arguments: ["tcp", "udp"])
    func syslogAsDNSMonsterSendsIt(transport: String) throws {
        let reference = Programs.packageRoot + "/../shared/reference/sinks/syslog-\(transport)/received"
        try #require(FileManager.default.fileExists(atPath: reference), "the shared reference recordings are missing")
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let port = 30000 + Int(getpid() % 20000)
        let listener = """
            import socket, sys, struct
            kind, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
            family = socket.SOCK_STREAM if kind == 'tcp' else socket.SOCK_DGRAM
            s = socket.socket(socket.AF_INET, family)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            # 400 datagrams can arrive faster than this script reads them: room for all.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
            s.bind(('127.0.0.1', port))
            data = b''
            if kind == 'tcp':
                s.listen(1)
                open(out + '.ready', 'w').close()
                c, _ = s.accept()
                while True:
                    chunk = c.recv(65536)
                    if not chunk: break
                    data += chunk
            else:
                open(out + '.ready', 'w').close()
                # The first datagram may take a while (a busy machine); after it, a quiet second ends.
                s.settimeout(60)
                try:
                    while True:
                        datagram = s.recv(65536)
                        data += struct.pack('<I', len(datagram)) + datagram
                        s.settimeout(1)
                except socket.timeout:
                    pass
            open(out, 'wb').write(data)
            """
        try listener.write(toFile: directory.file("listener.py"), atomically: false, encoding: .utf8)
        let received = directory.file("received")
        let run = try Programs.shell("""
            python3 \(directory.file("listener.py")) \(transport) \(port) \(received) & listener=$!
            for i in $(seq 100); do [ -f \(received).ready ] && break; sleep 0.05; done
            \(Programs.product("dm-out")) --input \(records) --syslog \(transport)://127.0.0.1:\(port) || exit 1
            wait $listener
            """)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(Self.counter("syslog_written", in: run.standardError) == UInt64(count), "\(run.standardError)")

        /// The messages of a recording: TCP's stream split after each newline, UDP's datagrams.
        func messages(_ bytes: [UInt8], datagrams: Bool) -> [String] {
            var messages: [[UInt8]] = []
            if datagrams {
                var offset = 0
                while offset + 4 <= bytes.count {
                    let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
                    messages.append(Array(bytes[(offset + 4)..<(offset + 4 + length)]))
                    offset += 4 + length
                }
            } else {
                var start = 0
                for (index, byte) in bytes.enumerated() where byte == 0x0A {
                    messages.append(Array(bytes[start...index]))
                    start = index + 1
                }
                if start < bytes.count { messages.append(Array(bytes[start...])) }
            }
            return messages.map { message in
                let text = String(decoding: message, as: UTF8.self)
                return text.replacingOccurrences(
                    of: #"^<9>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S+ default\[\d+\]: "#, with: "<9>TIME HOST default[PID]: ",
                    options: .regularExpression)
            }
        }
        let ours = messages(try StreamFiles.bytes(received), datagrams: transport == "udp")
        let theirs: [String]
        if transport == "tcp" {
            theirs = messages(try StreamFiles.bytes(reference + "/conn-001.bin"), datagrams: false)
        } else {
            // rawsink's all.bin holds the datagrams back to back; index.tsv their lengths.
            let lengths = try String(contentsOfFile: reference + "/index.tsv", encoding: .utf8).split(separator: "\n").dropFirst()
                .compactMap { Int($0.split(separator: "\t").last ?? "") }
            var framed: [UInt8] = []
            let all = try StreamFiles.bytes(reference + "/all.bin")
            var offset = 0
            for length in lengths {
                framed += withUnsafeBytes(of: UInt32(length).littleEndian, Array.init) + all[offset..<(offset + length)]
                offset += length
            }
            theirs = messages(framed, datagrams: true)
        }
        #expect(theirs.count == count && ours.count == count)
        #expect(ours.allSatisfy { $0.hasPrefix("<9>TIME HOST default[PID]: {") && $0.hasSuffix("}\n") }, "\(ours.first ?? "")")
        // dnsmonster leaves the ports of DNS over TCP at 0 (so out of its JSON); dm-parse keeps
        // them, the one field this comparison leaves aside (README, "Differences").
        let withoutTCPPorts = ours.map { message in
            message.contains("\"Protocol\":\"tcp\"")
                ? message.replacingOccurrences(of: #""(Src|Dst)Port":\d+,"#, with: "", options: .regularExpression) : message
        }
        let differing = zip(withoutTCPPorts.sorted(), theirs.sorted()).filter { $0 != $1 }
        #expect(differing.count == 0, "messages differ, first: \(differing.first.map { "\($0)\n\($1)" } ?? "")")
    }

    @Test("a syslog server that is down, over TCP and UDP: every record counts as failed, one warning, exit 1")
    func syslogDown() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let result = try Programs.run(Programs.product("dm-out"), ["--input", records, "--syslog", "tcp://127.0.0.1:9"])
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("\(count) records were not delivered (syslog_failed=\(count))"), "\(result.standardError)")
        #expect(Self.counter("syslog_failed", in: result.standardError) == UInt64(count))
        #expect(Self.counter("syslog_written", in: result.standardError) == 0)
        #expect(result.standardError.components(separatedBy: "Connection refused").count == 2, "one warning: \(result.standardError)")

        // UDP to a closed port: each refusal (reported on a later send) marks a datagram failed.
        let udp = try Programs.run(Programs.product("dm-out"), ["--input", records, "--syslog", "udp://127.0.0.1:9"])
        #expect(udp.status == 1, "\(udp.standardError)")
        #expect(Self.counter("syslog_failed", in: udp.standardError) == UInt64(count), "\(udp.standardError)")
        #expect(Self.counter("syslog_written", in: udp.standardError) == 0, "\(udp.standardError)")
        #expect(udp.standardError.components(separatedBy: "Connection refused").count == 2, "one warning: \(udp.standardError)")
    }

    @Test("--format csv: the header once per sink, standard output and file alike, then one row per record")
    func csvHeaderOncePerSink() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let path = directory.file("dns.csv")
        let result = try Programs.run(Programs.product("dm-out"), ["--input", records, "--format", "csv", "--stdout", "--file", path,
                                                                   "--server-name", "probe1"], output: directory.file("out.csv"))
        #expect(result.status == 0, "\(result.standardError)")
        let header = DNSMonsterCSV.header.description
        for lines in [Self.lines(directory.file("out.csv")), Self.lines(path)] {
            #expect(lines.first == header)
            #expect(lines.filter { $0 == header }.count == 1)
            #expect(lines.count == count + 1)
            #expect(lines.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 22 && $0.contains(",probe1,") })
        }
        #expect(Self.counter("stdout_written", in: result.standardError) == UInt64(count))
        #expect(Self.counter("no_line", in: result.standardError) == 0)
        // csv_no_header: the rows alone.
        let bare = try Programs.run(Programs.product("dm-out"), ["--input", records, "--format", "csv_no_header"], output: directory.file("bare.csv"))
        #expect(bare.status == 0)
        #expect(Self.lines(directory.file("bare.csv")) == Array(Self.lines(path).dropFirst()).map { $0.replacingOccurrences(of: ",probe1,", with: ",default,") })
    }

    @Test("--stdout-format csv --file-format json in one run: each sink in its own format")
    func formatPerSink() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let path = directory.file("dns.json")
        let result = try Programs.run(Programs.product("dm-out"), ["--input", records, "--stdout", "--stdout-format", "csv",
                                                                   "--file", path, "--file-format", "json"], output: directory.file("out.csv"))
        #expect(result.status == 0, "\(result.standardError)")
        let csv = Self.lines(directory.file("out.csv")), json = Self.lines(path)
        #expect(csv.count == count + 1 && csv.first == DNSMonsterCSV.header.description)
        #expect(json.count == count && json.allSatisfy { $0.hasPrefix("{\"Timestamp\":") })
    }

    @Test("--format gotemplate --template, and a template error at start-up")
    func goTemplate() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let result = try Programs.run(Programs.product("dm-out"), [
            "--input", records, "--format", "gotemplate",
            "--template", "{{.DNS.Id}} {{.Protocol}} {{(index .DNS.Question 0).Name}} {{len .DNS.Answer}}{{range .DNS.Answer}} {{.Hdr.Rrtype}}{{end}}",
        ], output: directory.file("out.txt"))
        #expect(result.status == 0, "\(result.standardError)")
        let lines = Self.lines(directory.file("out.txt"))
        #expect(lines.count == count)
        for line in lines {
            let words = line.split(separator: " ")
            #expect(words.count >= 4 && UInt16(words[0]) != nil && ["udp", "tcp"].contains(words[1]) && words[2].hasSuffix("."), "\(line)")
            #expect(Int(words[3]) == words.count - 4, "\(line)")
        }
        let refused = try Programs.run(Programs.product("dm-out"), ["--input", records, "--format", "gotemplate", "--template", "x {{template \"t\"}}"])
        #expect(refused.status == 64)
        #expect(refused.standardError.contains("{{template}} is not supported at line 1, column 5"), "\(refused.standardError)")
    }

    @Test("--format text: one readable line per record of sample.pcap")
    func textFormat() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try Self.sampleRecords(in: directory)
        let result = try Programs.run(Programs.product("dm-out"), ["--input", records, "--format", "text"], output: directory.file("out.txt"))
        #expect(result.status == 0, "\(result.standardError)")
        let lines = Self.lines(directory.file("out.txt"))
        #expect(lines.count == count)
        let pattern = try Regex(#"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (udp|tcp) \S+ > \S+ id \d+ (query|response [A-Z0-9]+)( opcode \S+)?( tc)?( do)? (\S+ \S+ \S+|no question)"#)
        for line in lines { #expect(line.contains(pattern), "\(line)") }
        #expect(lines.contains { $0.contains(" response NOERROR ") && $0.contains(": ") })
    }
}
