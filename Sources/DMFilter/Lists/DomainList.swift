import DMBytes
import DNSWire

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
/// leading and every trailing run of labels (``DomainName``), then looks up only the runs whose
/// label count some entry has: first in a Bloom filter (one 64-bit word per run, 1 MiB per
/// million entries), then, for the few that pass, in the table, where a hit is confirmed by
/// comparing the bytes.
///
/// A list is immutable once built, so a reloaded list can be swapped in whole while records
/// are matched against the old one (see ``DomainListLoader``).
public final class DomainList: @unchecked Sendable {
    /// How an entry matches.
    public struct Kind: OptionSet, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The exact name.
        @inlinable public static var fqdn: Kind { Kind(rawValue: 1) }
        /// The name and every name below it (whole trailing labels).
        @inlinable public static var suffix: Kind { Kind(rawValue: 2) }
        /// Every name that starts with these whole labels.
        @inlinable public static var prefix: Kind { Kind(rawValue: 4) }

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
    @usableFromInline let slots: ValueStorage<UInt64>
    @usableFromInline let slotMask: Int
    /// Per entry: where its key lies in `arena` and its kinds.
    @usableFromInline let entries: ValueStorage<Entry>
    /// The keys' bytes back to back, then 8 zero bytes for the hash's 8-byte loads.
    @usableFromInline let arena: ByteView
    @usableFromInline let arenaStorage: ByteStorage
    /// A blocked Bloom filter over the keys' hashes (three bits in one 64-bit word per key,
    /// about 8 keys per word: 1 MiB for a million entries, so it stays in the L2 cache). A
    /// probe whose bits are not all set is a miss without touching the table; about 3 % of
    /// misses get past it.
    @usableFromInline let bloom: ValueStorage<UInt64>
    @usableFromInline let bloomMask: Int
    /// ``DomainName/powers``, held here so the hot path reads no global.
    @usableFromInline let powers: StaticTable<UInt64>
    /// Bit n set: some suffix or fqdn entry has n labels (n < 128).
    @usableFromInline let tailCounts: (UInt64, UInt64)
    /// Bit n set: some prefix entry has n labels.
    @usableFromInline let headCounts: (UInt64, UInt64)

    @usableFromInline
    struct Entry: BitwiseCopyable {
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
        self.arenaStorage = builder.arena
        self.arena = builder.arena.view
        self.tailCounts = builder.tailCounts
        self.headCounts = builder.headCounts
        self.fqdnCount = builder.fqdnCount
        self.suffixCount = builder.suffixCount
        self.prefixCount = builder.prefixCount
        self.keyCount = builder.entryCount
        self.powers = DomainName.powers
        if builder.bloomMask + 1 >= (self.keyCount + 7) / 8 {
            self.bloom = builder.bloom
            self.bloomMask = builder.bloomMask
        } else {
            // More keys than the builder was sized for: a filter of the right size, from the keys.
            let words = Self.bloomWords(for: self.keyCount)
            self.bloom = ValueStorage(repeating: 0, count: words)
            self.bloomMask = words - 1
            for index in 0..<self.keyCount {
                let entry = self.entries[index]
                // The arena has 8 bytes of padding after its last key for the hash's loads.
                let hash = DomainName.keyHash(
                    self.arena.subview(from: Int(entry.offset)), length: Int(entry.length), head: entry.isHead).hash
                let (word, bits) = Self.bloomBits(hash, mask: self.bloomMask)
                self.bloom[word] |= bits
            }
        }
    }

    /// Bloom filter words for `keys` keys: a power of two, about 8 keys per word.
    static func bloomWords(for keys: Int) -> Int {
        var words = 1
        while words * 8 < keys { words <<= 1 }
        return words
    }

    /// The Bloom word and bits of a key hash.
    @inlinable @inline(__always)
    static func bloomBits(_ hash: UInt64, mask: Int) -> (word: Int, bits: UInt64) {
        let mixed = hash &* 0x9E37_79B9_7F4A_7C15
        let bits = (1 as UInt64) &<< (mixed & 63) | (1 as UInt64) &<< ((mixed >> 6) & 63) | (1 as UInt64) &<< ((mixed >> 12) & 63)
        return (Int(truncatingIfNeeded: mixed >> 32) & mask, bits)
    }

    // MARK: Matching

    /// Whether the lowercased wire name of `length` bytes at the start of `name` (as
    /// ``DNSQuestionSummary`` writes it) matches an entry. `name` holds 8 bytes past the name
    /// (``DNSQuestionSummary/nameBufferSize`` bytes in all).
    @inlinable
    public func contains(wireName name: ByteView, length: Int) -> Bool {
        self.firstMatch(wireName: name, length: length) >= 0
    }

    /// Scratch room for lookups, allocated once and reused by one thread for every lookup:
    /// a record loop passes it to ``contains(wireName:length:scratch:)`` instead of having
    /// each lookup set up room of its own.
    public final class Scratch {
        @usableFromInline let view: MutableByteView
        private let storage: ByteStorage

        /// Room for names of up to ``DomainList/stackLabels`` labels (longer ones take their own).
        public init() {
            self.storage = ByteStorage(count: DomainList.scratchBytes(labels: DomainList.stackLabels))
            self.view = self.storage.mutableView
        }
    }

    /// ``contains(wireName:length:)`` with the room of `scratch`, for a record loop.
    @inlinable
    public func contains(wireName name: ByteView, length: Int, scratch: Scratch) -> Bool {
        guard length > 0, length <= 255 else { return false }
        return self.firstMatch(wireName: name, length: length, scratch: scratch.view, maximumLabels: Self.stackLabels) >= 0
    }

    /// The entry a wire name matches, or nil. Suffixes and fqdns are tried longest first, then
    /// prefixes shortest first.
    public func match(wireName name: ByteView, length: Int) -> Match? {
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
        let key = self.arena.subview(Int(entry.offset)..<(Int(entry.offset) + Int(entry.length)))
        return Match(kind: kinds, entry: DomainName.text(wire: key, head: entry.isHead))
    }

    /// Matches a name given as text (`www.Example.com` or `www.example.com.`), for tests and tools.
    public func match(_ name: String) -> Match? {
        guard let wire = DomainName.wire(name) else { return nil }
        return withTemporaryBytes(count: DNSQuestionSummary.nameBufferSize) { buffer in
            buffer.copy(wire, to: 0)
            return self.match(wireName: buffer.view, length: wire.count)
        }
    }

    /// The most labels a name may have to be matched with stack scratch space; longer
    /// names (legal up to 127 labels, seen only in odd or hostile traffic) take a slower path.
    @inlinable static var stackLabels: Int { 32 }

    /// Scratch bytes for `labels` labels: prefix sums (8 bytes each, one more than labels),
    /// label starts (2), and up to 2 × (labels + 1) candidate hashes (8) and descriptions (2).
    @inlinable
    static func scratchBytes(labels: Int) -> Int { (labels + 1) * 8 + labels * 2 + 2 * (labels + 1) * 10 }

    /// The index of the entry matched, or -1.
    @inlinable
    func firstMatch(wireName name: ByteView, length: Int) -> Int {
        guard length > 0, length <= 255 else { return -1 }
        // 988 bytes: small enough to be stack-allocated (temporary allocations over 1 KiB go to
        // the heap). Not zeroed: the matcher reads only scratch bytes it wrote for this name.
        return withTemporaryBytes(count: 1024, zeroed: false) { scratch in
            self.firstMatch(wireName: name, length: length, scratch: scratch, maximumLabels: Self.stackLabels)
        }
    }

    /// `firstMatch` for names of more than ``stackLabels`` labels.
    @usableFromInline @inline(never)
    func firstMatchOfLongName(wireName name: ByteView, length: Int) -> Int {
        withTemporaryBytes(count: Self.scratchBytes(labels: 128), zeroed: false) { scratch in
            self.firstMatch(wireName: name, length: length, scratch: scratch, maximumLabels: 128)
        }
    }

    /// The matching itself, with scratch room for `maximumLabels` labels.
    ///
    /// (1) One pass over the labels hashes each and keeps the prefix sums of the run
    /// polynomial (``DomainName/multiplier``). (2) For every label count some entry has, the
    /// hash of the trailing and of the leading run of that many labels follows from the sums
    /// in one multiplication, and is looked up in the Bloom filter at once: the runs do not
    /// depend on each other, so their filter loads overlap. (3) The few that pass are probed in
    /// the table, suffixes and fqdns longest first, then prefixes shortest first.
    @inlinable @inline(__always)
    func firstMatch(wireName name: ByteView, length: Int, scratch: MutableByteView, maximumLabels: Int) -> Int {
        let startsOffset = (maximumLabels + 1) * 8
        let candidateHashesOffset = startsOffset + maximumLabels * 2
        let candidateInfoOffset = candidateHashesOffset + 2 * (maximumLabels + 1) * 8
        let sums = scratch.subview(0..<startsOffset)
        let starts = scratch.subview(startsOffset..<candidateHashesOffset)
        let candidateHashes = scratch.subview(candidateHashesOffset..<candidateInfoOffset)
        let candidateInfo = scratch.subview(from: candidateInfoOffset)
        // (1) Labels.
        var labels = 0
        var offset = 0
        var sum = DomainName.headSeed
        sums.storeNative(sum, at: 0)
        while offset < length {
            let size = Int(name[offset])
            if size == 0 { break }
            guard size < 64, offset + 1 + size < length else { return -1 }
            if labels == maximumLabels {
                return maximumLabels < 128 ? self.firstMatchOfLongName(wireName: name, length: length) : -1
            }
            sum = sum &* DomainName.multiplier &+ DomainName.labelHash(name, at: offset, count: 1 + size)
            starts.storeNative(UInt16(offset), at: labels * 2)
            labels += 1
            sums.storeNative(sum, at: labels * 8)
            offset += 1 + size
        }
        guard offset == length - 1 else { return -1 }
        // (2) Runs through the Bloom filter. Info: the run's label count | 0x100 for heads.
        var candidates = 0
        let bloom = self.bloom
        let bloomMask = self.bloomMask
        let powers = self.powers
        // Label counts 0…labels, as masks over the two words of the count bitmaps.
        let low: UInt64 = labels >= 63 ? .max : (2 &<< UInt64(labels)) &- 1
        let high: UInt64 = labels >= 127 ? .max : labels < 64 ? 0 : (2 &<< UInt64(labels - 64)) &- 1
        for word in 0..<2 {
            var counts = word == 0 ? self.tailCounts.0 & low : self.tailCounts.1 & high
            while counts != 0 {
                let count = counts.trailingZeroBitCount + word * 64
                counts &= counts &- 1
                let start = sums.view.loadNative(at: (labels - count) * 8, as: UInt64.self)
                // count ≤ labels ≤ 128 and the table has 129 powers; the word index is masked.
                let hash = DomainName.finalizeTail(sum &- start &* powers.uncheckedElement(at: count))
                let (index, bits) = Self.bloomBits(hash, mask: bloomMask)
                if bloom.uncheckedElement(at: index) & bits == bits {
                    candidateHashes.storeNative(hash, at: candidates * 8)
                    candidateInfo.storeNative(UInt16(count), at: candidates * 2)
                    candidates += 1
                }
            }
        }
        let tailCandidates = candidates
        for word in 0..<2 {
            var counts = word == 0 ? self.headCounts.0 & low : self.headCounts.1 & high
            while counts != 0 {
                let count = counts.trailingZeroBitCount + word * 64
                counts &= counts &- 1
                let hash = DomainName.finalizeHead(sums.view.loadNative(at: count * 8, as: UInt64.self))
                let (index, bits) = Self.bloomBits(hash, mask: bloomMask)
                if bloom.uncheckedElement(at: index) & bits == bits {  // index masked to the filter
                    candidateHashes.storeNative(hash, at: candidates * 8)
                    candidateInfo.storeNative(UInt16(0x100 | count), at: candidates * 2)
                    candidates += 1
                }
            }
        }
        if candidates == 0 { return -1 }
        // (3) The table: tails from the most labels down (the whole name first), then heads
        // from the fewest labels up.
        var candidate = tailCandidates - 1
        while candidate >= 0 {
            let count = Int(candidateInfo.view.loadNative(at: candidate * 2, as: UInt16.self))
            let keyStart = count == 0 ? offset : count == labels ? 0 : Int(starts.view.loadNative(at: (labels - count) * 2, as: UInt16.self))
            if let found = self.probeTable(
                candidateHashes.view.loadNative(at: candidate * 8, as: UInt64.self), name.subview(keyStart..<length),
                head: false, whole: count == labels)
            {
                return found.index
            }
            candidate -= 1
        }
        for candidate in tailCandidates..<candidates {
            let count = Int(candidateInfo.view.loadNative(at: candidate * 2, as: UInt16.self)) & 0xFF
            let end = count < labels ? Int(starts.view.loadNative(at: count * 2, as: UInt16.self)) : offset
            if let found = self.probeTable(
                candidateHashes.view.loadNative(at: candidate * 8, as: UInt64.self), name.subview(0..<(count == 0 ? 0 : end)),
                head: true, whole: false)
            {
                return found.index
            }
        }
        return -1
    }

    /// Looks up one key. For a tail key, `suffix` tells whether the entry is a suffix entry
    /// (the caller accepts an fqdn entry only for the whole name). `whole` marks the whole name.
    @inlinable
    func probeTable(_ hash: UInt64, _ key: ByteView, head: Bool, whole: Bool) -> (index: Int, suffix: Bool)? {
        let count = key.count
        let fingerprint = hash >> 32
        var slot = Int(truncatingIfNeeded: hash) & self.slotMask
        while true {
            let value = self.slots.uncheckedElement(at: slot)  // masked to the table
            if value == 0 { return nil }
            if value >> 32 == fingerprint {
                let index = Int(truncatingIfNeeded: value & 0xFFFF_FFFF) - 1
                let entry = self.entries[index]
                if Int(entry.length) == count, entry.isHead == head,
                    count == 0 || self.arena.subview(Int(entry.offset)..<(Int(entry.offset) + count)).bytesEqual(key)
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

extension DomainList {
    /// Builds a list entry by entry; ``DomainListParser`` feeds it from CSV.
    public struct Builder: ~Copyable {
        @usableFromInline var slots: ValueStorage<UInt64>
        @usableFromInline var slotMask: Int
        @usableFromInline var entries: ValueStorage<DomainList.Entry>
        @usableFromInline var entryCount = 0
        /// The keys back to back, then 8 zero bytes past the capacity for the hash's loads.
        @usableFromInline var arena: ByteStorage
        @usableFromInline var arenaUsed = 0
        var tailCounts: (UInt64, UInt64) = (0, 0)
        var headCounts: (UInt64, UInt64) = (0, 0)
        /// The Bloom filter, sized for the expected entries.
        var bloom: ValueStorage<UInt64>
        var bloomMask: Int
        var fqdnCount = 0
        var suffixCount = 0
        var prefixCount = 0

        /// Sizes the table for about `expectedEntries` entries of `expectedBytes` wire bytes in
        /// all; it grows when they are exceeded.
        public init(expectedEntries: Int, expectedBytes: Int) {
            let slotCount = Self.slotCount(for: max(expectedEntries, 8))
            self.slots = ValueStorage(repeating: 0, count: slotCount)
            self.slotMask = slotCount - 1
            self.entries = ValueStorage(repeating: DomainList.Entry(offset: 0, length: 0, kinds: 0, isHead: false), count: max(expectedEntries, 8))
            self.arena = ByteStorage(count: max(expectedBytes, 64) + 8)
            let words = DomainList.bloomWords(for: expectedEntries)
            self.bloom = ValueStorage(repeating: 0, count: words)
            self.bloomMask = words - 1
        }

        /// Bytes the arena holds for keys (it has 8 more, zero, for the hash's loads).
        var arenaCapacity: Int { self.arena.count - 8 }

        /// A power of two at least twice the entries (load factor ≤ ½).
        static func slotCount(for entries: Int) -> Int {
            var count = 16
            while count < entries * 2 { count <<= 1 }
            return count
        }

        /// Adds a name of `kind` given as lowercased wire labels, root label included
        /// (``DomainName/wire(_:)`` makes them from text).
        public mutating func add(wireName name: [UInt8], kind: Kind) {
            (name + [UInt8](repeating: 0, count: 8)).withByteView { self.add(wireName: $0, length: name.count, kind: kind) }
        }

        /// Adds a name of `kind` given as lowercased wire labels of `length` bytes, root label
        /// included, at the start of `name`, which holds 8 bytes past it (the name must be well
        /// formed).
        public mutating func add(wireName name: ByteView, length: Int, kind: Kind) {
            let head = kind == .prefix
            let (hash, labels) = DomainName.keyHash(name, length: head ? length - 1 : length, head: head)
            if head { Self.set(&self.headCounts, labels) } else { Self.set(&self.tailCounts, labels) }
            // A prefix key is the name without its root label.
            self.insert(hash: hash, key: name.subview(0..<(head ? length - 1 : length)), kind: kind, head: head)
            switch kind {
            case .fqdn: self.fqdnCount += 1
            case .suffix: self.suffixCount += 1
            default: self.prefixCount += 1
            }
        }

        static func set(_ counts: inout (UInt64, UInt64), _ n: Int) {
            if n < 64 { counts.0 |= 1 << UInt64(n) } else { counts.1 |= 1 << UInt64(n - 64) }
        }

        mutating func insert(hash: UInt64, key: ByteView, kind: Kind, head: Bool) {
            let fingerprint = hash >> 32
            var slot = Int(truncatingIfNeeded: hash) & self.slotMask
            while true {
                let value = self.slots[slot]
                if value == 0 { break }
                if value >> 32 == fingerprint {
                    let index = Int(truncatingIfNeeded: value & 0xFFFF_FFFF) - 1
                    let entry = self.entries[index]
                    if Int(entry.length) == key.count, entry.isHead == head,
                        key.count == 0 || self.arena.view.subview(Int(entry.offset)..<(Int(entry.offset) + key.count)).bytesEqual(key)
                    {
                        self.entries[index].kinds |= kind.rawValue
                        return
                    }
                }
                slot = (slot + 1) & self.slotMask
            }
            if self.entryCount == self.entries.count { self.growEntries() }
            if self.arenaUsed + key.count > self.arenaCapacity { self.growArena(key.count) }
            self.arena.mutableView.copy(key, to: self.arenaUsed)
            self.entries[self.entryCount] = DomainList.Entry(
                offset: UInt32(self.arenaUsed), length: UInt16(key.count), kinds: kind.rawValue, isHead: head)
            self.arenaUsed += key.count
            self.entryCount += 1
            let (word, bits) = DomainList.bloomBits(hash, mask: self.bloomMask)
            self.bloom[word] |= bits
            self.slots[slot] = fingerprint << 32 | UInt64(self.entryCount)
            if self.entryCount * 2 > self.slotMask + 1 { self.growSlots() }
        }

        mutating func growEntries() {
            let grown = ValueStorage(repeating: self.entries[0], count: self.entries.count * 2)
            grown.copyPrefix(of: self.entries, count: self.entryCount)
            self.entries = grown
        }

        mutating func growArena(_ needed: Int) {
            let capacity = max(self.arenaCapacity * 2, self.arenaUsed + needed)
            let grown = ByteStorage(count: capacity + 8)
            grown.mutableView.copy(self.arena.view.subview(0..<self.arenaUsed), to: 0)
            self.arena = grown
        }

        /// Doubles the table and re-inserts every entry (its hash is recomputed from its key).
        mutating func growSlots() {
            let slotCount = (self.slotMask + 1) * 2
            self.slots = ValueStorage(repeating: 0, count: slotCount)
            self.slotMask = slotCount - 1
            let padded = ByteStorage(count: 264)
            for index in 0..<self.entryCount {
                let entry = self.entries[index]
                let length = Int(entry.length)
                padded.mutableView.fill(with: 0)
                padded.mutableView.copy(self.arena.view.subview(Int(entry.offset)..<(Int(entry.offset) + length)), to: 0)
                let hash = DomainName.keyHash(padded.view, length: length, head: entry.isHead).hash
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
