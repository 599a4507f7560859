import DNSWire

/// An EDNS option as miekg/dns's `OPT.String()` prints it: a line `\n; NAME: value` per
/// option (each `EDNS0_*` type's `String()`), nothing for EXPIRE, which it leaves out.
enum EDNSOptionText {
    /// Appends the option's line.
    static func append(_ option: EDNSOption, to buffer: OutputByteBuffer) {
        switch option {
        case .nsid(let data):
            // The hex, two spaces, then each byte as the character of that code point.
            buffer.append("\n; NSID: ")
            BinaryText.appendHex(data, to: buffer)
            buffer.append("  ")
            for byte in data {
                buffer.append(UInt8(ascii: "("))
                if byte < 0x80 {
                    buffer.append(byte)
                } else {
                    buffer.append(0xC0 | byte >> 6)
                    buffer.append(0x80 | byte & 0x3F)
                }
                buffer.append(UInt8(ascii: ")"))
            }
        case .clientSubnet(let family, let sourceNetmask, let sourceScope, let address, let isIPv4):
            buffer.append("\n; SUBNET: ")
            let mapped = address.withBytes { ServiceParameter.isIPv4Mapped($0, at: 0) }
            if isIPv4 || family == 0 || mapped {
                GoIPAddressText.append(address, ipVersion: isIPv4 || family == 0 ? 4 : 6, to: buffer)
            } else {
                buffer.append(UInt8(ascii: "["))
                GoIPAddressText.append(address, ipVersion: 6, to: buffer)
                buffer.append(UInt8(ascii: "]"))
            }
            buffer.append(UInt8(ascii: "/"))
            buffer.appendDecimal(UInt64(sourceNetmask))
            buffer.append(UInt8(ascii: "/"))
            buffer.appendDecimal(UInt64(sourceScope))
        case .cookie(let data):
            buffer.append("\n; COOKIE: ")
            BinaryText.appendHex(data, to: buffer)
        case .tcpKeepalive(let timeout):
            buffer.append("\n; KEEPALIVE: use tcp keep-alive")
            if timeout == 0 {
                buffer.append(", timeout omitted")
            } else {
                // Go multiplies in uint16, which wraps.
                buffer.append(", timeout ")
                buffer.appendDecimal(UInt64(timeout &* 100))
                buffer.append("ms")
            }
        case .updateLease(let lease, let keyLease):
            buffer.append("\n; UPDATE LEASE: ")
            buffer.appendDecimal(UInt64(lease))
            buffer.append(UInt8(ascii: " "))
            buffer.appendDecimal(UInt64(keyLease))
        case .longLivedQuery(let version, let opcode, let error, let id, let leaseLife):
            buffer.append("\n; LONG LIVED QUERIES: ")
            for (index, value) in [UInt64(version), UInt64(opcode), UInt64(error), id, UInt64(leaseLife)].enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: " ")) }
                buffer.appendDecimal(value)
            }
        case .algorithmsUnderstood(let code, let data):
            switch code {
            case 5: buffer.append("\n; DNSSEC ALGORITHM UNDERSTOOD: ")
            case 6: buffer.append("\n; DS HASH UNDERSTOOD: ")
            default: buffer.append("\n; NSEC3 HASH UNDERSTOOD: ")
            }
            for byte in data {
                buffer.append(UInt8(ascii: " "))
                if let name = code == 5 ? DNSMnemonics.algorithm(byte) : DNSMnemonics.hash(byte) {
                    buffer.append(name)
                } else {
                    buffer.appendDecimal(UInt64(byte))
                }
            }
        case .local(let code, let data):
            buffer.append("\n; LOCAL OPT: ")
            buffer.appendDecimal(UInt64(code))
            buffer.append(":0x")
            BinaryText.appendHex(data, to: buffer)
        case .padding(let data):
            buffer.append("\n; PADDING: ")
            BinaryText.appendUppercaseHex(data, to: buffer)
        case .extendedError(let infoCode, let extraText):
            buffer.append("\n; EDE: ")
            buffer.appendDecimal(UInt64(infoCode))
            if let name = Self.extendedErrorName(infoCode) {
                buffer.append(" (")
                buffer.append(name)
                buffer.append(UInt8(ascii: ")"))
            }
            buffer.append(": (")
            buffer.append(extraText)
            buffer.append(UInt8(ascii: ")"))
        case .enumSourceURI(let data):
            buffer.append("\n; ESU: ")
            buffer.append(data)
        case .expire:
            break
        }
    }

    /// miekg's `ExtendedErrorCodeToString` (RFC 8914).
    static func extendedErrorName(_ code: UInt16) -> StaticString? {
        switch code {
        case 0: "Other"
        case 1: "Unsupported DNSKEY Algorithm"
        case 2: "Unsupported DS Digest Type"
        case 3: "Stale Answer"
        case 4: "Forged Answer"
        case 5: "DNSSEC Indeterminate"
        case 6: "DNSSEC Bogus"
        case 7: "Signature Expired"
        case 8: "Signature Not Yet Valid"
        case 9: "DNSKEY Missing"
        case 10: "RRSIGs Missing"
        case 11: "No Zone Key Bit Set"
        case 12: "NSEC Missing"
        case 13: "Cached Error"
        case 14: "Not Ready"
        case 15: "Blocked"
        case 16: "Censored"
        case 17: "Filtered"
        case 18: "Prohibited"
        case 19: "Stale NXDOMAIN Answer"
        case 20: "Not Authoritative"
        case 21: "Not Supported"
        case 22: "No Reachable Authority"
        case 23: "Network Error"
        case 24: "Invalid Data"
        default: nil
        }
    }
}
