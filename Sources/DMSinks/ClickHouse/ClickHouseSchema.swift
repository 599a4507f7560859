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
            let text = self == .current ? ClickHouseSchema.current : ClickHouseSchema.legacy
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

    static let current = """
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

CREATE TABLE IF NOT EXISTS DNS_LOG (
  PacketTime DateTime64(3),
  IndexTime DateTime64(3),
  Server LowCardinality(String),
  IPVersion UInt8,
  SrcIP IPv6,
  DstIP IPv6,
  Protocol FixedString(3),
  QR UInt8,
  OpCode UInt8,
  Class UInt16,
  Type UInt16,
  Edns0Present UInt8,
  DoBit UInt8,
  FullQuery String,
  ResponseCode UInt8,
  Question String CODEC(ZSTD(1)),
  Size UInt16
  )
  ENGINE = MergeTree()
  PARTITION BY toYYYYMMDD(PacketTime)
  ORDER BY (toStartOfHour(PacketTime), Server, reverse(Question), toUnixTimestamp(PacketTime))
  SAMPLE BY toUnixTimestamp(PacketTime)
  TTL toDate(PacketTime) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS DNS_DOMAIN_COUNT_1M (
  t DateTime,
  Server LowCardinality(String),
  QH UInt64, Question String,
  c SimpleAggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, QH, t, Question)
  SAMPLE BY QH
  TTL toDate(t) + INTERVAL 30 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_DOMAIN_COUNT_1M_MV TO DNS_DOMAIN_COUNT_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, cityHash64(Question) AS QH, Question, sum(toUInt64(1)) AS c
  FROM DNS_LOG WHERE QR = 0 GROUP BY t, Server, QH, Question;

CREATE TABLE IF NOT EXISTS DNS_PROTOCOL_1M (
  t DateTime,
  Server LowCardinality(String),
  Protocol FixedString(3),
  c SimpleAggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, t, Protocol)
  TTL toDate(t) + INTERVAL 30 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_PROTOCOL_1M_MV TO DNS_PROTOCOL_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, Protocol, sum(toUInt64(1)) AS c
  FROM DNS_LOG GROUP BY t, Server, Protocol;

CREATE TABLE IF NOT EXISTS DNS_OPCODE_1M (
  t DateTime,
  Server LowCardinality(String),
  OpCode UInt8,
  c SimpleAggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, OpCode, t)
  TTL toDate(t) + INTERVAL 30 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_OPCODE_1M_MV TO DNS_OPCODE_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, OpCode, sum(toUInt64(1)) AS c
  FROM DNS_LOG WHERE QR = 0 GROUP BY t, Server, OpCode;

CREATE TABLE IF NOT EXISTS DNS_TYPE_1M (
  t DateTime,
  Server LowCardinality(String),
  Type UInt16,
  c SimpleAggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, Type, t)
  TTL toDate(t) + INTERVAL 30 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_TYPE_1M_MV TO DNS_TYPE_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, Type, sum(toUInt64(1)) AS c
  FROM DNS_LOG WHERE QR = 0 GROUP BY t, Server, Type;

CREATE TABLE IF NOT EXISTS DNS_CLASS_1M (
  t DateTime,
  Server LowCardinality(String),
  Class UInt16,
  c SimpleAggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, Class, t)
  TTL toDate(t) + INTERVAL 30 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_CLASS_1M_MV TO DNS_CLASS_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, Class, sum(toUInt64(1)) AS c
  FROM DNS_LOG WHERE QR = 0 GROUP BY t, Server, Class;

CREATE TABLE IF NOT EXISTS DNS_RESPONSECODE_1M (
  t DateTime,
  Server LowCardinality(String),
  ResponseCode UInt8,
  c SimpleAggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, ResponseCode, t)
  TTL toDate(t) + INTERVAL 30 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_RESPONSECODE_1M_MV TO DNS_RESPONSECODE_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, ResponseCode, sum(toUInt64(1)) AS c
  FROM DNS_LOG WHERE QR = 1 GROUP BY t, Server, ResponseCode;

CREATE TABLE IF NOT EXISTS DNS_SRCIP_MASK_1M (
  t DateTime,
  Server LowCardinality(String),
  IPVersion UInt8, SrcIP IPv6,
  c SimpleAggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, IPVersion, cityHash64(SrcIP), SrcIP, t)
  SAMPLE BY cityHash64(SrcIP)
  TTL toDate(t) + INTERVAL 30 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_SRCIP_MASK_1M_MV TO DNS_SRCIP_MASK_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, IPVersion, SrcIP, sum(toUInt64(1)) AS c
  FROM DNS_LOG GROUP BY t, Server, IPVersion, SrcIP;

CREATE TABLE IF NOT EXISTS DNS_DSTIP_MASK_1M (
  t DateTime,
  Server LowCardinality(String),
  IPVersion UInt8, DstIP IPv6,
  c SimpleAggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, IPVersion, cityHash64(DstIP), DstIP, t)
  SAMPLE BY cityHash64(DstIP)
  TTL toDate(t) + INTERVAL 30 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_DSTIP_MASK_1M_MV TO DNS_DSTIP_MASK_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, IPVersion, DstIP, sum(toUInt64(1)) AS c
  FROM DNS_LOG GROUP BY t, Server, IPVersion, DstIP;

CREATE TABLE IF NOT EXISTS DNS_DOMAIN_UNIQUE_1M (
  t DateTime,
  Server LowCardinality(String),
  UniqueDnsCount AggregateFunction(uniq, String)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, t)
  TTL toDate(t) + INTERVAL 30 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_DOMAIN_UNIQUE_1M_MV TO DNS_DOMAIN_UNIQUE_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, uniqState(Question) AS UniqueDnsCount
  FROM DNS_LOG WHERE QR = 0 GROUP BY t, Server;

CREATE TABLE IF NOT EXISTS DNS_GENERAL_AGGREGATIONS_1M (
  t DateTime,
  Server LowCardinality(String),
  c SimpleAggregateFunction(sum, UInt64),
  TotalSize SimpleAggregateFunction(sum, UInt64),
  AverageSize AggregateFunction(avg, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, t)
  TTL toDate(t) + INTERVAL 30 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_GENERAL_AGGREGATIONS_1M_MV TO DNS_GENERAL_AGGREGATIONS_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, sum(toUInt64(1)) AS c, sum(toUInt64(Size)) AS TotalSize, avgState(toUInt64(Size)) AS AverageSize
  FROM DNS_LOG GROUP BY t, Server;

CREATE TABLE IF NOT EXISTS DNS_EDNS_1M (
  t DateTime,
  Server LowCardinality(String),
  c SimpleAggregateFunction(sum, UInt64),
  EdnsCount SimpleAggregateFunction(sum, UInt64),
  DoBitCount SimpleAggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, t)
  TTL toDate(t) + INTERVAL 30 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_EDNS_1M_MV TO DNS_EDNS_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, sum(toUInt64(1)) AS c, sum(toUInt64(Edns0Present)) AS EdnsCount, sum(toUInt64(DoBit)) AS DoBitCount
  FROM DNS_LOG WHERE QR = 0 GROUP BY t, Server;

CREATE TABLE IF NOT EXISTS DNS_SCHEMA_VERSION (
  Version UInt32,
  AppliedAt DateTime,
  AppliedBy String
  )
  ENGINE = TinyLog;
"""

    static let legacy = """
-- dnsmonster's ClickHouse schema for old servers such as Debian 12's clickhouse-server 18.16,
-- version 2 (dm-out --clickhouse-create-schema applies it to servers before 20.1,
-- dm-out --clickhouse-print-schema 18.16 prints it). Those servers have no TTL, codecs, IPv6,
-- DateTime64 or SimpleAggregateFunction, and LowCardinality only behind a setting, so: times to
-- the second, addresses as 16 bytes (IPv4 mapped as ::ffff:a.b.c.d, read them with
-- IPv6NumToString), names as String, and the *_1M aggregates as sumState/AggregateFunction
-- (read them with sumMerge(c), uniqMerge, avgMerge). dm-out fills the same rows into this or
-- the current schema: it writes each column in the type the server announces.

CREATE TABLE IF NOT EXISTS DNS_LOG (
  PacketTime DateTime,
  IndexTime DateTime,
  Server String,
  IPVersion UInt8,
  SrcIP FixedString(16),
  DstIP FixedString(16),
  Protocol FixedString(3),
  QR UInt8,
  OpCode UInt8,
  Class UInt16,
  Type UInt16,
  Edns0Present UInt8,
  DoBit UInt8,
  FullQuery String,
  ResponseCode UInt8,
  Question String,
  Size UInt16
  )
  ENGINE = MergeTree()
  PARTITION BY toYYYYMMDD(PacketTime)
  ORDER BY (toStartOfHour(PacketTime), Server, reverse(Question), toUnixTimestamp(PacketTime))
  SAMPLE BY toUnixTimestamp(PacketTime);

CREATE TABLE IF NOT EXISTS DNS_DOMAIN_COUNT_1M (
  t DateTime,
  Server String,
  QH UInt64, Question String,
  c AggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, QH, t, Question)
  SAMPLE BY QH;

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_DOMAIN_COUNT_1M_MV TO DNS_DOMAIN_COUNT_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, cityHash64(Question) AS QH, Question, sumState(toUInt64(1)) AS c
  FROM DNS_LOG WHERE QR = 0 GROUP BY t, Server, QH, Question;

CREATE TABLE IF NOT EXISTS DNS_PROTOCOL_1M (
  t DateTime,
  Server String,
  Protocol FixedString(3),
  c AggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, t, Protocol);

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_PROTOCOL_1M_MV TO DNS_PROTOCOL_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, Protocol, sumState(toUInt64(1)) AS c
  FROM DNS_LOG GROUP BY t, Server, Protocol;

CREATE TABLE IF NOT EXISTS DNS_OPCODE_1M (
  t DateTime,
  Server String,
  OpCode UInt8,
  c AggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, OpCode, t);

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_OPCODE_1M_MV TO DNS_OPCODE_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, OpCode, sumState(toUInt64(1)) AS c
  FROM DNS_LOG WHERE QR = 0 GROUP BY t, Server, OpCode;

CREATE TABLE IF NOT EXISTS DNS_TYPE_1M (
  t DateTime,
  Server String,
  Type UInt16,
  c AggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, Type, t);

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_TYPE_1M_MV TO DNS_TYPE_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, Type, sumState(toUInt64(1)) AS c
  FROM DNS_LOG WHERE QR = 0 GROUP BY t, Server, Type;

CREATE TABLE IF NOT EXISTS DNS_CLASS_1M (
  t DateTime,
  Server String,
  Class UInt16,
  c AggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, Class, t);

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_CLASS_1M_MV TO DNS_CLASS_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, Class, sumState(toUInt64(1)) AS c
  FROM DNS_LOG WHERE QR = 0 GROUP BY t, Server, Class;

CREATE TABLE IF NOT EXISTS DNS_RESPONSECODE_1M (
  t DateTime,
  Server String,
  ResponseCode UInt8,
  c AggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, ResponseCode, t);

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_RESPONSECODE_1M_MV TO DNS_RESPONSECODE_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, ResponseCode, sumState(toUInt64(1)) AS c
  FROM DNS_LOG WHERE QR = 1 GROUP BY t, Server, ResponseCode;

CREATE TABLE IF NOT EXISTS DNS_SRCIP_MASK_1M (
  t DateTime,
  Server String,
  IPVersion UInt8, SrcIP FixedString(16),
  c AggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, IPVersion, cityHash64(SrcIP), SrcIP, t)
  SAMPLE BY cityHash64(SrcIP);

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_SRCIP_MASK_1M_MV TO DNS_SRCIP_MASK_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, IPVersion, SrcIP, sumState(toUInt64(1)) AS c
  FROM DNS_LOG GROUP BY t, Server, IPVersion, SrcIP;

CREATE TABLE IF NOT EXISTS DNS_DSTIP_MASK_1M (
  t DateTime,
  Server String,
  IPVersion UInt8, DstIP FixedString(16),
  c AggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, IPVersion, cityHash64(DstIP), DstIP, t)
  SAMPLE BY cityHash64(DstIP);

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_DSTIP_MASK_1M_MV TO DNS_DSTIP_MASK_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, IPVersion, DstIP, sumState(toUInt64(1)) AS c
  FROM DNS_LOG GROUP BY t, Server, IPVersion, DstIP;

CREATE TABLE IF NOT EXISTS DNS_DOMAIN_UNIQUE_1M (
  t DateTime,
  Server String,
  UniqueDnsCount AggregateFunction(uniq, String)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, t);

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_DOMAIN_UNIQUE_1M_MV TO DNS_DOMAIN_UNIQUE_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, uniqState(Question) AS UniqueDnsCount
  FROM DNS_LOG WHERE QR = 0 GROUP BY t, Server;

CREATE TABLE IF NOT EXISTS DNS_GENERAL_AGGREGATIONS_1M (
  t DateTime,
  Server String,
  c AggregateFunction(sum, UInt64),
  TotalSize AggregateFunction(sum, UInt64),
  AverageSize AggregateFunction(avg, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, t);

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_GENERAL_AGGREGATIONS_1M_MV TO DNS_GENERAL_AGGREGATIONS_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, sumState(toUInt64(1)) AS c, sumState(toUInt64(Size)) AS TotalSize, avgState(toUInt64(Size)) AS AverageSize
  FROM DNS_LOG GROUP BY t, Server;

CREATE TABLE IF NOT EXISTS DNS_EDNS_1M (
  t DateTime,
  Server String,
  c AggregateFunction(sum, UInt64),
  EdnsCount AggregateFunction(sum, UInt64),
  DoBitCount AggregateFunction(sum, UInt64)
  )
  ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMMDD(t)
  ORDER BY (Server, t);

CREATE MATERIALIZED VIEW IF NOT EXISTS DNS_EDNS_1M_MV TO DNS_EDNS_1M
  AS SELECT toStartOfMinute(PacketTime) AS t, Server, sumState(toUInt64(1)) AS c, sumState(toUInt64(Edns0Present)) AS EdnsCount, sumState(toUInt64(DoBit)) AS DoBitCount
  FROM DNS_LOG WHERE QR = 0 GROUP BY t, Server;

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
    fileprivate func replacingWord(_ word: String, with replacement: String) -> String {
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
