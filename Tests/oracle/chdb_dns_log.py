#!/usr/bin/env python3
"""Loads Native blocks into docs/clickhouse/dns_log.sql's DNS_LOG on chDB (embedded current
ClickHouse) and prints the rows as JSON lines for clickhouse_rows.py.

Usage: chdb_dns_log.py SCHEMA_SQL NATIVE_FILE SESSION_FOLDER > rows.json

The schema is executed as written, then its TTL is removed (ALTER TABLE … REMOVE TTL): the
captures are older than the 30 days it keeps, and ClickHouse drops expired rows as it merges.
"""
import sys
from chdb import session

schema_path, native_path, folder = sys.argv[1:4]
db = session.Session(folder)
for statement in open(schema_path, encoding='utf-8').read().split(';'):
    lines = [line for line in statement.splitlines() if not line.strip().startswith('--')]
    if '\n'.join(lines).strip():
        db.query('\n'.join(lines))
db.query("ALTER TABLE DNS_LOG REMOVE TTL")
db.query(f"INSERT INTO DNS_LOG SELECT * FROM file('{native_path}', 'Native')")
types = db.query("SELECT name, type FROM system.columns WHERE table = 'DNS_LOG' AND database = currentDatabase() FORMAT TSV").bytes().decode()
sys.stderr.write(types)
rows = db.query("""
    SELECT formatDateTime(PacketTime, '%Y-%m-%d %H:%i:%S') || '.' || leftPad(toString(toUnixTimestamp64Milli(PacketTime) % 1000), 3, '0') AS PacketTime,
      Server, IPVersion, toString(SrcIP) AS SrcIP, toString(DstIP) AS DstIP, Protocol, QR, OpCode, Class, Type,
      Edns0Present, DoBit, FullQuery, ResponseCode, Question, Size
    FROM DNS_LOG FORMAT JSONEachRow""").bytes()
sys.stdout.buffer.write(rows)
