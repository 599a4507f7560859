import DMBytes
@testable import DMSinks
import DMSystem
import DMTestSupport
import Foundation
import Testing

/// The delivery machinery every batching sink shares, with a destination that records what it
/// gets and fails on command: batch sizes and times, retries, spool and replay order, drops,
/// the drain, and a spool that outlives its process.
@Suite("Batching delivery")
struct BatchingDeliveryTests {
    /// Records the batches it takes (each record body is a 4-byte number) and fails while told.
    final class Destination: BatchDestination, @unchecked Sendable {
        private let lock = NSLock()
        private var delivered: [[UInt32]] = []
        private var failures: Int
        private let permanent: Bool
        private let delay: useconds_t

        init(failures: Int = 0, permanent: Bool = false, delay: useconds_t = 0) {
            self.failures = failures
            self.permanent = permanent
            self.delay = delay
        }

        var batches: [[UInt32]] { self.lock.withLock { self.delivered } }

        /// Makes every later delivery fail (`count` more times).
        func fail(_ count: Int) { self.lock.withLock { self.failures = count } }

        func deliver(_ batch: RecordBatch) throws(DeliveryFailure) -> Int {
            let failing = self.lock.withLock { () -> Bool in
                guard self.failures > 0 else { return false }
                self.failures -= 1
                return true
            }
            if failing { throw DeliveryFailure(message: "server down", isPermanent: self.permanent) }
            if self.delay > 0 { usleep(self.delay) }
            var numbers: [UInt32] = []
            batch.forEachRecord { numbers.append($0.loadLittleEndian(at: 0, as: UInt32.self)) }
            self.lock.withLock { self.delivered.append(numbers) }
            return 0
        }

        func interrupt() {}
        func close() {}
    }

    final class Reports: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [String] = []
        var lines: [String] { self.lock.withLock { self.stored } }
        func add(_ line: String) { self.lock.withLock { self.stored.append(line) } }
    }

    static func configuration(_ change: (inout BatchingDelivery.Configuration) -> Void) -> BatchingDelivery.Configuration {
        var configuration = BatchingDelivery.Configuration()
        configuration.retryInitialNanoseconds = 1_000_000
        configuration.retryMaximumNanoseconds = 20_000_000
        configuration.drainNanoseconds = 2_000_000_000
        change(&configuration)
        return configuration
    }

    /// A started delivery to `destinations` with the test configuration changed by `change`.
    static func started(
        _ destinations: [Destination], report: @escaping (String) -> Void = { _ in },
        _ change: (inout BatchingDelivery.Configuration) -> Void
    ) throws -> BatchingDelivery {
        let delivery = try BatchingDelivery(name: "test", configuration: Self.configuration(change), destinations: destinations, report: report)
        try delivery.start()
        return delivery
    }

    static func append(_ numbers: Range<UInt32>, to delivery: BatchingDelivery) {
        for number in numbers {
            withUnsafeBytes(of: number.littleEndian) { raw in Array(raw) }.withByteView { delivery.append($0) }
        }
    }

    /// Waits up to 5 s for `condition`.
    static func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test("a batch goes out when full, and the last one when its first record is `delay` old, without more input")
    func sizeAndTime() throws {
        let destination = Destination()
        let delivery = try Self.started([destination]) { $0.batchRecords = 3; $0.delayNanoseconds = 50_000_000 }
        Self.append(0..<7, to: delivery)
        #expect(Self.eventually { destination.batches.count == 3 }, "the open batch closed by time: \(destination.batches)")
        #expect(destination.batches == [[0, 1, 2], [3, 4, 5], [6]])
        let counters = delivery.finish()
        #expect(counters.written == 7 && counters.batches == 3 && counters.failed == 0 && counters.queued == 0)
    }

    @Test("an outage: the queue fills, batches spool, and after recovery everything goes out once, oldest first")
    func outageSpoolsAndReplaysInOrder() throws {
        let folder = try TemporaryDirectory()
        let destination = Destination(failures: 1_000_000)
        let reports = Reports()
        let delivery = try Self.started([destination], report: reports.add) {
            $0.batchRecords = 10
            $0.queueBytes = 100
            $0.spoolFolder = folder.file("spool")
        }
        Self.append(0..<200, to: delivery)
        #expect(Self.eventually { delivery.currentCounters.spooled >= 150 && delivery.currentCounters.retries >= 3 })
        destination.fail(0)
        #expect(Self.eventually { delivery.currentCounters.written == 200 })
        let counters = delivery.finish()
        #expect(destination.batches.flatMap { $0 } == Array(0..<200), "every record once, in order")
        #expect(counters.spooled == counters.replayed && counters.spooled >= 150)
        #expect(counters.retries > 0 && counters.dropped == 0 && counters.failed == 0 && counters.kept == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("spool")).isEmpty)
        #expect(reports.lines.filter { $0.contains("server down; retrying") }.count == 1, "one report per outage: \(reports.lines)")
        #expect(reports.lines.contains("test: delivering again"))
    }

    @Test("without a spool, what finds the queue full is dropped and counted; what is left at the end fails")
    func dropsAreCounted() throws {
        let destination = Destination(failures: 1_000_000)
        let reports = Reports()
        let delivery = try Self.started([destination], report: reports.add) {
            $0.batchRecords = 10
            $0.queueBytes = 100
            $0.drainNanoseconds = 100_000_000
        }
        Self.append(0..<200, to: delivery)
        let counters = delivery.finish()
        #expect(counters.written == 0)
        #expect(counters.dropped > 0)
        #expect(counters.dropped + counters.failed == 200, "\(counters)")
        #expect(reports.lines.filter { $0.contains("dropping records") }.count == 1)
    }

    @Test("a refusal is not retried: its records fail, and the message is reported once")
    func permanentRefusal() throws {
        let destination = Destination(failures: 2, permanent: true)
        let reports = Reports()
        let delivery = try Self.started([destination], report: reports.add) { $0.batchRecords = 5 }
        Self.append(0..<15, to: delivery)
        let counters = delivery.finish()
        #expect(counters.failed == 10 && counters.written == 5 && counters.retries == 0)
        #expect(reports.lines.filter { $0.contains("refused: server down") }.count == 1, "\(reports.lines)")
    }

    @Test("what the drain cannot deliver is kept in the spool, and the next run delivers it first")
    func spoolOutlivesTheRun() throws {
        let folder = try TemporaryDirectory()
        let configuration = Self.configuration {
            $0.batchRecords = 10
            $0.spoolFolder = folder.file("spool")
            $0.drainNanoseconds = 100_000_000
        }
        let down = Destination(failures: 1_000_000)
        let first = try BatchingDelivery(name: "test", configuration: configuration, destinations: [down], report: { _ in })
        try first.start()
        Self.append(0..<35, to: first)
        let before = first.finish()
        #expect(before.written == 0 && before.kept == 35 && before.failed == 0, "\(before)")

        let up = Destination()
        let reports = Reports()
        let second = try BatchingDelivery(name: "test", configuration: configuration, destinations: [up], report: reports.add)
        try second.start()
        Self.append(100..<105, to: second)
        let after = second.finish()
        #expect(up.batches.flatMap { $0 } == Array(0..<35) + Array(100..<105), "the earlier run's records first: \(up.batches)")
        #expect(after.earlier == 35 && after.written == 5 && after.kept == 0, "\(after)")
        #expect(reports.lines.contains { $0.contains("left in the spool folder") })

        // A damaged file is reported and removed, not sent.
        try WholeFiles.writeAtomically(ByteView("garbage"), to: folder.file("spool/00000000000000ff.batch"))
        let third = try BatchingDelivery(name: "test", configuration: configuration, destinations: [up], report: reports.add)
        try third.start()
        _ = third.finish()
        #expect(reports.lines.contains { $0.contains("is damaged; removed") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("spool")).isEmpty)
    }

    @Test("a working destination slower than the input: with waitsWhenFull nothing is dropped; without, the overflow is")
    func slowDestinationWaitsOrDrops() throws {
        for waits in [true, false] {
            let destination = Destination(delay: 2_000)
            let delivery = try Self.started([destination]) {
                $0.batchRecords = 10
                $0.queueBytes = 100
                $0.waitsWhenFull = waits
            }
            Self.append(0..<500, to: delivery)
            let counters = delivery.finish()
            if waits {
                #expect(counters.written == 500 && counters.dropped == 0, "\(counters)")
                #expect(destination.batches.flatMap { $0 } == Array(0..<500))
            } else {
                #expect(counters.dropped > 0 && counters.written + counters.dropped == 500, "\(counters)")
            }
        }
    }

    @Test("waiting for room ends when the destination fails: the waiting batch spools instead")
    func outageEndsTheWait() throws {
        let folder = try TemporaryDirectory()
        let destination = Destination(failures: 1_000_000)
        let delivery = try Self.started([destination]) {
            $0.batchRecords = 10
            $0.queueBytes = 100
            $0.waitsWhenFull = true
            $0.spoolFolder = folder.file("spool")
            $0.drainNanoseconds = 100_000_000
        }
        Self.append(0..<100, to: delivery)
        let counters = delivery.finish()
        #expect(counters.kept + counters.failed == 100 && counters.spooled > 0, "\(counters)")
    }
}
