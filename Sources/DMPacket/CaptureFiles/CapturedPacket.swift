import DMBytes
import DMRecord

/// One packet read from a capture, viewed in the reader's buffer until the next read.
@frozen
public struct CapturedPacket {
    /// Time, lengths, link type and interface, ready for a PACKET record.
    public var metadata: PacketMetadata
    /// The captured bytes (at most ``PacketRecordLayout/maximumFrameSize``).
    public var frame: ByteView

    @inlinable
    public init(metadata: PacketMetadata, frame: ByteView) {
        self.metadata = metadata
        self.frame = frame
    }
}
