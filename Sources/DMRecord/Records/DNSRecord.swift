import DMBytes

/// The DNS record body (docs/record-format.md, section 3.2): where each field of the fixed
/// part lies. Every reader and writer of DNS record bodies names its offsets from here.
public enum DNSRecordLayout {
    /// Capture time, nanoseconds since the Unix epoch (u64).
    @inlinable public static var timeOffset: Int { 0 }
    /// The message's length on the wire (u32).
    @inlinable public static var packetLengthOffset: Int { 8 }
    /// 4 or 6 (u8).
    @inlinable public static var ipVersionOffset: Int { 12 }
    /// ``DNSTransport`` (u8).
    @inlinable public static var transportOffset: Int { 13 }
    /// Source port (u16).
    @inlinable public static var sourcePortOffset: Int { 14 }
    /// Destination port (u16).
    @inlinable public static var destinationPortOffset: Int { 16 }
    /// ``DNSMatchFlags`` (u16).
    @inlinable public static var matchFlagsOffset: Int { 18 }
    /// Length of the identity after the fixed part (u16).
    @inlinable public static var identityLengthOffset: Int { 20 }
    /// Length of the server version after the identity (u16; 0: none).
    @inlinable public static var versionLengthOffset: Int { 22 }
    /// Source address, 16 bytes (``IPAddressBytes``).
    @inlinable public static var sourceAddressOffset: Int { 24 }
    /// Destination address, 16 bytes.
    @inlinable public static var destinationAddressOffset: Int { 40 }
    /// Bytes in front of the identity.
    @inlinable public static var fixedSize: Int { 56 }
    /// The longest identity or version a record carries (their lengths are 16-bit fields).
    @inlinable public static var maximumTextSize: Int { 65535 }
    /// Flag bit: the message failed a full wire parse and was kept on request.
    @inlinable public static var malformedFlag: UInt16 { 1 << 0 }
    /// The largest DNS message (the TCP length prefix is 16 bits).
    @inlinable public static var maximumMessageSize: Int { 65535 }

    /// Where the message starts in `body`: after the fixed part, the identity and the version.
    /// The caller has checked that `body` holds the fixed part.
    @inlinable
    public static func messageStart(in body: ByteView) -> Int {
        Self.fixedSize &+ Int(body.loadLittleEndian(at: Self.identityLengthOffset, as: UInt16.self))
            &+ Int(body.loadLittleEndian(at: Self.versionLengthOffset, as: UInt16.self))
    }
}

/// The transport a DNS message travelled over.
@frozen
public struct DNSTransport: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    @inlinable public static var unknown: DNSTransport { DNSTransport(rawValue: 0) }
    @inlinable public static var udp: DNSTransport { DNSTransport(rawValue: 1) }
    @inlinable public static var tcp: DNSTransport { DNSTransport(rawValue: 2) }
    @inlinable public static var dot: DNSTransport { DNSTransport(rawValue: 3) }
    @inlinable public static var doh: DNSTransport { DNSTransport(rawValue: 4) }
    @inlinable public static var doq: DNSTransport { DNSTransport(rawValue: 5) }
    /// DNSCrypt over UDP (a dnstap socket protocol).
    @inlinable public static var dnscryptUDP: DNSTransport { DNSTransport(rawValue: 6) }
    /// DNSCrypt over TCP.
    @inlinable public static var dnscryptTCP: DNSTransport { DNSTransport(rawValue: 7) }

    /// The lowercase name dnsmonster prints (`udp`, `tcp`, …).
    public var description: String {
        switch self.rawValue {
        case 1: return "udp"
        case 2: return "tcp"
        case 3: return "dot"
        case 4: return "doh"
        case 5: return "doq"
        case 6: return "dnscryptudp"
        case 7: return "dnscrypttcp"
        case 0: return "unknown"
        default: return "transport\(self.rawValue)"
        }
    }
}

/// Which domain lists a DNS record's question name matched (set by dm-filter).
@frozen
public struct DNSMatchFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The name matched the skip list.
    @inlinable public static var skipMatch: DNSMatchFlags { DNSMatchFlags(rawValue: 1 << 0) }
    /// The name matched the allow list.
    @inlinable public static var allowMatch: DNSMatchFlags { DNSMatchFlags(rawValue: 1 << 1) }
    /// dm-filter evaluated the lists; without it the other bits mean nothing.
    @inlinable public static var evaluated: DNSMatchFlags { DNSMatchFlags(rawValue: 1 << 2) }
    /// Every bit dm-filter owns: what it replaces when it tags a record.
    @inlinable public static var all: DNSMatchFlags { [.skipMatch, .allowMatch, .evaluated] }
}

/// The fixed fields of a DNS record: everything but the identity and the message.
@frozen
public struct DNSMetadata: Hashable, Sendable {
    public var timeNanoseconds: UInt64
    public var packetLength: UInt32
    public var ipVersion: UInt8
    public var transport: DNSTransport
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var matchFlags: DNSMatchFlags
    public var sourceAddress: IPAddressBytes
    public var destinationAddress: IPAddressBytes

    @inlinable
    public init(
        timeNanoseconds: UInt64, packetLength: UInt32, ipVersion: UInt8, transport: DNSTransport,
        sourcePort: UInt16, destinationPort: UInt16, matchFlags: DNSMatchFlags = [],
        sourceAddress: IPAddressBytes, destinationAddress: IPAddressBytes
    ) {
        self.timeNanoseconds = timeNanoseconds
        self.packetLength = packetLength
        self.ipVersion = ipVersion
        self.transport = transport
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.matchFlags = matchFlags
        self.sourceAddress = sourceAddress
        self.destinationAddress = destinationAddress
    }

    /// Loads the fixed part and returns it with the identity and version lengths; traps unless
    /// `body` holds the fixed part.
    @inlinable
    static func load(from body: ByteView) -> (DNSMetadata, identityLength: Int, versionLength: Int) {
        typealias Layout = DNSRecordLayout
        let metadata = DNSMetadata(
            timeNanoseconds: body.loadLittleEndian(at: Layout.timeOffset),
            packetLength: body.loadLittleEndian(at: Layout.packetLengthOffset),
            ipVersion: body.loadLittleEndian(at: Layout.ipVersionOffset),
            transport: DNSTransport(rawValue: body.loadLittleEndian(at: Layout.transportOffset)),
            sourcePort: body.loadLittleEndian(at: Layout.sourcePortOffset),
            destinationPort: body.loadLittleEndian(at: Layout.destinationPortOffset),
            matchFlags: DNSMatchFlags(rawValue: body.loadLittleEndian(at: Layout.matchFlagsOffset)),
            sourceAddress: IPAddressBytes(loadingFrom: body, at: Layout.sourceAddressOffset),
            destinationAddress: IPAddressBytes(loadingFrom: body, at: Layout.destinationAddressOffset))
        return (
            metadata, Int(body.loadLittleEndian(at: Layout.identityLengthOffset, as: UInt16.self)),
            Int(body.loadLittleEndian(at: Layout.versionLengthOffset, as: UInt16.self))
        )
    }

    /// Stores the fixed part at the start of `body` with the given identity and version lengths
    /// (each at most ``DNSRecordLayout/maximumTextSize``); traps unless `body` has room for it.
    @inlinable @inline(__always)
    public func store(into body: MutableByteView, identityLength: Int, versionLength: Int = 0) {
        typealias Layout = DNSRecordLayout
        body.storeLittleEndian(self.timeNanoseconds, at: Layout.timeOffset)
        body.storeLittleEndian(self.packetLength, at: Layout.packetLengthOffset)
        body.storeLittleEndian(self.ipVersion, at: Layout.ipVersionOffset)
        body.storeLittleEndian(self.transport.rawValue, at: Layout.transportOffset)
        body.storeLittleEndian(self.sourcePort, at: Layout.sourcePortOffset)
        body.storeLittleEndian(self.destinationPort, at: Layout.destinationPortOffset)
        body.storeLittleEndian(self.matchFlags.rawValue, at: Layout.matchFlagsOffset)
        body.storeLittleEndian(UInt16(truncatingIfNeeded: identityLength), at: Layout.identityLengthOffset)
        body.storeLittleEndian(UInt16(truncatingIfNeeded: versionLength), at: Layout.versionLengthOffset)
        self.sourceAddress.store(into: body, at: Layout.sourceAddressOffset)
        self.destinationAddress.store(into: body, at: Layout.destinationAddressOffset)
    }
}

/// A DNS record read in place.
@frozen
public struct DNSRecordView {
    /// The fixed fields.
    public let metadata: DNSMetadata
    /// The identity bytes (UTF-8), empty when none.
    public let identity: ByteView
    /// The server's version (UTF-8, from dnstap), empty when none.
    public let version: ByteView
    /// The DNS wire message.
    public let message: ByteView

    /// Decodes `body`, validating the fixed part, the identity and version lengths and the
    /// message size.
    @inlinable @inline(__always)
    public init(body: ByteView) throws(RecordLayoutError) {
        guard body.count >= DNSRecordLayout.fixedSize else {
            throw RecordLayoutError(type: .dns, reason: "body of \(body.count) bytes is shorter than the 56-byte fixed part")
        }
        let (metadata, identityLength, versionLength) = DNSMetadata.load(from: body)
        let versionStart = DNSRecordLayout.fixedSize + identityLength
        let messageStart = versionStart + versionLength
        guard messageStart <= body.count else {
            throw RecordLayoutError(
                type: .dns, reason: "identity length \(identityLength) and version length \(versionLength) run past the end of the body")
        }
        guard body.count - messageStart <= DNSRecordLayout.maximumMessageSize else {
            throw RecordLayoutError(type: .dns, reason: "message of \(body.count - messageStart) bytes exceeds 65535")
        }
        self.metadata = metadata
        self.identity = body.subview(DNSRecordLayout.fixedSize..<versionStart)
        self.version = body.subview(versionStart..<messageStart)
        self.message = body.subview(from: messageStart)
    }
}

/// A DNS record as an owned value, for tests and cold paths.
public struct DNSRecord: Hashable, Sendable {
    public var metadata: DNSMetadata
    public var identity: [UInt8]
    public var version: [UInt8]
    public var message: [UInt8]

    public init(metadata: DNSMetadata, identity: [UInt8] = [], version: [UInt8] = [], message: [UInt8]) {
        self.metadata = metadata
        self.identity = identity
        self.version = version
        self.message = message
    }

    /// Copies a record out of a view.
    public init(_ view: DNSRecordView) {
        self.init(metadata: view.metadata, identity: Array(view.identity), version: Array(view.version), message: Array(view.message))
    }

    /// The encoded body.
    public func encodedBody() -> [UInt8] {
        let versionStart = DNSRecordLayout.fixedSize + self.identity.count
        var body = [UInt8](repeating: 0, count: versionStart + self.version.count + self.message.count)
        body.withMutableByteView { raw in
            self.metadata.store(into: raw, identityLength: self.identity.count, versionLength: self.version.count)
            raw.copy(self.identity, to: DNSRecordLayout.fixedSize)
            raw.copy(self.version, to: versionStart)
            raw.copy(self.message, to: versionStart + self.version.count)
        }
        return body
    }
}
