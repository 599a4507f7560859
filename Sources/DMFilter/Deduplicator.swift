/// Recognises DNS records identical to one kept within a time window, in a table of bounded size.
///
/// "Identical" means the same IP version, transport, ports, source and destination addresses
/// and DNS message bytes (not the time, identity, packet length or flags): the same packet
/// seen twice, for example mirrored on two VLANs, or a retransmission. Records are compared
/// by a 64-bit keyed hash of those fields (Swift's `Hasher`, SipHash-1-3 seeded per process,
/// so outsiders cannot craft collisions); two different records are taken for one with a
/// probability of about (entries in the table) / 2⁶⁴.
///
/// Time is capture time, from the records: a record is a duplicate when an identical record
/// was kept less than `window` nanoseconds before or after it. The window starts at the kept
/// record — duplicates do not extend it — so a packet repeated forever is kept once per window.
///
/// The table is set-associative: a hash picks a bucket of four slots (one 64-byte cache line)
/// and a new key takes an empty or expired slot, else evicts the bucket's oldest entry, which
/// is counted in ``evictions``: a full table forgets early, it never grows.
public final class Deduplicator {
    /// The window in nanoseconds.
    public let windowNanoseconds: UInt64
    /// Slots in the table (a multiple of 4).
    public let capacity: Int
    /// Entries evicted while still inside the window (the table was too small to hold them).
    public var evictions: UInt64 { self.evictionCount }
    @usableFromInline @exclusivity(unchecked) var evictionCount: UInt64 = 0

    @usableFromInline
    struct Slot {
        /// The record's hash; 0 marks an empty slot.
        @usableFromInline var hash: UInt64
        /// Capture time of the kept record.
        @usableFromInline var time: UInt64

        @inlinable init(hash: UInt64, time: UInt64) {
            self.hash = hash
            self.time = time
        }
    }

    @usableFromInline let slots: UnsafeMutablePointer<Slot>
    @usableFromInline let bucketMask: Int

    /// A table of at least `capacity` entries (rounded up to a power of two, at least 4).
    public init(windowNanoseconds: UInt64, capacity: Int) {
        var buckets = 1
        while buckets * 4 < capacity { buckets <<= 1 }
        self.windowNanoseconds = windowNanoseconds
        self.capacity = buckets * 4
        self.bucketMask = buckets - 1
        self.slots = .allocate(capacity: buckets * 4)
        self.slots.initialize(repeating: Slot(hash: 0, time: 0), count: buckets * 4)
    }

    deinit { self.slots.deallocate() }

    /// The hash of a DNS record body's identifying fields (the body must fit the DNS layout).
    @inlinable
    public static func hash(dnsBody body: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = Hasher()
        // IP version, transport, source and destination ports (offsets 12..<18).
        hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: body[12..<18]))
        // The addresses (24..<56); IPv4 uses only the first 4 bytes of each 16.
        if body[12] == 4 {
            hasher.combine(body.loadUnaligned(fromByteOffset: 24, as: UInt32.self))
            hasher.combine(body.loadUnaligned(fromByteOffset: 40, as: UInt32.self))
        } else {
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: body[24..<56]))
        }
        hasher.combine(message.count)
        hasher.combine(bytes: message)
        let value = UInt64(UInt(bitPattern: hasher.finalize()))
        return value == 0 ? 1 : value
    }

    /// Whether a record with this hash and capture time duplicates one kept within the window;
    /// when it does not, it is remembered as kept.
    @inlinable
    public func isDuplicate(hash: UInt64, time: UInt64) -> Bool {
        let bucket = self.slots + (Int(truncatingIfNeeded: hash >> 7) & self.bucketMask) * 4
        var victim = 0
        var victimTime = UInt64.max
        var victimLive = true
        for index in 0..<4 {
            let slot = bucket[index]
            let distance = slot.time > time ? slot.time &- time : time &- slot.time
            let live = slot.hash != 0 && distance < self.windowNanoseconds
            if slot.hash == hash {
                if live { return true }
                // The same record, outside the window: keep it again, restart its window.
                bucket[index].time = time
                return false
            }
            // Prefer an empty or expired slot, else the oldest.
            if !live {
                if victimLive {
                    victim = index
                    victimLive = false
                }
            } else if victimLive && slot.time < victimTime {
                victim = index
                victimTime = slot.time
            }
        }
        if victimLive { self.evictionCount &+= 1 }
        bucket[victim] = Slot(hash: hash, time: time)
        return false
    }
}
