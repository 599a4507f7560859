import DMBytes
import DMRecord
import DMStage
import DMSystem
import DMTestSupport
import Foundation
import Testing

/// Domain lists reloaded while records flow: file changes, SIGHUP, periodic refresh over
/// HTTP, failed reloads; and never a record matched against a half-loaded list.
@Suite("dm-filter list reloads", .serialized)
struct FilterReloadTests {
    typealias F = FilterFixtures

    /// A list of `count` suffix entries `PREFIX<i>.test`: big enough that loading takes a while.
    static func bigList(_ prefix: String, count: Int = 100_000) -> [UInt8] {
        var text = ""
        text.reserveCapacity(count * 20)
        for index in 0..<count { text += "\(prefix)\(index).test,suffix\n" }
        return Array(text.utf8)
    }

    /// Names matched by the first and the last entries of list A and of list B.
    static let probeNames = ["q.a0.test", "q.a99999.test", "q.b0.test", "q.b99999.test"]

    /// One round of the four probe names, times counting up.
    final class Probe {
        var time = F.t0
        func batch() -> [DNSRecord] {
            FilterReloadTests.probeNames.map { name in
                self.time += 1000
                return F.record(name, time: self.time)
            }
        }
    }

    /// Which list version each output record was matched against — "A" or "B" — checking that
    /// it agrees with one whole version (first and last entries alike) and that versions only
    /// ever move forward. Returns the sequence of versions.
    static func versions(_ records: [DNSRecord], sourceLocation: SourceLocation = #_sourceLocation) -> [Character] {
        var versions: [Character] = []
        for record in records {
            #expect(record.metadata.matchFlags.contains(.evaluated), sourceLocation: sourceLocation)
            let text = String(decoding: record.message, as: UTF8.self)
            let isA = text.contains("\u{2}a0") || text.contains("\u{6}a99999")
            let skipped = record.metadata.matchFlags.contains(.skipMatch)
            // A-names match only under A, B-names only under B.
            let version: Character = (isA == skipped) ? "A" : "B"
            if let last = versions.last, last == "B", version == "A" {
                Issue.record("record \(versions.count) (\(text.filter(\.isLetter))) was matched against list A after list B was in force: a half-loaded or reverted list", sourceLocation: sourceLocation)
                break
            }
            versions.append(version)
        }
        return versions
    }

    @Test("a list file replaced while records flow is picked up; every record sees one whole version")
    func fileReplaced() throws {
        let directory = try TemporaryDirectory()
        let listPath = directory.file("skip.csv")
        try StreamFiles.writeBytes(Self.bigList("a"), to: listPath)
        let filter = try FlowingFilter(["--skip-domains", listPath, "--tag-only", "--refresh", "0"], directory: directory)
        #expect(filter.waitForLog("skip list: 100000 entries"))
        let probe = Probe()
        try filter.keepSending(seconds: 0.3, probe.batch)
        // Replace the file the usual way: write elsewhere, rename over it.
        try StreamFiles.writeBytes(Self.bigList("b"), to: directory.file("skip.csv.new"))
        #expect(rename(directory.file("skip.csv.new"), listPath) == 0)
        let picked = try filter.waitForLog("(file changed)", whileSending: { try filter.send(probe.batch()) })
        #expect(picked, "\(filter.standardError)")
        try filter.keepSending(seconds: 0.3, probe.batch)
        let (records, stats, _) = try filter.finish()
        let versions = Self.versions(try F.dnsRecords(records))
        #expect(versions.first == "A")
        #expect(versions.last == "B")
        #expect(stats[counter: "skip_list_loads"] == 2)
        #expect(stats[counter: "skip_list_failures"] == 0)
        F.expectBalanced(stats)
    }

    @Test("a list file rewritten in place is read once it stops changing; a vanished file keeps the old list")
    func fileRewrittenAndRemoved() throws {
        let directory = try TemporaryDirectory()
        let listPath = directory.file("skip.csv")
        try StreamFiles.writeBytes(Array("one.test,suffix\n".utf8), to: listPath)
        let filter = try FlowingFilter(["--skip-domains", listPath, "--tag-only"], directory: directory)
        #expect(filter.waitForLog("skip list: 1 entries"))
        try filter.send([F.record("x.one.test", time: F.t0), F.record("x.two.test", time: F.t0 + 1)])
        // In place, in two writes 30 ms apart (a slow writer).
        let fd = open(listPath, O_WRONLY | O_TRUNC)
        let first = Array("two.test,suffix\n".utf8)
        let second = Array("three.test,suffix\n".utf8)
        _ = first.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        Thread.sleep(forTimeInterval: 0.03)
        _ = second.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        #expect(filter.waitForLog("(file changed)"), "\(filter.standardError)")
        try filter.send([F.record("x.one.test", time: F.t0 + 2), F.record("x.two.test", time: F.t0 + 3), F.record("x.three.test", time: F.t0 + 4)])
        // Remove the file: the reload fails, says why, and the list stays.
        #expect(unlink(listPath) == 0)
        #expect(filter.waitForLog("reload (file disappeared) failed: \(listPath): No such file or directory; keeping the previous list (2 entries)"), "\(filter.standardError)")
        try filter.send([F.record("x.two.test", time: F.t0 + 5)])
        let (records, stats, standardError) = try filter.finish()
        let skipped = try F.dnsRecords(records).map { $0.metadata.matchFlags.contains(.skipMatch) }
        #expect(skipped == [true, false, false, true, true, true])
        #expect(stats[counter: "skip_list_loads"] == 2, "\(standardError)")
        #expect(stats[counter: "skip_list_failures"] == 1)
        #expect(stats[counter: "skip_list_entries"] == 2)
    }

    // MARK: HTTP

    /// A free TCP port on 127.0.0.1 (bound, read, released).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw SystemError.current("bind", "127.0.0.1:0") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Whether something accepts connections on 127.0.0.1:`port`.
    static func accepts(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// `python3 -m http.server` serving `directory` on 127.0.0.1, stopped when the value goes away.
    final class HTTPServer {
        let child: ChildProcess
        let port: UInt16

        init(serving directory: String) throws {
            self.port = try FilterReloadTests.freePort()
            let null = open("/dev/null", O_RDWR | O_CLOEXEC)
            defer { close(null) }
            self.child = try ChildProcess(
                "/usr/bin/env", ["python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", directory, String(self.port)],
                standardInput: null, standardOutput: null, standardError: null)
            let deadline = Date().addingTimeInterval(20)
            while !FilterReloadTests.accepts(self.port) {
                guard Date() < deadline else { throw StageError.invalidOption(flag: "http.server", reason: "did not start") }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }

        func url(_ file: String) -> String { "http://127.0.0.1:\(self.port)/\(file)" }

        deinit {
            self.child.signal(SIGTERM)
            self.child.wait()
        }
    }

    /// List A as `skip.csv` in a folder `www` of `directory`, served over HTTP.
    static func serveListA(in directory: TemporaryDirectory) throws -> (served: String, server: HTTPServer) {
        let served = directory.file("www")
        #expect(mkdir(served, 0o755) == 0)
        try StreamFiles.writeBytes(Self.bigList("a"), to: served + "/skip.csv")
        return (served, try HTTPServer(serving: served))
    }

    @Test("a list served over HTTP: loaded at start, reloaded on SIGHUP while records flow, a 404 keeps the old list")
    func httpWithSIGHUP() throws {
        let directory = try TemporaryDirectory()
        let (served, server) = try Self.serveListA(in: directory)
        let filter = try FlowingFilter(["--skip-domains", server.url("skip.csv"), "--tag-only", "--refresh", "0"], directory: directory)
        #expect(filter.waitForLog("skip list: 100000 entries"), "\(filter.standardError)")
        let probe = Probe()
        try filter.keepSending(seconds: 0.3, probe.batch)
        try StreamFiles.writeBytes(Self.bigList("b"), to: served + "/skip.csv.new")
        #expect(rename(served + "/skip.csv.new", served + "/skip.csv") == 0)
        // Nothing happens until SIGHUP: the URL is not watched and --refresh 0.
        try filter.keepSending(seconds: 0.3, probe.batch)
        filter.child.signal(SIGHUP)
        #expect(try filter.waitForLog("(SIGHUP)", whileSending: { try filter.send(probe.batch()) }), "\(filter.standardError)")
        try filter.keepSending(seconds: 0.2, probe.batch)
        // The list disappears from the server: the reload fails and the old list stays.
        #expect(unlink(served + "/skip.csv") == 0)
        filter.child.signal(SIGHUP)
        #expect(try filter.waitForLog("reload (SIGHUP) failed: \(server.url("skip.csv")): HTTP status 404; keeping the previous list (100000 entries)",
            whileSending: { try filter.send(probe.batch()) }), "\(filter.standardError)")
        try filter.keepSending(seconds: 0.2, probe.batch)
        let (records, stats, _) = try filter.finish()
        let versions = Self.versions(try F.dnsRecords(records))
        #expect(versions.first == "A")
        #expect(versions.last == "B")
        #expect(versions.filter { $0 == "A" }.count >= 4 * 10, "A was in force until SIGHUP")
        #expect(stats[counter: "skip_list_loads"] == 2)
        #expect(stats[counter: "skip_list_failures"] == 1)
    }

    @Test("--refresh reloads a served list periodically")
    func httpRefresh() throws {
        let directory = try TemporaryDirectory()
        let served = directory.file("www")
        #expect(mkdir(served, 0o755) == 0)
        try StreamFiles.writeBytes(Array("one.test,suffix\n".utf8), to: served + "/allow.csv")
        let server = try HTTPServer(serving: served)
        let filter = try FlowingFilter(["--allow-domains", server.url("allow.csv"), "--refresh", "300ms"], directory: directory)
        #expect(filter.waitForLog("allow list: 1 entries"), "\(filter.standardError)")
        try filter.send([F.record("x.one.test", time: F.t0), F.record("x.two.test", time: F.t0 + 1)])
        let refreshesBefore = filter.standardError.components(separatedBy: "(refresh)").count - 1
        try StreamFiles.writeBytes(Array("two.test,suffix\n".utf8), to: served + "/allow.csv.new")
        #expect(rename(served + "/allow.csv.new", served + "/allow.csv") == 0)
        // Periodic reloads log each time; wait until one has certainly started after the rename.
        #expect(filter.waitForLog("(refresh)", count: refreshesBefore + 2), "\(filter.standardError)")
        try filter.send([F.record("x.one.test", time: F.t0 + 2), F.record("x.two.test", time: F.t0 + 3)])
        let (records, stats, _) = try filter.finish()
        let names = try F.dnsRecords(records).map { String(decoding: $0.message[15..<18], as: UTF8.self) }
        #expect(names == ["one", "two"])  // allow list: one.test first, then two.test
        #expect(stats[counter: "allow_missed"] == 2)
        #expect(stats[counter: "allow_list_loads"]! >= 3)
    }

    /// A listener on 127.0.0.1:`port` that accepts connections and never answers.
    final class SilentServer {
        let child: ChildProcess

        init(port: UInt16) throws {
            let null = open("/dev/null", O_RDWR | O_CLOEXEC)
            defer { close(null) }
            let script = """
                import socket, sys
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(16)
                held = []
                while True:
                    held.append(s.accept()[0])
                """
            self.child = try ChildProcess(
                "/usr/bin/env", ["python3", "-c", script, String(port)], standardInput: null, standardOutput: null, standardError: null)
            let deadline = Date().addingTimeInterval(20)
            while !FilterReloadTests.accepts(port) {
                guard Date() < deadline else { throw StageError.invalidOption(flag: "silent server", reason: "did not start") }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }

        deinit {
            self.child.signal(SIGTERM)
            self.child.wait()
        }
    }

    /// CPU seconds (user + system) `pid` has used so far, from /proc.
    static func cpuSeconds(_ pid: pid_t) throws -> Double {
        let fields = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8).split(separator: ")").last!.split(separator: " ")
        // After the command name: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
        return (Double(fields[11])! + Double(fields[12])!) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    @Test("a list URL that accepts and never answers: a clear fatal error at start, no busy waiting")
    func silentServerAtStart() throws {
        let port = try Self.freePort()
        let server = try SilentServer(port: port)
        let url = "http://127.0.0.1:\(port)/skip.csv"
        let directory = try TemporaryDirectory()
        // bash's `times` prints the CPU time of the shell, then of its finished children.
        let result = try Programs.run("/bin/bash", ["-c", """
            \(Programs.product("dm-filter")) --skip-domains \(url) --list-timeout 1s < /dev/null > /dev/null; echo "status $?"; times
            """], output: directory.file("out"))
        withExtendedLifetime(server) {}
        #expect(result.standardError.contains("dm-filter: \(url): no answer within 1 s"), "\(result.standardError)")
        let lines = DMOutTests.lines(directory.file("out"))
        #expect(lines.first == "status 1", "\(lines)")
        // "0m0.030s 0m0.010s": the children's user and system time.
        let seconds = (lines.last ?? "").split(separator: " ").map { part -> Double in
            let minutes = part.split(separator: "m")
            return (Double(minutes.first ?? "") ?? 99) * 60 + (Double(minutes.last?.dropLast() ?? "") ?? 99)
        }
        #expect(seconds.count == 2 && seconds.reduce(0, +) < 0.5, "CPU while waiting 1 s for nothing: \(lines)")
    }

    @Test("a reload from a URL that stops answering keeps the previous list, warns, and costs no CPU while waiting")
    func silentServerOnReload() throws {
        let directory = try TemporaryDirectory()
        var server: HTTPServer? = try Self.serveListA(in: directory).server
        let port = server!.port
        let url = server!.url("skip.csv")
        let filter = try FlowingFilter(["--skip-domains", url, "--tag-only", "--refresh", "0", "--list-timeout", "2s"], directory: directory)
        #expect(filter.waitForLog("skip list: 100000 entries"), "\(filter.standardError)")
        server = nil
        let silent = try SilentServer(port: port)
        let before = try Self.cpuSeconds(filter.child.pid)
        filter.child.signal(SIGHUP)
        let probe = Probe()
        #expect(try filter.waitForLog("reload (SIGHUP) failed: \(url): no answer within 2 s", whileSending: {
            try filter.send(probe.batch())
            Thread.sleep(forTimeInterval: 0.1)
        }), "\(filter.standardError)")
        let spent = try Self.cpuSeconds(filter.child.pid) - before
        #expect(spent < 0.8, "dm-filter used \(spent) s of CPU over a 2 s wait (records were flowing meanwhile)")
        #expect(filter.standardError.contains("keeping the previous list (100000 entries)"), "\(filter.standardError)")
        withExtendedLifetime(silent) {}
        let (records, stats, _) = try filter.finish()
        #expect(Self.versions(try F.dnsRecords(records)).allSatisfy { $0 == "A" })
        #expect(stats[counter: "skip_list_failures"] == 1)
    }
}
