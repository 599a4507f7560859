import DMBytes
import DMPacket

/// A hash of a frame's IP address pair that is the same in both directions, so that splitting
/// by it keeps every flow — and every fragment of a datagram, which carries no ports — in one
/// shard.
///
/// The link layers walked are ``LinkLayer``'s. Frames without an IP header hash to 0.
public enum FlowHash {
    /// The symmetric hash of `frame`'s addresses, or 0 for non-IP frames.
    public static func addressPair(linkType: UInt16, frame: ByteView) -> UInt64 {
        guard let ipOffset = LinkLayer.ipHeaderOffset(linkType: linkType, frame: frame), ipOffset < frame.count else { return 0 }
        let version = frame[ipOffset] >> 4
        if version == 4, frame.count >= ipOffset + 20 {
            let a = UInt64(frame.loadNative(at: ipOffset + 12, as: UInt32.self))
            let b = UInt64(frame.loadNative(at: ipOffset + 16, as: UInt32.self))
            return self.mix(min(a, b), max(a, b))
        }
        if version == 6, frame.count >= ipOffset + 40 {
            let a = self.mix(frame.loadNative(at: ipOffset + 8, as: UInt64.self), frame.loadNative(at: ipOffset + 16, as: UInt64.self))
            let b = self.mix(frame.loadNative(at: ipOffset + 24, as: UInt64.self), frame.loadNative(at: ipOffset + 32, as: UInt64.self))
            return self.mix(min(a, b), max(a, b))
        }
        return 0
    }

    /// A 64-bit mix of two words (splitmix64's finaliser over their combination).
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a &* 0x9E37_79B9_7F4A_7C15 ^ b
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
