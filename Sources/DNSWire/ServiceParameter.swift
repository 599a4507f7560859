import DMBytes

/// One SVCB/HTTPS parameter (RFC 9460), decoded and checked as miekg/dns does (its `SVCB*`
/// key-value structs).
public enum ServiceParameter {
    /// mandatory (0): a list of 2-byte keys.
    case mandatory(keys: ByteView)
    /// alpn (1): length-prefixed protocol IDs whose lengths add up exactly.
    case alpn(ByteView)
    /// no-default-alpn (2): always empty.
    case noDefaultALPN
    /// port (3): exactly 2 bytes.
    case port(UInt16)
    /// ipv4hint (4): one or more 4-byte addresses.
    case ipv4Hint(ByteView)
    /// ech (5): any bytes.
    case ech(ByteView)
    /// ipv6hint (6): one or more 16-byte addresses, none of them IPv4-mapped.
    case ipv6Hint(ByteView)
    /// dohpath (7): text.
    case dohPath(ByteView)
    /// Any other key but 65535: the bytes as they are.
    case local(key: UInt16, data: ByteView)

    /// Decodes the parameter `key` whose value is `value`; nil when miekg would refuse it.
    public static func decode(key: UInt16, value: ByteView) -> ServiceParameter? {
        switch key {
        case 0:
            guard value.count % 2 == 0 else { return nil }
            return .mandatory(keys: value)
        case 1:
            var offset = 0
            while offset < value.count {
                offset += 1 + Int(value[offset])
                guard offset <= value.count else { return nil }
            }
            return .alpn(value)
        case 2: return value.isEmpty ? .noDefaultALPN : nil
        case 3: return value.count == 2 ? .port(value.uncheckedLoadBigEndian(at: 0)) : nil
        case 4: return !value.isEmpty && value.count % 4 == 0 ? .ipv4Hint(value) : nil
        case 5: return .ech(value)
        case 6:
            guard !value.isEmpty, value.count % 16 == 0 else { return nil }
            for start in stride(from: 0, to: value.count, by: 16) where Self.isIPv4Mapped(value, at: start) {
                return nil
            }
            return .ipv6Hint(value)
        case 7: return .dohPath(value)
        case 65535: return nil
        default: return .local(key: key, data: value)
        }
    }

    /// Whether the 16 bytes at `start` are an IPv4 address in IPv6 form (::ffff:a.b.c.d), which
    /// miekg (like Go's `net.IP.To4`) treats as IPv4 and refuses in an ipv6hint.
    public static func isIPv4Mapped(_ bytes: ByteView, at start: Int) -> Bool {
        for index in start..<(start + 10) where bytes[index] != 0 { return false }
        return bytes[start + 10] == 0xFF && bytes[start + 11] == 0xFF
    }

    /// Calls `body` with each protocol ID of an alpn value, which ``decode(key:value:)`` checked.
    public static func forEachProtocolID(in value: ByteView, _ body: (ByteView) -> Void) {
        var offset = 0
        while offset < value.count {
            let length = Int(value[offset])
            body(value.subview((offset + 1)..<(offset + 1 + length)))
            offset += 1 + length
        }
    }
}
