#!/usr/bin/env python3
"""Compares DNS_LOG rows read back from ClickHouse with dm-out's JSON of the same records.

Usage: clickhouse_rows.py JSON_LINES ROWS_JSONEACHROW SERVER_NAME [--full-query] [--milliseconds]

From each JSON line (dnsmonster's JSON) it derives the rows dnsmonster's ClickHouse output
inserts: one per question, with the time to the second, IPv4 addresses mapped to IPv6
(::ffff:a.b.c.d), Edns0Present/DoBit from the last OPT record, ResponseCode as uint8 of the
extended RCODE; then it compares the two multisets of rows and prints the differences.
Exit 0 when they are equal.
"""
import collections
import ipaddress
import json
import sys
from datetime import datetime, timezone

json_path, rows_path, server = sys.argv[1:4]
full_query = '--full-query' in sys.argv[4:]


def mapped(text):
    address = ipaddress.ip_address(text)
    if address.version == 4:
        return '::ffff:' + str(address)
    return str(address)


milliseconds = '--milliseconds' in sys.argv[4:]


def seconds(timestamp):
    # RFC 3339 with up to 9 fractional digits; keep whole seconds (DateTime) or milliseconds
    # (DateTime64(3)), both cut, not rounded, as ClickHouse stores them.
    whole, _, fraction = timestamp.rstrip('Z').partition('.')
    text = datetime.strptime(whole, '%Y-%m-%dT%H:%M:%S').replace(tzinfo=timezone.utc).strftime('%Y-%m-%d %H:%M:%S')
    return text + '.' + (fraction + '000')[:3] if milliseconds else text


expected = collections.Counter()
for line in open(json_path, encoding='utf-8'):
    record = json.loads(line)
    dns = record['DNS']
    opt = [rr for rr in (dns.get('Extra') or []) if rr['Hdr']['Rrtype'] == 41]
    edns = 1 if opt else 0
    do_bit = 1 if opt and opt[-1]['Hdr']['Ttl'] & 0x8000 else 0
    for question in dns.get('Question') or []:
        expected[(
            seconds(record['Timestamp']), server, record['IPVersion'], mapped(record['SrcIP']), mapped(record['DstIP']),
            record['Protocol'], 1 if dns['Response'] else 0, dns['Opcode'], question['Qclass'], question['Qtype'],
            edns, do_bit, line.rstrip('\n') if full_query else '', dns['Rcode'] & 0xFF, question['Name'],
            record['PacketLength'] & 0xFFFF)] += 1

found = collections.Counter()
for line in open(rows_path, encoding='utf-8'):
    row = json.loads(line)
    found[(
        row['PacketTime'], row['Server'], int(row['IPVersion']), row['SrcIP'], row['DstIP'], row['Protocol'],
        int(row['QR']), int(row['OpCode']), int(row['Class']), int(row['Type']), int(row['Edns0Present']),
        int(row['DoBit']), row['FullQuery'], int(row['ResponseCode']), row['Question'], int(row['Size']))] += 1

missing = expected - found
extra = found - expected
print(f'rows: expected {sum(expected.values())}, found {sum(found.values())}, missing {sum(missing.values())}, extra {sum(extra.values())}')
for row in list(missing)[:5]:
    print('missing', row)
for row in list(extra)[:5]:
    print('extra  ', row)
sys.exit(0 if not missing and not extra else 1)
