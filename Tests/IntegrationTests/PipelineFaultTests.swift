import DMTestSupport
import Foundation
import Synchronization
import Testing

/// bin/dnsmonster run as an operator runs it, on the loopback interface: logrotate's SIGHUP in
/// both of its styles, and a stage that dies or cannot start, which must stop the whole
/// pipeline rather than leave the rest running (needs root for live capture and mounts; CI
/// runs as root).
@Suite("Pipeline faults", .serialized, .enabled(if: geteuid() == 0, "live capture and mounts need root (CI runs as root)"))
struct PipelineFaultTests {
    typealias Running = LiveCaptureTests.RunningCapture

    /// A port of its own per test run, and the arguments that capture queries sent to it.
    static func liveArguments(port: Int) -> [String] {
        // Debug level: every stage's lines pass, so both lanes' "dropped root privileges" show.
        ["--devName", "lo", "--filter", "udp dst port \(port)", "--port", String(port), "--lanes", "2", "--metricFlushInterval=0", "--logLevel=4"]
    }

    /// The query names `prefix-N` in the JSON lines of `path`.
    static func names(in path: String, prefix: String) -> [String] {
        DMOutTests.lines(path).compactMap { line -> String? in
            guard let range = line.range(of: "\"Name\":\"\(prefix)-[0-9]+\\.\"", options: .regularExpression) else { return nil }
            return String(line[range].dropFirst(8).dropLast(2))
        }
    }

    /// Waits up to 10 s until `path` holds `count` lines.
    static func waitForLines(_ path: String, count: Int) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if DMOutTests.lines(path).count >= count { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// Starts dnsmonster writing `folder/dnsmonster.log` and waits until both lanes capture.
    static func startWritingFile(folder: String, port: Int, output: String) throws -> Running {
        let running = try Running(
            Self.liveArguments(port: port) + ["--fileOutputType=1", "--fileOutputPath", folder],
            output: output, executable: Programs.product("dnsmonster"))
        #expect(running.waitFor("dropped root privileges", times: 2), "\(running.errorText)")
        return running
    }

    /// Kills dnsmonster and its stages if the test has not finished with them in time: a
    /// regression (a pipeline that runs on) then fails the test instead of hanging it.
    final class Watchdog: Sendable {
        private let finished = Atomic<Bool>(false)

        init(_ running: Running, seconds: Double) {
            let pid = running.child.pid
            Thread.detachNewThread { [self] in
                let deadline = Date().addingTimeInterval(seconds)
                while Date() < deadline, !self.finished.load(ordering: .relaxed) { usleep(20_000) }
                if !self.finished.load(ordering: .relaxed) {
                    _ = try? Programs.shell("pkill -KILL -P \(pid)")
                    kill(pid, SIGKILL)
                }
            }
        }

        func finish() { self.finished.store(true, ordering: .relaxed) }
    }

    static func stop(_ running: Running) -> (Int32, Bool) {
        running.child.signal(SIGTERM)
        running.errorText += running.errors.readAll()
        return running.child.wait()
    }

    /// logrotate's two styles: `create` moves the file away (and may signal twice; the second
    /// SIGHUP with nothing moved changes nothing), `copytruncate` copies it and truncates it in
    /// place. Either way every stage lives, every record is in the old or the new file once, and
    /// appending after a truncation leaves no hole of zero bytes.
    @Test("logrotate, create and copytruncate styles, then SIGHUP: every stage lives, nothing lost or doubled",
          arguments: ["create", "copytruncate"])
    func logrotate(style: String) throws {
        let directory = try TemporaryDirectory()
        let port = 41000 + Int(getpid() % 9000)
        let log = directory.file("logs/dnsmonster.log")
        let running = try Self.startWritingFile(folder: directory.file("logs"), port: port, output: directory.file("stdout"))
        try LiveCaptureTests.sendQueries(count: 100, port: port, prefix: "before")
        #expect(Self.waitForLines(log, count: 100), "\(running.errorText)")
        if style == "create" {
            #expect(rename(log, log + ".1") == 0)
            running.child.signal(SIGHUP)
            Thread.sleep(forTimeInterval: 0.2)
        } else {
            let copied = try Programs.shell("cp \(log) \(log).1 && truncate -s 0 \(log)")
            #expect(copied.status == 0, "\(copied.standardError)")
        }
        running.child.signal(SIGHUP)
        Thread.sleep(forTimeInterval: 0.2)
        try LiveCaptureTests.sendQueries(count: 100, port: port, prefix: "after")
        #expect(Self.waitForLines(log, count: 100), "\(running.errorText)")
        let status = Self.stop(running)
        #expect(status == (0, false), "\(running.errorText)")
        #expect(!running.errorText.contains("killed by signal"), "\(running.errorText)")
        #expect(Self.names(in: log + ".1", prefix: "before").sorted() == (0..<100).map { "before-\($0)" }.sorted())
        #expect(Self.names(in: log, prefix: "after").sorted() == (0..<100).map { "after-\($0)" }.sorted())
        #expect(DMOutTests.lines(log + ".1").count == 100 && DMOutTests.lines(log).count == 100)
        #expect(!(try StreamFiles.bytes(log)).contains(0), "no hole of zero bytes")
    }

    @Test("kill -9 of dm-out: the whole pipeline stops within seconds and dnsmonster exits non-zero naming it")
    func killedStageStopsThePipeline() throws {
        let directory = try TemporaryDirectory()
        let port = 41000 + Int(getpid() % 9000)
        let running = try Running(
            Self.liveArguments(port: port) + ["--stdoutOutputType=1"], output: directory.file("out.json"),
            executable: Programs.product("dnsmonster"))
        #expect(running.waitFor("dropped root privileges", times: 2), "\(running.errorText)")
        let found = try Programs.shell("pgrep -P \(running.child.pid) -x dm-out > \(directory.file("pid"))")
        try #require(found.status == 0, "dm-out is a child of dnsmonster")
        let pid = try #require(Int32(try String(contentsOfFile: directory.file("pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        let watchdog = Watchdog(running, seconds: 15)
        defer { watchdog.finish() }
        let killedAt = Date()
        kill(pid, SIGKILL)
        running.errorText += running.errors.readAll()
        let status = running.child.wait()
        #expect(Date().timeIntervalSince(killedAt) < 5, "the pipeline stopped promptly")
        #expect(status.0 != 0 && !status.1, "\(running.errorText)")
        #expect(running.errorText.contains("dm-out was killed by signal 9"), "\(running.errorText)")
        let left = try Programs.shell("pgrep -f 'fanout-group \(running.child.pid) '")
        #expect(left.status == 1, "no capture of that pipeline is left running")
    }

    @Test("a read-only output folder: dm-out cannot start, and the captures do not run on without it")
    func outputThatCannotOpenStopsThePipeline() throws {
        let directory = try TemporaryDirectory()
        let folder = directory.file("ro")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let mount = try Programs.shell("mount -t tmpfs -o ro,size=64k dm-out-ro \(folder)")
        try #require(mount.status == 0, "\(mount.standardError)")
        defer { _ = try? Programs.shell("umount \(folder)") }
        let port = 41000 + Int(getpid() % 9000)
        let startedAt = Date()
        let running = try Running(
            Self.liveArguments(port: port) + ["--fileOutputType=1", "--fileOutputPath", folder], output: directory.file("stdout"),
            executable: Programs.product("dnsmonster"))
        let watchdog = Watchdog(running, seconds: 15)
        defer { watchdog.finish() }
        running.errorText += running.errors.readAll()
        let status = running.child.wait()
        #expect(Date().timeIntervalSince(startedAt) < 5, "the pipeline stopped promptly: \(running.errorText)")
        #expect(status.0 != 0 && !status.1, "\(running.errorText)")
        #expect(running.errorText.contains("Read-only file system"), "\(running.errorText)")
        #expect(running.errorText.contains("dm-out exited with status 1"), "\(running.errorText)")
    }
}
