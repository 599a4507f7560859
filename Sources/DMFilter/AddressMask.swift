import DMBytes
import DMRecord

/// Keeps the leading bits of IPv4 and IPv6 addresses and zeroes the rest, as dnsmonster's
/// `--maskSize4`/`--maskSize6` do (`net.CIDRMask(bits, 32|128)`: the values are bits, though
/// dnsmonster's documentation says bytes). 32 and 128 keep addresses whole; 0 zeroes them.
@frozen
public struct AddressMask: Hashable, Sendable {
    /// Bits kept of an IPv4 address (0–32).
    public let bits4: Int
    /// Bits kept of an IPv6 address (0–128).
    public let bits6: Int
    /// The masks as they lie in memory, ANDed onto the address bytes.
    @usableFromInline let word4: UInt32
    @usableFromInline let word6High: UInt64
    @usableFromInline let word6Low: UInt64

    /// Nil when a bit count is out of range.
    public init?(bits4: Int = 32, bits6: Int = 128) {
        guard (0...32).contains(bits4), (0...128).contains(bits6) else { return nil }
        self.bits4 = bits4
        self.bits6 = bits6
        func bytes(_ bits: Int, _ count: Int) -> [UInt8] {
            (0..<count).map { index in
                let kept = min(max(bits - index * 8, 0), 8)
                return kept == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - kept))
            }
        }
        let four = bytes(bits4, 4)
        let six = bytes(bits6, 16)
        self.word4 = four.withByteView { $0.loadNative(at: 0, as: UInt32.self) }
        self.word6High = six.withByteView { $0.loadNative(at: 0, as: UInt64.self) }
        self.word6Low = six.withByteView { $0.loadNative(at: 8, as: UInt64.self) }
    }

    /// Whether masking changes nothing (32 and 128 bits).
    public var isIdentity: Bool { self.bits4 == 32 && self.bits6 == 128 }

    /// Masks the 16-byte address field at `offset`: its first 4 bytes for IPv4 (the other 12
    /// are zero by the record format and stay so), all 16 otherwise.
    @inlinable @inline(__always)
    public func apply(to body: MutableByteView, at offset: Int, ipVersion: UInt8) {
        let bytes = body.view
        if ipVersion == 4 {
            body.storeNative(bytes.loadNative(at: offset, as: UInt32.self) & self.word4, at: offset)
        } else {
            body.storeNative(bytes.loadNative(at: offset, as: UInt64.self) & self.word6High, at: offset)
            body.storeNative(bytes.loadNative(at: offset &+ 8, as: UInt64.self) & self.word6Low, at: offset &+ 8)
        }
    }

    /// Masks a DNS record body's source and destination addresses.
    @inlinable
    public func applyToDNSBody(_ body: MutableByteView) {
        let version = body[DNSRecordLayout.ipVersionOffset]
        self.apply(to: body, at: DNSRecordLayout.sourceAddressOffset, ipVersion: version)
        self.apply(to: body, at: DNSRecordLayout.destinationAddressOffset, ipVersion: version)
    }
}
