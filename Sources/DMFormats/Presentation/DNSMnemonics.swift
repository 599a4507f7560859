/// miekg/dns's mnemonic tables (`TypeToString`, `ClassToString`, `RcodeToString`,
/// `OpcodeToString`, `AlgorithmToString`, `HashToString`, `CertTypeToString` of 1.1.50), as
/// dnsmonster's OCSF and text outputs and `RR.String()` print them. Each returns nil where the
/// Go map has no entry; the `…Text` helpers add miekg's fallbacks (`TYPE65280`, `CLASS5`).
public enum DNSMnemonics {
    /// `TypeToString[type]`.
    public static func type(_ type: UInt16) -> StaticString? {
        switch type {
        case 0: "None"
        case 1: "A"
        case 2: "NS"
        case 3: "MD"
        case 4: "MF"
        case 5: "CNAME"
        case 6: "SOA"
        case 7: "MB"
        case 8: "MG"
        case 9: "MR"
        case 10: "NULL"
        case 12: "PTR"
        case 13: "HINFO"
        case 14: "MINFO"
        case 15: "MX"
        case 16: "TXT"
        case 17: "RP"
        case 18: "AFSDB"
        case 19: "X25"
        case 20: "ISDN"
        case 21: "RT"
        case 23: "NSAP-PTR"
        case 24: "SIG"
        case 25: "KEY"
        case 26: "PX"
        case 27: "GPOS"
        case 28: "AAAA"
        case 29: "LOC"
        case 30: "NXT"
        case 31: "EID"
        case 32: "NIMLOC"
        case 33: "SRV"
        case 34: "ATMA"
        case 35: "NAPTR"
        case 36: "KX"
        case 37: "CERT"
        case 39: "DNAME"
        case 41: "OPT"
        case 42: "APL"
        case 43: "DS"
        case 44: "SSHFP"
        case 46: "RRSIG"
        case 47: "NSEC"
        case 48: "DNSKEY"
        case 49: "DHCID"
        case 50: "NSEC3"
        case 51: "NSEC3PARAM"
        case 52: "TLSA"
        case 53: "SMIMEA"
        case 55: "HIP"
        case 56: "NINFO"
        case 57: "RKEY"
        case 58: "TALINK"
        case 59: "CDS"
        case 60: "CDNSKEY"
        case 61: "OPENPGPKEY"
        case 62: "CSYNC"
        case 63: "ZONEMD"
        case 64: "SVCB"
        case 65: "HTTPS"
        case 99: "SPF"
        case 100: "UINFO"
        case 101: "UID"
        case 102: "GID"
        case 103: "UNSPEC"
        case 104: "NID"
        case 105: "L32"
        case 106: "L64"
        case 107: "LP"
        case 108: "EUI48"
        case 109: "EUI64"
        case 249: "TKEY"
        case 250: "TSIG"
        case 251: "IXFR"
        case 252: "AXFR"
        case 253: "MAILB"
        case 254: "MAILA"
        case 255: "ANY"
        case 256: "URI"
        case 257: "CAA"
        case 258: "AVC"
        case 32768: "TA"
        case 32769: "DLV"
        case 65535: "Reserved"
        default: nil
        }
    }

    /// `ClassToString[class]`.
    public static func `class`(_ class: UInt16) -> StaticString? {
        switch `class` {
        case 1: "IN"
        case 2: "CS"
        case 3: "CH"
        case 4: "HS"
        case 254: "NONE"
        case 255: "ANY"
        default: nil
        }
    }

    /// `RcodeToString[rcode]` (the extended rcode, with the EDNS bits).
    public static func rcode(_ rcode: UInt16) -> StaticString? {
        switch rcode {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 6: "YXDOMAIN"
        case 7: "YXRRSET"
        case 8: "NXRRSET"
        case 9: "NOTAUTH"
        case 10: "NOTZONE"
        case 16: "BADSIG"
        case 17: "BADKEY"
        case 18: "BADTIME"
        case 19: "BADMODE"
        case 20: "BADNAME"
        case 21: "BADALG"
        case 22: "BADTRUNC"
        case 23: "BADCOOKIE"
        default: nil
        }
    }

    /// `OpcodeToString[opcode]`.
    public static func opcode(_ opcode: UInt8) -> StaticString? {
        switch opcode {
        case 0: "QUERY"
        case 1: "IQUERY"
        case 2: "STATUS"
        case 4: "NOTIFY"
        case 5: "UPDATE"
        default: nil
        }
    }

    /// `AlgorithmToString[algorithm]` (DNSSEC algorithms).
    static func algorithm(_ algorithm: UInt8) -> StaticString? {
        switch algorithm {
        case 1: "RSAMD5"
        case 2: "DH"
        case 3: "DSA"
        case 5: "RSASHA1"
        case 6: "DSA-NSEC3-SHA1"
        case 7: "RSASHA1-NSEC3-SHA1"
        case 8: "RSASHA256"
        case 10: "RSASHA512"
        case 12: "ECC-GOST"
        case 13: "ECDSAP256SHA256"
        case 14: "ECDSAP384SHA384"
        case 15: "ED25519"
        case 16: "ED448"
        case 252: "INDIRECT"
        case 253: "PRIVATEDNS"
        case 254: "PRIVATEOID"
        default: nil
        }
    }

    /// `HashToString[hash]` (DS digest types).
    static func hash(_ hash: UInt8) -> StaticString? {
        switch hash {
        case 1: "SHA1"
        case 2: "SHA256"
        case 3: "GOST94"
        case 4: "SHA384"
        case 5: "SHA512"
        default: nil
        }
    }

    /// `CertTypeToString[type]`.
    static func certificateType(_ type: UInt16) -> StaticString? {
        switch type {
        case 1: "PKIX"
        case 2: "SPKI"
        case 3: "PGP"
        case 4: "IPIX"
        case 5: "ISPKI"
        case 6: "IPGP"
        case 7: "ACPKIX"
        case 8: "IACPKIX"
        case 253: "URI"
        case 254: "OID"
        default: nil
        }
    }

    /// `Type(type).String()`: the mnemonic, or `TYPE` and the number.
    static func appendTypeText(_ type: UInt16, to buffer: OutputByteBuffer) {
        if let name = Self.type(type) {
            buffer.append(name)
        } else {
            buffer.append("TYPE")
            buffer.appendDecimal(UInt64(type))
        }
    }

    /// `Class(class).String()`: the mnemonic unless it is also a type's (ANY), else `CLASS`
    /// and the number.
    static func appendClassText(_ class: UInt16, to buffer: OutputByteBuffer) {
        if `class` != 255, let name = Self.class(`class`) {
            buffer.append(name)
        } else {
            buffer.append("CLASS")
            buffer.appendDecimal(UInt64(`class`))
        }
    }
}
