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

    @Test("a list served over HTTP: loaded at start, reloaded on SIGHUP while records flow, a 404 keeps the old list")
    func httpWithSIGHUP() throws {
        let directory = try TemporaryDirectory()
        let served = directory.file("www")
        #expect(mkdir(served, 0o755) == 0)
        try StreamFiles.writeBytes(Self.bigList("a"), to: served + "/skip.csv")
        let server = try HTTPServer(serving: served)
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
}
