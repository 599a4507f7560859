import DMBytes

/// An IPv4 or IPv6 packet viewed in place: addresses, transport protocol, payload, and where
/// it is a fragment, what the reassembler needs.
@frozen
public struct IPPacketView {
    /// Fragment identification and position.
    @frozen
    public struct Fragment: Hashable, Sendable {
        /// IPv4's 16-bit or IPv6's 32-bit identification.
        public var identification: UInt32
        /// Offset of this fragment's payload in the datagram, in bytes.
        public var offset: Int
        /// Whether more fragments follow.
        public var moreFragments: Bool

        @inlinable
        public init(identification: UInt32, offset: Int, moreFragments: Bool) {
            self.identification = identification
            self.offset = offset
            self.moreFragments = moreFragments
        }
    }

    // The two one-byte fields come last, together: with `version` first, the seven bytes of
    // padding after it were copied with two overlapping 4-byte moves whenever the IPv6
    // decoder's result was copied, and the load that read them back waited on both stores.

    public var source: IPAddressBytes
    public var destination: IPAddressBytes
    /// The bytes after the IP header (and extension headers), cut to the packet's own length.
    public var payload: ByteView
    /// Non-nil when the packet is a fragment (not the whole datagram).
    public var fragment: Fragment?
    /// 4 or 6.
    public var version: UInt8
    /// The transport protocol number (17 UDP, 6 TCP, …) after any IPv6 extension headers.
    public var transportProtocol: UInt8

    /// Why a frame holds no usable IP packet.
    public enum DecodeError: Error, Hashable, Sendable {
        /// The captured bytes end inside a header, or before the length the header declares.
        case truncated
        /// A version other than 4/6, a header length below the minimum, and the like.
        case malformed
    }

    /// Decodes the IP packet that starts at `offset` of `frame`. Inlinable, so that dm-parse's
    /// per-packet loop decodes the header in place rather than through a call.
    @inlinable @inline(__always)
    public init(frame: ByteView, at offset: Int) throws(DecodeError) {
        guard offset < frame.count else { throw .truncated }
        let packet = frame.subview(from: offset)
        switch packet[0] >> 4 {
        case 4:
            guard packet.count >= 20 else { throw .truncated }
            let headerLength = Int(packet[0] & 0x0F) * 4
            let totalLength = Self.u16(packet, 2)
            guard headerLength >= 20, totalLength >= headerLength else { throw .malformed }
            guard packet.count >= totalLength else { throw .truncated }
            let flagsAndOffset = Self.u16(packet, 6)
            let fragmentOffset = (flagsAndOffset & 0x1FFF) * 8
            let more = flagsAndOffset & 0x2000 != 0
            self.version = 4
            self.source = IPAddressBytes(first: UInt64(packet.loadNative(at: 12, as: UInt32.self)), second: 0)
            self.destination = IPAddressBytes(first: UInt64(packet.loadNative(at: 16, as: UInt32.self)), second: 0)
            self.transportProtocol = packet[9]
            self.payload = packet.subview(headerLength..<totalLength)
            self.fragment = more || fragmentOffset != 0
                ? Fragment(identification: UInt32(Self.u16(packet, 4)), offset: fragmentOffset, moreFragments: more) : nil
        case 6:
            self = try Self(ipv6: packet)
        default:
            throw .malformed
        }
    }

    /// Decodes the IPv6 packet at the start of `packet`. Inlined with the IPv4 decoding above:
    /// out of line, its result was copied through memory right after it was stored field by
    /// field, and the copy waited on those stores (2.5% of dm-parse's time). Extension
    /// headers, which few packets carry, are walked out of line.
    @inlinable @inline(__always)
    init(ipv6 packet: ByteView) throws(DecodeError) {
        guard packet.count >= 40 else { throw .truncated }
        let end = 40 + Self.u16(packet, 4)
        guard packet.count >= end else { throw .truncated }
        var next = packet[6]
        var position = 40
        var fragment: Fragment?
        if next != 17 && next != 6 {
            (next, position, fragment) = try Self.walkExtensionHeaders(packet, next: next, end: end)
        }
        self.version = 6
        self.source = IPAddressBytes(loadingFrom: packet, at: 8)
        self.destination = IPAddressBytes(loadingFrom: packet, at: 24)
        self.transportProtocol = next
        self.payload = packet.subview(position..<end)
        self.fragment = fragment
    }

    /// Walks the IPv6 extension headers that start at byte 40 of `packet` with `next`, in
    /// whatever order they come, up to `end`: the protocol after them, where its bytes start,
    /// and the fragment header's fields when there is one that does not hold the whole
    /// datagram (an atomic fragment, offset 0 and no more, is whole: RFC 6946).
    @usableFromInline
    static func walkExtensionHeaders(
        _ packet: ByteView, next first: UInt8, end: Int
    ) throws(DecodeError) -> (next: UInt8, position: Int, fragment: Fragment?) {
        var next = first
        var position = 40
        var fragment: Fragment?
        extensionHeaders: while true {
            switch next {
            case 0, 43, 60, 135, 139, 140:  // hop-by-hop, routing, destination, mobility, HIP, shim6
                guard position + 8 <= end else { throw .truncated }
                next = packet[position]
                position += (Int(packet[position + 1]) + 1) * 8
            case 51:  // authentication header
                guard position + 8 <= end else { throw .truncated }
                next = packet[position]
                position += (Int(packet[position + 1]) + 2) * 4
            case 44:  // fragment header
                guard position + 8 <= end else { throw .truncated }
                guard fragment == nil else { throw .malformed }
                next = packet[position]
                let field = Self.u16(packet, position + 2)
                let identification = packet.loadNative(at: position + 4, as: UInt32.self).bigEndian
                fragment = Fragment(identification: identification, offset: field & 0xFFF8, moreFragments: field & 1 != 0)
                position += 8
            default:
                break extensionHeaders
            }
            guard position <= end else { throw .truncated }
        }
        return (next, position, fragment.flatMap { $0.offset == 0 && !$0.moreFragments ? nil : $0 })
    }

    /// The big-endian 16-bit field at `offset` of `packet`, which must hold it.
    @inlinable @inline(__always)
    static func u16(_ packet: ByteView, _ offset: Int) -> Int {
        Int(packet[offset]) << 8 | Int(packet[offset + 1])
    }
}
