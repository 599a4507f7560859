import DMBytes

/// The DNS record body (docs/record-format.md, section 3.2).
public enum DNSRecordLayout {
    /// Bytes in front of the identity.
    @inlinable public static var fixedSize: Int { 56 }
    /// Flag bit: the message failed a full wire parse and was kept on request.
    @inlinable public static var malformedFlag: UInt16 { 1 << 0 }
    /// The largest DNS message (the TCP length prefix is 16 bits).
    @inlinable public static var maximumMessageSize: Int { 65535 }
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

    /// The lowercase name dnsmonster prints (`udp`, `tcp`, …).
    public var description: String {
        switch self.rawValue {
        case 1: return "udp"
        case 2: return "tcp"
        case 3: return "dot"
        case 4: return "doh"
        case 5: return "doq"
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

    /// Loads the fixed part and returns it with the identity length.
    @inlinable
    static func load(from body: UnsafeRawBufferPointer) -> (DNSMetadata, identityLength: Int) {
        let metadata = DNSMetadata(
            timeNanoseconds: body.loadLittleEndian(at: 0), packetLength: body.loadLittleEndian(at: 8),
            ipVersion: body.loadLittleEndian(at: 12), transport: DNSTransport(rawValue: body.loadLittleEndian(at: 13)),
            sourcePort: body.loadLittleEndian(at: 14), destinationPort: body.loadLittleEndian(at: 16),
            matchFlags: DNSMatchFlags(rawValue: body.loadLittleEndian(at: 18)),
            sourceAddress: IPAddressBytes(loadingFrom: body, at: 24),
            destinationAddress: IPAddressBytes(loadingFrom: body, at: 40))
        return (metadata, Int(body.loadLittleEndian(at: 20, as: UInt16.self)))
    }

    /// Stores the fixed part at the start of `body` with the given identity length.
    @inlinable @inline(__always)
    public func store(into body: UnsafeMutableRawBufferPointer, identityLength: Int) {
        body.storeLittleEndian(self.timeNanoseconds, at: 0)
        body.storeLittleEndian(self.packetLength, at: 8)
        body.storeLittleEndian(self.ipVersion, at: 12)
        body.storeLittleEndian(self.transport.rawValue, at: 13)
        body.storeLittleEndian(self.sourcePort, at: 14)
        body.storeLittleEndian(self.destinationPort, at: 16)
        body.storeLittleEndian(self.matchFlags.rawValue, at: 18)
        body.storeLittleEndian(UInt16(truncatingIfNeeded: identityLength), at: 20)
        body.storeLittleEndian(UInt16(0), at: 22)
        self.sourceAddress.store(into: body, at: 24)
        self.destinationAddress.store(into: body, at: 40)
    }
}

/// A DNS record read in place.
@frozen
public struct DNSRecordView {
    /// The fixed fields.
    public let metadata: DNSMetadata
    /// The identity bytes (UTF-8), empty when none.
    public let identity: UnsafeRawBufferPointer
    /// The DNS wire message.
    public let message: UnsafeRawBufferPointer

    /// Decodes `body`, validating the fixed part, the identity length and the message size.
    @inlinable
    public init(body: UnsafeRawBufferPointer) throws(RecordLayoutError) {
        guard body.count >= DNSRecordLayout.fixedSize else {
            throw RecordLayoutError(type: .dns, reason: "body of \(body.count) bytes is shorter than the 56-byte fixed part")
        }
        let (metadata, identityLength) = DNSMetadata.load(from: body)
        let messageStart = DNSRecordLayout.fixedSize + identityLength
        guard messageStart <= body.count else {
            throw RecordLayoutError(type: .dns, reason: "identity length \(identityLength) runs past the end of the body")
        }
        guard body.count - messageStart <= DNSRecordLayout.maximumMessageSize else {
            throw RecordLayoutError(type: .dns, reason: "message of \(body.count - messageStart) bytes exceeds 65535")
        }
        self.metadata = metadata
        self.identity = UnsafeRawBufferPointer(rebasing: body[DNSRecordLayout.fixedSize..<messageStart])
        self.message = UnsafeRawBufferPointer(rebasing: body[messageStart...])
    }
}

/// A DNS record as an owned value, for tests and cold paths.
public struct DNSRecord: Hashable, Sendable {
    public var metadata: DNSMetadata
    public var identity: [UInt8]
    public var message: [UInt8]

    public init(metadata: DNSMetadata, identity: [UInt8] = [], message: [UInt8]) {
        self.metadata = metadata
        self.identity = identity
        self.message = message
    }

    /// Copies a record out of a view.
    public init(_ view: DNSRecordView) {
        self.init(metadata: view.metadata, identity: Array(view.identity), message: Array(view.message))
    }

    /// The encoded body.
    public func encodedBody() -> [UInt8] {
        var body = [UInt8](repeating: 0, count: DNSRecordLayout.fixedSize + self.identity.count + self.message.count)
        body.withUnsafeMutableBytes { raw in
            self.metadata.store(into: raw, identityLength: self.identity.count)
            self.identity.withUnsafeBytes { raw.copyBytes($0, at: DNSRecordLayout.fixedSize) }
            self.message.withUnsafeBytes { raw.copyBytes($0, at: DNSRecordLayout.fixedSize + self.identity.count) }
        }
        return body
    }
}
