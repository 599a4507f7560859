-- Names for dnsmonster's codes, as ClickHouse dictionaries: dns_type (Type), dns_class (Class),
-- dns_opcode (OpCode) and dns_response (ResponseCode), each filled from a small table so no
-- file has to be copied to the server. Names as IANA registers them (generated with
-- dnspython). For current servers (20.1+: CREATE DICTIONARY), e.g.
--   SELECT dictGet('dns_type', 'Name', toUInt64(Type)) AS type, sum(c) FROM DNS_TYPE_1M GROUP BY type
-- Old servers (18.16) take dictionaries from XML files: dictionaries-18.16.xml.

CREATE TABLE IF NOT EXISTS dns_type_names (Id UInt64, Name String) ENGINE = TinyLog;
INSERT INTO dns_type_names SELECT * FROM values('Id UInt64, Name String',
  (1, 'A'),
  (2, 'NS'),
  (3, 'MD'),
  (4, 'MF'),
  (5, 'CNAME'),
  (6, 'SOA'),
  (7, 'MB'),
  (8, 'MG'),
  (9, 'MR'),
  (10, 'NULL'),
  (11, 'WKS'),
  (12, 'PTR'),
  (13, 'HINFO'),
  (14, 'MINFO'),
  (15, 'MX'),
  (16, 'TXT'),
  (17, 'RP'),
  (18, 'AFSDB'),
  (19, 'X25'),
  (20, 'ISDN'),
  (21, 'RT'),
  (22, 'NSAP'),
  (23, 'NSAP-PTR'),
  (24, 'SIG'),
  (25, 'KEY'),
  (26, 'PX'),
  (27, 'GPOS'),
  (28, 'AAAA'),
  (29, 'LOC'),
  (30, 'NXT'),
  (33, 'SRV'),
  (35, 'NAPTR'),
  (36, 'KX'),
  (37, 'CERT'),
  (38, 'A6'),
  (39, 'DNAME'),
  (41, 'OPT'),
  (42, 'APL'),
  (43, 'DS'),
  (44, 'SSHFP'),
  (45, 'IPSECKEY'),
  (46, 'RRSIG'),
  (47, 'NSEC'),
  (48, 'DNSKEY'),
  (49, 'DHCID'),
  (50, 'NSEC3'),
  (51, 'NSEC3PARAM'),
  (52, 'TLSA'),
  (53, 'SMIMEA'),
  (55, 'HIP'),
  (56, 'NINFO'),
  (59, 'CDS'),
  (60, 'CDNSKEY'),
  (61, 'OPENPGPKEY'),
  (62, 'CSYNC'),
  (63, 'ZONEMD'),
  (64, 'SVCB'),
  (65, 'HTTPS'),
  (66, 'DSYNC'),
  (67, 'HHIT'),
  (68, 'BRID'),
  (99, 'SPF'),
  (103, 'UNSPEC'),
  (104, 'NID'),
  (105, 'L32'),
  (106, 'L64'),
  (107, 'LP'),
  (108, 'EUI48'),
  (109, 'EUI64'),
  (128, 'NXNAME'),
  (249, 'TKEY'),
  (250, 'TSIG'),
  (251, 'IXFR'),
  (252, 'AXFR'),
  (253, 'MAILB'),
  (254, 'MAILA'),
  (255, 'ANY'),
  (256, 'URI'),
  (257, 'CAA'),
  (258, 'AVC'),
  (260, 'AMTRELAY'),
  (261, 'RESINFO'),
  (262, 'WALLET'),
  (32768, 'TA'),
  (32769, 'DLV'))
  WHERE (SELECT count() FROM dns_type_names) = 0;
CREATE DICTIONARY IF NOT EXISTS dns_type (Id UInt64, Name String DEFAULT '')
  PRIMARY KEY Id
  SOURCE(CLICKHOUSE(TABLE 'dns_type_names'))
  LAYOUT(HASHED())
  LIFETIME(0);

CREATE TABLE IF NOT EXISTS dns_class_names (Id UInt64, Name String) ENGINE = TinyLog;
INSERT INTO dns_class_names SELECT * FROM values('Id UInt64, Name String',
  (1, 'IN'),
  (3, 'CH'),
  (4, 'HS'),
  (254, 'NONE'),
  (255, 'ANY'))
  WHERE (SELECT count() FROM dns_class_names) = 0;
CREATE DICTIONARY IF NOT EXISTS dns_class (Id UInt64, Name String DEFAULT '')
  PRIMARY KEY Id
  SOURCE(CLICKHOUSE(TABLE 'dns_class_names'))
  LAYOUT(HASHED())
  LIFETIME(0);

CREATE TABLE IF NOT EXISTS dns_opcode_names (Id UInt64, Name String) ENGINE = TinyLog;
INSERT INTO dns_opcode_names SELECT * FROM values('Id UInt64, Name String',
  (0, 'QUERY'),
  (1, 'IQUERY'),
  (2, 'STATUS'),
  (4, 'NOTIFY'),
  (5, 'UPDATE'),
  (6, 'DSO'))
  WHERE (SELECT count() FROM dns_opcode_names) = 0;
CREATE DICTIONARY IF NOT EXISTS dns_opcode (Id UInt64, Name String DEFAULT '')
  PRIMARY KEY Id
  SOURCE(CLICKHOUSE(TABLE 'dns_opcode_names'))
  LAYOUT(HASHED())
  LIFETIME(0);

CREATE TABLE IF NOT EXISTS dns_response_names (Id UInt64, Name String) ENGINE = TinyLog;
INSERT INTO dns_response_names SELECT * FROM values('Id UInt64, Name String',
  (0, 'NOERROR'),
  (1, 'FORMERR'),
  (2, 'SERVFAIL'),
  (3, 'NXDOMAIN'),
  (4, 'NOTIMP'),
  (5, 'REFUSED'),
  (6, 'YXDOMAIN'),
  (7, 'YXRRSET'),
  (8, 'NXRRSET'),
  (9, 'NOTAUTH'),
  (10, 'NOTZONE'),
  (11, 'DSOTYPENI'),
  (16, 'BADVERS'),
  (17, 'BADKEY'),
  (18, 'BADTIME'),
  (19, 'BADMODE'),
  (20, 'BADNAME'),
  (21, 'BADALG'),
  (22, 'BADTRUNC'),
  (23, 'BADCOOKIE'))
  WHERE (SELECT count() FROM dns_response_names) = 0;
CREATE DICTIONARY IF NOT EXISTS dns_response (Id UInt64, Name String DEFAULT '')
  PRIMARY KEY Id
  SOURCE(CLICKHOUSE(TABLE 'dns_response_names'))
  LAYOUT(HASHED())
  LIFETIME(0);
