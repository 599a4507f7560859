/// A skip or allow list of domain names, matched label by label in O(name length).
///
/// Entries are `prefix`, `suffix` or `fqdn` names (dnsmonster's kinds). Matching is
/// case-insensitive (ASCII) and **label-aware**: a suffix entry matches whole trailing labels
/// (`google.com.` matches `google.com.` and `www.google.com.`, not `notgoogle.com.`), a prefix
/// entry whole leading labels (`ads.` matches `ads.example.net.` and `ads.`, not
/// `adsx.example.net.`), an fqdn entry the exact name. Names are absolute: a missing trailing
/// dot is added, in the list and in the query alike.
///
/// Names are held as uncompressed, lowercased wire labels (`06 google 03 com 00`), so a label
/// boundary is never ambiguous. Every entry is a key in one open-addressing hash table; a
/// query hashes each of its labels once and combines the label hashes into the hash of every
/// leading and every trailing run of labels, then probes only the runs whose label count some
/// entry has. Probes cost one cache line each; a hit is confirmed by comparing the bytes.
///
/// A list is immutable once built, so a reloaded list can be swapped in whole while records
/// are matched against the old one (see ``DomainListLoader``).
public final class DomainList: @unchecked Sendable {
    /// How an entry matches.
    public struct Kind: OptionSet, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The exact name.
        public static let fqdn = Kind(rawValue: 1)
        /// The name and every name below it (whole trailing labels).
        public static let suffix = Kind(rawValue: 2)
        /// Every name that starts with these whole labels.
        public static let prefix = Kind(rawValue: 4)

        public var description: String {
            [(Kind.fqdn, "fqdn"), (.suffix, "suffix"), (.prefix, "prefix")].filter { self.contains($0.0) }.map(\.1).joined(separator: "+")
        }
    }

    /// The entry a name matched, for reports and tests.
    public struct Match: Hashable, Sendable, CustomStringConvertible {
        /// How it matched.
        public var kind: Kind
        /// The entry as text: lowercase, absolute (`google.com.`).
        public var entry: String
        public var description: String { "\(self.kind)(\(self.entry))" }
    }

    /// Entries by kind (a name listed as two kinds counts in both).
    public let fqdnCount: Int
    public let suffixCount: Int
    public let prefixCount: Int
    /// Distinct keys in the table.
    public let keyCount: Int

    /// Open-addressing table: `fingerprint << 32 | (entry index + 1)`, 0 when empty.
    @usableFromInline let slots: UnsafeMutablePointer<UInt64>
    @usableFromInline let slotMask: Int
    /// Per entry: where its key lies in `arena` and its kinds.
    @usableFromInline let entries: UnsafeMutablePointer<Entry>
    /// The keys' bytes back to back.
    @usableFromInline let arena: UnsafeMutablePointer<UInt8>
    /// Bit n set: some suffix or fqdn entry has n labels (n < 128).
    @usableFromInline let tailCounts: (UInt64, UInt64)
    /// Bit n set: some prefix entry has n labels.
    @usableFromInline let headCounts: (UInt64, UInt64)

    @usableFromInline
    struct Entry {
        @usableFromInline var offset: UInt32
        @usableFromInline var length: UInt16
        @usableFromInline var kinds: UInt8
        @usableFromInline var isHead: Bool
    }

    /// The number of entries (all kinds).
    public var count: Int { self.fqdnCount + self.suffixCount + self.prefixCount }

    /// An empty list.
    public convenience init() {
        var builder = Builder(expectedEntries: 0, expectedBytes: 0)
        self.init(builder: &builder)
    }

    init(builder: inout Builder) {
        self.slots = builder.slots
        self.slotMask = builder.slotMask
        self.entries = builder.entries
        self.arena = builder.arena
        self.tailCounts = builder.tailCounts
        self.headCounts = builder.headCounts
        self.fqdnCount = builder.fqdnCount
        self.suffixCount = builder.suffixCount
        self.prefixCount = builder.prefixCount
        self.keyCount = builder.entryCount
        builder.handedOver = true
    }

    deinit {
        self.slots.deallocate()
        self.entries.deallocate()
        self.arena.deallocate()
    }

    // MARK: Matching

    /// Whether the lowercased wire name (as ``DNSQuestionSummary`` writes it) matches an entry.
    /// `name` must be readable for 8 bytes past `length` (``DNSQuestionSummary/nameBufferSize``).
    @inlinable
    public func contains(wireName name: UnsafeRawPointer, length: Int) -> Bool {
        self.firstMatch(wireName: name, length: length) >= 0
    }

    /// The entry a wire name matches, or nil. Suffixes and fqdns are tried longest first, then
    /// prefixes shortest first.
    public func match(wireName name: UnsafeRawPointer, length: Int) -> Match? {
        let index = self.firstMatch(wireName: name, length: length)
        guard index >= 0 else { return nil }
        let entry = self.entries[index]
        var kinds = Kind(rawValue: entry.kinds)
        // Report the kind that matched: a head key is a prefix; a tail key is an fqdn only
        // when it is the whole name.
        if entry.isHead {
            kinds = .prefix
        } else {
            kinds.remove(.prefix)
            if Int(entry.length) != length || !kinds.contains(.fqdn) { kinds.remove(.fqdn) } else { kinds = .fqdn }
        }
        return Match(kind: kinds, entry: DomainName.text(wire: UnsafeRawBufferPointer(start: self.arena + Int(entry.offset), count: Int(entry.length)), head: entry.isHead))
    }

    /// Matches a name given as text (`www.Example.com` or `www.example.com.`), for tests and tools.
    public func match(_ name: String) -> Match? {
        guard let wire = DomainName.wire(name) else { return nil }
        return wire.withUnsafeBytes { raw in
            withUnsafeTemporaryAllocation(byteCount: DNSQuestionSummary.nameBufferSize, alignment: 8) { buffer in
                buffer.initializeMemory(as: UInt8.self, repeating: 0)
                buffer.copyMemory(from: raw)
                return self.match(wireName: UnsafeRawPointer(buffer.baseAddress!), length: raw.count)
            }
        }
    }

    /// The index of the entry matched, or -1.
    @inlinable
    func firstMatch(wireName name: UnsafeRawPointer, length: Int) -> Int {
        guard length > 0, length <= 255 else { return -1 }
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 256) { scratch in
            // Label hashes in scratch[0..<128], label starts in scratch[128..<256].
            let hashes = scratch.baseAddress!
            let starts = hashes + 128
            var labels = 0
            var offset = 0
            while offset < length {
                let size = Int(name.load(fromByteOffset: offset, as: UInt8.self))
                if size == 0 { break }
                guard size < 64, labels < 127, offset + 1 + size < length else { return -1 }
                hashes[labels] = DomainName.labelHash(name + offset, count: 1 + size)
                starts[labels] = UInt64(offset)
                labels += 1
                offset += 1 + size
            }
            guard offset == length - 1 else { return -1 }
            // Trailing runs, the whole name first (fqdn and the longest suffix), down to the root.
            let tails = self.tailCounts
            if tails.0 | tails.1 != 0 {
                var hash = DomainName.tailSeed
                var tailMatch = -1
                if Self.has(tails, 0), let found = self.probe(hash, name + offset, 1, head: false, whole: labels == 0) {
                    if labels == 0 { return found.index }
                    tailMatch = found.index
                }
                var index = labels - 1
                while index >= 0 {
                    hash = DomainName.combine(hash, hashes[index])
                    let count = labels - index
                    if Self.has(tails, count) {
                        let start = Int(starts[index])
                        if let found = self.probe(hash, name + start, length - start, head: false, whole: index == 0) {
                            if index == 0 { return found.index }
                            if found.suffix { tailMatch = found.index }
                        }
                    }
                    index -= 1
                }
                if tailMatch >= 0 { return tailMatch }
            }
            let heads = self.headCounts
            if heads.0 | heads.1 != 0 {
                var hash = DomainName.headSeed
                if Self.has(heads, 0), let found = self.probe(hash, name, 0, head: true, whole: false) { return found.index }
                for index in 0..<labels {
                    hash = DomainName.combine(hash, hashes[index])
                    if Self.has(heads, index + 1) {
                        let end = index + 1 < labels ? Int(starts[index + 1]) : offset
                        if let found = self.probe(hash, name, end, head: true, whole: false) { return found.index }
                    }
                }
            }
            return -1
        }
    }

    @inlinable @inline(__always)
    static func has(_ counts: (UInt64, UInt64), _ n: Int) -> Bool {
        n < 64 ? (counts.0 >> UInt64(n)) & 1 != 0 : (counts.1 >> UInt64(n - 64)) & 1 != 0
    }

    /// Looks up one key. For a tail key, `suffix` tells whether the entry is a suffix entry
    /// (the caller accepts an fqdn entry only for the whole name). `whole` marks the whole name.
    @inlinable
    func probe(_ hash: UInt64, _ key: UnsafeRawPointer, _ count: Int, head: Bool, whole: Bool) -> (index: Int, suffix: Bool)? {
        let fingerprint = hash >> 32
        var slot = Int(truncatingIfNeeded: hash) & self.slotMask
        while true {
            let value = self.slots[slot]
            if value == 0 { return nil }
            if value >> 32 == fingerprint {
                let index = Int(truncatingIfNeeded: value & 0xFFFF_FFFF) - 1
                let entry = self.entries[index]
                if Int(entry.length) == count, entry.isHead == head,
                    count == 0 || memcmpEqual(self.arena + Int(entry.offset), key, count)
                {
                    let kinds = Kind(rawValue: entry.kinds)
                    if head { return kinds.contains(.prefix) ? (index, false) : nil }
                    if kinds.contains(.suffix) { return (index, true) }
                    return whole && kinds.contains(.fqdn) ? (index, false) : nil
                }
            }
            slot = (slot + 1) & self.slotMask
        }
    }
}

/// Byte equality of two ranges of `count` bytes.
@inlinable @inline(__always)
func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var index = 0
    while count - index >= 8 {
        if a.loadUnaligned(fromByteOffset: index, as: UInt64.self) != b.loadUnaligned(fromByteOffset: index, as: UInt64.self) { return false }
        index += 8
    }
    while index < count {
        if a.load(fromByteOffset: index, as: UInt8.self) != b.load(fromByteOffset: index, as: UInt8.self) { return false }
        index += 1
    }
    return true
}

extension DomainList {
    /// Builds a list entry by entry; ``DomainListParser`` feeds it from CSV.
    public struct Builder: ~Copyable {
        @usableFromInline var slots: UnsafeMutablePointer<UInt64>
        @usableFromInline var slotMask: Int
        @usableFromInline var entries: UnsafeMutablePointer<DomainList.Entry>
        @usableFromInline var entryCapacity: Int
        @usableFromInline var entryCount = 0
        @usableFromInline var arena: UnsafeMutablePointer<UInt8>
        @usableFromInline var arenaCapacity: Int
        @usableFromInline var arenaUsed = 0
        var tailCounts: (UInt64, UInt64) = (0, 0)
        var headCounts: (UInt64, UInt64) = (0, 0)
        var fqdnCount = 0
        var suffixCount = 0
        var prefixCount = 0
        var handedOver = false

        /// Sizes the table for about `expectedEntries` entries of `expectedBytes` wire bytes in
        /// all; it grows when they are exceeded.
        public init(expectedEntries: Int, expectedBytes: Int) {
            let slotCount = Self.slotCount(for: max(expectedEntries, 8))
            self.slots = .allocate(capacity: slotCount)
            self.slots.initialize(repeating: 0, count: slotCount)
            self.slotMask = slotCount - 1
            self.entryCapacity = max(expectedEntries, 8)
            self.entries = .allocate(capacity: self.entryCapacity)
            self.arenaCapacity = max(expectedBytes, 64)
            self.arena = .allocate(capacity: self.arenaCapacity)
        }

        deinit {
            if !self.handedOver {
                self.slots.deallocate()
                self.entries.deallocate()
                self.arena.deallocate()
            }
        }

        /// A power of two at least twice the entries (load factor ≤ ½).
        static func slotCount(for entries: Int) -> Int {
            var count = 16
            while count < entries * 2 { count <<= 1 }
            return count
        }

        /// Adds a name of `kind` given as lowercased wire labels, root label included
        /// (``DomainName/wire(_:)`` makes them from text).
        public mutating func add(wireName name: [UInt8], kind: Kind) {
            var padded = name + [UInt8](repeating: 0, count: 8)
            padded.withUnsafeMutableBytes { raw in
                self.add(wireName: UnsafeRawPointer(raw.baseAddress!), length: name.count, kind: kind)
            }
        }

        /// Adds a name of `kind` given as lowercased wire labels, root label included, at `name`
        /// (readable for 8 bytes past `length`; the name must be well formed).
        public mutating func add(wireName name: UnsafeRawPointer, length: Int, kind: Kind) {
            let head = kind == .prefix
            let (hash, labels) = DomainName.keyHash(name, length: head ? length - 1 : length, head: head)
            if head { Self.set(&self.headCounts, labels) } else { Self.set(&self.tailCounts, labels) }
            // A prefix key is the name without its root label.
            self.insert(hash: hash, key: UnsafeRawBufferPointer(start: name, count: head ? length - 1 : length), kind: kind, head: head)
            switch kind {
            case .fqdn: self.fqdnCount += 1
            case .suffix: self.suffixCount += 1
            default: self.prefixCount += 1
            }
        }

        static func set(_ counts: inout (UInt64, UInt64), _ n: Int) {
            if n < 64 { counts.0 |= 1 << UInt64(n) } else { counts.1 |= 1 << UInt64(n - 64) }
        }

        mutating func insert(hash: UInt64, key: UnsafeRawBufferPointer, kind: Kind, head: Bool) {
            let fingerprint = hash >> 32
            var slot = Int(truncatingIfNeeded: hash) & self.slotMask
            while true {
                let value = self.slots[slot]
                if value == 0 { break }
                if value >> 32 == fingerprint {
                    let index = Int(truncatingIfNeeded: value & 0xFFFF_FFFF) - 1
                    let entry = self.entries[index]
                    if Int(entry.length) == key.count, entry.isHead == head,
                        key.count == 0 || memcmpEqual(self.arena + Int(entry.offset), key.baseAddress!, key.count)
                    {
                        self.entries[index].kinds |= kind.rawValue
                        return
                    }
                }
                slot = (slot + 1) & self.slotMask
            }
            if self.entryCount == self.entryCapacity { self.growEntries() }
            if self.arenaUsed + key.count > self.arenaCapacity { self.growArena(key.count) }
            if key.count > 0 { (self.arena + self.arenaUsed).update(from: key.baseAddress!.assumingMemoryBound(to: UInt8.self), count: key.count) }
            self.entries[self.entryCount] = DomainList.Entry(
                offset: UInt32(self.arenaUsed), length: UInt16(key.count), kinds: kind.rawValue, isHead: head)
            self.arenaUsed += key.count
            self.entryCount += 1
            self.slots[slot] = fingerprint << 32 | UInt64(self.entryCount)
            if self.entryCount * 2 > self.slotMask + 1 { self.growSlots() }
        }

        mutating func growEntries() {
            let capacity = self.entryCapacity * 2
            let grown = UnsafeMutablePointer<DomainList.Entry>.allocate(capacity: capacity)
            grown.moveInitialize(from: self.entries, count: self.entryCount)
            self.entries.deallocate()
            self.entries = grown
            self.entryCapacity = capacity
        }

        mutating func growArena(_ needed: Int) {
            let capacity = max(self.arenaCapacity * 2, self.arenaUsed + needed)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            grown.update(from: self.arena, count: self.arenaUsed)
            self.arena.deallocate()
            self.arena = grown
            self.arenaCapacity = capacity
        }

        /// Doubles the table and re-inserts every entry (its hash is recomputed from its key).
        mutating func growSlots() {
            let slotCount = (self.slotMask + 1) * 2
            self.slots.deallocate()
            self.slots = .allocate(capacity: slotCount)
            self.slots.initialize(repeating: 0, count: slotCount)
            self.slotMask = slotCount - 1
            var padded = [UInt8](repeating: 0, count: 264)
            for index in 0..<self.entryCount {
                let entry = self.entries[index]
                let length = Int(entry.length)
                padded.withUnsafeMutableBytes { raw in
                    raw.initializeMemory(as: UInt8.self, repeating: 0)
                    if length > 0 { raw.baseAddress!.copyMemory(from: self.arena + Int(entry.offset), byteCount: length) }
                }
                let hash = padded.withUnsafeBytes { raw in DomainName.keyHash(raw.baseAddress!, length: length, head: entry.isHead).hash }
                var slot = Int(truncatingIfNeeded: hash) & self.slotMask
                while self.slots[slot] != 0 { slot = (slot + 1) & self.slotMask }
                self.slots[slot] = (hash >> 32) << 32 | UInt64(index + 1)
            }
        }

        /// The finished list.
        public consuming func build() -> DomainList {
            var builder = self
            return DomainList(builder: &builder)
        }
    }
}
