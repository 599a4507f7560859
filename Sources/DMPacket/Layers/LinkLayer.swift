import DMBytes

/// Finds the IP header behind a frame's link-layer header.
///
/// Walks Ethernet with any number of 802.1Q / 802.1ad / QinQ tags, MPLS label stacks and PPPoE sessions, Linux SLL and SLL2, BSD
/// loopback (NULL and LOOP) in either byte order, and raw IPv4/IPv6 link types.
public enum LinkLayer {
    /// Where the IP header starts in `frame`, or nil when the link type is not one of those
    /// above or the frame carries no IP. With `rawIP` every frame is taken as a bare IP packet
    /// (dnsmonster's `--noEtherframe`).
    @inlinable
    public static func ipHeaderOffset(linkType: UInt16, frame: ByteView, rawIP: Bool = false) -> Int? {
        if rawIP { return 0 }
        // Untagged Ethernet carrying IP, the frame nearly every tap delivers, is decided here,
        // inlined into the caller; everything else takes the full walk below.
        if linkType == 1 && frame.count >= 14 {
            let type = UInt16(frame[12]) << 8 | UInt16(frame[13])
            if type == 0x0800 || type == 0x86DD { return 14 }
        }
        return self.walkToIPHeader(linkType: linkType, frame: frame)
    }

    /// ``ipHeaderOffset(linkType:frame:rawIP:)`` for every link type and tag stack.
    @usableFromInline
    static func walkToIPHeader(linkType: UInt16, frame: ByteView) -> Int? {
        func u16(_ at: Int) -> UInt16? {
            guard at + 2 <= frame.count else { return nil }
            return UInt16(frame[at]) << 8 | UInt16(frame[at + 1])
        }
        func ether(_ type: UInt16?, at offset: Int) -> Int? {
            var type = type, offset = offset
            while let tag = type, tag == 0x8100 || tag == 0x88A8 || tag == 0x9100 {
                type = u16(offset + 2)
                offset += 4
            }
            if type == 0x8847 || type == 0x8848 {
                // MPLS: 4-byte labels up to the bottom-of-stack bit; IP follows without a type,
                // so its version nibble decides (a pseudowire control word starts with 0).
                while offset + 4 <= frame.count {
                    let bottom = frame[offset + 2] & 0x01 != 0
                    offset += 4
                    if bottom { break }
                }
                guard offset < frame.count else { return nil }
                let version = frame[offset] >> 4
                return version == 4 || version == 6 ? offset : nil
            }
            if type == 0x8864 {
                // PPPoE session: 6 bytes of PPPoE header, then the 2-byte PPP protocol.
                let ppp = u16(offset + 6)
                return ppp == 0x0021 || ppp == 0x0057 ? offset + 8 : nil
            }
            return type == 0x0800 || type == 0x86DD ? offset : nil
        }
        switch linkType {
        case 1: return ether(u16(12), at: 14)  // Ethernet
        case 113: return ether(u16(14), at: 16)  // Linux SLL
        case 276: return ether(u16(0), at: 20)  // Linux SLL2
        case 101, 12, 14, 228, 229: return 0  // raw IP (LINKTYPE_RAW, DLT_RAW's numbers, IPV4, IPV6)
        case 0, 108:  // BSD loopback: a 4-byte address family in the host's byte order
            guard frame.count >= 4 else { return nil }
            let family = frame.loadNative(at: 0, as: UInt32.self)
            return LinkLayer.loopbackFamilies.contains(family) || LinkLayer.loopbackFamilies.contains(family.byteSwapped) ? 4 : nil
        default: return nil
        }
    }

    /// Whether this decoder walks `linkType` at all.
    @inlinable
    public static func isSupported(_ linkType: UInt16) -> Bool {
        switch linkType {
        case 1, 113, 276, 101, 12, 14, 228, 229, 0, 108: return true
        default: return false
        }
    }

    /// AF_INET, and AF_INET6 as Linux, NetBSD/OpenBSD, FreeBSD and Darwin number it.
    static let loopbackFamilies: Set<UInt32> = [2, 10, 24, 28, 30]
}
