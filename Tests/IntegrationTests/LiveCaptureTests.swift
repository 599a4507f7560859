import DMBytes
import DMRecord
import DMTestSupport
import Foundation
import Testing

/// Live capture on the loopback interface (needs root or CAP_NET_RAW; CI runs as root).
@Suite("Live capture", .serialized, .enabled(if: geteuid() == 0, "live capture needs root (CI runs as root)"))
struct LiveCaptureTests {
    /// A running dm-capture with its output file and standard error.
    final class RunningCapture {
        let child: ChildProcess
        let output: String
        let errors: PipePair
        var errorText = ""

        init(_ arguments: [String], output: String, executable: String = Programs.product("dm-capture")) throws {
            self.output = output
            self.errors = try PipePair()
            let outputFD = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            defer { close(outputFD) }
            let nullFD = open("/dev/null", O_RDONLY)
            defer { close(nullFD) }
            self.child = try ChildProcess(
                executable, arguments, standardInput: nullFD, standardOutput: outputFD, standardError: self.errors.writeEnd)
            self.errors.closeWriteEnd()
        }

        /// Reads standard error until it contains `text` `times` times (true) or 10 s pass (false).
        func waitFor(_ text: String, times: Int = 1) -> Bool {
            let deadline = Date().addingTimeInterval(10)
            var chunk = [UInt8](repeating: 0, count: 4096)
            func seen() -> Int { self.errorText.components(separatedBy: text).count - 1 }
            while seen() < times, Date() < deadline {
                var descriptor = pollfd(fd: self.errors.readEnd, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptor, 1, 200) > 0 else { continue }
                let count = chunk.withUnsafeMutableBytes { read(self.errors.readEnd, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                self.errorText += String(decoding: chunk[0..<count], as: UTF8.self)
            }
            return seen() >= times
        }

        /// Stops the capture with SIGTERM, waits, and returns its exit and its PACKET payload markers.
        func stop() throws -> (status: (Int32, Bool), items: [OwnedItem]) {
            self.child.signal(SIGTERM)
            self.errorText += self.errors.readAll()
            let status = self.child.wait()
            return (status, try StreamFiles.read(self.output))
        }
    }

    /// Sends `count` UDP datagrams to 127.0.0.1:`port`, each from its own socket (its own flow)
    /// and carrying `marker-N`.
    static func send(count: Int, port: Int, marker: String) throws {
        let script = """
            import socket
            for i in range(\(count)):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.sendto(b'\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00' + b'\(marker)-%d' % i, ('127.0.0.1', \(port)))
                s.close()
            """
        let result = try Programs.run("/usr/bin/env", ["python3", "-c", script])
        #expect(result.status == 0, "\(result.standardError)")
    }

    /// Sends `count` DNS queries for `prefix-N` (type A) to 127.0.0.1:`port`, each from its
    /// own socket (its own flow).
    static func sendQueries(count: Int, port: Int, prefix: String) throws {
        let script = """
            import socket
            for i in range(\(count)):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                name = b'\(prefix)-%d' % i
                s.sendto(b'\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00' + bytes([len(name)]) + name + b'\\x00\\x00\\x01\\x00\\x01', ('127.0.0.1', \(port)))
                s.close()
            """
        let sent = try Programs.run("/usr/bin/env", ["python3", "-c", script])
        #expect(sent.status == 0, "\(sent.standardError)")
    }

    /// The `marker-N` strings found in the PACKET records.
    static func markers(_ items: [OwnedItem], _ marker: String) -> [String] {
        items.compactMap { item -> String? in
            guard case .record(1, _, let body) = item else { return nil }
            let text = String(decoding: body.map { $0 >= 32 && $0 < 127 ? $0 : 32 }, as: UTF8.self)
            guard let range = text.range(of: "\(marker)-[0-9]+", options: .regularExpression) else { return nil }
            return String(text[range])
        }
    }

    @Test("packets sent to a local UDP port arrive as PACKET records; root is dropped after opening")
    func captureOnLoopback() throws {
        let directory = try TemporaryDirectory()
        let port = 20000 + Int(getpid() % 10000)
        let capture = try RunningCapture(
            ["--iface", "lo", "--filter", "udp dst port \(port)", "--packet-limit", "25"], output: directory.file("out"))
        #expect(capture.waitFor("dropped root privileges: now running as nobody"), "\(capture.errorText)")
        try Self.send(count: 25, port: port, marker: "live")
        // --packet-limit ends the capture by itself.
        let status = capture.child.wait()
        capture.errorText += capture.errors.readAll()
        #expect(status == (0, false), "\(capture.errorText)")
        let items = try StreamFiles.read(directory.file("out"))
        #expect(Self.markers(items, "live") == (0..<25).map { "live-\($0)" })
        guard case .header(let header) = items.first else { Issue.record("no header"); return }
        #expect(header.entries.first == .source("iface:lo"))
        let (_, stats) = try StreamFiles.splitOwnStats(items, stage: "dm-capture")
        #expect(stats[counter: "packets_written"] == 25)
        #expect(stats[counter: "kernel_dropped"] == 0)
    }

    @Test("two processes in one fanout group together see every packet exactly once")
    func fanoutSplitsTraffic() throws {
        let directory = try TemporaryDirectory()
        let port = 30000 + Int(getpid() % 10000)
        let group = String(100 + getpid() % 1000)
        let arguments = ["--iface", "lo", "--filter", "udp dst port \(port)", "--fanout-group", group]
        let first = try RunningCapture(arguments, output: directory.file("a"))
        let second = try RunningCapture(arguments, output: directory.file("b"))
        #expect(first.waitFor("dropped root"), "\(first.errorText)")
        #expect(second.waitFor("dropped root"), "\(second.errorText)")
        try Self.send(count: 300, port: port, marker: "fan")
        // No pause is needed for correctness: on SIGTERM each capture drains what the kernel
        // already holds for it.
        let (statusA, itemsA) = try first.stop()
        let (statusB, itemsB) = try second.stop()
        #expect(statusA == (0, false) && statusB == (0, false), "\(first.errorText) \(second.errorText)")
        let a = Self.markers(itemsA, "fan"), b = Self.markers(itemsB, "fan")
        #expect(a.count > 0 && b.count > 0, "one process saw everything: \(a.count) + \(b.count)")
        #expect((a + b).sorted() == (0..<300).map { "fan-\($0)" }.sorted())
    }

    @Test("bin/dnsmonster on an interface: two lanes in one fanout group write every query once, as JSON")
    func dnsmonsterLanesOnLoopback() throws {
        let directory = try TemporaryDirectory()
        let port = 40000 + Int(getpid() % 10000)
        let capture = try RunningCapture(
            ["--devName", "lo", "--filter", "udp dst port \(port)", "--port", String(port), "--lanes", "2", "--stdoutOutputType=1", "--logLevel=4"],
            output: directory.file("out.json"), executable: Programs.product("dnsmonster"))
        // Both lanes' captures are open once both have dropped root.
        #expect(capture.waitFor("dropped root privileges", times: 2), "\(capture.errorText)")
        try Self.sendQueries(count: 300, port: port, prefix: "lane")
        // dnsmonster passes SIGTERM to both captures; each drains what the kernel holds, the rest follow.
        capture.child.signal(SIGTERM)
        capture.errorText += capture.errors.readAll()
        let status = capture.child.wait()
        #expect(status == (0, false), "\(capture.errorText)")
        let lines = try String(contentsOfFile: directory.file("out.json"), encoding: .utf8).split(separator: "\n")
        let names = lines.compactMap { line -> String? in
            guard let range = line.range(of: "\"Name\":\"lane-[0-9]+\\.\"", options: .regularExpression) else { return nil }
            return String(line[range].dropFirst(8).dropLast(2))
        }
        #expect(names.sorted() == (0..<300).map { "lane-\($0)" }.sorted(), "\(capture.errorText)")
        let parse = capture.errorText.split(separator: "\n").filter { $0.hasPrefix("dm-parse:") }
        #expect(parse.count == 2 && parse.allSatisfy { !$0.contains(" dns_out=0 ") }, "both lanes saw traffic: \(parse)")
    }

    @Test("live capture writes periodic STATS while it runs")
    func periodicStats() throws {
        let directory = try TemporaryDirectory()
        let capture = try RunningCapture(["--iface", "lo", "--filter", "udp dst port 9", "--stats-interval", "0.2"], output: directory.file("out"))
        #expect(capture.waitFor("dropped root"))
        Thread.sleep(forTimeInterval: 1.0)
        let (status, items) = try capture.stop()
        #expect(status == (0, false))
        let kinds = items.compactMap { item -> StatsRecord.Kind? in
            guard case .record(3, _, let body) = item else { return nil }
            return try? body.withByteView { try StatsRecord(body: $0) }.kind
        }
        #expect(kinds.filter { $0 == .periodic }.count >= 2, "\(kinds)")
        #expect(kinds.last == .final)
    }

    @Test("a missing device or a bad BPF filter is one clear error line", arguments: [
        (["--iface", "nosuchdev0"], "--iface nosuchdev0: cannot capture: No such device"),
        (["--iface", "lo", "--filter", "udp port"], "--filter: invalid BPF filter 'udp port'"),
        (["--iface", "lo", "--user", "nosuchuser"], "--user: no such user 'nosuchuser'"),
        (["--pcap", "x", "--iface", "lo"], "give exactly one of --input FILE, --iface DEV and --dnstap ADDRESS"),
    ])
    func badLiveOptions(arguments: [String], message: String) throws {
        let result = try Programs.run(Programs.product("dm-capture"), arguments, output: "/dev/null")
        #expect(result.status != 0)
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }
}
