import DMBytes
import DMRecord

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
    struct Slot: BitwiseCopyable {
        /// The record's hash; 0 marks an empty slot.
        @usableFromInline var hash: UInt64
        /// Capture time of the kept record.
        @usableFromInline var time: UInt64

        @inlinable init(hash: UInt64, time: UInt64) {
            self.hash = hash
            self.time = time
        }
    }

    @usableFromInline let slots: ValueStorage<Slot>
    @usableFromInline let bucketMask: Int

    /// A table of at least `capacity` entries (rounded up to a power of two, at least 4).
    public init(windowNanoseconds: UInt64, capacity: Int) {
        var buckets = 1
        while buckets * 4 < capacity { buckets <<= 1 }
        self.windowNanoseconds = windowNanoseconds
        self.capacity = buckets * 4
        self.bucketMask = buckets - 1
        self.slots = ValueStorage(repeating: Slot(hash: 0, time: 0), count: buckets * 4)
    }

    /// The hash of a DNS record body's identifying fields (the body must fit the DNS layout).
    @inlinable
    public static func hash(dnsBody body: ByteView, message: ByteView) -> UInt64 {
        typealias Layout = DNSRecordLayout
        var hasher = Hasher()
        // IP version, transport, source and destination ports: the six bytes from the version on.
        hasher.combine(bytes: body.subview(Layout.ipVersionOffset..<Layout.matchFlagsOffset))
        // The addresses; IPv4 uses only the first 4 bytes of each 16.
        if body[Layout.ipVersionOffset] == 4 {
            hasher.combine(body.loadNative(at: Layout.sourceAddressOffset, as: UInt32.self))
            hasher.combine(body.loadNative(at: Layout.destinationAddressOffset, as: UInt32.self))
        } else {
            hasher.combine(bytes: body.subview(Layout.sourceAddressOffset..<Layout.fixedSize))
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
        let slots = self.slots
        let bucket = (Int(truncatingIfNeeded: hash >> 7) & self.bucketMask) * 4
        var victim = 0
        var victimTime = UInt64.max
        var victimLive = true
        for index in 0..<4 {
            let slot = slots[bucket &+ index]
            let distance = slot.time > time ? slot.time &- time : time &- slot.time
            let live = slot.hash != 0 && distance < self.windowNanoseconds
            if slot.hash == hash {
                if live { return true }
                // The same record, outside the window: keep it again, restart its window.
                slots[bucket &+ index].time = time
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
        slots[bucket &+ victim] = Slot(hash: hash, time: time)
        return false
    }
}
