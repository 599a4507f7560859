/// IP addresses as Go's `net.IP.String` prints them (dnsmonster's JSON addresses are `net.IP`):
/// dotted quad for 4 bytes and for IPv4-mapped IPv6 (`::ffff:a.b.c.d` prints as `a.b.c.d`), and
/// otherwise RFC 5952 text with the first longest run of two or more zero groups as `::`.
enum GoIPAddressText {
    /// Appends the address in the first `length` bytes of `bytes` (4 or 16), without quotes.
    static func append(_ bytes: UnsafeRawBufferPointer, to buffer: OutputByteBuffer) {
        buffer.reserve(48)
        if bytes.count == 4 {
            self.appendDottedQuad(bytes, from: 0, to: buffer)
            return
        }
        guard bytes.count == 16 else { return }
        if ServiceParameter.isIPv4Mapped(bytes, at: 0) {
            self.appendDottedQuad(bytes, from: 12, to: buffer)
            return
        }
        // The first longest run of zero groups, if at least two long.
        var bestStart = -1, bestEnd = -1
        var group = 0
        while group < 8 {
            var end = group
            while end < 8 && bytes[2 * end] == 0 && bytes[2 * end + 1] == 0 { end += 1 }
            if end - group > bestEnd - bestStart {
                bestStart = group
                bestEnd = end
            }
            group = end > group ? end : group + 1
        }
        if bestEnd - bestStart < 2 { bestStart = -1; bestEnd = -1 }
        group = 0
        while group < 8 {
            if group == bestStart {
                buffer.appendUnchecked(UInt8(ascii: ":"))
                buffer.appendUnchecked(UInt8(ascii: ":"))
                group = bestEnd
                continue
            }
            if group > 0 && group != bestEnd { buffer.appendUnchecked(UInt8(ascii: ":")) }
            self.appendHexGroup(UInt16(bytes[2 * group]) << 8 | UInt16(bytes[2 * group + 1]), to: buffer)
            group += 1
        }
    }

    /// Appends a 16-byte record address field as the IP version says (4: its first 4 bytes).
    static func append(_ address: IPAddressBytes, ipVersion: UInt8, to buffer: OutputByteBuffer) {
        withUnsafeBytes(of: address) { raw in
            switch ipVersion {
            case 4: self.append(UnsafeRawBufferPointer(rebasing: raw[0..<4]), to: buffer)
            case 6: self.append(raw, to: buffer)
            default: break
            }
        }
    }

    private static func appendDottedQuad(_ bytes: UnsafeRawBufferPointer, from start: Int, to buffer: OutputByteBuffer) {
        buffer.write(reserving: 15) { output in
            var written = 0
            for index in 0..<4 {
                if index > 0 {
                    output[written] = UInt8(ascii: ".")
                    written += 1
                }
                let octet = bytes[start + index]
                if octet >= 100 {
                    output[written] = octet / 100 + 0x30
                    written += 1
                }
                if octet >= 10 {
                    output[written] = octet / 10 % 10 + 0x30
                    written += 1
                }
                output[written] = octet % 10 + 0x30
                written += 1
            }
            return written
        }
    }

    /// A group in lowercase hex without leading zeros.
    private static func appendHexGroup(_ value: UInt16, to buffer: OutputByteBuffer) {
        var started = false
        for shift in stride(from: 12, through: 0, by: -4) {
            let digit = UInt8(truncatingIfNeeded: value >> UInt16(shift)) & 0x0F
            if digit != 0 || started || shift == 0 {
                buffer.appendUnchecked(BinaryText.lowercaseHexDigit(digit))
                started = true
            }
        }
    }
}
