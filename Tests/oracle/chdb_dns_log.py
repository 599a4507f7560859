#!/usr/bin/env python3
"""Loads Native blocks into docs/clickhouse/tables.sql's DNS_LOG on chDB (embedded current
ClickHouse) and prints the rows as JSON lines for clickhouse_rows.py.

Usage: chdb_dns_log.py SCHEMA_SQL NATIVE_FILE SESSION_FOLDER [DICTIONARIES_SQL DASHBOARD_JSON] > rows.json

With the dictionaries and the Grafana dashboard, each panel's query (its macros replaced as the
ClickHouse data source would: the time range made to cover the capture, every server) runs on
the loaded data and must return rows.

The schema is executed as written, then the tables' TTLs are removed (ALTER TABLE … REMOVE
TTL): the captures are older than the 30 days they keep, and ClickHouse drops expired rows as
it merges. The per-minute aggregates the materialized views fed are checked against DNS_LOG.
"""
import sys
from chdb import session

schema_path, native_path, folder = sys.argv[1:4]
db = session.Session(folder)
code = '\n'.join(line for line in open(schema_path, encoding='utf-8').read().splitlines() if not line.startswith('--'))
for statement in code.split(';'):
    if statement.strip():
        db.query(statement)
merge_trees = db.query("SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' FORMAT TSV").bytes().decode().split()
for table in merge_trees:
    db.query(f"ALTER TABLE {table} REMOVE TTL")
db.query(f"INSERT INTO DNS_LOG SELECT * FROM file('{native_path}', 'Native')")
types = db.query("SELECT name, type FROM system.columns WHERE table = 'DNS_LOG' AND database = currentDatabase() FORMAT TSV").bytes().decode()
sys.stderr.write(types)
# The file's columns must be the table's, name and type: no conversion on the way in.
described = db.query(f"DESCRIBE file('{native_path}', 'Native') FORMAT TSV").bytes().decode()
file_types = ''.join('\t'.join(line.split('\t')[:2]) + '\n' for line in described.splitlines())
if file_types != types:
    sys.exit(f'the Native file has other columns than DNS_LOG:\n{file_types}')
rows = db.query("""
    SELECT formatDateTime(PacketTime, '%Y-%m-%d %H:%i:%S') || '.' || leftPad(toString(toUnixTimestamp64Milli(PacketTime) % 1000), 3, '0') AS PacketTime,
      Server, IPVersion, toString(SrcIP) AS SrcIP, toString(DstIP) AS DstIP, Protocol, QR, OpCode, Class, Type,
      Edns0Present, DoBit, FullQuery, ResponseCode, Question, Size
    FROM DNS_LOG FORMAT JSONEachRow""").bytes()
sys.stdout.buffer.write(rows)
# The materialized views fed the per-minute aggregates from the same rows.
log_rows = db.query("SELECT count() FROM DNS_LOG FORMAT TSV").bytes().decode().strip()
for table in ['DNS_PROTOCOL_1M', 'DNS_GENERAL_AGGREGATIONS_1M', 'DNS_SRCIP_MASK_1M', 'DNS_DSTIP_MASK_1M']:
    total = db.query(f"SELECT sum(c) FROM {table} FORMAT TSV").bytes().decode().strip()
    if total != log_rows:
        sys.exit(f'{table} counts {total} rows, DNS_LOG holds {log_rows}')
queries = db.query("SELECT count() FROM DNS_LOG WHERE QR = 0 FORMAT TSV").bytes().decode().strip()
for table in ['DNS_DOMAIN_COUNT_1M', 'DNS_OPCODE_1M', 'DNS_TYPE_1M', 'DNS_CLASS_1M', 'DNS_EDNS_1M']:
    total = db.query(f"SELECT sum(c) FROM {table} FORMAT TSV").bytes().decode().strip()
    if total != queries:
        sys.exit(f'{table} counts {total} queries, DNS_LOG holds {queries}')
sys.stderr.write(f'aggregates agree with DNS_LOG: {log_rows} rows, {queries} queries\n')

if len(sys.argv) > 5:
    import json
    dictionaries_path, dashboard_path = sys.argv[4:6]
    code = '\n'.join(line for line in open(dictionaries_path, encoding='utf-8').read().splitlines() if not line.startswith('--'))
    for statement in code.split(';'):
        if statement.strip():
            db.query(statement)
    dashboard = json.load(open(dashboard_path, encoding='utf-8'))
    servers = db.query("SELECT arrayStringConcat(groupUniqArray(concat('\\'', Server, '\\'')), ',') FROM DNS_LOG FORMAT TSVRaw").bytes().decode().strip()
    for panel in dashboard['panels']:
        for target in panel['targets']:
            sql = target['rawSql']
            for column in ['t', 'PacketTime']:
                sql = sql.replace(f'$__timeFilter({column})', f"{column} >= toDateTime('2000-01-01 00:00:00') AND {column} <= now()")
            sql = sql.replace('${server:singlequote}', servers)
            result = db.query(sql + ' FORMAT TSV').bytes().decode()
            if not result.strip():
                sys.exit(f"panel '{panel['title']}' returns no rows: {sql}")
    sys.stderr.write(f"dashboard: every one of {len(dashboard['panels'])} panels returns rows\n")
