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
