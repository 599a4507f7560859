import DMBytes
import DMRecord
import DMTestSupport
import Foundation
import Testing

/// DNS records and streams made for the dm-filter tests, and the stage's output read back.
enum FilterFixtures {
    /// A DNS message with one question: header flags from `response` and `rcode`.
    static func message(_ name: String, qtype: UInt16 = 1, response: Bool = false, rcode: UInt8 = 0, id: UInt16 = 0x1234) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), response ? 0x81 : 0x01, response ? 0x80 | rcode : 0, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            bytes.append(UInt8(label.utf8.count))
            bytes += label.utf8
        }
        bytes.append(0)
        bytes += [UInt8(qtype >> 8), UInt8(qtype & 0xFF), 0, 1]
        return bytes
    }

    /// A DNS record over UDP/IPv4 between fixed addresses, distinguished by `time` and `port`.
    static func record(
        _ name: String, time: UInt64, qtype: UInt16 = 1, response: Bool = false, rcode: UInt8 = 0, port: UInt16 = 40000,
        version: UInt8 = 4, source: [UInt8]? = nil, destination: [UInt8]? = nil, identity: String = "", flags: DNSMatchFlags = []
    ) -> DNSRecord {
        let message = self.message(name, qtype: qtype, response: response, rcode: rcode)
        let client = source ?? (version == 4 ? [192, 0, 2, 77] : [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0x5A, count: 11) + [0x77])
        let server = destination ?? (version == 4 ? [198, 51, 100, 53] : [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x53])
        return DNSRecord(
            metadata: DNSMetadata(
                timeNanoseconds: time, packetLength: UInt32(message.count), ipVersion: version, transport: .udp,
                sourcePort: response ? 53 : port, destinationPort: response ? port : 53, matchFlags: flags,
                sourceAddress: IPAddressBytes(response ? server : client)!, destinationAddress: IPAddressBytes(response ? client : server)!),
            identity: Array(identity.utf8), message: message)
    }

    static let t0: UInt64 = 1_700_000_000_000_000_000

    /// One framed record.
    static func recordBytes(type: UInt16, flags: UInt16 = 0, body: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        let length = UInt32(4 + body.count)
        bytes += [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]
        bytes += [UInt8(type & 0xFF), UInt8(type >> 8), UInt8(flags & 0xFF), UInt8(flags >> 8)]
        return bytes + body
    }

    static func bytes(_ record: DNSRecord) -> [UInt8] { self.recordBytes(type: 2, body: record.encodedBody()) }

    static func headerBytes() -> [UInt8] { StreamHeader(entries: [.source("filter-test")]).encoded() }

    /// Writes a stream of items (a header first).
    static func write(_ items: [OwnedItem], to path: String) throws {
        var bytes = self.headerBytes()
        for item in items {
            if case .record(let type, let flags, let body) = item { bytes += self.recordBytes(type: type, flags: flags, body: body) }
        }
        try StreamFiles.writeBytes(bytes, to: path)
    }

    static func item(_ record: DNSRecord) -> OwnedItem { .record(type: 2, flags: 0, body: record.encodedBody()) }

    /// The DNS records of a stage's output.
    static func dnsRecords(_ items: [OwnedItem]) throws -> [DNSRecord] {
        try items.compactMap { item in
            guard case .record(2, _, let body) = item else { return nil }
            return DNSRecord(try body.withByteView { try DNSRecordView(body: $0) })
        }
    }

    /// Records (not headers), with dm-filter's own STATS split off.
    static func output(_ path: String) throws -> (records: [OwnedItem], stats: StatsRecord) {
        let (rest, stats) = try StreamFiles.splitOwnStats(try StreamFiles.read(path), stage: "dm-filter")
        return (rest.filter { !$0.isHeader }, stats)
    }

    /// Runs dm-filter on `items` with `arguments`; returns its output records, STATS and stderr.
    static func run(_ items: [OwnedItem], _ arguments: [String], directory: TemporaryDirectory) throws -> (records: [OwnedItem], stats: StatsRecord, standardError: String) {
        try self.write(items, to: directory.file("in"))
        let result = try Programs.run(Programs.product("dm-filter"), arguments, input: directory.file("in"), output: directory.file("out"))
        #expect(result.status == 0, "\(result.standardError)")
        let (records, stats) = try self.output(directory.file("out"))
        return (records, stats, result.standardError)
    }

    /// The rejection counters; with `passed` they add up to `records_in`.
    static let rejectionCounters = [
        "malformed", "qr_filtered", "rcode_filtered", "qtype_filtered", "skip_matched", "allow_missed", "duplicates", "sampled_out",
    ]

    /// Checks records_in = passed + rejections and failed = rejections.
    static func expectBalanced(_ stats: StatsRecord, sourceLocation: SourceLocation = #_sourceLocation) {
        let rejected = self.rejectionCounters.reduce(UInt64(0)) { $0 + (stats[counter: $1] ?? 0) }
        #expect(stats[counter: "records_in"] == (stats[counter: "passed"] ?? 0) + rejected, sourceLocation: sourceLocation)
        #expect(stats[counter: "failed"] == rejected, sourceLocation: sourceLocation)
        for name in self.rejectionCounters + ["records_in", "passed", "failed", "dedup_evicted", "stats_forwarded"] {
            #expect(stats[counter: name] != nil, "counter \(name) missing", sourceLocation: sourceLocation)
        }
    }
}

/// A dm-filter process fed through a pipe while the test watches its standard error.
final class FlowingFilter {
    let child: ChildProcess
    let input: PipePair
    let errorsPath: String
    let outputPath: String
    private var sent = 0

    init(_ arguments: [String], directory: TemporaryDirectory) throws {
        self.input = try PipePair()
        self.errorsPath = directory.file("stderr")
        self.outputPath = directory.file("out")
        let outputFD = open(self.outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let errorFD = open(self.errorsPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer {
            close(outputFD)
            close(errorFD)
        }
        self.child = try ChildProcess(
            Programs.product("dm-filter"), arguments, standardInput: self.input.readEnd, standardOutput: outputFD, standardError: errorFD)
        self.input.closeReadEnd()
        try self.input.write(FilterFixtures.headerBytes())
    }

    /// What the stage wrote to standard error so far.
    var standardError: String { String(decoding: (try? StreamFiles.bytes(self.errorsPath)) ?? [], as: UTF8.self) }

    /// Waits until standard error contains `text` `count` times; false after `seconds`.
    func waitForLog(_ text: String, count: Int = 1, seconds: Double = 30, whileSending batch: (() throws -> Void)? = nil) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if self.standardError.components(separatedBy: text).count - 1 >= count { return true }
            try batch?()
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    func send(_ records: [DNSRecord]) throws {
        try self.input.write(records.flatMap { FilterFixtures.bytes($0) })
        self.sent += records.count
    }

    /// Sends `batch()` every 10 ms for `seconds`.
    func keepSending(seconds: Double, _ batch: () -> [DNSRecord]) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            try self.send(batch())
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// Ends the input, waits for the stage and returns its output.
    func finish() throws -> (records: [OwnedItem], stats: StatsRecord, standardError: String) {
        self.input.closeWriteEnd()
        let (status, signaled) = self.child.wait()
        #expect(status == 0 && !signaled, "\(self.standardError)")
        let (records, stats) = try FilterFixtures.output(self.outputPath)
        return (records, stats, self.standardError)
    }
}
