-- DNS_LOG for old servers such as Debian 12's clickhouse-server 18.16, which have no TTL,
-- codecs, IPv6 or DateTime64 types: times to the second, addresses as 16 bytes
-- (IPv4 mapped as ::ffff:a.b.c.d; read them with IPv6NumToString), and LowCardinality
-- only after SET allow_experimental_low_cardinality_type = 1 (so Server is a String here).
-- dm-out fills the same rows into either table: it writes each column in the type the
-- server announces.
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
