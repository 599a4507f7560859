import DMBytes
import DMRecord
import DMTestSupport
import Foundation
import Synchronization
import Testing

/// Behaviour that only shows while data flows: flushing, signals, sockets.
@Suite("Live streams", .serialized)
struct LiveStreamTests {
    /// Bytes of a header and `count` small private records.
    static func streamBytes(count: Int, header: Bool = true) -> [UInt8] {
        var bytes = header ? StreamHeader(entries: [.source("live")]).encoded() : []
        for index in 0..<count {
            let body = Array("record \(index)".utf8)
            var length = UInt32(4 + body.count).littleEndian
            withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
            bytes += [0x00, 0x80, 0x00, 0x00] + body
        }
        return bytes
    }

    /// Reads the output of `child` until `predicate` holds for the collected items or the
    /// deadline passes. The reads block, so at the deadline a watchdog kills the child: its
    /// output then ends and a stage that never flushed fails the test instead of hanging it.
    static func readItems(
        from fd: Int32, of child: ChildProcess, until predicate: ([OwnedItem]) -> Bool, seconds: Double
    ) throws -> [OwnedItem] {
        let finished = Atomic<Bool>(false)
        let pid = child.pid
        let watchdog = Thread {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline, !finished.load(ordering: .relaxed) { usleep(20_000) }
            if !finished.load(ordering: .relaxed) { kill(pid, SIGKILL) }
        }
        watchdog.start()
        defer { finished.store(true, ordering: .relaxed) }
        let reader = RecordReader(fileDescriptor: fd, inputName: "stage output")
        var items: [OwnedItem] = []
        while !predicate(items) {
            guard let item = try? reader.next() else { break }
            items.append(OwnedItem(item))
        }
        return items
    }

    @Test("records reach the consumer while the input stays open (flush on idle input)")
    func idleFlush() throws {
        let input = try PipePair(), output = try PipePair()
        let child = try ChildProcess(
            Programs.product("dm-filter"), [], standardInput: input.readEnd, standardOutput: output.writeEnd, standardError: 2)
        input.closeReadEnd()
        output.closeWriteEnd()
        let started = Date()
        try input.write(Self.streamBytes(count: 3))
        // The input stays open; the three records must arrive anyway.
        let items = try Self.readItems(from: output.readEnd, of: child, until: { $0.count >= 4 }, seconds: 10)
        let elapsed = Date().timeIntervalSince(started)
        #expect(items.count == 4)
        #expect(elapsed < 2, "records took \(elapsed) s to arrive")
        #expect(items.last == .record(type: 0x8000, flags: 0, body: Array("record 2".utf8)))
        input.closeWriteEnd()
        #expect(child.wait() == (0, false))
    }

    @Test("a capture arriving through a pipe: dm-capture --pcap - and dm-parse flush while the pipe stays open", arguments: [
        ["dm-capture", "--pcap", "-"], ["dm-parse"],
    ])
    func captureIdleFlush(command: [String]) throws {
        // The pcap header and the first five frames of the sample capture (classic pcap, µs).
        let bytes = try StreamFiles.bytes(Programs.packageRoot + "/examples/sample.pcap")
        var end = 24
        for _ in 0..<5 {
            let captured = Int(bytes[end + 8]) | Int(bytes[end + 9]) << 8 | Int(bytes[end + 10]) << 16 | Int(bytes[end + 11]) << 24
            end += 16 + captured
        }
        let input = try PipePair(), output = try PipePair()
        let child = try ChildProcess(
            Programs.product(command[0]), Array(command.dropFirst()), standardInput: input.readEnd, standardOutput: output.writeEnd,
            standardError: 2)
        input.closeReadEnd()
        output.closeWriteEnd()
        let started = Date()
        try input.write(Array(bytes[..<end]))
        // A header and five records (PACKET, or DNS: the first frames are single UDP messages).
        let items = try Self.readItems(from: output.readEnd, of: child, until: { $0.count >= 6 }, seconds: 10)
        let elapsed = Date().timeIntervalSince(started)
        #expect(items.count == 6, "\(command[0])")
        #expect(elapsed < 2, "\(command[0]): records took \(elapsed) s to arrive")
        input.closeWriteEnd()
        #expect(child.wait() == (0, false))
    }

    @Test("SIGTERM: the stage writes what it holds and a final STATS record, then exits 0")
    func terminateFlushes() throws {
        let directory = try TemporaryDirectory()
        let input = try PipePair(), errors = try PipePair()
        let outputFD = open(directory.file("out"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // A 100 s delay and a huge buffer: only the signal can make this stage write.
        let child = try ChildProcess(
            Programs.product("dm-filter"), [], standardInput: input.readEnd, standardOutput: outputFD, standardError: errors.writeEnd)
        close(outputFD)
        input.closeReadEnd()
        errors.closeWriteEnd()
        try input.write(Self.streamBytes(count: 1000))
        Thread.sleep(forTimeInterval: 0.3)
        child.signal(SIGTERM)  // while its input is still open
        let message = errors.readAll()
        #expect(child.wait() == (0, false))
        let items = try StreamFiles.read(directory.file("out"))
        #expect(items.filter { if case .record(0x8000, _, _) = $0 { return true } else { return false } }.count == 1000)
        let (_, stats) = try StreamFiles.splitOwnStats(items, stage: "dm-filter")
        #expect(stats[counter: "passed"] == 1000)  // dm-filter counts kept records as passed
        #expect(message.contains("stopped by signal"), "\(message)")
        input.closeWriteEnd()
    }

    @Test("streams travel over unix-listen/unix and tcp-listen/tcp endpoints", arguments: [
        ("unix-listen:SOCK", "unix:SOCK"), ("tcp-listen:127.0.0.1:PORT", "tcp:127.0.0.1:PORT"),
        ("tcp-listen:[::1]:PORT", "tcp:[::1]:PORT"),
    ])
    func socketTransports(listen: String, connect: String) throws {
        let directory = try TemporaryDirectory()
        let (_, items) = try StageProcessTests.mixedStream(directory.file("in"))
        let port = String(20000 + Int(getpid() % 20000))
        let listenAt = listen.replacingOccurrences(of: "SOCK", with: directory.file("s.sock")).replacingOccurrences(of: "PORT", with: port)
        let connectTo = connect.replacingOccurrences(of: "SOCK", with: directory.file("s.sock")).replacingOccurrences(of: "PORT", with: port)
        // The sender listens and serves one connection; the receiver connects, retrying until it is up.
        let inputFD = open(directory.file("in"), O_RDONLY)
        let nullFD = open("/dev/null", O_WRONLY)
        let sender = try ChildProcess(
            Programs.product("dm-stream"), ["cat", "--out", listenAt], standardInput: inputFD, standardOutput: nullFD, standardError: nullFD)
        close(inputFD)
        close(nullFD)
        var received: Programs.Result?
        for _ in 0..<50 {
            let attempt = try Programs.run(Programs.product("dm-stream"), ["cat", connectTo], output: directory.file("out"))
            if attempt.status == 0 { received = attempt; break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(sender.wait() == (0, false))
        try #require(received != nil, "could not connect to \(connectTo)")
        let output = try StreamFiles.read(directory.file("out"))
        // Two stages added their provenance and their STATS; the records are unchanged.
        let records = output.filter { item in
            if case .record(3, _, let body) = item {
                return (try? body.withByteView { try StatsRecord(body: $0) }.stage) != "dm-stream"
            }
            return !item.isHeader
        }
        #expect(records == items.filter { !$0.isHeader })
    }
}
