import DMBytes

/// The tunnel encapsulations dm-parse opens to reach the traffic inside them.
///
/// Taps on data-centre and mobile networks see DNS wrapped in overlays; without opening them the
/// queries are invisible. Each kind is recognised by where it sits (an IP protocol number, or a
/// well-known UDP destination port) and checked before its payload is trusted: a version or flag
/// that is wrong for the kind makes the packet ``Decapsulation/undecodable`` rather than a guess.
@frozen
public enum Tunnel: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// IPv4 or IPv6 directly inside IP (protocols 4 and 41: IPIP, 6in4, 4in6, 6in6).
    case ipInIP
    /// GRE (protocol 47), versions 0 (RFC 2784/2890) and 1 (PPTP), carrying IP, Ethernet, PPP or ERSPAN.
    case gre
    /// GRE inside UDP (RFC 8086, port 4754).
    case greInUDP
    /// VXLAN (RFC 7348, port 4789, and Linux's old default 8472): Ethernet inside.
    case vxlan
    /// Geneve (RFC 8926, port 6081).
    case geneve
    /// GTP-U version 1 (3GPP TS 29.281, port 2152): user IP traffic on mobile networks.
    case gtpUser

    /// The counter-friendly name.
    public var description: String {
        switch self {
        case .ipInIP: return "ip_in_ip"
        case .gre: return "gre"
        case .greInUDP: return "gre_in_udp"
        case .vxlan: return "vxlan"
        case .geneve: return "geneve"
        case .gtpUser: return "gtp_u"
        }
    }

    /// The tunnel carried by IP protocol `transportProtocol`, if it is one.
    @inlinable
    public static func overIP(protocol transportProtocol: UInt8) -> Tunnel? {
        switch transportProtocol {
        case 4, 41: return .ipInIP
        case 47: return .gre
        default: return nil
        }
    }

    /// The tunnel a UDP datagram between these ports carries, if either is a tunnel's.
    ///
    /// VXLAN, Geneve and GRE-in-UDP senders pick a hashed source port, so only the destination
    /// says what they are; GTP-U peers use 2152 on both sides, but captures show it on one side
    /// only, so either side counts.
    @inlinable
    public static func overUDP(sourcePort: UInt16, destinationPort: UInt16) -> Tunnel? {
        switch destinationPort {
        case 4789, 8472: return .vxlan
        case 6081: return .geneve
        case 4754: return .greInUDP
        case 2152: return .gtpUser
        default: return sourcePort == 2152 ? .gtpUser : nil
        }
    }

    /// The outcome of opening one tunnel header.
    @frozen
    public enum Decapsulation: Hashable, Sendable {
        /// The inner IP packet starts at this offset of the tunnel payload.
        case innerIP(offset: Int)
        /// The header is valid but carries no IP packet (GTP echo, ARP over VXLAN, keepalives, …).
        case notIP
        /// The header is cut short or inconsistent for its kind.
        case undecodable
    }

    /// Opens this tunnel's header at the start of `payload` (the bytes after the outer IP header
    /// for ``ipInIP`` and ``gre``, after the UDP header for the others).
    public func decapsulate(_ payload: ByteView) -> Decapsulation {
        switch self {
        case .ipInIP:
            return payload.isEmpty ? .undecodable : .innerIP(offset: 0)
        case .gre, .greInUDP:
            return Self.openGRE(payload)
        case .vxlan:
            // 8 bytes: flags with the I bit (VNI valid), reserved, 24-bit VNI, reserved.
            guard payload.count >= 8, payload[0] & 0x08 != 0 else { return .undecodable }
            return Self.inner(.ethernet, payload, at: 8)
        case .geneve:
            // Version 0; the option length counts 4-byte words after the 8 fixed bytes.
            guard payload.count >= 8, payload[0] >> 6 == 0 else { return .undecodable }
            let headerLength = 8 + Int(payload[0] & 0x3F) * 4
            return Self.inner(etherType: Self.u16(payload, 2), payload, at: headerLength)
        case .gtpUser:
            return Self.openGTPUser(payload)
        }
    }

    // MARK: - Headers

    /// What follows a tunnel header, when the header says it by an Ethertype or by its kind.
    @usableFromInline
    enum InnerFrame {
        case ethernet, ip, ppp
    }

    @inline(__always)
    static func u16(_ bytes: ByteView, _ at: Int) -> UInt16 {
        UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
    }

    /// Maps an Ethertype naming the tunnel's payload to how the payload is walked.
    static func inner(etherType: UInt16, _ payload: ByteView, at offset: Int) -> Decapsulation {
        switch etherType {
        case 0x0800, 0x86DD: return self.inner(.ip, payload, at: offset)
        case 0x6558: return self.inner(.ethernet, payload, at: offset)
        case 0x880B: return self.inner(.ppp, payload, at: offset)
        default: return .notIP
        }
    }

    /// Walks from `offset` to the inner IP header.
    static func inner(_ frame: InnerFrame, _ payload: ByteView, at offset: Int) -> Decapsulation {
        guard offset < payload.count else { return .undecodable }
        switch frame {
        case .ip:
            return .innerIP(offset: offset)
        case .ethernet:
            let ethernet = payload.subview(from: offset)
            guard ethernet.count >= 14 else { return .undecodable }
            guard let ip = LinkLayer.ipHeaderOffset(linkType: 1, frame: ethernet) else { return .notIP }
            return .innerIP(offset: offset + ip)
        case .ppp:
            // PPP in HDLC-like framing may keep its address/control bytes (FF 03), and the
            // protocol field may be compressed to one byte (RFC 1661 section 6.5).
            var position = offset
            if payload.count >= position + 2, payload[position] == 0xFF, payload[position + 1] == 0x03 { position += 2 }
            guard position < payload.count else { return .undecodable }
            let pppProtocol: UInt16
            if payload[position] & 1 == 1 {
                pppProtocol = UInt16(payload[position])
                position += 1
            } else {
                guard position + 2 <= payload.count else { return .undecodable }
                pppProtocol = self.u16(payload, position)
                position += 2
            }
            return pppProtocol == 0x21 || pppProtocol == 0x57 ? self.inner(.ip, payload, at: position) : .notIP
        }
    }

    /// GRE version 0 (optional checksum, key and sequence number) and version 1 (PPTP: key
    /// always, sequence and acknowledgement optional). Source routing (RFC 1701) is refused.
    static func openGRE(_ payload: ByteView) -> Decapsulation {
        guard payload.count >= 4 else { return .undecodable }
        let flags = payload[0], version = payload[1] & 0x07
        let checksum = flags & 0x80 != 0, routing = flags & 0x40 != 0, key = flags & 0x20 != 0, sequence = flags & 0x10 != 0
        var length = 4
        switch version {
        case 0:
            guard !routing else { return .undecodable }
            if checksum { length += 4 }
            if key { length += 4 }
            if sequence { length += 4 }
        case 1:
            guard key, !checksum, !routing else { return .undecodable }
            length += 4
            if sequence { length += 4 }
            if payload[1] & 0x80 != 0 { length += 4 }  // acknowledgement number
        default:
            return .undecodable
        }
        guard length <= payload.count else { return .undecodable }
        let etherType = self.u16(payload, 2)
        switch etherType {
        case 0x88BE:
            // ERSPAN type II: an 8-byte header (with a sequence number in GRE), then Ethernet.
            return self.inner(.ethernet, payload, at: length + 8)
        case 0x22EB:
            // ERSPAN type III: 12 bytes, plus an 8-byte platform subheader when the O bit is set.
            guard length + 12 <= payload.count else { return .undecodable }
            let platform = payload[length + 11] & 0x01 != 0 ? 8 : 0
            return self.inner(.ethernet, payload, at: length + 12 + platform)
        default:
            return self.inner(etherType: etherType, payload, at: length)
        }
    }

    /// GTP-U version 1: 8 fixed bytes; 4 more when any of the E, S or PN flags is set; then the
    /// chain of extension headers, each a multiple of 4 bytes ending in the next type. Only a
    /// G-PDU (message type 255) carries user traffic.
    static func openGTPUser(_ payload: ByteView) -> Decapsulation {
        guard payload.count >= 8, payload[0] >> 5 == 1, payload[0] & 0x10 != 0 else { return .undecodable }
        guard payload[1] == 0xFF else { return .notIP }
        var length = 8
        if payload[0] & 0x07 != 0 {
            guard payload.count >= 12 else { return .undecodable }
            var nextType = payload[11]
            length = 12
            while nextType != 0 {
                guard length < payload.count else { return .undecodable }
                let extensionLength = Int(payload[length]) * 4
                guard extensionLength > 0, length + extensionLength <= payload.count else { return .undecodable }
                nextType = payload[length + extensionLength - 1]
                length += extensionLength
            }
        }
        guard length < payload.count else { return .undecodable }
        let version = payload[length] >> 4
        return version == 4 || version == 6 ? .innerIP(offset: length) : .notIP
    }
}
