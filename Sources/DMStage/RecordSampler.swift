/// `--sample A:B`: keeps exactly A of every B records, the first A of each run of B.
///
/// The same rule as dm-capture's `--sample` (which applies it to packets). dnsmonster's
/// `--sampleRatio` skews it (its 1:10 keeps about 25 % of packets); this keeps exactly 10 %.
@frozen
public struct RecordSampler: Hashable, Sendable {
    /// Records kept per run.
    public let keep: UInt64
    /// The run length.
    public let outOf: UInt64
    /// Records seen so far.
    public var seen: UInt64 { self.count }
    @usableFromInline var count: UInt64 = 0

    /// Nil unless 0 ≤ keep ≤ outOf and outOf > 0.
    public init?(keep: UInt64, outOf: UInt64) {
        guard outOf > 0, keep <= outOf else { return nil }
        self.keep = keep
        self.outOf = outOf
    }

    /// Parses `A:B`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let keep = UInt64(parts[0]), let outOf = UInt64(parts[1]) else { return nil }
        self.init(keep: keep, outOf: outOf)
    }

    /// Whether the next record is kept.
    @inlinable
    public mutating func admit() -> Bool {
        let position = self.count % self.outOf
        self.count &+= 1
        return position < self.keep
    }
}
