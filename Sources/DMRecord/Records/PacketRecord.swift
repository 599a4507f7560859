import DMBytes

/// The PACKET record body (docs/record-format.md, section 3.1): one captured frame.
public enum PacketRecordLayout {
    /// Bytes in front of the frame.
    @inlinable public static var fixedSize: Int { 20 }
    /// The largest frame a PACKET record can carry.
    @inlinable public static var maximumFrameSize: Int { RecordFraming.maximumBodySize - fixedSize }
}

/// The metadata of a PACKET record, everything but the frame bytes.
@frozen
public struct PacketMetadata: Hashable, Sendable {
    /// Capture time in nanoseconds since the Unix epoch.
    public var timeNanoseconds: UInt64
    /// The frame's length on the wire.
    public var originalLength: UInt32
    /// A `LINKTYPE_*` number.
    public var linkType: UInt16
    /// The pcapng interface index; 0 for pcap files and single live interfaces.
    public var interface: UInt16
    /// The capture process or shard that produced the frame.
    public var lane: UInt16

    @inlinable
    public init(timeNanoseconds: UInt64, originalLength: UInt32, linkType: UInt16, interface: UInt16 = 0, lane: UInt16 = 0) {
        self.timeNanoseconds = timeNanoseconds
        self.originalLength = originalLength
        self.linkType = linkType
        self.interface = interface
        self.lane = lane
    }

    /// Stores the fixed part at the start of `body`, which has room for it.
    @inlinable
    public func store(into body: MutableByteView) {
        body.storeLittleEndian(self.timeNanoseconds, at: 0)
        body.storeLittleEndian(self.originalLength, at: 8)
        body.storeLittleEndian(self.linkType, at: 12)
        body.storeLittleEndian(self.interface, at: 14)
        body.storeLittleEndian(self.lane, at: 16)
        body.storeLittleEndian(UInt16(0), at: 18)
    }
}

/// A PACKET record read in place.
@frozen
public struct PacketRecordView {
    /// The fixed fields.
    public let metadata: PacketMetadata
    /// The captured frame bytes.
    public let frame: ByteView

    /// Decodes `body`; throws when it is shorter than the fixed part.
    @inlinable
    public init(body: ByteView) throws(RecordLayoutError) {
        guard body.count >= PacketRecordLayout.fixedSize else { throw Self.shortBody(body.count) }
        self.metadata = PacketMetadata(
            timeNanoseconds: body.loadLittleEndian(at: 0), originalLength: body.loadLittleEndian(at: 8),
            linkType: body.loadLittleEndian(at: 12), interface: body.loadLittleEndian(at: 14),
            lane: body.loadLittleEndian(at: 16))
        self.frame = body.subview(from: PacketRecordLayout.fixedSize)
    }

    /// The error for a body of `count` bytes, out of line so the decoder stays small enough to
    /// inline into per-packet loops.
    @usableFromInline @inline(never)
    static func shortBody(_ count: Int) -> RecordLayoutError {
        RecordLayoutError(type: .packet, reason: "body of \(count) bytes is shorter than the 20-byte fixed part")
    }
}

/// A PACKET record as an owned value, for tests and cold paths.
public struct PacketRecord: Hashable, Sendable {
    public var metadata: PacketMetadata
    public var frame: [UInt8]

    public init(metadata: PacketMetadata, frame: [UInt8]) {
        self.metadata = metadata
        self.frame = frame
    }

    /// Copies a record out of a view.
    public init(_ view: PacketRecordView) {
        self.init(metadata: view.metadata, frame: Array(view.frame))
    }

    /// The encoded body.
    public func encodedBody() -> [UInt8] {
        var body = [UInt8](repeating: 0, count: PacketRecordLayout.fixedSize + self.frame.count)
        body.withMutableByteView { raw in
            self.metadata.store(into: raw)
            raw.copy(self.frame, to: PacketRecordLayout.fixedSize)
        }
        return body
    }
}
