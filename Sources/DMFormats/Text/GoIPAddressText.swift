import DMBytes
import DNSWire

/// IP addresses as Go's `net.IP.String` prints them (dnsmonster's JSON addresses are `net.IP`):
/// dotted quad for 4 bytes and for IPv4-mapped IPv6 (`::ffff:a.b.c.d` prints as `a.b.c.d`), and
/// otherwise RFC 5952 text with the first longest run of two or more zero groups as `::`.
public enum GoIPAddressText {
    /// Appends the address in the first `length` bytes of `bytes` (4 or 16), without quotes.
    static func append(_ bytes: ByteView, to buffer: OutputByteBuffer) {
        if bytes.count == 4 {
            buffer.write(reserving: 15) { self.storeDottedQuad(bytes, into: $0, at: 0) }
            return
        }
        guard bytes.count == 16 else { return }
        if ServiceParameter.isIPv4Mapped(bytes, at: 0) {
            buffer.write(reserving: 15) { self.storeDottedQuad(bytes.subview(12..<16), into: $0, at: 0) }
            return
        }
        buffer.write(reserving: 39) { self.storeIPv6(bytes, into: $0, at: 0) }
    }

    /// Stores 16 bytes as RFC 5952 text with Go's choice of `::` and returns the length (at most 39).
    @inline(__always)
    private static func storeIPv6(_ bytes: ByteView, into output: ReservedBytes, at offset: Int) -> Int {
        // A bit per zero group.
        var zeros: UInt32 = 0
        // The caller passes exactly 16 bytes.
        for index in 0..<8 where bytes.uncheckedLoadBigEndian(at: 2 * index, as: UInt16.self) == 0 { zeros |= 1 << UInt32(index) }
        // The first longest run of zero groups, if at least two long.
        var bestStart = -1, bestEnd = -1
        var group = 0
        while group < 8 {
            var end = group
            while end < 8 && zeros & (1 << UInt32(end)) != 0 { end += 1 }
            if end - group > bestEnd - bestStart {
                bestStart = group
                bestEnd = end
            }
            group = end > group ? end : group + 1
        }
        if bestEnd - bestStart < 2 { bestStart = -1; bestEnd = -1 }
        var written = 0
        var index = 0
        while index < 8 {
            if index == bestStart {
                output[offset &+ written] = UInt8(ascii: ":")
                output[offset &+ written &+ 1] = UInt8(ascii: ":")
                written += 2
                index = bestEnd
                continue
            }
            if index > 0 && index != bestEnd {
                output[offset &+ written] = UInt8(ascii: ":")
                written += 1
            }
            written += self.storeHexGroup(bytes.uncheckedLoadBigEndian(at: 2 * index, as: UInt16.self), into: output, at: offset &+ written)
            index += 1
        }
        return written
    }

    /// Stores four bytes as a dotted quad and returns the length (at most 15).
    @inline(__always)
    private static func storeDottedQuad(_ bytes: ByteView, into output: ReservedBytes, at offset: Int) -> Int {
        var written = 0
        for index in 0..<4 {
            if index > 0 {
                output[offset &+ written] = UInt8(ascii: ".")
                written += 1
            }
            let octet = bytes.uncheckedByte(at: index)  // the caller passes exactly 4 bytes
            if octet >= 100 {
                let hundreds = octet / 100, rest = octet &- hundreds &* 100
                output[offset &+ written] = hundreds &+ 0x30
                output[offset &+ written &+ 1] = rest / 10 &+ 0x30
                output[offset &+ written &+ 2] = rest % 10 &+ 0x30
                written += 3
            } else if octet >= 10 {
                output[offset &+ written] = octet / 10 &+ 0x30
                output[offset &+ written &+ 1] = octet % 10 &+ 0x30
                written += 2
            } else {
                output[offset &+ written] = octet &+ 0x30
                written += 1
            }
        }
        return written
    }

    /// Stores a group in lowercase hex without leading zeros and returns the length (1–4).
    @inline(__always)
    private static func storeHexGroup(_ value: UInt16, into output: ReservedBytes, at offset: Int) -> Int {
        @inline(__always) func digit(_ nibble: UInt16) -> UInt8 {
            let value = UInt8(truncatingIfNeeded: nibble & 0x0F)
            return value < 10 ? value &+ 0x30 : value &+ 0x57
        }
        let count = value >= 0x1000 ? 4 : value >= 0x100 ? 3 : value >= 0x10 ? 2 : 1
        var shift = UInt16(4 * (count - 1))
        for index in 0..<count {
            output[offset &+ index] = digit(value >> shift)
            shift &-= 4
        }
        return count
    }

    /// Appends a 16-byte record address field as the IP version says (4: its first 4 bytes).
    public static func append(_ address: IPAddressBytes, ipVersion: UInt8, to buffer: OutputByteBuffer) {
        address.withBytes { raw in
            switch ipVersion {
            case 4: self.append(raw.subview(0..<4), to: buffer)
            case 6: self.append(raw, to: buffer)
            default: break
            }
        }
    }
}
