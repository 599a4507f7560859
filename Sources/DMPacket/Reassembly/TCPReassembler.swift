import DMBytes

/// Reassembles DNS messages from TCP streams (RFC 7766: each message behind a 2-byte length).
///
/// Each direction of a connection is its own stream. Segments may arrive out of order or
/// twice; retransmitted bytes are dropped, bytes ahead of the stream wait (bounded), and a
/// message is complete when all its bytes are in order — it carries the time of the segment
/// that completed it. FIN and RST end streams; idle streams expire after a timeout in capture
/// time; per-stream and total byte bounds and a stream count bound evict the oldest. Every
/// loss is counted.
///
/// A segment the capture missed leaves a hole that no retransmission will fill once the
/// receiver has acknowledged past it. The stream then skips the hole and resumes at the next
/// segment it holds, taken as the start of a message (DNS peers write each message in one
/// go, so segments start on message boundaries far more often than not; a wrong guess ends
/// in a message the DNS check rejects). The same happens when the stream ends, expires, is
/// evicted or holds too much with a hole in front, so what was captured after a hole is
/// still reported. Messages found this way carry the time of the segment holding their last
/// byte, which is when they were complete on the wire.
public struct TCPReassembler {
    /// Bounds on time and memory.
    public struct Limits: Hashable, Sendable {
        public var idleTimeoutNanoseconds: UInt64
        public var maximumStreams: Int
        /// Bytes one stream may hold, in order and ahead: two maximal messages.
        public var maximumStreamBytes: Int
        public var maximumBytes: Int

        public init(idleTimeoutNanoseconds: UInt64 = 60_000_000_000, maximumStreams: Int = 65536,
                    maximumStreamBytes: Int = 2 * (65535 + 2), maximumBytes: Int = 128 << 20) {
            self.idleTimeoutNanoseconds = idleTimeoutNanoseconds
            self.maximumStreams = maximumStreams
            self.maximumStreamBytes = maximumStreamBytes
            self.maximumBytes = maximumBytes
        }
    }

    /// What happened to segments and streams, for STATS.
    public struct Counters: Hashable, Sendable {
        public var segments: UInt64 = 0
        public var messages: UInt64 = 0
        /// Segments whose bytes had all been seen already.
        public var retransmissions: UInt64 = 0
        /// Segments held because bytes before them were missing.
        public var outOfOrder: UInt64 = 0
        /// Streams ended by FIN or RST with bytes of an incomplete message left.
        public var closedIncomplete: UInt64 = 0
        /// Streams that went idle past the timeout with bytes left.
        public var expired: UInt64 = 0
        /// Streams dropped to stay within the bounds, with their bytes.
        public var evicted: UInt64 = 0
        public var overLimit: UInt64 = 0
        /// Segments of a stream the table had no room for (see ``FlowTable``): their complete
        /// messages were still handed out, but nothing of the stream was kept.
        public var refused: UInt64 = 0
        /// Holes skipped: bytes the capture missed, after which the stream resumed.
        public var gapsSkipped: UInt64 = 0

        public init() {}
    }

    /// One direction of a connection.
    public struct StreamKey: Hashable, Sendable, FlowTableKey {
        public var version: UInt8
        public var source: IPAddressBytes
        public var destination: IPAddressBytes
        public var sourcePort: UInt16
        public var destinationPort: UInt16

        public init(version: UInt8, source: IPAddressBytes, destination: IPAddressBytes, sourcePort: UInt16, destinationPort: UInt16) {
            self.version = version
            self.source = source
            self.destination = destination
            self.sourcePort = sourcePort
            self.destinationPort = destinationPort
        }

        var reversed: StreamKey {
            StreamKey(version: self.version, source: self.destination, destination: self.source,
                      sourcePort: self.destinationPort, destinationPort: self.sourcePort)
        }

        func flowHash(seed: FlowTableSeed) -> UInt64 {
            let ports = UInt64(self.sourcePort) << 32 | UInt64(self.destinationPort) << 16 | UInt64(self.version)
            return seed.mix(
                seed.mix(self.source.first, self.source.second), seed.mix(self.destination.first ^ ports, self.destination.second))
        }
    }

    struct Stream {
        /// Sequence number of the next byte the stream expects.
        var next: UInt32
        /// Bytes in order, not yet consumed as messages, from `start`.
        var bytes: [UInt8] = []
        var start = 0
        /// Segments ahead of `next`: sequence number, bytes and capture time.
        var ahead: [(sequence: UInt32, bytes: [UInt8], time: UInt64)] = []
        var aheadBytes = 0
        var lastSeen: UInt64
        /// Its generation in ``order``.
        var generation: UInt64

        var heldBytes: Int { self.bytes.count - self.start + self.aheadBytes }
    }

    /// A TCP segment, decoded.
    public struct Segment {
        public var sequence: UInt32
        public var syn: Bool
        public var fin: Bool
        public var rst: Bool
        /// The acknowledgement number, when the ACK flag is set.
        public var acknowledgement: UInt32?
        public var payload: ByteView

        /// Decodes the TCP header at the start of `bytes`; nil when it is truncated or malformed.
        public init?(_ bytes: ByteView) {
            guard bytes.count >= 20 else { return nil }
            let headerLength = Int(bytes[12] >> 4) * 4
            guard headerLength >= 20, headerLength <= bytes.count else { return nil }
            self.sequence = UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7])
            let flags = bytes[13]
            self.syn = flags & 0x02 != 0
            self.fin = flags & 0x01 != 0
            self.rst = flags & 0x04 != 0
            self.acknowledgement = flags & 0x10 != 0
                ? UInt32(bytes[8]) << 24 | UInt32(bytes[9]) << 16 | UInt32(bytes[10]) << 8 | UInt32(bytes[11]) : nil
            self.payload = bytes.subview(from: headerLength)
        }
    }

    public let limits: Limits
    public private(set) var counters = Counters()
    private var streams: FlowTable<StreamKey, Stream>
    /// The streams' entry numbers in the table, oldest stream first.
    private var order = InsertionOrder<Int>()
    private var heldBytes = 0
    /// Streams holding segments behind a hole: only then can an acknowledgement skip one.
    private var streamsWithHoles = 0
    /// The capture time from which idle streams are looked for again.
    private var nextExpiryCheck: UInt64 = 0

    public init(limits: Limits = Limits()) {
        self.init(limits: limits, seed: .process)
    }

    /// A reassembler whose table hashes with `seed`, for tests that need keys to collide.
    init(limits: Limits, seed: FlowTableSeed) {
        self.limits = limits
        self.streams = FlowTable(maximumCount: limits.maximumStreams, seed: seed)
    }

    /// Streams with state.
    public var streamCount: Int { self.streams.count }
    /// Bytes held across all streams.
    public var pendingBytes: Int { self.heldBytes }
    /// Elements in the creation-order queue, stale ones included: for tests of its bound.
    var queuedStreamCount: Int { self.order.count }

    /// Receives each DNS message: its bytes, its stream, and the capture time it was complete.
    public typealias MessageHandler<Failure: Error> = (ByteView, StreamKey, UInt64) throws(Failure) -> Void

    /// Adds one segment of stream `key` seen at `time`; calls `message` for every DNS message
    /// it completes, in stream order — also for other streams it ends (idle, evicted) or lets
    /// skip a hole (its acknowledgement covers the reverse stream's missing bytes).
    public mutating func add<Failure: Error>(
        _ segment: Segment, key: StreamKey, time: UInt64, message: MessageHandler<Failure>
    ) throws(Failure) {
        self.counters.segments &+= 1
        if time >= self.nextExpiryCheck {
            // Looking for idle streams costs a table lookup; a sixteenth of the timeout
            // (at most a second) of capture time between looks keeps expiry timely.
            self.nextExpiryCheck = time &+ min(1_000_000_000, self.limits.idleTimeoutNanoseconds / 16)
            try self.expire(before: time, message)
        }
        if self.streamsWithHoles > 0, let acknowledgement = segment.acknowledgement {
            try self.skipAcknowledgedGaps(key.reversed, acknowledgement: acknowledgement, message)
        }
        if segment.rst {
            try self.close(key, incompleteCounts: true, message)
            try self.close(key.reversed, incompleteCounts: true, message)
            return
        }
        let dataSequence = segment.syn ? segment.sequence &+ 1 : segment.sequence
        let slot: Int
        if let existing = self.streams.find(key) {
            slot = existing
        } else {
            // A full table evicts its oldest stream before taking a new one, so it never holds
            // more than the bound (and its index is half the size room for one more would need).
            if self.streams.count >= self.limits.maximumStreams { try self.evictOldest(message) }
            // Without a SYN (capture started mid-connection) the first segment's sequence
            // number is taken as the start; its first two bytes must then be a length.
            guard let inserted = self.streams.insert(key, Stream(next: dataSequence, lastSeen: time, generation: 0)) else {
                self.counters.refused &+= 1
                _ = try self.extractMessages(from: segment.payload, key: key, time: time, message)
                return
            }
            slot = inserted
            self.queue(slot)
        }
        if segment.payload.isEmpty {
            self.streams[slot].lastSeen = time
        } else if self.streams[slot].ahead.isEmpty && self.streams[slot].start == self.streams[slot].bytes.count
            && dataSequence == self.streams[slot].next
        {
            // The common case: nothing held and the segment in order. Its messages are handed
            // out straight from the segment and only an incomplete tail is kept, all in place:
            // the handler never touches the table, so the slot stays valid.
            let consumed = try self.extractMessages(from: segment.payload, key: key, time: time, message)
            self.streams[slot].lastSeen = time
            self.streams[slot].next &+= UInt32(truncatingIfNeeded: segment.payload.count)
            if !self.streams[slot].bytes.isEmpty {
                self.streams[slot].bytes.removeAll(keepingCapacity: true)
                self.streams[slot].start = 0
            }
            if consumed < segment.payload.count {
                self.streams[slot].bytes.append(contentsOf: segment.payload[consumed...])
                self.heldBytes += segment.payload.count - consumed
                if segment.payload.count - consumed > self.limits.maximumStreamBytes {
                    self.counters.overLimit &+= 1
                    self.take(slot: slot)
                    return
                }
            }
        } else {
            var stream = self.take(slot: slot)
            stream.lastSeen = time
            guard try self.addSlowly(segment, dataSequence: dataSequence, to: &stream, key: key, time: time, message) else { return }
            self.put(stream, for: key, at: slot)
        }
        if segment.fin {
            try self.close(key, incompleteCounts: true, message)
            return
        }
        try self.enforceBounds(message)
    }

    /// Adds a segment that is out of order, or arrives while the stream holds bytes; false
    /// when the stream holds too much and is dropped.
    private mutating func addSlowly<Failure: Error>(
        _ segment: Segment, dataSequence: UInt32, to stream: inout Stream, key: StreamKey, time: UInt64,
        _ message: MessageHandler<Failure>
    ) throws(Failure) -> Bool {
        if segment.payload.count > 0 {
            if self.accept(Array(segment.payload), at: dataSequence, time: time, into: &stream) {
                try self.extractMessages(from: &stream, key: key, time: time, message)
            }
            // Too much held behind a hole: the hole is not going to be filled in time.
            while stream.heldBytes > self.limits.maximumStreamBytes, !stream.ahead.isEmpty {
                try self.skipGap(in: &stream, key: key, message)
            }
            if stream.heldBytes > self.limits.maximumStreamBytes {
                self.counters.overLimit &+= 1
                return false
            }
        }
        return true
    }

    /// Removes the stream at `slot` from the table for changing, keeping the totals right.
    @discardableResult
    private mutating func take(slot: Int) -> Stream {
        let stream = self.streams.remove(at: slot)
        self.heldBytes -= stream.heldBytes
        if !stream.ahead.isEmpty { self.streamsWithHoles -= 1 }
        return stream
    }

    /// Puts a stream taken with ``take(slot:)`` from `slot` back. It had a slot a moment ago,
    /// so there is room; should its probe run have grown too long meanwhile, it is dropped and
    /// counted. The table reuses the entry just freed, so the stream keeps its place in
    /// ``order``; should it land elsewhere, it is queued again there.
    private mutating func put(_ stream: Stream, for key: StreamKey, at slot: Int) {
        guard let inserted = self.streams.insert(key, stream) else {
            self.counters.refused &+= 1
            return
        }
        if inserted != slot { self.queue(inserted) }
        self.heldBytes += stream.heldBytes
        if !stream.ahead.isEmpty { self.streamsWithHoles += 1 }
    }

    /// Queues the new stream at `slot` in ``order``. Streams closed early leave stale queue
    /// elements behind a long-lived stream at the front; once they are most of the queue
    /// they are dropped, so the queue stays within twice the stream bound.
    private mutating func queue(_ slot: Int) {
        if self.order.count >= 2 * self.limits.maximumStreams + 64 {
            let streams = self.streams
            self.order.removeAll { generation, slot in !Self.isQueued(slot, generation: generation, in: streams) }
        }
        self.streams[slot].generation = self.order.append(slot)
    }

    /// Whether the queue element (`slot`, `generation`) still names a stream in `streams`.
    private static func isQueued(_ slot: Int, generation: UInt64, in streams: FlowTable<StreamKey, Stream>) -> Bool {
        streams.isOccupied(slot) && streams[slot].generation == generation
    }

    /// Places bytes at `sequence`; returns whether in-order bytes were added.
    private mutating func accept(_ bytes: [UInt8], at sequence: UInt32, time: UInt64, into stream: inout Stream) -> Bool {
        let offset = Int(Int32(bitPattern: sequence &- stream.next))
        if offset + bytes.count <= 0 {
            self.counters.retransmissions &+= 1
            return false
        }
        if offset > 0 {
            self.counters.outOfOrder &+= 1
            if !stream.ahead.contains(where: { $0.sequence == sequence && $0.bytes.count >= bytes.count }) {
                stream.ahead.append((sequence, bytes, time))
                stream.aheadBytes += bytes.count
            }
            return false
        }
        self.append(bytes[(-offset)...], to: &stream)
        // Segments that were waiting may now fit.
        while self.appendNextWaiting(to: &stream) != nil {}
        return true
    }

    /// Appends the waiting segment that now fits at `next`, if any, and returns its time.
    /// Waiting segments wholly behind `next` are dropped as retransmitted.
    private func appendNextWaiting(to stream: inout Stream) -> UInt64? {
        for index in stream.ahead.indices.reversed() {
            let waiting = stream.ahead[index]
            let gap = Int(Int32(bitPattern: waiting.sequence &- stream.next))
            guard gap <= 0 else { continue }
            stream.ahead.remove(at: index)
            stream.aheadBytes -= waiting.bytes.count
            if gap + waiting.bytes.count > 0 {
                self.append(waiting.bytes[(-gap)...], to: &stream)
                return waiting.time
            }
            return self.appendNextWaiting(to: &stream)
        }
        return nil
    }

    /// Gives up on the bytes missing in front of the earliest waiting segment: the incomplete
    /// message in order is dropped and the stream resumes at that segment, as the start of a
    /// message. Each message then found takes the time of the segment that holds its end.
    private mutating func skipGap<Failure: Error>(in stream: inout Stream, key: StreamKey, _ message: MessageHandler<Failure>) throws(Failure) {
        guard let earliest = stream.ahead.min(by: {
            Int32(bitPattern: $0.sequence &- stream.next) < Int32(bitPattern: $1.sequence &- stream.next)
        }) else { return }
        self.counters.gapsSkipped &+= 1
        stream.bytes.removeAll(keepingCapacity: true)
        stream.start = 0
        stream.next = earliest.sequence
        while let time = self.appendNextWaiting(to: &stream) {
            try self.extractMessages(from: &stream, key: key, time: time, message)
        }
    }

    /// Skips the holes of stream `key` that its receiver has acknowledged: bytes the receiver
    /// has are never sent again, so waiting for them is pointless.
    private mutating func skipAcknowledgedGaps<Failure: Error>(
        _ key: StreamKey, acknowledgement: UInt32, _ message: MessageHandler<Failure>
    ) throws(Failure) {
        guard let slot = self.streams.find(key), !self.streams[slot].ahead.isEmpty,
            Int32(bitPattern: acknowledgement &- self.streams[slot].next) > 0
        else { return }
        var stream = self.take(slot: slot)
        while let earliest = stream.ahead.map(\.sequence).min(by: {
            Int32(bitPattern: $0 &- stream.next) < Int32(bitPattern: $1 &- stream.next)
        }), Int32(bitPattern: acknowledgement &- earliest) >= 0 {
            try self.skipGap(in: &stream, key: key, message)
        }
        self.put(stream, for: key, at: slot)
    }

    private func append(_ bytes: ArraySlice<UInt8>, to stream: inout Stream) {
        if stream.start > 0 && stream.start * 2 >= stream.bytes.count {
            stream.bytes.removeFirst(stream.start)
            stream.start = 0
        }
        stream.bytes += bytes
        stream.next = stream.next &+ UInt32(truncatingIfNeeded: bytes.count)
    }

    /// Hands out every complete length-prefixed message at the start of `bytes`; returns how
    /// many bytes they took.
    private mutating func extractMessages<Failure: Error>(
        from bytes: ByteView, key: StreamKey, time: UInt64, _ message: MessageHandler<Failure>
    ) throws(Failure) -> Int {
        var offset = 0
        while bytes.count - offset >= 2 {
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            guard bytes.count - offset >= 2 + length else { break }
            try message(bytes.subview((offset + 2)..<(offset + 2 + length)), key, time)
            offset += 2 + length
            self.counters.messages &+= 1
        }
        return offset
    }

    /// Hands out every complete length-prefixed message at the front of the stream.
    private mutating func extractMessages<Failure: Error>(
        from stream: inout Stream, key: StreamKey, time: UInt64, _ message: MessageHandler<Failure>
    ) throws(Failure) {
        let start = stream.start
        stream.start += try stream.bytes.withByteView { (raw) throws(Failure) -> Int in
            try self.extractMessages(from: raw.subview(from: start), key: key, time: time, message)
        }
    }

    /// Ends stream `key`. What it holds after a hole is still searched for messages first.
    private mutating func close<Failure: Error>(_ key: StreamKey, incompleteCounts: Bool, _ message: MessageHandler<Failure>) throws(Failure) {
        guard let slot = self.streams.find(key) else { return }
        try self.close(slot: slot, key: key, incompleteCounts: incompleteCounts, message)
    }

    /// Ends the stream at `slot`, which is `key`'s.
    private mutating func close<Failure: Error>(
        slot: Int, key: StreamKey, incompleteCounts: Bool, _ message: MessageHandler<Failure>
    ) throws(Failure) {
        var stream = self.take(slot: slot)
        while !stream.ahead.isEmpty {
            try self.skipGap(in: &stream, key: key, message)
        }
        if incompleteCounts && stream.heldBytes > 0 { self.counters.closedIncomplete &+= 1 }
    }

    /// Ends streams idle past the timeout. Streams are visited oldest-created first, so a long,
    /// busy connection at the front delays the expiry of younger idle ones until the bounds
    /// evict them.
    private mutating func expire<Failure: Error>(before time: UInt64, _ message: MessageHandler<Failure>) throws(Failure) {
        while let (generation, slot) = self.order.oldest {
            guard Self.isQueued(slot, generation: generation, in: self.streams) else {
                self.order.removeOldest()
                continue
            }
            let lastSeen = self.streams[slot].lastSeen
            guard time > lastSeen, time - lastSeen > self.limits.idleTimeoutNanoseconds else { break }
            self.order.removeOldest()
            if self.streams[slot].heldBytes > 0 { self.counters.expired &+= 1 }
            try self.close(slot: slot, key: self.streams.key(at: slot), incompleteCounts: false, message)
        }
    }

    /// Evicts the oldest stream; false when there is none.
    @discardableResult
    private mutating func evictOldest<Failure: Error>(_ message: MessageHandler<Failure>) throws(Failure) -> Bool {
        while let (generation, slot) = self.order.oldest {
            self.order.removeOldest()
            guard Self.isQueued(slot, generation: generation, in: self.streams) else { continue }
            // An idle stream between messages loses nothing when it goes.
            if self.streams[slot].heldBytes > 0 { self.counters.evicted &+= 1 }
            try self.close(slot: slot, key: self.streams.key(at: slot), incompleteCounts: false, message)
            return true
        }
        return false
    }

    /// Evicts streams, oldest first, while the table holds more than the bounds allow.
    private mutating func enforceBounds<Failure: Error>(_ message: MessageHandler<Failure>) throws(Failure) {
        while self.streams.count > self.limits.maximumStreams || self.heldBytes > self.limits.maximumBytes,
            try self.evictOldest(message)
        {}
        // A full table evicts its oldest stream at the next new one, and the one after it at
        // the new one after that. What those evictions read is asked for now, so they find it
        // in the cache instead of waiting on memory: the next stream's table slot (its entry,
        // asked for one new stream ago, tells where that is) and the one after's entry.
        if self.streams.count >= self.limits.maximumStreams {
            if let (_, slot) = self.order.oldest { self.streams.prefetchSlot(ofEntry: slot) }
            if let (_, slot) = self.order.secondOldest { self.streams.prefetch(entry: slot) }
        }
    }
}
