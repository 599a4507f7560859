/// The keys of a reassembly table in the order their entries were created, so the oldest can
/// be expired or evicted in O(1) amortised time.
///
/// Entries removed from the table (completed, closed, discarded) stay in the queue until they
/// reach its front; each entry carries a generation number, and the table's entry stores the
/// generation it was created with, so a stale queue entry — or one for a key that was removed
/// and created again — is recognised and skipped.
struct InsertionOrder<Key: Hashable> {
    private var entries: [(generation: UInt64, key: Key)] = []
    private var start = 0
    private var lastGeneration: UInt64 = 0

    /// Records a new table entry for `key` and returns its generation.
    mutating func append(_ key: Key) -> UInt64 {
        self.lastGeneration &+= 1
        self.entries.append((self.lastGeneration, key))
        return self.lastGeneration
    }

    /// The oldest queued entry, live or stale.
    var oldest: (generation: UInt64, key: Key)? {
        self.start < self.entries.count ? self.entries[self.start] : nil
    }

    /// Drops the oldest queued entry.
    mutating func removeOldest() {
        self.start += 1
        // Reclaim the consumed front once it is most of the storage.
        if self.start > 4096 && self.start * 2 > self.entries.count {
            self.entries.removeFirst(self.start)
            self.start = 0
        }
    }
}
