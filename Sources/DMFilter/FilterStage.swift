import DMBytes
import DMRecord
import DMStage
import DMSystem
import DNSWire

/// What dm-filter does to DNS records, with every value resolved before the loop starts
/// (reading ArgumentParser options per record was measured to cost 30 %).
public struct FilterPlan {
    /// Keep only queries (false) or only responses (true).
    public var wantResponse: Bool?
    /// `--rcode`: the header response codes kept.
    public var rcodes: DNSFieldSelection?
    /// `--qtype`: the first question's types kept.
    public var queryTypes: DNSFieldSelection?
    /// `--skip-domains`: names whose records are rejected (or tagged).
    public var skip: DomainListLoader?
    /// `--allow-domains`: names outside which records are rejected (or tagged).
    public var allow: DomainListLoader?
    /// Lists set the match flags and reject nothing.
    public var tagOnly = false
    /// `--dedup`.
    public var deduplicator: Deduplicator?
    /// `--sample A:B`.
    public var sampler: RecordSampler?
    /// Nil when addresses are kept whole.
    public var mask: AddressMask?

    /// A plan that keeps every record unchanged.
    public init() {}

    /// Whether any option looks into DNS records; without one, dm-filter forwards everything.
    var inspectsDNS: Bool {
        self.wantResponse != nil || self.rcodes != nil || self.queryTypes != nil || self.skip != nil || self.allow != nil
            || self.deduplicator != nil || self.sampler != nil || self.mask != nil
    }
}

/// dm-filter's counters. Every record read except upstream STATS is counted in `records_in`
/// and ends up either passed or rejected for exactly one reason:
/// `records_in = passed + malformed + qr_filtered + rcode_filtered + qtype_filtered +
/// skip_matched + allow_missed + duplicates + sampled_out`, and `failed` is the sum of the
/// rejections (written to --fail-to when it is given, dropped otherwise).
public struct FilterCounters: StageCounters {
    var recordsIn: UInt64 = 0
    var dnsRecords: UInt64 = 0
    var otherRecords: UInt64 = 0
    var malformed: UInt64 = 0
    var qrFiltered: UInt64 = 0
    var rcodeFiltered: UInt64 = 0
    var qtypeFiltered: UInt64 = 0
    var skipMatched: UInt64 = 0
    var allowMissed: UInt64 = 0
    var duplicates: UInt64 = 0
    var sampledOut: UInt64 = 0
    var passed: UInt64 = 0
    var failed: UInt64 = 0
    var taggedSkip: UInt64 = 0
    var taggedAllow: UInt64 = 0
    var unreadableQuestions: UInt64 = 0
    var masked: UInt64 = 0
    var statsForwarded: UInt64 = 0
    var sections: UInt64 = 0
    /// Read from the plan when the counters are reported (``reported(plan:)``).
    var dedupEvicted: UInt64 = 0
    var skipList: ListCounters?
    var allowList: ListCounters?

    /// A domain list's state: nil counters are left out when the list is not given.
    struct ListCounters {
        var entries: UInt64
        var loads: UInt64
        var failures: UInt64

        init(_ loader: DomainListLoader) {
            self.entries = loader.entries
            self.loads = loader.loads
            self.failures = loader.failures
        }
    }

    /// These counters with the deduplicator's evictions and the lists' state added.
    func reported(plan: FilterPlan) -> FilterCounters {
        var counters = self
        counters.dedupEvicted = plan.deduplicator?.evictions ?? 0
        counters.skipList = plan.skip.map(ListCounters.init)
        counters.allowList = plan.allow.map(ListCounters.init)
        return counters
    }

    /// dm-filter's counters, in the order STATS lists them.
    public static let declared: [Counter<FilterCounters>] = [
        Counter("records_in", "records read, but upstream STATS") { $0.recordsIn },
        Counter("dns_records", "of those, DNS records") { $0.dnsRecords },
        Counter("other_records", "records of other types, passed on and counted in passed") { $0.otherRecords },
        Counter("malformed", "DNS records whose layout is broken, rejected") { $0.malformed },
        Counter("qr_filtered", "rejected by --qr") { $0.qrFiltered },
        Counter("rcode_filtered", "rejected by --rcode") { $0.rcodeFiltered },
        Counter("qtype_filtered", "rejected by --qtype") { $0.qtypeFiltered },
        Counter("skip_matched", "rejected: the name is on the skip list") { $0.skipMatched },
        Counter("allow_missed", "rejected: the name is not on the allow list") { $0.allowMissed },
        Counter("duplicates", "rejected by --dedup") { $0.duplicates },
        Counter("sampled_out", "rejected by --sample") { $0.sampledOut },
        Counter("passed", "records kept; records_in = passed + the nine rejections above") { $0.passed },
        Counter("failed", "the rejections summed (to --fail-to when given)") { $0.failed },
        Counter("tagged_skip", "records marked as on the skip list (--tag-only)") { $0.taggedSkip },
        Counter("tagged_allow", "records marked as on the allow list (--tag-only)") { $0.taggedAllow },
        Counter("unreadable_questions", "DNS records without a readable question: on no list") { $0.unreadableQuestions },
        Counter("masked", "records whose addresses --mask4/--mask6 rewrote") { $0.masked },
        Counter("dedup_evicted", "names --dedup forgot early to stay within its table") { $0.dedupEvicted },
        Counter("skip_list_entries", "names on the skip list in force") { $0.skipList?.entries },
        Counter("skip_list_loads", "successful loads of the skip list") { $0.skipList?.loads },
        Counter("skip_list_failures", "failed (re)loads of the skip list") { $0.skipList?.failures },
        Counter("allow_list_entries", "names on the allow list in force") { $0.allowList?.entries },
        Counter("allow_list_loads", "successful loads of the allow list") { $0.allowList?.loads },
        Counter("allow_list_failures", "failed (re)loads of the allow list") { $0.allowList?.failures },
        Counter("stats_forwarded", "upstream STATS records passed on") { $0.statsForwarded },
        Counter("sections", "input sections (headers) read") { $0.sections },
    ]
}

/// Flushes both outputs when the input is about to wait.
final class IdleFanout: InputIdleObserver {
    let writers: [RecordWriter]
    init(_ writers: [RecordWriter]) { self.writers = writers }
    func inputWillBlock() { for writer in self.writers { writer.inputWillBlock() } }
    func inputDidRead() { for writer in self.writers { writer.inputDidRead() } }
}

/// The record loop: decides on every DNS record, writes kept records to the pass output and
/// rejected ones to the fail output (when there is one), forwards everything else.
public final class FilterStage {
    /// The stage's name in STATS records and messages.
    public static let name = "dm-filter"

    let plan: FilterPlan
    let pass: StageOutput
    let fail: StageOutput?
    @exclusivity(unchecked) var counters = FilterCounters()

    /// A stage applying `plan`, writing kept records to `pass` and rejected ones to `fail`.
    public init(plan: FilterPlan, pass: StageOutput, fail: StageOutput?) {
        self.plan = plan
        self.pass = pass
        self.fail = fail
    }

    /// Why a record was rejected.
    enum Rejection {
        case malformed, qr, rcode, qtype, skip, allow, duplicate, sampled
    }

    /// The counters as STATS fields.
    public var counterFields: [(name: String, value: UInt64)] { self.counters.reported(plan: self.plan).fields }

    /// Reads `reader` to its end (or a stop signal), then writes the final STATS to both outputs
    /// and the summary line — also when the input turns out bad, so what was read still goes
    /// out with the counters; the input's error is rethrown afterwards.
    public func run(from reader: RecordReader) throws {
        do {
            try self.process(reader)
        } catch let error as RecordWriteError {
            throw error
        } catch {
            try self.finish()
            throw error
        }
        try self.finish()
        StandardError.write(StageSummary.line(tool: Self.name, counters: self.counterFields, stopped: reader.stoppedBySignal))
    }

    private func finish() throws {
        let counters = self.counterFields
        try self.pass.finish(stage: Self.name, counters: counters)
        try self.fail?.finish(stage: Self.name, counters: counters)
    }

    func process(_ reader: RecordReader) throws {
        let observer = IdleFanout([self.pass.writer] + (self.fail.map { [$0.writer] } ?? []))
        reader.idleObserver = observer
        defer { reader.idleObserver = nil }
        if self.plan.inspectsDNS {
            try self.filter(reader)
        } else {
            try self.forward(reader)
        }
    }

    /// No option looks into DNS records: count and forward everything in runs, like
    /// `dm-stream cat` (a loop of its own, so the filtering loop's state stays out of it).
    func forward(_ reader: RecordReader) throws {
        var counters = self.counters
        defer { self.counters = counters }
        let passWriter = self.pass.writer
        let failWriter = self.fail?.writer
        while let batch = try reader.nextBatch() {
            switch batch {
            case .header(let header):
                counters.sections &+= 1
                try self.pass.beginSection(after: header)
                try self.fail?.beginSection(after: header)
            case .records(let run):
                var stats: UInt64 = 0
                for record in run {
                    let type = record.type
                    if type == .stats {
                        stats &+= 1
                        try failWriter?.write(record)
                    } else if type == .dns {
                        counters.dnsRecords &+= 1
                    } else {
                        counters.otherRecords &+= 1
                    }
                }
                counters.statsForwarded &+= stats
                counters.recordsIn &+= UInt64(run.count) &- stats
                counters.passed &+= UInt64(run.count) &- stats
                try passWriter.writeRecords(run.rawBytes, count: run.count)
                try self.writePeriodicStatsIfDue(counters)
            }
        }
    }

    /// Writes a periodic STATS record to both outputs when one is due (once per batch); the
    /// loops keep their counters in a local, so they hand them in.
    private func writePeriodicStatsIfDue(_ counters: FilterCounters) throws(RecordWriteError) {
        guard self.pass.statsSchedule.isDue() else { return }
        let fields = counters.reported(plan: self.plan).fields
        try self.pass.writeStats(stage: Self.name, kind: .periodic, counters: fields)
        try self.fail?.writeStats(stage: Self.name, kind: .periodic, counters: fields)
    }

    /// The filtering loop.
    func filter(_ reader: RecordReader) throws {
        // Everything the loop reads, in locals.
        let passWriter = self.pass.writer
        let failWriter = self.fail?.writer
        let wantResponse = self.plan.wantResponse
        let rcodes = self.plan.rcodes
        let queryTypes = self.plan.queryTypes
        let skipLoader = self.plan.skip
        let allowLoader = self.plan.allow
        let hasLists = skipLoader != nil || allowLoader != nil
        let tagOnly = self.plan.tagOnly
        let deduplicator = self.plan.deduplicator
        var sampler = self.plan.sampler
        let mask = self.plan.mask
        let needsQuestion = hasLists || queryTypes != nil
        let needsHeader = wantResponse != nil || rcodes != nil
        var skipList = skipLoader?.list()
        var skipGeneration = skipLoader?.generation ?? 0
        var allowList = allowLoader?.list()
        var allowGeneration = allowLoader?.generation ?? 0
        var counters = self.counters
        defer { self.counters = counters }

        // The first question's name, lowercased, for the lists (with the padding they read past it).
        let nameStorage = ByteStorage(count: DNSQuestionSummary.nameBufferSize)
        let nameBuffer = nameStorage.mutableView
        let listScratch = DomainList.Scratch()
        let name = nameStorage.view

        while let batch = try reader.nextBatch() {
            let run: RecordRun
            switch batch {
            case .header(let header):
                counters.sections &+= 1
                try self.pass.beginSection(after: header)
                try self.fail?.beginSection(after: header)
                continue
            case .records(let records):
                run = records
            }
            // A reloaded list is taken between batches: every record of a batch sees one version.
            if let loader = skipLoader, loader.generation != skipGeneration {
                skipGeneration = loader.generation
                skipList = loader.list()
            }
            if let loader = allowLoader, loader.generation != allowGeneration {
                allowGeneration = loader.generation
                allowList = loader.list()
            }
            // Records passed unchanged are contiguous until something else happens; each
            // stretch is written in one piece.
            var stretch = RecordStretch()
            var offset = 0
            for record in run {
                let size = record.rawBytes.count
                defer { offset &+= size }
                let type = record.type
                if type == .stats {
                    counters.statsForwarded &+= 1
                    try failWriter?.write(record)
                } else {
                    counters.recordsIn &+= 1
                    if type != .dns {
                        counters.otherRecords &+= 1
                        counters.passed &+= 1
                    } else {
                        counters.dnsRecords &+= 1
                        do {
                            // Decide; then either extend the stretch or write this record alone.
                            var rejection: Rejection?
                            var matchFlags: UInt16?
                            let body = record.body
                            decide: do {
                                guard body.count >= DNSRecordLayout.fixedSize else {
                                    rejection = .malformed
                                    break decide
                                }
                                let messageStart = DNSRecordLayout.messageStart(in: body)
                                guard messageStart <= body.count, body.count &- messageStart <= DNSRecordLayout.maximumMessageSize else {
                                    rejection = .malformed
                                    break decide
                                }
                                let message = body.subview(from: messageStart)
                                var summary: DNSQuestionSummary?
                                if needsQuestion {
                                    summary = DNSQuestionSummary.read(message, nameInto: nameBuffer)
                                    if summary?.hasQuestion != true { counters.unreadableQuestions &+= 1 }
                                } else if needsHeader, let flags = DNSQuestionSummary.headerFlags(message) {
                                    summary = DNSQuestionSummary(flags: flags, questionCount: 0, questionType: 0, questionClass: 0, nameLength: 0)
                                }
                                if let wantResponse {
                                    guard let summary, summary.isResponse == wantResponse else {
                                        rejection = .qr
                                        break decide
                                    }
                                }
                                if let rcodes {
                                    guard let summary, rcodes.contains(UInt16(summary.rcode)) else {
                                        rejection = .rcode
                                        break decide
                                    }
                                }
                                if let queryTypes {
                                    guard let summary, summary.hasQuestion, queryTypes.contains(summary.questionType) else {
                                        rejection = .qtype
                                        break decide
                                    }
                                }
                                if hasLists {
                                    let question = summary?.hasQuestion == true ? summary!.nameLength : 0
                                    if tagOnly {
                                        // Both lists, and the flags say what matched.
                                        let skipMatch = question > 0 && skipList?.contains(wireName: name, length: question, scratch: listScratch) == true
                                        let allowMatch = question > 0 && allowList?.contains(wireName: name, length: question, scratch: listScratch) == true
                                        var flags = DNSMatchFlags.evaluated.rawValue
                                        if skipMatch {
                                            flags |= DNSMatchFlags.skipMatch.rawValue
                                            counters.taggedSkip &+= 1
                                        }
                                        if allowMatch {
                                            flags |= DNSMatchFlags.allowMatch.rawValue
                                            counters.taggedAllow &+= 1
                                        }
                                        let existing = body.loadLittleEndian(at: DNSRecordLayout.matchFlagsOffset, as: UInt16.self)
                                        let updated = existing & ~DNSMatchFlags.all.rawValue | flags
                                        if updated != existing { matchFlags = updated }
                                    } else {
                                        // Filtering: records go on unchanged; the first list that rejects decides.
                                        if question > 0, skipList?.contains(wireName: name, length: question, scratch: listScratch) == true {
                                            rejection = .skip
                                            break decide
                                        }
                                        if let allowList, question == 0 || !allowList.contains(wireName: name, length: question, scratch: listScratch) {
                                            rejection = .allow
                                            break decide
                                        }
                                    }
                                }
                                if let deduplicator {
                                    let hash = Deduplicator.hash(dnsBody: body, message: message)
                                    if deduplicator.isDuplicate(
                                        hash: hash, time: body.loadLittleEndian(at: DNSRecordLayout.timeOffset, as: UInt64.self))
                                    {
                                        rejection = .duplicate
                                        break decide
                                    }
                                }
                                if sampler != nil, !sampler!.admit() {
                                    rejection = .sampled
                                    break decide
                                }
                            }
                            let changes = matchFlags != nil || (mask != nil && rejection != .malformed)
                            if let rejection {
                                switch rejection {
                                case .malformed: counters.malformed &+= 1
                                case .qr: counters.qrFiltered &+= 1
                                case .rcode: counters.rcodeFiltered &+= 1
                                case .qtype: counters.qtypeFiltered &+= 1
                                case .skip: counters.skipMatched &+= 1
                                case .allow: counters.allowMissed &+= 1
                                case .duplicate: counters.duplicates &+= 1
                                case .sampled: counters.sampledOut &+= 1
                                }
                                counters.failed &+= 1
                                if let failWriter {
                                    if changes {
                                        try Self.writePatched(record, to: failWriter, matchFlags: matchFlags, mask: mask)
                                        if mask != nil { counters.masked &+= 1 }
                                    } else {
                                        try failWriter.write(record)
                                    }
                                }
                                // The stretch of unchanged passed records ends here.
                                try stretch.flush(run, to: passWriter)
                                continue
                            }
                            counters.passed &+= 1
                            if changes {
                                try stretch.flush(run, to: passWriter)
                                try Self.writePatched(record, to: passWriter, matchFlags: matchFlags, mask: mask)
                                if mask != nil { counters.masked &+= 1 }
                                continue
                            }
                        }
                    }
                }
                // Passed unchanged (or an upstream STATS record): extend the stretch.
                stretch.extend(offset: offset, size: size)
            }
            try stretch.flush(run, to: passWriter)
            try self.writePeriodicStatsIfDue(counters)
        }
    }

    /// Copies a DNS record into the output with its match flags and addresses rewritten.
    @inline(__always)
    static func writePatched(_ record: RecordView, to writer: RecordWriter, matchFlags: UInt16?, mask: AddressMask?) throws(RecordWriteError) {
        let body = record.body
        try writer.writeRecord(type: .dns, flags: record.flags, bodySize: body.count) { out in
            out.copy(body, to: 0)
            if let matchFlags { out.storeLittleEndian(matchFlags, at: DNSRecordLayout.matchFlagsOffset) }
            if let mask { mask.applyToDNSBody(out) }
        }
    }
}
