-- dnsmonster's DNS_LOG table for current ClickHouse (22.x and later): one row per question,
-- as dm-out --clickhouse (and dnsmonster's ClickHouse output) inserts it.
-- Differences from dnsmonster's tables.sql, each for a bug its users met:
--   * DateTime64(3, 'UTC') instead of a bare DateTime64: the precision and zone are explicit,
--     so materialized views and Grafana read the same times whatever the server's zone.
-- The TTL (30 days) is the line to change for a longer retention.
CREATE TABLE IF NOT EXISTS DNS_LOG (
  PacketTime DateTime64(3, 'UTC'),
  IndexTime DateTime64(3, 'UTC'),
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
