import CDMShims

/// A key of a ``FlowTable``: what identifies one flow, with a hash keyed by a secret seed.
protocol FlowTableKey: Equatable {
    /// A hash of the key under `seed`. Flows are chosen by whoever sends the packets, so the
    /// hash must not let them predict which keys collide; the table's probe bound caps the
    /// damage when they do anyway.
    func flowHash(seed: FlowTableSeed) -> UInt64
}

/// The secret a table's hashes are keyed with, drawn once per process.
struct FlowTableSeed: Sendable {
    var first: UInt64
    var second: UInt64

    /// The process's seed: a Swift `Hasher` is itself seeded randomly per process.
    static let process: FlowTableSeed = {
        var first = Hasher(), second = Hasher()
        first.combine(0x5EED_0001 as UInt64)
        second.combine(0x5EED_0002 as UInt64)
        return FlowTableSeed(first: UInt64(bitPattern: Int64(first.finalize())), second: UInt64(bitPattern: Int64(second.finalize())))
    }()

    /// Folds two words into one through a full 128-bit product (wyhash's "mum"): cheap, and
    /// every output bit depends on every input bit and on the seed.
    @inline(__always)
    func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = (a ^ self.first).multipliedFullWidth(by: b ^ self.second)
        return product.high ^ product.low
    }
}

/// An open-addressing hash table from flow keys to per-flow state, for the reassembly tables
/// that are looked up once per packet: linear probing over one array, values changed in
/// place by slot, and removal by backward shift (no tombstones, so lookups never slow down
/// with churn).
///
/// Work per operation stays bounded against chosen keys: the hash is keyed by a secret seed,
/// and an insertion that would land more than ``maximumProbes`` slots from its home fails
/// instead (the caller counts the flow as refused), so equal hashes cannot pile up. The table
/// is at most half full and grows by doubling up to a size fixed at creation, so memory is
/// bounded too.
struct FlowTable<Key: FlowTableKey, Value> {
    /// The longest probe sequence: beyond it an insertion is refused.
    static var maximumProbes: Int { 64 }

    /// A slot's key and value, side by side: a lookup that found its hash then touches one
    /// more cache line (or two adjacent ones), not one per array.
    struct Entry {
        var key: Key?
        var value: Value?
    }

    // The hashes apart from the entries: probing reads only them (eight to a cache line) and
    // never copies an entry, whose value may hold arrays that would be retained and released.
    /// Each slot's hash, 0 when the slot is empty (``hash(of:)`` is never 0).
    private var hashes: [UInt64]
    private var entries: [Entry]
    private var mask: Int
    private let maximumSlotCount: Int
    private let seed: FlowTableSeed
    /// Entries held.
    private(set) var count = 0

    /// A table for at most `maximumCount` entries (it refuses insertions beyond that).
    init(maximumCount: Int, seed: FlowTableSeed = .process) {
        // At most half full, so probe sequences stay short.
        var slotCount = 2
        while slotCount < 2 * max(1, maximumCount) { slotCount *= 2 }
        self.maximumSlotCount = slotCount
        let initial = min(slotCount, 64)
        self.hashes = Array(repeating: 0, count: initial)
        self.entries = Array(repeating: Entry(key: nil, value: nil), count: initial)
        self.mask = initial - 1
        self.seed = seed
    }

    @inline(__always)
    private func hash(of key: Key) -> UInt64 {
        max(1, key.flowHash(seed: self.seed))
    }

    /// The slot holding `key`, or nil. Probes until the first empty slot, which exists: the
    /// table is never more than half full.
    @inline(__always)
    func find(_ key: Key) -> Int? {
        let hash = self.hash(of: key)
        var slot = Int(truncatingIfNeeded: hash) & self.mask
        while true {
            let slotHash = self.hashes[slot]
            if slotHash == 0 { return nil }
            if slotHash == hash && self.entries[slot].key == key { return slot }
            slot = (slot &+ 1) & self.mask
        }
    }

    /// Asks for the cache lines `key`'s lookup will read first (its home slot's hash and
    /// entry), without waiting for them: for a lookup known to come soon.
    @inline(__always)
    func prefetch(_ key: Key) {
        let slot = Int(truncatingIfNeeded: self.hash(of: key)) & self.mask
        self.hashes.withUnsafeBufferPointer { cdm_prefetch($0.baseAddress! + slot) }
        self.entries.withUnsafeBufferPointer { cdm_prefetch($0.baseAddress! + slot) }
    }

    /// Inserts `value` for `key`, which must not be in the table; returns its slot, or nil
    /// when the table is full or the slot would lie more than ``maximumProbes`` from the key's.
    @inline(__always)
    mutating func insert(_ key: Key, _ value: Value) -> Int? {
        if 2 * (self.count + 1) > self.hashes.count {
            guard self.hashes.count < self.maximumSlotCount else { return nil }
            self.grow()
        }
        let hash = self.hash(of: key)
        var slot = Int(truncatingIfNeeded: hash) & self.mask
        for _ in 0..<Self.maximumProbes {
            if self.hashes[slot] == 0 {
                self.hashes[slot] = hash
                self.entries[slot] = Entry(key: key, value: value)
                self.count += 1
                return slot
            }
            slot = (slot &+ 1) & self.mask
        }
        return nil
    }

    /// The value at `slot`, which must hold an entry; changed in place. A slot stays valid
    /// until the next insertion or removal.
    @inline(__always)
    subscript(slot: Int) -> Value {
        get { self.entries[slot].value! }
        _modify { yield &self.entries[slot].value! }
    }

    /// Removes and returns the entry at `slot`; the entries after it in its probe run move
    /// back, so no run is ever broken by a hole.
    @discardableResult @inline(__always)
    mutating func remove(at slot: Int) -> Value {
        let removed = self.entries[slot].value.take()!
        self.entries[slot].key = nil
        self.count -= 1
        var hole = slot
        var next = (slot &+ 1) & self.mask
        while self.hashes[next] != 0 {
            // An entry may move into the hole when the hole lies on its probe path, between
            // its home slot and where it is now (cyclically).
            let home = Int(truncatingIfNeeded: self.hashes[next]) & self.mask
            if (next &- home) & self.mask >= (next &- hole) & self.mask {
                // The hole's empty entry changes places with the one moving back.
                self.hashes[hole] = self.hashes[next]
                self.entries.swapAt(hole, next)
                hole = next
            }
            next = (next &+ 1) & self.mask
        }
        self.hashes[hole] = 0
        return removed
    }

    /// Doubles the slots and places every entry again.
    private mutating func grow() {
        let hashes = self.hashes
        var entries = self.entries
        let slotCount = hashes.count * 2
        self.hashes = Array(repeating: 0, count: slotCount)
        self.entries = Array(repeating: Entry(key: nil, value: nil), count: slotCount)
        self.mask = slotCount - 1
        for old in hashes.indices where hashes[old] != 0 {
            var slot = Int(truncatingIfNeeded: hashes[old]) & self.mask
            while self.hashes[slot] != 0 { slot = (slot &+ 1) & self.mask }
            self.hashes[slot] = hashes[old]
            swap(&self.entries[slot], &entries[old])
        }
    }
}
