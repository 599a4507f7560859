import DMRecord
import Foundation
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

    /// Reads from `handle` until `predicate` holds for the collected items or the deadline passes.
    static func readItems(from fd: Int32, until predicate: ([OwnedItem]) -> Bool, seconds: Double) throws -> [OwnedItem] {
        let reader = RecordReader(fileDescriptor: fd, inputName: "stage output")
        var items: [OwnedItem] = []
        let deadline = Date().addingTimeInterval(seconds)
        // The reader blocks; a watchdog thread is not needed because the producer is ours.
        while Date() < deadline, !predicate(items) {
            guard let item = try reader.next() else { break }
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
        let items = try Self.readItems(from: output.readEnd, until: { $0.count >= 4 }, seconds: 10)
        let elapsed = Date().timeIntervalSince(started)
        #expect(items.count == 4)
        #expect(elapsed < 2, "records took \(elapsed) s to arrive")
        #expect(items.last == .record(type: 0x8000, flags: 0, body: Array("record 2".utf8)))
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
        let (_, stats) = try StageProcessTests.splitOwnStats(items, stage: "dm-filter")
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
                return (try? body.withUnsafeBytes { try StatsRecord(body: $0) }.stage) != "dm-stream"
            }
            return !item.isHeader
        }
        #expect(records == items.filter { !$0.isHeader })
    }
}
