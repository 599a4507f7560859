/// The entries of a reassembly table in the order they were created, so the oldest can be
/// expired or evicted in O(1) time.
///
/// Each queued element names a table entry (its key, or its number in a ``FlowTable``).
/// Entries removed from the table (completed, closed, discarded) stay in the queue until they
/// reach its front; each carries a generation number, and the table's entry stores the
/// generation it was created with, so a stale queue element — or one for an entry that was
/// removed and created again — is recognised and skipped.
///
/// The queue is a ring over one array, doubled when full: a table that churns through
/// millions of entries reuses the same memory instead of growing and moving it.
struct InsertionOrder<Element> {
    private var ring: [(generation: UInt64, element: Element)?] = Array(repeating: nil, count: 16)
    /// Where the oldest element is.
    private var start = 0
    private(set) var count = 0
    private var lastGeneration: UInt64 = 0

    /// Queues a new table entry named by `element` and returns its generation.
    mutating func append(_ element: Element) -> UInt64 {
        self.lastGeneration &+= 1
        if self.count == self.ring.count { self.grow() }
        self.ring[(self.start &+ self.count) & (self.ring.count - 1)] = (self.lastGeneration, element)
        self.count += 1
        return self.lastGeneration
    }

    /// The oldest queued element, live or stale.
    var oldest: (generation: UInt64, element: Element)? {
        self.count > 0 ? self.ring[self.start] : nil
    }

    /// The element queued after the oldest, if any: for asking for its entry ahead of time.
    var secondOldest: (generation: UInt64, element: Element)? {
        self.count > 1 ? self.ring[(self.start &+ 1) & (self.ring.count - 1)] : nil
    }

    /// Drops the oldest queued element.
    mutating func removeOldest() {
        guard self.count > 0 else { return }
        self.ring[self.start] = nil
        self.start = (self.start &+ 1) & (self.ring.count - 1)
        self.count -= 1
    }

    /// Drops every queued element `isStale` picks, keeping the others in order: for a table
    /// whose front entry stays alive while the stale elements behind it pile up.
    mutating func removeAll(where isStale: (_ generation: UInt64, _ element: Element) -> Bool) {
        var kept = 0
        for index in 0..<self.count {
            let position = (self.start &+ index) & (self.ring.count - 1)
            let queued = self.ring[position]!
            self.ring[position] = nil
            if !isStale(queued.generation, queued.element) {
                self.ring[(self.start &+ kept) & (self.ring.count - 1)] = queued
                kept += 1
            }
        }
        self.count = kept
    }

    /// Doubles the ring, oldest element first.
    private mutating func grow() {
        var ring: [(generation: UInt64, element: Element)?] = []
        ring.reserveCapacity(self.ring.count * 2)
        for index in 0..<self.count { ring.append(self.ring[(self.start &+ index) & (self.ring.count - 1)]) }
        ring.append(contentsOf: repeatElement(nil, count: self.ring.count * 2 - self.count))
        self.ring = ring
        self.start = 0
    }
}
