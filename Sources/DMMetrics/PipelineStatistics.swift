import DMRecord

/// The latest STATS record of every stage process of a pipeline, as the last stage forwards
/// them: counters are totals since each process started, so the newest record per
/// (stage, process id, lane) replaces the one before, and a stage's value is the sum over its
/// processes (one per lane).
public struct PipelineStatistics: Sendable {
    /// Identifies one stage process.
    public struct Source: Hashable, Sendable, Comparable {
        public var stage: String
        public var processID: UInt32
        public var lane: UInt16

        public static func < (lhs: Source, rhs: Source) -> Bool {
            (lhs.stage, lhs.lane, lhs.processID) < (rhs.stage, rhs.lane, rhs.processID)
        }
    }

    private var latest: [Source: StatsRecord] = [:]
    /// Stage names in the order their first STATS arrived, and each stage's counter names in
    /// the order its records list them, for output that keeps the stages' own order.
    public private(set) var stageOrder: [String] = []
    private var counterOrder: [String: [String]] = [:]

    public init() {}

    /// Takes a STATS record: it replaces the previous one of the same process, unless it is
    /// older (a periodic snapshot overtaken by the final record).
    public mutating func record(_ stats: StatsRecord) {
        let source = Source(stage: stats.stage, processID: stats.processID, lane: stats.lane)
        if let previous = self.latest[source] {
            if previous.kind == .final && stats.kind != .final { return }
            if stats.timeNanoseconds < previous.timeNanoseconds && stats.kind != .final { return }
        }
        self.latest[source] = stats
        if self.counterOrder[stats.stage] == nil {
            self.stageOrder.append(stats.stage)
            self.counterOrder[stats.stage] = stats.counters.map(\.name)
        } else if self.counterOrder[stats.stage]!.count < stats.counters.count {
            // A later record may carry more counters (a list loaded since); keep the longest order.
            let known = Set(self.counterOrder[stats.stage]!)
            self.counterOrder[stats.stage]! += stats.counters.map(\.name).filter { !known.contains($0) }
        }
    }

    /// Whether any STATS of `stage` arrived.
    public func has(_ stage: String) -> Bool { self.counterOrder[stage] != nil }

    /// The counter names of `stage`, in the order the stage reports them.
    public func counterNames(_ stage: String) -> [String] { self.counterOrder[stage] ?? [] }

    /// The processes of `stage` that reported, by lane.
    public func sources(_ stage: String) -> [Source] {
        self.latest.keys.filter { $0.stage == stage }.sorted()
    }

    /// How many processes of `stage` reported.
    public func processCount(_ stage: String) -> Int { self.latest.keys.reduce(0) { $0 + ($1.stage == stage ? 1 : 0) } }

    /// How many processes of `stage` have sent their final STATS.
    public func finalCount(_ stage: String) -> Int {
        self.latest.reduce(0) { $0 + ($1.key.stage == stage && $1.value.kind == .final ? 1 : 0) }
    }

    /// The value `source` last reported for `counter` (0 when absent).
    public func value(_ source: Source, _ counter: String) -> UInt64 {
        self.latest[source]?[counter: counter] ?? 0
    }

    /// `counter` summed over every process of `stage` (0 when absent).
    public func sum(_ stage: String, _ counter: String) -> UInt64 {
        var total: UInt64 = 0
        for (source, stats) in self.latest where source.stage == stage {
            total &+= stats[counter: counter] ?? 0
        }
        return total
    }

    /// The sum over several counters of `stage`.
    public func sum(_ stage: String, _ counters: [String]) -> UInt64 {
        counters.reduce(0) { $0 &+ self.sum(stage, $1) }
    }
}
