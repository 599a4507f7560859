/// What a batching sink did with the records it was given.
public struct DeliveryCounters: Hashable, Sendable {
    /// Records of this run the destination took (its server confirmed them).
    public var written: UInt64 = 0
    /// Records an earlier run left in the spool folder, delivered in this one.
    public var earlier: UInt64 = 0
    /// Records of this run left in the spool folder at the end, for the next run.
    public var kept: UInt64 = 0
    /// Records lost: the server refused them for good, or they could not be delivered or
    /// spooled at the end.
    public var failed: UInt64 = 0
    /// Records that found the queue full and went to the spool folder.
    public var spooled: UInt64 = 0
    /// Records delivered from the spool folder (of this run or an earlier one: see ``earlier``).
    public var replayed: UInt64 = 0
    /// Records that found both the queue and the spool full (or no spool): lost, and counted.
    public var dropped: UInt64 = 0
    /// Batches delivered.
    public var batches: UInt64 = 0
    /// Delivery attempts that failed and were tried again.
    public var retries: UInt64 = 0
    /// Records waiting now, in the queue or the open batch.
    public var queued: UInt64 = 0

    public init() {}
}
