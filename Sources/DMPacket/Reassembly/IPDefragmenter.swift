import DMBytes

/// Reassembles fragmented IPv4 and IPv6 datagrams, in capture time and within a memory bound.
///
/// - Fragments may arrive in any order; exact duplicates are ignored.
/// - A fragment that overlaps another differently discards the whole datagram (RFC 5722 for
///   IPv6, and the same policy for IPv4: overlaps are an evasion technique, not a network
///   artefact).
/// - A datagram not completed within ``Limits/timeoutNanoseconds`` of its first fragment, in
///   capture time, expires; when the table holds more than ``Limits/maximumDatagrams`` or
///   ``Limits/maximumBytes``, the oldest datagram is evicted. Both are counted.
public struct IPDefragmenter {
    /// Bounds on time and memory.
    public struct Limits: Hashable, Sendable {
        public var timeoutNanoseconds: UInt64
        public var maximumDatagrams: Int
        public var maximumBytes: Int

        public init(timeoutNanoseconds: UInt64 = 30_000_000_000, maximumDatagrams: Int = 16384, maximumBytes: Int = 64 << 20) {
            self.timeoutNanoseconds = timeoutNanoseconds
            self.maximumDatagrams = maximumDatagrams
            self.maximumBytes = maximumBytes
        }
    }

    /// What happened to fragments and datagrams, for STATS.
    public struct Counters: Hashable, Sendable {
        public var fragments: UInt64 = 0
        public var reassembled: UInt64 = 0
        public var duplicates: UInt64 = 0
        /// Datagrams discarded because two fragments overlapped with different data.
        public var overlapping: UInt64 = 0
        /// Datagrams that timed out incomplete.
        public var expired: UInt64 = 0
        /// Datagrams evicted to stay within the memory bound.
        public var evicted: UInt64 = 0
        /// Fragments that were malformed (a middle fragment not a multiple of 8, beyond 64 KiB).
        public var invalid: UInt64 = 0

        public init() {}
    }

    /// Identifies a datagram: addresses, identification, and for IPv4 the protocol.
    struct Key: Hashable {
        var version: UInt8
        var source: IPAddressBytes
        var destination: IPAddressBytes
        var identification: UInt32
        var transportProtocol: UInt8
    }

    struct Datagram {
        var firstSeen: UInt64
        /// The payload length, known once the last fragment arrived.
        var totalLength: Int?
        /// Fragments sorted by offset, none overlapping.
        var pieces: [(offset: Int, bytes: [UInt8])] = []
        var bufferedBytes = 0
        /// Its generation in ``order``.
        var generation: UInt64
    }

    /// A completed datagram.
    public struct Reassembled {
        public var version: UInt8
        public var source: IPAddressBytes
        public var destination: IPAddressBytes
        public var transportProtocol: UInt8
        public var payload: [UInt8]
    }

    public let limits: Limits
    public private(set) var counters = Counters()
    private var table: [Key: Datagram] = [:]
    private var order = InsertionOrder<Key>()
    private var bufferedBytes = 0

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Datagrams being reassembled.
    public var pendingDatagrams: Int { self.table.count }
    /// Fragment bytes held.
    public var pendingBytes: Int { self.bufferedBytes }

    /// Adds the fragment `packet` seen at `time`; returns the datagram when it is complete.
    public mutating func add(_ packet: IPPacketView, time: UInt64) -> Reassembled? {
        guard let fragment = packet.fragment else { return nil }
        self.counters.fragments &+= 1
        self.expire(before: time)
        let length = packet.payload.count
        let end = fragment.offset + length
        guard end <= 65535, fragment.moreFragments ? length % 8 == 0 && length > 0 : true else {
            self.counters.invalid &+= 1
            return nil
        }
        let key = Key(
            version: packet.version, source: packet.source, destination: packet.destination,
            identification: fragment.identification, transportProtocol: packet.version == 4 ? packet.transportProtocol : 0)
        var datagram = self.table[key] ?? Datagram(firstSeen: time, generation: self.order.append(key))
        if !fragment.moreFragments {
            if let total = datagram.totalLength, total != end {
                self.discard(key, datagram)
                self.counters.overlapping &+= 1
                return nil
            }
            datagram.totalLength = end
        }
        // Find where the fragment goes; refuse any overlap that is not an exact duplicate.
        let bytes = Array(packet.payload)
        let index = datagram.pieces.firstIndex { $0.offset >= fragment.offset } ?? datagram.pieces.count
        if index < datagram.pieces.count, datagram.pieces[index].offset == fragment.offset, datagram.pieces[index].bytes == bytes {
            self.counters.duplicates &+= 1
            self.table[key] = datagram
            return nil
        }
        let overlapsPrevious = index > 0 && datagram.pieces[index - 1].offset + datagram.pieces[index - 1].bytes.count > fragment.offset
        let overlapsNext = index < datagram.pieces.count && datagram.pieces[index].offset < end
        let pastEnd = datagram.totalLength.map { end > $0 } ?? false
        let piecesPastNewEnd = !fragment.moreFragments && (datagram.pieces.last.map { $0.offset + $0.bytes.count > end } ?? false)
        if overlapsPrevious || overlapsNext || pastEnd || piecesPastNewEnd {
            self.discard(key, datagram)
            self.counters.overlapping &+= 1
            return nil
        }
        datagram.pieces.insert((fragment.offset, bytes), at: index)
        datagram.bufferedBytes += bytes.count
        self.bufferedBytes += bytes.count
        if let total = datagram.totalLength, datagram.pieces.last.map({ $0.offset + $0.bytes.count }) == total, self.isContiguous(datagram) {
            self.table[key] = nil
            self.bufferedBytes -= datagram.bufferedBytes
            self.counters.reassembled &+= 1
            var payload: [UInt8] = []
            payload.reserveCapacity(total)
            for piece in datagram.pieces { payload += piece.bytes }
            return Reassembled(
                version: key.version, source: key.source, destination: key.destination,
                transportProtocol: packet.transportProtocol, payload: payload)
        }
        self.table[key] = datagram
        self.enforceBounds()
        return nil
    }

    private func isContiguous(_ datagram: Datagram) -> Bool {
        var next = 0
        for piece in datagram.pieces {
            guard piece.offset == next else { return false }
            next += piece.bytes.count
        }
        return true
    }

    private mutating func discard(_ key: Key, _ datagram: Datagram) {
        if self.table.removeValue(forKey: key) != nil { self.bufferedBytes -= datagram.bufferedBytes }
    }

    /// Drops datagrams whose first fragment is older than the timeout.
    private mutating func expire(before time: UInt64) {
        while let (generation, key) = self.order.oldest {
            guard let datagram = self.table[key], datagram.generation == generation else {
                self.order.removeOldest()
                continue
            }
            guard time > datagram.firstSeen, time - datagram.firstSeen > self.limits.timeoutNanoseconds else { break }
            self.discard(key, datagram)
            self.order.removeOldest()
            self.counters.expired &+= 1
        }
    }

    /// Evicts the oldest datagrams while the table is over its bounds.
    private mutating func enforceBounds() {
        while self.table.count > self.limits.maximumDatagrams || self.bufferedBytes > self.limits.maximumBytes,
            let (generation, key) = self.order.oldest
        {
            self.order.removeOldest()
            guard let datagram = self.table[key], datagram.generation == generation else { continue }
            self.discard(key, datagram)
            self.counters.evicted &+= 1
        }
    }
}
