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
