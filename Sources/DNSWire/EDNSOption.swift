import DMBytes

/// One EDNS option of an OPT record, decoded and checked as miekg/dns does (its `EDNS0_*`
/// structs): what dnsmonster can print, and the same rules for what it refuses.
public enum EDNSOption {
    /// LLQ (1): 18 bytes at least; more are ignored.
    case longLivedQuery(version: UInt16, opcode: UInt16, error: UInt16, id: UInt64, leaseLife: UInt32)
    /// Update lease (2): 4 or 8 bytes.
    case updateLease(lease: UInt32, keyLease: UInt32)
    /// NSID (3): any bytes.
    case nsid(ByteView)
    /// ENUM source URI (4): any bytes, printed as text.
    case enumSourceURI(ByteView)
    /// DAU (5), DHU (6), N3U (7): a list of algorithm numbers.
    case algorithmsUnderstood(code: UInt16, ByteView)
    /// Client subnet (8): family 0 (only with prefix 0), 1 or 2, prefixes within the address
    /// size. miekg reads at most the address size of bytes after the 4-byte head and zero-fills
    /// the rest; it does not check the length against the prefix.
    case clientSubnet(family: UInt16, sourceNetmask: UInt8, sourceScope: UInt8, address: IPAddressBytes, isIPv4: Bool)
    /// Expire (9): empty (a query) or at least 4 bytes.
    case expire(UInt32, empty: Bool)
    /// Cookie (10): any bytes.
    case cookie(ByteView)
    /// TCP keepalive (11): empty or 2 bytes.
    case tcpKeepalive(timeout: UInt16)
    /// Padding (12): any bytes.
    case padding(ByteView)
    /// Extended DNS error (15): a 2-byte code, then text.
    case extendedError(infoCode: UInt16, extraText: ByteView)
    /// Any other code: the bytes as they are.
    case local(code: UInt16, data: ByteView)

    /// Decodes the option `code` whose content is `data`; nil when miekg would refuse it.
    public static func decode(code: UInt16, data: ByteView) -> EDNSOption? {
        switch code {
        case 1:
            guard data.count >= 18 else { return nil }
            return .longLivedQuery(
                version: data.uncheckedLoadBigEndian(at: 0), opcode: data.uncheckedLoadBigEndian(at: 2), error: data.uncheckedLoadBigEndian(at: 4),
                id: data.uncheckedLoadBigEndian(at: 6), leaseLife: data.uncheckedLoadBigEndian(at: 14))
        case 2:
            switch data.count {
            case 4: return .updateLease(lease: data.uncheckedLoadBigEndian(at: 0), keyLease: 0)
            case 8: return .updateLease(lease: data.uncheckedLoadBigEndian(at: 0), keyLease: data.uncheckedLoadBigEndian(at: 4))
            default: return nil
            }
        case 3: return .nsid(data)
        case 4: return .enumSourceURI(data)
        case 5, 6, 7: return .algorithmsUnderstood(code: code, data)
        case 8: return self.decodeClientSubnet(data)
        case 9:
            if data.isEmpty { return .expire(0, empty: true) }
            guard data.count >= 4 else { return nil }
            return .expire(data.uncheckedLoadBigEndian(at: 0), empty: false)
        case 10: return .cookie(data)
        case 11:
            switch data.count {
            case 0: return .tcpKeepalive(timeout: 0)
            case 2: return .tcpKeepalive(timeout: data.uncheckedLoadBigEndian(at: 0))
            default: return nil
            }
        case 12: return .padding(data)
        case 15:
            guard data.count >= 2 else { return nil }
            return .extendedError(infoCode: data.uncheckedLoadBigEndian(at: 0), extraText: data.subview(from: 2))
        default: return .local(code: code, data: data)
        }
    }

    private static func decodeClientSubnet(_ data: ByteView) -> EDNSOption? {
        guard data.count >= 4 else { return nil }
        let family: UInt16 = data.uncheckedLoadBigEndian(at: 0)
        let sourceNetmask = data[2], sourceScope = data[3]
        let size: Int
        switch family {
        case 0:
            // dig sends family 0 with prefix 0; miekg accepts that one and reads no address.
            guard sourceNetmask == 0 else { return nil }
            return .clientSubnet(
                family: 0, sourceNetmask: 0, sourceScope: sourceScope, address: IPAddressBytes(first: 0, second: 0),
                isIPv4: true)
        case 1: size = 4
        case 2: size = 16
        default: return nil
        }
        guard Int(sourceNetmask) <= size * 8, Int(sourceScope) <= size * 8 else { return nil }
        let address = IPAddressBytes(prefixOf: data.subview(from: 4), count: size)
        return .clientSubnet(
            family: family, sourceNetmask: sourceNetmask, sourceScope: sourceScope, address: address, isIPv4: size == 4)
    }
}
