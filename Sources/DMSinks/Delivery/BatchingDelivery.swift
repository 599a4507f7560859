import DMBytes
import DMSystem

/// The machinery every database and bus sink shares: records gathered into batches, a
/// bounded queue of batches, worker threads delivering them (one ``BatchDestination`` each,
/// so one connection each) with retries, and a spool folder for what the queue cannot hold.
///
/// - A batch closes when it holds ``Configuration/batchRecords`` records or its first record
///   is ``Configuration/delayNanoseconds`` old, so a quiet link never holds rows for long.
/// - ``append(_:)`` never waits on the network: a slow destination fills the queue, and a
///   batch that finds the queue full goes to the spool (or, without one or past its cap, is
///   dropped and counted).
/// - A failed delivery is retried with exponential backoff (capped); the first failure of an
///   outage and the recovery are reported once; a permanent refusal is reported once per
///   distinct message and its records counted as failed.
/// - Batches go out oldest first: the queue's and the spool's (a spool left by an earlier
///   run comes first).
/// - ``finish()`` delivers what is left within ``Configuration/drainNanoseconds``; what is
///   still undelivered then is spooled (or counted as failed).
public final class BatchingDelivery: @unchecked Sendable {
    /// Sizes, times and places.
    public struct Configuration: Sendable {
        /// Records per batch (dnsmonster's `--clickhouseBatchSize`).
        public var batchRecords = 100_000
        /// The longest a record waits in an open batch.
        public var delayNanoseconds: UInt64 = 1_000_000_000
        /// Bytes of closed batches the queue holds before spooling.
        public var queueBytes = 64 << 20
        /// Worker threads, each with its own destination.
        public var workers = 1
        /// Where batches go when the queue is full; nil drops them (counted).
        public var spoolFolder: String?
        /// The spool's size cap.
        public var spoolMaximumBytes = 1 << 30
        /// Whether a full queue makes ``append(_:)`` wait while the destination works (it is
        /// only slower than the input): for inputs that can wait, such as a file replayed.
        /// During an outage batches spool (or drop) as always, so an outage never blocks.
        public var waitsWhenFull = false
        /// The first retry's wait; each next one doubles, up to ``retryMaximumNanoseconds``.
        public var retryInitialNanoseconds: UInt64 = 100_000_000
        public var retryMaximumNanoseconds: UInt64 = 5_000_000_000
        /// How long ``finish()`` waits through an outage (deliveries failing) before it spools
        /// what is left: a working destination is drained whatever it holds and however slowly,
        /// a dead one costs this once.
        public var drainNanoseconds: UInt64 = 5_000_000_000

        public init() {}
    }

    /// The sink's name in messages.
    public let name: String
    private let configuration: Configuration
    private let destinations: [BatchDestination]
    private let report: (String) -> Void
    private let condition = ThreadCondition()
    private var threads: [WorkerThread] = []

    // Guarded by `condition`:
    private var open: RecordBatch?
    private var queue: [RecordBatch] = []
    private var queueHead = 0
    private var queuedBytes = 0
    private var counters = DeliveryCounters()
    private var nextSequence: UInt64
    /// The first sequence number of this run: lower ones are an earlier run's spooled batches.
    private let firstSequence: UInt64
    /// This run's spooled batches not delivered yet, by sequence number, with their record counts.
    private var spooledThisRun: [UInt64: Int] = [:]
    private let spool: SpoolFolder?
    /// Spooled batches a worker is replaying now.
    private var replaying: Set<UInt64> = []
    private var finishing = false
    private var abandoning = false
    private var liveWorkers = 0
    private var inOutage = false
    /// When a batch was last delivered (monotonic): the drain waits while deliveries go on.
    private var lastDelivery: UInt64 = 0
    private var reportedRefusals: Set<String> = []
    private var reportedDrop = false
    private var reportedSpoolError = false
    private var reportedUndecodable = false

    /// A delivery to `destinations` (one worker thread each), started with ``start()``.
    /// - Throws: `SystemError` when the spool folder cannot be created or read.
    public init(
        name: String, configuration: Configuration, destinations: [BatchDestination], report: @escaping (String) -> Void
    ) throws(SystemError) {
        precondition(!destinations.isEmpty && configuration.batchRecords > 0)
        self.name = name
        self.configuration = configuration
        self.destinations = destinations
        self.report = report
        if let folder = configuration.spoolFolder {
            let spool = try SpoolFolder(path: folder, maximumBytes: configuration.spoolMaximumBytes)
            self.spool = spool
            self.nextSequence = spool.nextSequence
            self.firstSequence = spool.nextSequence
            if !spool.isEmpty {
                report("\(name): \(spool.files.count) batches left in the spool folder \(folder) by an earlier run go first")
            }
        } else {
            self.spool = nil
            self.nextSequence = 1
            self.firstSequence = 1
        }
    }

    /// Starts the worker threads.
    public func start() throws(SystemError) {
        self.condition.withLock { self.liveWorkers = self.destinations.count }
        for index in self.destinations.indices {
            self.threads.append(try WorkerThread { [self] in self.work(self.destinations[index]) })
        }
    }

    /// Adds one record body to the open batch. Never waits on the network; with
    /// ``Configuration/waitsWhenFull``, waits for room in the queue while the destination works.
    public func append(_ body: ByteView) {
        let overflow: RecordBatch? = self.condition.withLock {
            let batch: RecordBatch
            if let open = self.open {
                batch = open
            } else {
                batch = RecordBatch()
                batch.openedAt = WallClock.monotonicNanoseconds()
                self.open = batch
                // A worker waits for this batch's deadline.
                self.condition.broadcast()
            }
            batch.append(body)
            guard batch.records >= self.configuration.batchRecords else { return nil }
            self.open = nil
            if self.configuration.waitsWhenFull {
                while self.isFull(for: batch) && !self.inOutage && !self.abandoning {
                    self.condition.wait(untilMonotonic: nil)
                }
            }
            let overflow = self.close(batch, spooling: false)
            self.condition.broadcast()
            return overflow
        }
        // A full queue's batch is written to the spool without the lock: the disk never holds
        // up the other producers or the workers.
        if let overflow { self.spoolUnlocked(overflow) }
    }

    /// Whether `batch` finds the queue full.
    private func isFull(for batch: RecordBatch) -> Bool {
        self.queue.count > self.queueHead && self.queuedBytes + batch.bytes.count > self.configuration.queueBytes
    }

    /// The counters now.
    public var currentCounters: DeliveryCounters {
        self.condition.withLock {
            var counters = self.counters
            var queued = UInt64(self.open?.records ?? 0)
            for batch in self.queue[self.queueHead...] { queued &+= UInt64(batch.records) }
            counters.queued = queued
            return counters
        }
    }

    /// Delivers what is left as long as deliveries go on, giving up once none succeeded for
    /// the drain time; spools (or counts as failed) what is still undelivered then; stops the
    /// workers and closes the destinations.
    /// - Returns: the final counters.
    @discardableResult
    public func finish() -> DeliveryCounters {
        self.condition.withLock {
            self.finishing = true
            self.lastDelivery = WallClock.monotonicNanoseconds()
            if self.open != nil { self.closeOpenBatch() }
            self.condition.broadcast()
            // Only time in an outage counts: a working destination, however slow, is drained.
            while self.liveWorkers > 0 {
                let now = WallClock.monotonicNanoseconds()
                if !self.inOutage { self.lastDelivery = now }
                let deadline = self.lastDelivery &+ self.configuration.drainNanoseconds
                guard now < deadline else { break }
                self.condition.wait(untilMonotonic: min(deadline, now &+ 100_000_000))
            }
            if self.liveWorkers > 0 {
                self.abandoning = true
                self.condition.broadcast()
            }
        }
        // Workers blocked on the network give up now rather than at their I/O timeout.
        if self.condition.withLock({ self.abandoning }) { self.destinations.forEach { $0.interrupt() } }
        for thread in self.threads { thread.join() }
        self.threads = []
        self.destinations.forEach { $0.close() }
        return self.condition.withLock {
            var left = 0
            for batch in self.queue[self.queueHead...] {
                left += batch.records
                self.setAside(batch, atEnd: true)
            }
            self.queue.removeAll()
            self.queueHead = 0
            self.queuedBytes = 0
            if left > 0 {
                let destination = self.spool.map { "spooled to \($0.path)" } ?? "lost"
                self.report("\(self.name): \(left) records could not be delivered (nothing went out for the drain time); \(destination)")
            }
            self.counters.kept = UInt64(self.spooledThisRun.values.reduce(0, +))
            if self.counters.kept > 0, let spool = self.spool {
                self.report("\(self.name): \(self.counters.kept) records wait in \(spool.path) for the next run")
            }
            return self.counters
        }
    }

    // MARK: Under the lock

    /// Closes the open batch into the queue, or the spool when the queue is full.
    private func closeOpenBatch() {
        guard let batch = self.open else { return }
        self.open = nil
        _ = self.close(batch, spooling: true)
    }

    /// Puts `batch`, closed, in the queue; when the queue is full, sets it aside (`spooling`)
    /// or returns it for the caller to spool once it has let go of the lock.
    private func close(_ batch: RecordBatch, spooling: Bool) -> RecordBatch? {
        batch.sequence = self.nextSequence
        self.nextSequence &+= 1
        guard self.isFull(for: batch) else {
            self.queue.append(batch)
            self.queuedBytes += batch.bytes.count
            return nil
        }
        if spooling || self.spool == nil {
            self.setAside(batch)
            return nil
        }
        return batch
    }

    /// ``setAside(_:atEnd:)`` for a caller not holding the lock: the file is written between
    /// a reservation and its commit, each under the lock.
    private func spoolUnlocked(_ batch: RecordBatch) {
        guard let spool = self.spool else { return }
        let bytes = batch.spoolBytes
        guard self.condition.withLock({ spool.reserve(bytes.count) }) else {
            self.condition.withLock { self.countLost(batch, atEnd: false) }
            return
        }
        do {
            try spool.write(bytes, sequence: batch.sequence)
            self.condition.withLock {
                spool.commit(sequence: batch.sequence, size: bytes.count)
                self.counters.spooled &+= UInt64(batch.records)
                self.spooledThisRun[batch.sequence] = batch.records
                self.condition.broadcast()
            }
        } catch {
            self.condition.withLock {
                spool.release(bytes.count)
                self.reportSpoolError(error)
                self.countLost(batch, atEnd: false)
            }
        }
    }

    /// Spools `batch`, or counts it as lost when there is no spool or no room in it: as
    /// dropped while running (the queue was full), as failed `atEnd` (the drain time passed).
    private func setAside(_ batch: RecordBatch, atEnd: Bool = false) {
        if let spool = self.spool {
            do {
                if try spool.store(batch) {
                    self.counters.spooled &+= UInt64(batch.records)
                    self.spooledThisRun[batch.sequence] = batch.records
                    return
                }
            } catch {
                self.reportSpoolError(error)
            }
        }
        self.countLost(batch, atEnd: atEnd)
    }

    private func reportSpoolError(_ error: SystemError) {
        guard !self.reportedSpoolError else { return }
        self.reportedSpoolError = true
        self.report("\(self.name): cannot spool: \(error); records that find the queue full are dropped (counted)")
    }

    /// Counts a batch neither queued nor spooled: dropped while running, failed at the end.
    private func countLost(_ batch: RecordBatch, atEnd: Bool) {
        if atEnd {
            self.counters.failed &+= UInt64(batch.records)
            return
        }
        self.counters.dropped &+= UInt64(batch.records)
        if !self.reportedDrop {
            self.reportedDrop = true
            let reason = self.spool.map { "the spool folder \($0.path) is full (\($0.maximumBytes) bytes)" } ?? "there is no spool folder (--spool-dir)"
            self.report("\(self.name): dropping records: the queue is full and \(reason); the loss is counted")
        }
    }

    /// Deletes a spooled batch's file; a failure is reported (the batch would be sent again
    /// by the next run).
    private func removeSpooled(_ sequence: UInt64) {
        do { try self.spool?.remove(sequence) } catch {
            self.report("\(self.name): cannot remove a spooled batch: \(error); the next run would send it again")
        }
    }

    private enum Work {
        case batch(RecordBatch)
        case spooled(UInt64)
    }

    /// The oldest batch to deliver next: from the queue or the spool.
    private func takeWork() -> Work? {
        let queued = self.queueHead < self.queue.count ? self.queue[self.queueHead] : nil
        let spooled = self.spool?.files.first { !self.replaying.contains($0.sequence) }?.sequence
        if let spooled, queued.map({ spooled < $0.sequence }) ?? true {
            self.replaying.insert(spooled)
            return .spooled(spooled)
        }
        guard let queued else { return nil }
        self.queueHead += 1
        self.queuedBytes -= queued.bytes.count
        // Room for a producer waiting for it.
        self.condition.broadcast()
        if self.queueHead > 64 && self.queueHead * 2 > self.queue.count {
            self.queue.removeFirst(self.queueHead)
            self.queueHead = 0
        }
        return .batch(queued)
    }

    // MARK: Workers

    private func work(_ destination: BatchDestination) {
        while let work = self.nextWork() {
            switch work {
            case .batch(let batch):
                self.deliver(batch, to: destination, fromSpool: false)
            case .spooled(let sequence):
                let loaded: RecordBatch?
                do {
                    // Without the lock: this worker alone replays this file.
                    loaded = try self.spool?.load(sequence)
                } catch {
                    self.report("\(self.name): cannot read spooled batch: \(error)")
                    self.condition.withLock {
                        self.replaying.remove(sequence)
                        self.removeSpooled(sequence)
                    }
                    continue
                }
                guard let batch = loaded else {
                    self.condition.withLock {
                        self.report("\(self.name): a spooled batch (\(sequence)) is damaged; removed")
                        self.counters.failed &+= UInt64(self.spooledThisRun[sequence] ?? 0)
                        self.spooledThisRun[sequence] = nil
                        self.replaying.remove(sequence)
                        self.removeSpooled(sequence)
                    }
                    continue
                }
                self.deliver(batch, to: destination, fromSpool: true)
            }
        }
        self.condition.withLock {
            self.liveWorkers -= 1
            self.condition.broadcast()
        }
    }

    /// Waits for work; nil when the worker should stop.
    private func nextWork() -> Work? {
        self.condition.withLock {
            while true {
                if self.abandoning { return nil }
                if let work = self.takeWork() { return work }
                if let open = self.open {
                    let due = open.openedAt &+ self.configuration.delayNanoseconds
                    if self.finishing || WallClock.monotonicNanoseconds() >= due {
                        self.closeOpenBatch()
                        continue
                    }
                    self.condition.wait(untilMonotonic: due)
                    continue
                }
                if self.finishing { return nil }
                self.condition.wait(untilMonotonic: nil)
            }
        }
    }

    private func deliver(_ batch: RecordBatch, to destination: BatchDestination, fromSpool: Bool) {
        var wait = self.configuration.retryInitialNanoseconds
        while true {
            do {
                let refused = try destination.deliver(batch)
                self.condition.withLock {
                    let taken = UInt64(batch.records - refused)
                    if batch.sequence < self.firstSequence {
                        self.counters.earlier &+= taken
                    } else {
                        self.counters.written &+= taken
                    }
                    self.counters.failed &+= UInt64(refused)
                    if refused > 0 && !self.reportedUndecodable {
                        self.reportedUndecodable = true
                        self.report("\(self.name): left out records whose DNS message does not decode (kept by dm-parse --keep-malformed); they are counted as failed")
                    }
                    self.counters.batches &+= 1
                    self.lastDelivery = WallClock.monotonicNanoseconds()
                    if fromSpool {
                        self.spooledThisRun[batch.sequence] = nil
                        self.counters.replayed &+= UInt64(batch.records)
                        self.replaying.remove(batch.sequence)
                        self.removeSpooled(batch.sequence)
                    }
                    if self.inOutage {
                        self.inOutage = false
                        self.report("\(self.name): delivering again")
                    }
                    self.condition.broadcast()
                }
                return
            } catch {
                let done = self.condition.withLock { () -> Bool in
                    if error.isPermanent {
                        self.counters.failed &+= UInt64(batch.records)
                        if self.reportedRefusals.insert(error.message).inserted {
                            self.report("\(self.name): a batch of \(batch.records) records was refused: \(error.message); such records are counted as failed")
                        }
                        if fromSpool {
                            self.spooledThisRun[batch.sequence] = nil
                            self.replaying.remove(batch.sequence)
                            self.removeSpooled(batch.sequence)
                        }
                        return true
                    }
                    self.counters.retries &+= 1
                    if !self.inOutage {
                        self.inOutage = true
                        // Producers waiting for room spool (or drop) instead.
                        self.condition.broadcast()
                        let meanwhile = self.spool.map { "the queue fills, then the spool folder \($0.path)" } ?? "the queue fills, then records are dropped (counted)"
                        self.report("\(self.name): \(error.message); retrying (meanwhile \(meanwhile))")
                    }
                    if self.abandoning {
                        if fromSpool { self.replaying.remove(batch.sequence) } else { self.setAside(batch, atEnd: true) }
                        return true
                    }
                    let until = WallClock.monotonicNanoseconds() &+ wait
                    while !self.abandoning && WallClock.monotonicNanoseconds() < until {
                        self.condition.wait(untilMonotonic: until)
                    }
                    return false
                }
                if done { return }
                wait = min(wait * 2, self.configuration.retryMaximumNanoseconds)
            }
        }
    }
}
