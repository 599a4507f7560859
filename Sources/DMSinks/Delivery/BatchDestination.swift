/// Where a batching sink's batches go: one per worker thread, so one connection each.
public protocol BatchDestination: AnyObject {
    /// Delivers `batch` whole, or throws; called on the worker's thread only.
    /// - Returns: how many of its records the destination could not take at all (a DNS
    ///   message that does not decode); they count as failed, the rest as written.
    /// - Throws: ``DeliveryFailure``; a permanent one is not retried.
    func deliver(_ batch: RecordBatch) throws(DeliveryFailure) -> Int
    /// Cuts short a delivery blocked on the network; called from another thread when the
    /// grace period at the end has passed.
    func interrupt()
    /// Closes the connection, at the end.
    func close()
}

/// A batch that could not be delivered.
public struct DeliveryFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, with the server's own message when it sent one.
    public var message: String
    /// Whether trying again cannot help (the server refused the data itself).
    public var isPermanent: Bool

    public init(message: String, isPermanent: Bool) {
        self.message = message
        self.isPermanent = isPermanent
    }

    public var description: String { self.message }
}
