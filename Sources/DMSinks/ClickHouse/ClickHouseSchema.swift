import DMClickHouse

/// dnsmonster's ClickHouse schema, version 2: DNS_LOG, per-minute aggregates fed by
/// materialized views, and DNS_SCHEMA_VERSION; for current servers and for old ones (before
/// 20.1, such as Debian 12's 18.16). docs/clickhouse/tables.sql and tables-18.16.sql are these
/// texts (`dm-out --clickhouse-print-schema`), which a test checks.
public enum ClickHouseSchema {
    /// The version these texts create; dnsmonster's own tables.sql is version 1.
    public static let version: UInt32 = 2

    /// Which text a server gets.
    public enum Variant: String, CaseIterable, Sendable {
        /// 20.1 and later.
        case current
        /// Before 20.1: 18.16 and the like.
        case legacy = "18.16"

        /// The variant for a server of version `major`.
        public init(serverMajorVersion major: UInt64) {
            self = major >= 20 ? .current : .legacy
        }

        /// The schema's text, with DNS_LOG named `table`.
        public func text(table: String = "DNS_LOG") -> String {
            let text = ClickHouseSchema.render(self)
            return table == "DNS_LOG" ? text : text.replacingWord("DNS_LOG", with: table)
        }

        /// The statements of ``text(table:)``, comments left out.
        public func statements(table: String = "DNS_LOG") -> [String] {
            let code = self.text(table: table).split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n")
            return code.split(separator: ";").compactMap { part in
                part.allSatisfy({ $0 == " " || $0 == "\n" }) ? nil : String(part)
            }
        }
    }

    /// Brings the server behind `connection` to this version: creates what is missing (all of
    /// it on an empty database; the version-2 objects beside dnsmonster's version 1) and
    /// records the version. Nothing that exists is dropped or altered.
    /// - Parameters:
    ///   - table: the name of DNS_LOG.
    ///   - appliedBy: what DNS_SCHEMA_VERSION records as having applied it.
    /// - Returns: the version found before (0: none, 1: dnsmonster's DNS_LOG without a version
    ///   table) and the version now.
    public static func apply(
        on connection: ClickHouseConnection, table: String, appliedBy: String
    ) throws(ClickHouseError) -> (previous: UInt32, now: UInt32) {
        let previous = try self.installedVersion(on: connection, table: table)
        guard previous < self.version else { return (previous, previous) }
        let variant = Variant(serverMajorVersion: connection.server.versionMajor)
        for statement in variant.statements(table: table) { try connection.execute(statement) }
        let note = appliedBy.filter { $0 != "'" && $0 != "\\" }
        try connection.execute("INSERT INTO DNS_SCHEMA_VERSION SELECT \(self.version), now(), '\(note)'")
        return (previous, self.version)
    }

    /// The version recorded on the server; 1 for a DNS_LOG with no version table (dnsmonster's
    /// own schema), 0 for neither.
    static func installedVersion(on connection: ClickHouseConnection, table: String) throws(ClickHouseError) -> UInt32 {
        do {
            let rows = try connection.execute("SELECT toString(max(Version)) FROM DNS_SCHEMA_VERSION")
            return rows.first?.first.flatMap { UInt32($0) } ?? 0
        } catch {
            guard case .server(let exception, _) = error, exception.code == 60 else { throw error }
        }
        let exists = try connection.execute("EXISTS TABLE \(table)")
        return exists.first?.first == "1" ? 1 : 0
    }

    /// The text's pieces: the comment at its top and DNS_LOG per variant, then the per-minute
    /// aggregates (one description rendered for either variant), then the version table.
    static func render(_ variant: Variant) -> String {
        let current = variant == .current
        var parts = [(current ? self.currentHeader : self.legacyHeader) + "\n" + self.dnsLog(current: current)]
        for aggregate in self.aggregates { parts += aggregate.statements(current: current) }
        parts.append(self.versionTable)
        return parts.joined(separator: "\n\n") + "\n"
    }

    /// A per-minute aggregate of DNS_LOG: its table and the materialized view that feeds it.
    struct Aggregate {
        /// What a value column holds: a sum of a number (a count when the number is 1), or
        /// the state of another aggregate function.
        enum Measure {
            case sum(column: String, of: String)
            case state(column: String, function: String, argumentType: String, of: String)
        }

        var name: String
        /// The dimension columns after `t` and `Server`, as `name Type` (`IPv6` is written
        /// `FixedString(16)` for old servers).
        var dimensions: [String] = []
        /// The sorting key after `Server`.
        var key = "t"
        var sample: String?
        /// The rows of DNS_LOG it counts (`QR = 0`: queries).
        var filter: String?
        /// The dimension values the view selects, and groups by.
        var selected: [String] = []
        var grouped: [String] = []
        var measures: [Measure] = [.sum(column: "c", of: "1")]

        func statements(current: Bool) -> [String] {
            let columns = ["  t DateTime", "  Server \(current ? "LowCardinality(String)" : "String")"]
                + (self.dimensions.isEmpty ? [] : ["  " + self.dimensions.joined(separator: ", ").replacingWord("IPv6", with: current ? "IPv6" : "FixedString(16)")])
                + self.measures.map { measure in
                    switch measure {
                    case .sum(let column, _): return "  \(column) \(current ? "SimpleAggregateFunction" : "AggregateFunction")(sum, UInt64)"
                    case .state(let column, let function, let type, _): return "  \(column) AggregateFunction(\(function), \(type))"
                    }
                }
            let table = """
                CREATE TABLE IF NOT EXISTS \(self.name) (
                \(columns.joined(separator: ",\n"))
                  )
                  ENGINE = AggregatingMergeTree()
                  PARTITION BY toYYYYMMDD(t)
                  ORDER BY (Server, \(self.key))
                """ + (self.sample.map { "\n  SAMPLE BY \($0)" } ?? "") + (current ? "\n  TTL toDate(t) + INTERVAL 30 DAY;" : ";")
            let values = self.measures.map { measure in
                switch measure {
                case .sum(let column, let expression): return "\(current ? "sum" : "sumState")(toUInt64(\(expression))) AS \(column)"
                case .state(let column, let function, let type, let expression):
                    return "\(function)State(\(type == "String" ? expression : "toUInt64(\(expression))")) AS \(column)"
                }
            }
            let view = """
                CREATE MATERIALIZED VIEW IF NOT EXISTS \(self.name)_MV TO \(self.name)
                  AS SELECT \((["toStartOfMinute(PacketTime) AS t", "Server"] + self.selected + values).joined(separator: ", "))
                  FROM DNS_LOG\(self.filter.map { " WHERE \($0)" } ?? "") GROUP BY \((["t", "Server"] + self.grouped).joined(separator: ", "));
                """
            return [table, view]
        }
    }

    static let aggregates: [Aggregate] = [
        Aggregate(
            name: "DNS_DOMAIN_COUNT_1M", dimensions: ["QH UInt64", "Question String"], key: "QH, t, Question", sample: "QH",
            filter: "QR = 0", selected: ["cityHash64(Question) AS QH", "Question"], grouped: ["QH", "Question"]),
        Aggregate(name: "DNS_PROTOCOL_1M", dimensions: ["Protocol FixedString(3)"], key: "t, Protocol", selected: ["Protocol"], grouped: ["Protocol"]),
        Aggregate(name: "DNS_OPCODE_1M", dimensions: ["OpCode UInt8"], key: "OpCode, t", filter: "QR = 0", selected: ["OpCode"], grouped: ["OpCode"]),
        Aggregate(name: "DNS_TYPE_1M", dimensions: ["Type UInt16"], key: "Type, t", filter: "QR = 0", selected: ["Type"], grouped: ["Type"]),
        Aggregate(name: "DNS_CLASS_1M", dimensions: ["Class UInt16"], key: "Class, t", filter: "QR = 0", selected: ["Class"], grouped: ["Class"]),
        Aggregate(
            name: "DNS_RESPONSECODE_1M", dimensions: ["ResponseCode UInt8"], key: "ResponseCode, t", filter: "QR = 1",
            selected: ["ResponseCode"], grouped: ["ResponseCode"]),
        Aggregate(
            name: "DNS_SRCIP_MASK_1M", dimensions: ["IPVersion UInt8", "SrcIP IPv6"], key: "IPVersion, cityHash64(SrcIP), SrcIP, t",
            sample: "cityHash64(SrcIP)", selected: ["IPVersion", "SrcIP"], grouped: ["IPVersion", "SrcIP"]),
        Aggregate(
            name: "DNS_DSTIP_MASK_1M", dimensions: ["IPVersion UInt8", "DstIP IPv6"], key: "IPVersion, cityHash64(DstIP), DstIP, t",
            sample: "cityHash64(DstIP)", selected: ["IPVersion", "DstIP"], grouped: ["IPVersion", "DstIP"]),
        Aggregate(
            name: "DNS_DOMAIN_UNIQUE_1M", filter: "QR = 0",
            measures: [.state(column: "UniqueDnsCount", function: "uniq", argumentType: "String", of: "Question")]),
        Aggregate(
            name: "DNS_GENERAL_AGGREGATIONS_1M",
            measures: [.sum(column: "c", of: "1"), .sum(column: "TotalSize", of: "Size"),
                       .state(column: "AverageSize", function: "avg", argumentType: "UInt64", of: "Size")]),
        Aggregate(
            name: "DNS_EDNS_1M", filter: "QR = 0",
            measures: [.sum(column: "c", of: "1"), .sum(column: "EdnsCount", of: "Edns0Present"), .sum(column: "DoBitCount", of: "DoBit")]),
    ]

    static let currentHeader = """
-- dnsmonster's ClickHouse schema for current servers (20.1 and later), version 2 (version 1 is
-- dnsmonster's tables.sql). dm-out --clickhouse-create-schema applies it (or
-- dm-out --clickhouse-print-schema current prints it): every statement is IF NOT EXISTS, so
-- applying it again, or over dnsmonster's version 1, changes nothing that exists.
--
-- DNS_LOG is dnsmonster's, one row per question, as dm-out and dnsmonster insert it: its TTL
-- (30 days) drops rows older than that, also rows of old captures replayed into it.
-- The *_1M tables aggregate it per minute, fixed where dnsmonster's version 1 goes wrong:
--   * every dimension is in the sorting key: version 1 kept Question, the time and IPs outside
--     it, so merges kept an arbitrary value for them (current servers refuse such tables),
--   * the time is toStartOfMinute(PacketTime), a DateTime: version 1 grouped some views by the
--     raw DateTime64 PacketTime, a row per packet instead of per minute,
--   * every count and sum is UInt64 (toUInt64 before summing), never a UInt8/UInt16 state.
-- Read them with sum(c) (and uniqMerge, avgMerge for the two aggregate states), e.g.
--   SELECT t, sum(c) FROM DNS_PROTOCOL_1M WHERE t > now() - INTERVAL 1 HOUR GROUP BY t ORDER BY t
-- DNS_SCHEMA_VERSION records each version applied.

"""

    static let legacyHeader = """
-- dnsmonster's ClickHouse schema for old servers such as Debian 12's clickhouse-server 18.16,
-- version 2 (dm-out --clickhouse-create-schema applies it to servers before 20.1,
-- dm-out --clickhouse-print-schema 18.16 prints it). Those servers have no TTL, codecs, IPv6,
-- DateTime64 or SimpleAggregateFunction, and LowCardinality only behind a setting, so: times to
-- the second, addresses as 16 bytes (IPv4 mapped as ::ffff:a.b.c.d, read them with
-- IPv6NumToString), names as String, and the *_1M aggregates as sumState/AggregateFunction
-- (read them with sumMerge(c), uniqMerge, avgMerge). dm-out fills the same rows into this or
-- the current schema: it writes each column in the type the server announces.

"""

    /// DNS_LOG's columns as each variant types them; a current server also compresses
    /// Question with ZSTD.
    static let dnsLogColumns: [(name: String, current: String, legacy: String)] = [
        ("PacketTime", "DateTime64(3)", "DateTime"), ("IndexTime", "DateTime64(3)", "DateTime"),
        ("Server", "LowCardinality(String)", "String"), ("IPVersion", "UInt8", "UInt8"), ("SrcIP", "IPv6", "FixedString(16)"),
        ("DstIP", "IPv6", "FixedString(16)"), ("Protocol", "FixedString(3)", "FixedString(3)"), ("QR", "UInt8", "UInt8"),
        ("OpCode", "UInt8", "UInt8"), ("Class", "UInt16", "UInt16"), ("Type", "UInt16", "UInt16"),
        ("Edns0Present", "UInt8", "UInt8"), ("DoBit", "UInt8", "UInt8"), ("FullQuery", "String", "String"),
        ("ResponseCode", "UInt8", "UInt8"), ("Question", "String", "String"), ("Size", "UInt16", "UInt16"),
    ]

    /// DNS_LOG's CREATE TABLE for a variant: dnsmonster's table (its TTL only where the server has TTLs).
    static func dnsLog(current: Bool) -> String {
        let columns = self.dnsLogColumns.map { column in
            "  \(column.name) \(current ? column.current : column.legacy)" + (current && column.name == "Question" ? " CODEC(ZSTD(1))" : "")
        }
        return """
            CREATE TABLE IF NOT EXISTS DNS_LOG (
            \(columns.joined(separator: ",\n"))
              )
              ENGINE = MergeTree()
              PARTITION BY toYYYYMMDD(PacketTime)
              ORDER BY (toStartOfHour(PacketTime), Server, reverse(Question), toUnixTimestamp(PacketTime))
              SAMPLE BY toUnixTimestamp(PacketTime)
            """ + (current ? "\n  TTL toDate(PacketTime) + INTERVAL 30 DAY;" : ";")
    }

    static let versionTable = """
CREATE TABLE IF NOT EXISTS DNS_SCHEMA_VERSION (
  Version UInt32,
  AppliedAt DateTime,
  AppliedBy String
  )
  ENGINE = TinyLog;
"""
}

extension String {
    /// The text with each name (a run of letters, digits and `_`) equal to `word` replaced.
    func replacingWord(_ word: String, with replacement: String) -> String {
        var result = ""
        var name = ""
        for character in self {
            if character.isLetter || character.isNumber || character == "_" {
                name.append(character)
                continue
            }
            result += name == word ? replacement : name
            name = ""
            result.append(character)
        }
        return result + (name == word ? replacement : name)
    }
}
