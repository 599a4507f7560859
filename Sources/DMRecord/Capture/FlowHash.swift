/// A hash of a frame's IP address pair that is the same in both directions, so that splitting
/// by it keeps every flow — and every fragment of a datagram, which carries no ports — in one
/// shard.
///
/// Only the headers in front of the IP header are walked: Ethernet with any number of 802.1Q /
/// 802.1ad tags, Linux SLL and SLL2, BSD loopback in either byte order, and raw IPv4/IPv6.
/// Frames without an IP header hash to 0.
public enum FlowHash {
    /// The symmetric hash of `frame`'s addresses, or 0 for non-IP frames.
    public static func addressPair(linkType: UInt16, frame: UnsafeRawBufferPointer) -> UInt64 {
        guard let ipOffset = self.ipHeaderOffset(linkType: linkType, frame: frame), ipOffset < frame.count else { return 0 }
        let version = frame[ipOffset] >> 4
        if version == 4, frame.count >= ipOffset + 20 {
            let a = UInt64(frame.loadUnaligned(fromByteOffset: ipOffset + 12, as: UInt32.self))
            let b = UInt64(frame.loadUnaligned(fromByteOffset: ipOffset + 16, as: UInt32.self))
            return self.mix(min(a, b), max(a, b))
        }
        if version == 6, frame.count >= ipOffset + 40 {
            let a = self.mix(frame.loadUnaligned(fromByteOffset: ipOffset + 8, as: UInt64.self), frame.loadUnaligned(fromByteOffset: ipOffset + 16, as: UInt64.self))
            let b = self.mix(frame.loadUnaligned(fromByteOffset: ipOffset + 24, as: UInt64.self), frame.loadUnaligned(fromByteOffset: ipOffset + 32, as: UInt64.self))
            return self.mix(min(a, b), max(a, b))
        }
        return 0
    }

    /// Where the IP header starts, if the link layer is one this walks and carries IP.
    static func ipHeaderOffset(linkType: UInt16, frame: UnsafeRawBufferPointer) -> Int? {
        func u16(_ at: Int) -> UInt16? {
            guard at + 2 <= frame.count else { return nil }
            return UInt16(frame[at]) << 8 | UInt16(frame[at + 1])
        }
        func ether(_ type: UInt16?, at offset: Int) -> Int? {
            var type = type, offset = offset
            // 802.1Q, 802.1ad and the old QinQ type: a 4-byte tag each.
            while let tag = type, tag == 0x8100 || tag == 0x88A8 || tag == 0x9100 {
                type = u16(offset + 2)
                offset += 4
            }
            return type == 0x0800 || type == 0x86DD ? offset : nil
        }
        switch linkType {
        case 1: return ether(u16(12), at: 14)  // Ethernet
        case 113: return ether(u16(14), at: 16)  // Linux SLL
        case 276: return ether(u16(0), at: 20)  // Linux SLL2
        case 101, 12, 14, 228, 229: return 0  // raw IP
        case 0, 108:  // BSD loopback: a 4-byte address family in either byte order
            guard frame.count >= 4 else { return nil }
            let family = frame.loadUnaligned(as: UInt32.self)
            let families: Set<UInt32> = [2, 10, 24, 28, 30]  // AF_INET; AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, Darwin
            return families.contains(family) || families.contains(family.byteSwapped) ? 4 : nil
        default: return nil
        }
    }

    /// A 64-bit mix of two words (splitmix64's finaliser over their combination).
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a &* 0x9E37_79B9_7F4A_7C15 ^ b
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
