import DMBytes
import DMRecord
import DMStage
import DNSWire

/// Turns decoded dnstap payloads into DNS records, as dnsmonster maps them: the query message
/// and its time when the payload has one, else the response and its time; the IP version from
/// the socket family; the query address and port as source, the response's as destination;
/// the transport from the socket protocol; identity and version carried along; the packet
/// length is the message's. Messages are checked as miekg/dns unpacks them (dnsmonster drops the
/// ones it cannot unpack) and counted.
public struct DnstapRecordMapping {
    /// Which message types become records.
    public var types: DnstapTypeSelection
    /// Whether a payload with both a query and a response gives a record for each (dnsmonster
    /// gives one, for the query).
    public var writesBothMessages: Bool
    /// Whether messages that fail the wire check are kept, flagged malformed.
    public var keepsMalformed: Bool
    /// Which payloads a lane takes (`--shard`, `--sample`, `--packet-limit` on files).
    public var selection: DnstapSelection
    /// What the mapping decided.
    public private(set) var counters = Counters()
    private let validator = DNSMessageValidator()

    /// What happened to the payloads handed to ``write(_:into:)``.
    public struct Counters: Hashable, Sendable {
        /// Payloads that were no `Dnstap` protobuf.
        public var decodeErrors: UInt64 = 0
        /// Well-formed payloads without a `Message` (other payload types).
        public var otherPayloads: UInt64 = 0
        /// Messages decoded.
        public var messages: UInt64 = 0
        /// Messages of types `--dnstap-types` leaves out.
        public var typesSkipped: UInt64 = 0
        /// Messages that carry neither a query nor a response.
        public var withoutDNSMessage: UInt64 = 0
        /// DNS messages that failed the wire check (dropped unless kept).
        public var malformed: UInt64 = 0
        /// Of those, kept and flagged.
        public var malformedKept: UInt64 = 0
        /// DNS records written.
        public var recordsWritten: UInt64 = 0
    }

    /// A mapping with the given choices.
    public init(
        types: DnstapTypeSelection = .all, writesBothMessages: Bool = false, keepsMalformed: Bool = false,
        selection: DnstapSelection = DnstapSelection()
    ) {
        self.types = types
        self.writesBothMessages = writesBothMessages
        self.keepsMalformed = keepsMalformed
        self.selection = selection
    }

    /// Whether `--packet-limit` payloads were taken.
    public var isDone: Bool { self.selection.isDone }

    /// Decodes one data frame and writes its records.
    public mutating func write(frame: ByteView, into writer: RecordWriter) throws(RecordWriteError) {
        let payload: DnstapPayload
        do {
            payload = try DnstapPayload(decoding: frame)
        } catch {
            // Counted once over all lanes: by the lane of shard 0, as dm-capture's frames without IP.
            if self.selection.admitUndecodable() { self.counters.decodeErrors &+= 1 }
            return
        }
        guard self.selection.admit(payload) else { return }
        try self.write(payload, into: writer)
    }

    /// Writes the records of a decoded payload.
    public mutating func write(_ payload: DnstapPayload, into writer: RecordWriter) throws(RecordWriteError) {
        guard payload.hasMessage else {
            self.counters.otherPayloads &+= 1
            return
        }
        self.counters.messages &+= 1
        guard self.types.contains(payload.messageType) else {
            self.counters.typesSkipped &+= 1
            return
        }
        var metadata = DNSMetadata(
            timeNanoseconds: 0, packetLength: 0, ipVersion: Self.ipVersion(payload), transport: Self.transport(payload.socketProtocol),
            sourcePort: UInt16(truncatingIfNeeded: payload.queryPort), destinationPort: UInt16(truncatingIfNeeded: payload.responsePort),
            sourceAddress: Self.address(payload.queryAddress), destinationAddress: Self.address(payload.responseAddress))
        if let query = payload.queryMessage {
            metadata.timeNanoseconds = Self.nanoseconds(payload.queryTimeSeconds, payload.queryTimeNanoseconds)
            try self.writeRecord(query, metadata: metadata, payload: payload, into: writer)
            guard self.writesBothMessages, let response = payload.responseMessage else { return }
            metadata.timeNanoseconds = Self.nanoseconds(payload.responseTimeSeconds, payload.responseTimeNanoseconds)
            try self.writeRecord(response, metadata: metadata, payload: payload, into: writer)
        } else if let response = payload.responseMessage {
            metadata.timeNanoseconds = Self.nanoseconds(payload.responseTimeSeconds, payload.responseTimeNanoseconds)
            try self.writeRecord(response, metadata: metadata, payload: payload, into: writer)
        } else {
            self.counters.withoutDNSMessage &+= 1
        }
    }

    @inline(__always)
    private mutating func writeRecord(
        _ message: ByteView, metadata: DNSMetadata, payload: DnstapPayload, into writer: RecordWriter
    ) throws(RecordWriteError) {
        // A message no DNS record can hold is malformed and never kept.
        guard message.count <= DNSRecordLayout.maximumMessageSize else {
            self.counters.malformed &+= 1
            return
        }
        var flags: UInt16 = 0
        do {
            _ = try self.validator.validate(message)
        } catch {
            self.counters.malformed &+= 1
            guard self.keepsMalformed else { return }
            self.counters.malformedKept &+= 1
            flags = DNSRecordLayout.malformedFlag
        }
        var metadata = metadata
        metadata.packetLength = UInt32(message.count)
        // Identity and version longer than their 16-bit length fields are cut.
        let identity = payload.identity.subview(0..<min(payload.identity.count, DNSRecordLayout.maximumTextSize))
        let version = payload.version.subview(0..<min(payload.version.count, DNSRecordLayout.maximumTextSize))
        let versionStart = DNSRecordLayout.fixedSize + identity.count
        let messageStart = versionStart + version.count
        try writer.writeRecord(type: .dns, flags: flags, bodySize: messageStart + message.count) { body in
            metadata.store(into: body, identityLength: identity.count, versionLength: version.count)
            body.copy(identity, to: DNSRecordLayout.fixedSize)
            body.copy(version, to: versionStart)
            body.copy(message, to: messageStart)
        }
        self.counters.recordsWritten &+= 1
    }

    /// dnsmonster's `SocketFamily*2+2` (INET 4, INET6 6); without a family, from the address.
    @inline(__always)
    static func ipVersion(_ payload: DnstapPayload) -> UInt8 {
        if let family = payload.socketFamily { return UInt8(truncatingIfNeeded: family &* 2 &+ 2) }
        return payload.queryAddress.count == 16 || payload.responseAddress.count == 16 ? 6 : 4
    }

    /// The record's transport for a dnstap socket protocol.
    @inline(__always)
    static func transport(_ socketProtocol: UInt64?) -> DNSTransport {
        switch socketProtocol {
        case 1: return .udp
        case 2: return .tcp
        case 3: return .dot
        case 4: return .doh
        case 5: return .dnscryptUDP
        case 6: return .dnscryptTCP
        case 7: return .doq
        default: return .unknown
        }
    }

    /// A 4- or 16-byte address in the record's 16-byte field (IPv4 first, then zeros).
    @inline(__always)
    static func address(_ bytes: ByteView) -> IPAddressBytes {
        switch bytes.count {
        case 16: return IPAddressBytes(loadingFrom: bytes, at: 0)
        case 4: return IPAddressBytes(first: UInt64(littleEndian: UInt64(bytes.loadLittleEndian(at: 0, as: UInt32.self))), second: 0)
        case 0: return IPAddressBytes(first: 0, second: 0)
        default: return IPAddressBytes(prefixOf: bytes, count: 16)
        }
    }

    @inline(__always)
    static func nanoseconds(_ seconds: UInt64, _ nanoseconds: UInt32) -> UInt64 {
        seconds &* 1_000_000_000 &+ UInt64(nanoseconds)
    }
}

/// Which dnstap payloads one lane takes, for `bin/dnsmonster`'s lanes over one file: `--shard
/// I/N` by a hash of the query address (a client's messages stay together, as a flow does with
/// packets), then `--sample A:B`, up to `--packet-limit` payloads.
public struct DnstapSelection: Hashable, Sendable {
    /// Shard `index` of `count`; nil: every payload.
    public var shard: (index: UInt64, count: UInt64)? {
        get { self.shardCount == 0 ? nil : (self.shardIndex, self.shardCount) }
        set {
            self.shardIndex = newValue?.index ?? 0
            self.shardCount = newValue?.count ?? 0
        }
    }
    private var shardIndex: UInt64 = 0
    private var shardCount: UInt64 = 0
    /// `--sample A:B`.
    public var sample: RecordSampler?
    /// `--packet-limit N`: payloads taken before the input stops.
    public var limit: UInt64?
    /// Payloads left to the other shards.
    public private(set) var otherShards: UInt64 = 0
    /// Payloads left out by the sample.
    public private(set) var sampledOut: UInt64 = 0
    /// Payloads taken.
    public private(set) var taken: UInt64 = 0

    /// Every payload.
    public init() {}

    /// Shard `shard`, sampled by `sample`, up to `limit` payloads.
    public init(shard: (index: UInt64, count: UInt64)?, sample: RecordSampler?, limit: UInt64?) {
        self.shard = shard
        self.sample = sample
        self.limit = limit
    }

    /// Whether the limit was reached.
    public var isDone: Bool { self.limit.map { self.taken >= $0 } ?? false }

    /// Decides on a decoded payload and counts the decision.
    @inline(__always)
    mutating func admit(_ payload: DnstapPayload) -> Bool {
        if self.shardCount > 1 && Self.hash(payload.queryAddress) % self.shardCount != self.shardIndex {
            self.otherShards &+= 1
            return false
        }
        if self.sample != nil, !self.sample!.admit() {
            self.sampledOut &+= 1
            return false
        }
        self.taken &+= 1
        return true
    }

    /// Whether this lane counts a payload that does not decode (shard 0 does).
    mutating func admitUndecodable() -> Bool {
        guard self.shardCount <= 1 || self.shardIndex == 0 else {
            self.otherShards &+= 1
            return false
        }
        self.taken &+= 1
        return true
    }

    /// FNV-1a of the address bytes.
    @inline(__always)
    static func hash(_ bytes: ByteView) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for index in 0..<bytes.count {
            hash = (hash ^ UInt64(bytes.uncheckedByte(at: index))) &* 0x0000_0100_0000_01B3  // index < count
        }
        return hash
    }
}
