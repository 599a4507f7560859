/// One counter a stage reports: its name in STATS records and the summary line, what it
/// counts (for `--help`), and where its value is read from.
public struct Counter<Counters>: Sendable {
    /// The name in STATS records, summary lines and metrics: lower case with underscores.
    public let name: String
    /// What it counts, as `--help` says it.
    public let meaning: String
    /// The value, or nil when the counter does not apply to this run (a list not given, a
    /// sink not configured): then it is left out of STATS rather than reported as 0.
    private let read: @Sendable (Counters) -> UInt64?

    /// A counter named `name` that counts `meaning`, read from a stage's counters by `read`.
    public init(_ name: String, _ meaning: String, _ read: @escaping @Sendable (Counters) -> UInt64?) {
        self.name = name
        self.meaning = meaning
        self.read = read
    }

    /// This counter's value in `counters`; nil when it does not apply to the run.
    public func value(in counters: Counters) -> UInt64? {
        self.read(counters)
    }
}

/// A stage's counters, each declared once with its name and meaning: STATS records, the summary
/// line, `--help` and the tests all read the declaration, so none repeats the list.
public protocol StageCounters {
    /// Every counter the stage can report, in the order STATS lists them.
    static var declared: [Counter<Self>] { get }
}

extension StageCounters {
    /// The counters that apply to this run, in declaration order, as STATS fields.
    public var fields: [(name: String, value: UInt64)] {
        Self.declared.compactMap { counter in counter.value(in: self).map { (counter.name, $0) } }
    }

    /// Every declared counter's name.
    public static var names: [String] { Self.declared.map(\.name) }

    /// The paragraph `--help` ends with: each counter's name and meaning.
    public static var help: String {
        "Counters (STATS records and the summary line): "
            + Self.declared.map { "\($0.name): \($0.meaning)" }.joined(separator: "; ") + "."
    }
}

/// The clock check of a stage's record loop: the monotonic clock is read once per
/// ``interval`` records (reading it per record costs more than the record) and right after
/// the input was idle, so periodic STATS are on time both under load and when traffic stops.
public struct StatsCountdown {
    /// Records between two looks at the clock.
    public static let interval = 1024

    @usableFromInline var remaining = Self.interval

    public init() {}

    /// Counts one record; true when the stage should look whether STATS are due now (and the
    /// countdown starts again).
    /// - Parameter inputWentIdle: the input waited since the last look.
    @inlinable
    public mutating func shouldCheck(inputWentIdle: Bool = false) -> Bool {
        self.remaining &-= 1
        guard self.remaining <= 0 || inputWentIdle else { return false }
        self.remaining = Self.interval
        return true
    }

    /// Makes the next record's ``shouldCheck(inputWentIdle:)`` true: after an upstream STATS
    /// record, which the stage's own should follow promptly.
    public mutating func checkNext() {
        self.remaining = 0
    }
}
