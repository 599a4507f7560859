import DMBytes

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
/// that are looked up once per packet.
///
/// The hash index is one array of 8-byte slots, each a 32-bit hash tag and the number of an
/// entry; the entries live apart, in a dense array whose freed places are reused newest
/// first. Probing reads eight slots to a cache line, growing rewrites only the slots, and an
/// entry never moves: its number (the "slot" handed to callers) stays valid until it is
/// removed, so callers may queue it. Removal shifts later slots of the probe run back (no
/// tombstones, so lookups never slow down with churn). A stream evicted and a new one
/// inserted right after share a place in the entries, which is then still in the cache.
///
/// Work per operation stays bounded against chosen keys: the hash is keyed by a secret seed,
/// and an insertion that would land more than ``maximumProbes`` slots from its home fails
/// instead (the caller counts the flow as refused), so equal hashes cannot pile up. The table
/// is at most half full and grows by doubling up to a size fixed at creation; the entries
/// number at most the peak count held, so memory is bounded too.
struct FlowTable<Key: FlowTableKey, Value> {
    /// The longest probe sequence: beyond it an insertion is refused.
    static var maximumProbes: Int { 64 }

    /// A key and its value, with the hash tag that leads back to its slot.
    private struct Entry {
        var key: Key
        var value: Value?
        var tag: UInt32
    }

    /// Each slot: 0 when empty, else the hash tag (high half) and entry number + 1 (low half).
    private var slots: [UInt64]
    private var entries: [Entry] = []
    /// Numbers of entries whose value was removed, most recently freed last.
    private var freeEntries: [UInt32] = []
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
        precondition(slotCount <= 1 << 32, "a flow table numbers its entries in 32 bits")
        self.maximumSlotCount = slotCount
        let initial = min(slotCount, 64)
        self.slots = Array(repeating: 0, count: initial)
        self.mask = initial - 1
        self.seed = seed
        // Room for the entries up front (address space only: pages are touched as entries
        // are made), so that a filling table never copies them into a twice larger array.
        self.entries.reserveCapacity(min(maximumCount, Self.reservedEntries))
    }

    /// The most entries reserved up front: the default TCP stream bound.
    private static var reservedEntries: Int { 1 << 16 }

    /// The low 32 bits of the seeded hash: they choose the home slot (tables have at most
    /// 2^32 slots) and tell most keys of one probe run apart without reading their entries.
    @inline(__always)
    private func tag(of key: Key) -> UInt32 {
        UInt32(truncatingIfNeeded: key.flowHash(seed: self.seed))
    }

    @inline(__always)
    private func home(of tag: UInt32) -> Int { Int(tag) & self.mask }

    @inline(__always)
    private static func slot(tag: UInt32, entry: Int) -> UInt64 {
        UInt64(tag) << 32 | UInt64(entry + 1)
    }

    @inline(__always)
    private static func entry(in slot: UInt64) -> Int {
        Int(UInt32(truncatingIfNeeded: slot)) - 1
    }

    /// The entry number of `key`, or nil. Probes until the first empty slot, which exists:
    /// the table is never more than half full.
    @inline(__always)
    func find(_ key: Key) -> Int? {
        let tag = self.tag(of: key)
        var position = self.home(of: tag)
        while true {
            let slot = self.slots[position]
            if slot == 0 { return nil }
            if UInt32(truncatingIfNeeded: slot >> 32) == tag {
                let entry = Self.entry(in: slot)
                if self.entries[entry].key == key { return entry }
            }
            position = (position &+ 1) & self.mask
        }
    }

    /// Whether entry number `entry` holds a value: for callers that queued the number and may
    /// have seen the entry removed since (its number may then hold another key).
    @inline(__always)
    func isOccupied(_ entry: Int) -> Bool {
        entry < self.entries.count && self.entries[entry].value != nil
    }

    /// The key of entry number `entry`, which must hold a value.
    @inline(__always)
    func key(at entry: Int) -> Key { self.entries[entry].key }

    /// Asks for the cache line of the slot that leads to entry number `entry` without waiting
    /// for it: for a removal known to come soon. A removed entry's stale tag only makes the
    /// request useless, not wrong.
    @inline(__always)
    func prefetchSlot(ofEntry entry: Int) {
        guard entry < self.entries.count else { return }
        let position = self.home(of: self.entries[entry].tag)
        self.slots.requestCacheLine(ofElement: position)
    }

    /// Asks for the cache line of entry number `entry` without waiting for it.
    @inline(__always)
    func prefetch(entry: Int) {
        self.entries.requestCacheLine(ofElement: entry)
    }

    /// Inserts `value` for `key`, which must not be in the table; returns its entry number,
    /// or nil when the table is full or the slot would lie more than ``maximumProbes`` from
    /// the key's home.
    @inline(__always)
    mutating func insert(_ key: Key, _ value: Value) -> Int? {
        if 2 * (self.count + 1) > self.slots.count {
            guard self.slots.count < self.maximumSlotCount else { return nil }
            self.grow()
        }
        let tag = self.tag(of: key)
        var position = self.home(of: tag)
        for _ in 0..<Self.maximumProbes {
            if self.slots[position] == 0 {
                let entry: Int
                if let free = self.freeEntries.popLast() {
                    entry = Int(free)
                    self.entries[entry] = Entry(key: key, value: value, tag: tag)
                } else {
                    entry = self.entries.count
                    self.entries.append(Entry(key: key, value: value, tag: tag))
                }
                self.slots[position] = Self.slot(tag: tag, entry: entry)
                self.count += 1
                return entry
            }
            position = (position &+ 1) & self.mask
        }
        return nil
    }

    /// The value of entry number `entry`, which must hold one; changed in place.
    @inline(__always)
    subscript(entry: Int) -> Value {
        get { self.entries[entry].value! }
        _modify { yield &self.entries[entry].value! }
    }

    /// Removes and returns the value of entry number `entry`. Its slot is found by probing
    /// from its tag's home; the slots after it in the probe run move back, so no run is ever
    /// broken by a hole.
    @discardableResult @inline(__always)
    mutating func remove(at entry: Int) -> Value {
        let removed = self.entries[entry].value.take()!
        let wanted = Self.slot(tag: self.entries[entry].tag, entry: entry)
        var hole = self.home(of: self.entries[entry].tag)
        while self.slots[hole] != wanted { hole = (hole &+ 1) & self.mask }
        self.freeEntries.append(UInt32(entry))
        self.count -= 1
        var next = (hole &+ 1) & self.mask
        while self.slots[next] != 0 {
            // A slot may move into the hole when the hole lies on its probe path, between its
            // home and where it is now (cyclically).
            let home = self.home(of: UInt32(truncatingIfNeeded: self.slots[next] >> 32))
            if (next &- home) & self.mask >= (next &- hole) & self.mask {
                self.slots[hole] = self.slots[next]
                hole = next
            }
            next = (next &+ 1) & self.mask
        }
        self.slots[hole] = 0
        return removed
    }

    /// Doubles the slots and indexes every entry held again; the entries stay where they are.
    private mutating func grow() {
        let slotCount = self.slots.count * 2
        self.slots = Array(repeating: 0, count: slotCount)
        self.mask = slotCount - 1
        for entry in self.entries.indices where self.entries[entry].value != nil {
            let tag = self.entries[entry].tag
            var position = self.home(of: tag)
            while self.slots[position] != 0 { position = (position &+ 1) & self.mask }
            self.slots[position] = Self.slot(tag: tag, entry: entry)
        }
    }
}
