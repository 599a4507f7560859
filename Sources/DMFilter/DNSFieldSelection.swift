/// `--qtype` and `--rcode` lists: sets of query types and response codes given by name or
/// number, tested in O(1).
public struct DNSFieldSelection: Hashable, Sendable {
    /// One bit per value (65 536 for types, 16 for header rcodes).
    @usableFromInline var bits: [UInt64]
    /// The largest value allowed.
    public let maximum: Int

    /// Whether `value` is selected.
    @inlinable
    public func contains(_ value: UInt16) -> Bool {
        let index = Int(value)
        return index <= self.maximum && (self.bits[index >> 6] >> UInt64(index & 63)) & 1 != 0
    }

    init(values: [Int], maximum: Int) {
        self.maximum = maximum
        self.bits = [UInt64](repeating: 0, count: maximum / 64 + 1)
        for value in values { self.bits[value >> 6] |= 1 << UInt64(value & 63) }
    }

    /// A comma-separated list of query types: names (`A`, `aaaa`, `HTTPS`, …), `TYPE65`, or
    /// numbers 0–65535. The error names the item it could not read.
    public static func queryTypes(_ text: String) throws(DNSFieldSelectionError) -> DNSFieldSelection {
        try self.parse(text, maximum: 65535, names: self.typeNames, genericPrefix: "TYPE", what: "query type")
    }

    /// A comma-separated list of header response codes: names (`NOERROR`, `NXDOMAIN`, …) or
    /// numbers 0–15.
    public static func responseCodes(_ text: String) throws(DNSFieldSelectionError) -> DNSFieldSelection {
        try self.parse(text, maximum: 15, names: self.rcodeNames, genericPrefix: "RCODE", what: "response code")
    }

    static func parse(
        _ text: String, maximum: Int, names: [String: Int], genericPrefix: String, what: String
    ) throws(DNSFieldSelectionError) -> DNSFieldSelection {
        var values: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let word = item.trimmingSpaces.uppercased()
            if let value = names[word] {
                values.append(value)
            } else if let value = Int(word.hasPrefix(genericPrefix) ? String(word.dropFirst(genericPrefix.count)) : word),
                (0...maximum).contains(value)
            {
                values.append(value)
            } else {
                throw DNSFieldSelectionError(item: String(item), what: what)
            }
        }
        return DNSFieldSelection(values: values, maximum: maximum)
    }

    /// Response codes of the 4-bit header field (RFC 1035, 2136, 8490).
    static let rcodeNames: [String: Int] = [
        "NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5, "YXDOMAIN": 6,
        "YXRRSET": 7, "NXRRSET": 8, "NOTAUTH": 9, "NOTZONE": 10, "DSOTYPENI": 11,
    ]

    /// Resource record types (IANA registry, the ones seen in practice).
    static let typeNames: [String: Int] = [
        "A": 1, "NS": 2, "MD": 3, "MF": 4, "CNAME": 5, "SOA": 6, "MB": 7, "MG": 8, "MR": 9, "NULL": 10, "WKS": 11,
        "PTR": 12, "HINFO": 13, "MINFO": 14, "MX": 15, "TXT": 16, "RP": 17, "AFSDB": 18, "X25": 19, "ISDN": 20,
        "RT": 21, "NSAP": 22, "NSAP-PTR": 23, "SIG": 24, "KEY": 25, "PX": 26, "GPOS": 27, "AAAA": 28, "LOC": 29,
        "NXT": 30, "EID": 31, "NIMLOC": 32, "SRV": 33, "ATMA": 34, "NAPTR": 35, "KX": 36, "CERT": 37, "A6": 38,
        "DNAME": 39, "SINK": 40, "OPT": 41, "APL": 42, "DS": 43, "SSHFP": 44, "IPSECKEY": 45, "RRSIG": 46,
        "NSEC": 47, "DNSKEY": 48, "DHCID": 49, "NSEC3": 50, "NSEC3PARAM": 51, "TLSA": 52, "SMIMEA": 53, "HIP": 55,
        "NINFO": 56, "RKEY": 57, "TALINK": 58, "CDS": 59, "CDNSKEY": 60, "OPENPGPKEY": 61, "CSYNC": 62,
        "ZONEMD": 63, "SVCB": 64, "HTTPS": 65, "DSYNC": 66, "SPF": 99, "UINFO": 100, "UID": 101, "GID": 102,
        "UNSPEC": 103, "NID": 104, "L32": 105, "L64": 106, "LP": 107, "EUI48": 108, "EUI64": 109, "TKEY": 249,
        "TSIG": 250, "IXFR": 251, "AXFR": 252, "MAILB": 253, "MAILA": 254, "ANY": 255, "*": 255, "URI": 256,
        "CAA": 257, "AVC": 258, "DOA": 259, "AMTRELAY": 260, "RESINFO": 261, "TA": 32768, "DLV": 32769,
    ]
}

/// An item of a `--qtype`/`--rcode` list that is neither a known name nor a number in range.
public struct DNSFieldSelectionError: Error, Hashable, Sendable, CustomStringConvertible {
    public var item: String
    public var what: String
    public var description: String { "'\(self.item)' is not a \(self.what) (a name such as A or NXDOMAIN, or a number)" }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
