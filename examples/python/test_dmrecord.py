"""Tests for dmrecord.py and the drop_suffix.py example stage.

Run from the repository root:

    python3 -m unittest discover -s examples/python -v
"""

from __future__ import annotations

import bz2
import gzip
import io
import ipaddress
import lzma
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import dmrecord  # noqa: E402
from dmrecord import (  # noqa: E402
    DNS, MAGIC, PACKET, STATS, TAG_PROVENANCE, TAG_SOURCE, DNSRecord, FormatError, Header,
    PacketRecord, Reader, Record, StatsRecord, Writer, first_qname, first_qname_labels,
)

DROP_SUFFIX = os.path.join(HERE, "drop_suffix.py")


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def encode_name(name: str) -> bytes:
    """Encode ``"www.example.com"`` as uncompressed wire labels."""
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes((len(label),)) + label.encode()
    return out + b"\0"


def query(name: str, qid: int = 0x1234) -> bytes:
    """A minimal DNS query message with one question for ``name``, type A."""
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + encode_name(name) + b"\0\x01\0\x01"


def dns_body(name: str, **overrides) -> bytes:
    fields = dict(time_ns=1_700_000_000_123_456_789, packet_length=0, ip_version=4,
                  transport=dmrecord.TRANSPORT_UDP, sport=53000, dport=53,
                  src=ipaddress.ip_address("192.0.2.1"), dst=ipaddress.ip_address("192.0.2.53"),
                  wire=query(name), identity="host-a")
    fields.update(overrides)
    rec = DNSRecord(**fields)
    if not rec.packet_length:
        rec.packet_length = len(rec.wire)
    return rec.to_body()


def read_all(data: bytes, **kwargs) -> list:
    return list(Reader(io.BytesIO(data), **kwargs))


def stream(entries, records) -> bytes:
    """Build a stream: one header with ``entries``, then (type, flags, body) records."""
    buf = io.BytesIO()
    w = Writer(buf)
    w.write_header(entries)
    for rtype, flags, body in records:
        w.write_record(rtype, flags, body)
    w.flush()
    return buf.getvalue()


SOURCE = (TAG_SOURCE, 0, b"iface:eth0")
PROV = (TAG_PROVENANCE, 0, dmrecord.provenance_entry("dm-capture", "0.1", ["dm-capture", "-i", "eth0"],
                                                     start_ns=123, pid=42))


# --------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------

class RoundTripTest(unittest.TestCase):

    def test_header_layout_and_entries(self):
        data = stream([SOURCE, PROV, (0x8001, 7, b"private")], [])
        self.assertEqual(data[:8], MAGIC)
        self.assertEqual(struct.unpack_from("<HHI", data, 8), (1, 0, len(data) - 16))
        (header,) = read_all(data)
        self.assertIsInstance(header, Header)
        self.assertEqual(header.version, 1)
        self.assertEqual(header.entries, [SOURCE, PROV, (0x8001, 7, b"private")])
        self.assertEqual(header.raw, data)
        prov = header.provenance()[0]
        self.assertEqual((prov.start_ns, prov.pid, prov.tool, prov.version, prov.argv),
                         (123, 42, "dm-capture", "0.1", ["dm-capture", "-i", "eth0"]))

    def test_provenance_bytes(self):
        value = dmrecord.provenance_entry("t", "2", ["a", "b"], start_ns=5, pid=6)
        self.assertEqual(value, struct.pack("<QI", 5, 6) + b"t\0" + b"2\0" + b"a\0" + b"b\0")
        self.assertRaises(ValueError, dmrecord.provenance_entry, "t", "1", ["x\0y"])

    def test_packet_round_trip(self):
        pkt = PacketRecord(time_ns=1_600_000_000_000_000_001, orig_len=1514, link_type=1,
                           interface=2, lane=3, data=bytes(range(60)))
        body = pkt.to_body()
        self.assertEqual(len(body), 20 + 60)
        (_, rec) = read_all(stream([SOURCE], [(PACKET, 0, body)]))
        self.assertEqual((rec.type, rec.flags, rec.body), (PACKET, 0, body))
        self.assertEqual(struct.unpack_from("<I", rec.raw, 0)[0], 24 + 60)  # L = captured + 24
        self.assertEqual(PacketRecord.from_body(rec.flags, rec.body), pkt)
        self.assertEqual(rec.decode(), pkt)

    def test_dns_round_trip_ipv4_and_ipv6(self):
        v4 = DNSRecord(time_ns=10, packet_length=33, ip_version=4, transport=dmrecord.TRANSPORT_TCP,
                       sport=40000, dport=53, src=ipaddress.ip_address("198.51.100.7"),
                       dst=ipaddress.ip_address("203.0.113.9"), wire=query("a.example"),
                       identity="resolver-1", match_flags=dmrecord.MATCH_EVALUATED,
                       flags=dmrecord.DNS_FLAG_MALFORMED)
        v6 = DNSRecord(time_ns=11, packet_length=40, ip_version=6, transport=dmrecord.TRANSPORT_DOQ,
                       sport=853, dport=50000, src=ipaddress.ip_address("2001:db8::1"),
                       dst=ipaddress.ip_address("2001:db8::53"), wire=query("b.example"))
        body4 = v4.to_body()
        # IPv4 addresses are 4 bytes followed by 12 zero bytes; identity at 56.
        self.assertEqual(body4[24:40], bytes([198, 51, 100, 7]) + bytes(12))
        self.assertEqual(body4[56:66], b"resolver-1")
        self.assertEqual(body4[66:], v4.wire)
        records = read_all(stream([SOURCE], [(DNS, v4.flags, body4), (DNS, 0, v6.to_body())]))[1:]
        decoded = [DNSRecord.from_body(r.flags, r.body) for r in records]
        self.assertEqual(decoded, [v4, v6])
        self.assertTrue(decoded[0].malformed)
        self.assertEqual(str(decoded[1].src), "2001:db8::1")
        self.assertEqual(dmrecord.dns_message(records[0].body), v4.wire)

    def test_dns_version_follows_the_identity(self):
        tapped = DNSRecord(time_ns=12, packet_length=33, ip_version=4, transport=dmrecord.TRANSPORT_UDP,
                           sport=40000, dport=53, src=ipaddress.ip_address("127.0.0.1"),
                           dst=ipaddress.ip_address("127.0.0.1"), wire=query("c.example"),
                           identity="ci-unbound", version="unbound 1.17.1")
        body = tapped.to_body()
        # Identity length at 20, version length at 22; the version after the identity.
        self.assertEqual(body[20:24], bytes([10, 0, 14, 0]))
        self.assertEqual(body[56:80], b"ci-unboundunbound 1.17.1")
        self.assertEqual(dmrecord.dns_message(body), tapped.wire)
        self.assertEqual(DNSRecord.from_body(0, body), tapped)
        with self.assertRaises(dmrecord.FormatError):
            DNSRecord.from_body(0, body[:70])

    def test_stats_round_trip(self):
        st = StatsRecord(time_ns=99, pid=1234, lane=1, kind=dmrecord.STATS_PERIODIC,
                         stage="dm-parse", counters=[("packets_in", 10), ("dns_out", 2**64 - 1)])
        body = st.to_body()
        self.assertEqual(body[15], len("dm-parse"))
        (_, rec) = read_all(stream([SOURCE], [(STATS, 0, body)]))
        got = StatsRecord.from_body(rec.flags, rec.body)
        self.assertEqual(got, st)
        self.assertEqual(got.counter("dns_out"), 2**64 - 1)
        self.assertIsNone(got.counter("nope"))
        with self.assertRaises(FormatError):
            StatsRecord.from_body(0, body[:-3])       # truncated last counter

    def test_many_records_with_tiny_chunks(self):
        bodies = [bytes([i]) * i for i in range(200)]
        data = stream([SOURCE], [(0x8000 + i, i, b) for i, b in enumerate(bodies)])
        for chunk in (1, 3, 7, 4096):
            items = read_all(data, chunk_size=chunk)
            self.assertEqual([r.body for r in items[1:]], bodies, f"chunk size {chunk}")
            self.assertEqual([r.flags for r in items[1:]], list(range(200)))

    def test_empty_stream_and_header_only(self):
        self.assertEqual(read_all(b""), [])
        self.assertEqual(len(read_all(stream([], []))), 1)

    def test_writer_checks(self):
        w = Writer(io.BytesIO())
        self.assertRaises(ValueError, w.write_record, DNS, 0, b"")      # before a header
        w.write_header([])
        self.assertRaises(ValueError, w.write_record, 0, 0, b"")        # type 0
        self.assertRaises(ValueError, w.write_record, DNS, 0, bytes(dmrecord.MAX_RECORD_LENGTH - 3))
        w.write_record(DNS, 0, bytes(dmrecord.MAX_RECORD_LENGTH - 4))   # largest allowed
        self.assertRaises(ValueError, w.write_raw, b"\x09\0\0\0\x02\0\0\0")  # length mismatch

    def test_largest_record_reads(self):
        body = bytes(dmrecord.MAX_RECORD_LENGTH - 4)
        (_, rec) = read_all(stream([], [(DNS, 0, body)]), chunk_size=65536)
        self.assertEqual(len(rec.raw), dmrecord.MAX_RECORD_LENGTH + 4)


# --------------------------------------------------------------------------
# Concatenation and passthrough
# --------------------------------------------------------------------------

class ConcatenationTest(unittest.TestCase):

    def test_concatenated_streams(self):
        a = stream([(TAG_SOURCE, 0, b"a.pcap")], [(DNS, 0, dns_body("x.example")), (PACKET, 0, bytes(20))])
        b = stream([(TAG_SOURCE, 0, b"b.pcap")], [(STATS, 0, StatsRecord(1, 2, 0, 2, "s", []).to_body())])
        reader = Reader(io.BytesIO(a + b + a))
        items = []
        for item in reader:
            items.append(item)
            if isinstance(item, Record):
                self.assertIs(reader.header, [i for i in items if isinstance(i, Header)][-1])
        kinds = [("H", i.entries[0].value) if isinstance(i, Header) else i.type for i in items]
        self.assertEqual(kinds, [("H", b"a.pcap"), DNS, PACKET, ("H", b"b.pcap"), STATS,
                                 ("H", b"a.pcap"), DNS, PACKET])
        self.assertEqual(items[3].offset, len(a))
        self.assertEqual(items[5].offset, len(a) + len(b))
        self.assertEqual(b"".join(i.raw for i in items), a + b + a)

    def test_unknown_types_forwarded_byte_for_byte(self):
        records = [(4, 0xFFFF, b"reserved type"), (0x8123, 0x0001, b""), (0xFFFF, 0, bytes(range(256)))]
        data = stream([(0x7FFF, 3, b"unknown tag")], records)
        out = io.BytesIO()
        w = Writer(out)
        for item in Reader(io.BytesIO(data)):
            if isinstance(item, Header):
                w.write_header(item.entries)
            else:
                self.assertIsNone(item.decode())
                w.write_raw(item.raw)
        w.flush()
        self.assertEqual(out.getvalue(), data)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

class ErrorTest(unittest.TestCase):

    def assertFormatError(self, data: bytes, offset: int, *fragments: str, **kwargs):
        with self.assertRaises(FormatError) as ctx:
            read_all(data, **kwargs)
        self.assertEqual(ctx.exception.offset, offset, str(ctx.exception))
        for fragment in fragments:
            self.assertIn(fragment, str(ctx.exception))
        self.assertNotIn("\n", str(ctx.exception))
        return ctx.exception

    def test_truncated_record(self):
        body = dns_body("www.example.com")
        data = stream([SOURCE], [(PACKET, 0, bytes(24)), (DNS, 0, body)])
        second = len(data) - (8 + len(body))
        L = 4 + len(body)
        for cut in (1, 5, 10):
            self.assertFormatError(
                data[:-cut], second,
                f"truncated record at offset {second}: length field says {L} bytes, "
                f"stream ends after {L - cut}", chunk_size=16)
        # Inside the length field itself.
        self.assertFormatError(data[:second + 2], second, f"truncated record at offset {second}")

    def test_truncated_header(self):
        data = stream([SOURCE, PROV], [])
        self.assertFormatError(data[:5], 0, "truncated header at offset 0")
        self.assertFormatError(data[:12], 0, "truncated header at offset 0")
        self.assertFormatError(data[:-1], 0, "truncated header at offset 0",
                               f"says {len(data) - 16} bytes, stream ends after {len(data) - 17}")
        # A truncated second header is reported at its own offset.
        self.assertFormatError(data + data[:20], len(data), f"truncated header at offset {len(data)}")

    def test_bad_lengths_and_type_zero(self):
        head = stream([], [])
        self.assertFormatError(head + struct.pack("<IHH", 3, 1, 0), 16, "below the minimum 4")
        self.assertFormatError(head + struct.pack("<IHH", dmrecord.MAX_RECORD_LENGTH + 1, 1, 0), 16,
                               f"record length {dmrecord.MAX_RECORD_LENGTH + 1}", "exceeds the maximum")
        good = struct.pack("<IHH", 4, 1, 0)
        self.assertFormatError(head + good + struct.pack("<IHH", 6, 0, 0) + b"xx", 24, "record type 0")

    def test_bad_header_entries(self):
        bad = MAGIC + struct.pack("<HHI", 1, 0, 10) + struct.pack("<IHH", 20, 1, 0) + b"ab"
        self.assertFormatError(bad, 16, "runs past the end")
        big = MAGIC + struct.pack("<HHI", 1, 0, dmrecord.MAX_ENTRIES_LENGTH + 1)
        self.assertFormatError(big, 0, "exceeds the maximum")

    def test_record_before_header(self):
        self.assertFormatError(struct.pack("<IHH", 4, 2, 0), 0, "record before any stream header")

    def test_unknown_version(self):
        data = bytearray(stream([], []))
        data[8:10] = struct.pack("<H", 2)
        self.assertFormatError(bytes(data), 0, "unsupported format version 2")
        # ... also when it is the second header.
        first = stream([], [(DNS, 0, b"x")])
        self.assertFormatError(first + bytes(data), len(first), "version 2")

    def test_line_ending_damage(self):
        data = stream([], []).replace(b"\r\n", b"\n")
        self.assertFormatError(data, 0, "line endings")

    def test_foreign_formats_named(self):
        cases = {
            "gzip": gzip.compress(b"hello"),
            "bzip2": bz2.compress(b"hello"),
            "xz": lzma.compress(b"hello"),
            "zstd": b"\x28\xb5\x2f\xfd\x00\x00",
            "pcapng": b"\x0a\x0d\x0d\x0a" + bytes(24),
            "pcap": struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1),
        }
        for name, data in cases.items():
            with self.subTest(name):
                self.assertFormatError(data, 0, f"is {name} data")
        self.assertFormatError(struct.pack(">I", 0xA1B2C3D4) + bytes(20), 0, "is pcap data")

    def test_lz4_frame(self):
        lz4 = b"\x04\x22\x4d\x18\x64\x40\xa7" + bytes(10)
        self.assertFormatError(lz4, 0, "lz4 -dc")
        head = stream([], [])
        self.assertFormatError(head + lz4, len(head), "LZ4 frame at offset", "lz4 -dc")


# --------------------------------------------------------------------------
# first_qname
# --------------------------------------------------------------------------

class QnameTest(unittest.TestCase):

    HEADER = struct.pack(">HHHHHH", 1, 0, 1, 0, 0, 0)

    def test_plain_names(self):
        self.assertEqual(first_qname(query("WWW.Example.COM")), "www.example.com.")
        self.assertEqual(first_qname(query(".")), ".")
        self.assertEqual(first_qname_labels(query(".")), [])

    def test_compression_pointers(self):
        # Question: "www" + pointer to offset 33, where "Example" + pointer to
        # offset 43 ("com" + root) are stored after the question's type/class.
        msg = self.HEADER + b"\x03www\xc0\x21" + b"\0\x01\0\x01"
        msg += bytes(33 - len(msg))                 # padding up to offset 33
        self.assertEqual(len(msg), 33)
        msg += b"\x07Example\xc0\x2b" + b"\x03COM\x00"
        self.assertEqual(first_qname(msg), "www.example.com.")

    def test_pointer_loops(self):
        self_loop = self.HEADER + b"\xc0\x0c" + b"\0\x01\0\x01"
        self.assertIsNone(first_qname(self_loop))
        two_loop = self.HEADER + b"\x01a\xc0\x14\0\x01\0\x01" + b"\x01b\xc0\x0c"
        self.assertEqual(two_loop[20:22], b"\x01b")
        self.assertIsNone(first_qname(two_loop))

    def test_malformed(self):
        self.assertIsNone(first_qname(b""))
        self.assertIsNone(first_qname(struct.pack(">HHHHHH", 1, 0, 0, 0, 0, 0)))  # no question
        self.assertIsNone(first_qname(self.HEADER + b"\x05abc"))                   # label past end
        self.assertIsNone(first_qname(self.HEADER + b"\xc0\xff\0\x01\0\x01"))      # pointer out of bounds
        self.assertIsNone(first_qname(self.HEADER + b"\x41abc\0\0\x01\0\x01"))     # reserved label type
        self.assertIsNone(first_qname(self.HEADER + b"\x03abc\0\0\x01"))           # no QCLASS
        long_name = ".".join(["a" * 63] * 4)                                     # 257 bytes
        self.assertIsNone(first_qname(query(long_name)))
        self.assertIsNotNone(first_qname(query(".".join(["a" * 63] * 3 + ["a" * 61]))))

    def test_escaping(self):
        msg = self.HEADER + b"\x04a.b\\\x02\x00Z\x00" + b"\0\x01\0\x01"
        self.assertEqual(first_qname(msg), "a\\.b\\\\.\\000z.")


# --------------------------------------------------------------------------
# drop_suffix.py as a subprocess
# --------------------------------------------------------------------------

def run_stage(data: bytes, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, DROP_SUFFIX, *args], input=data,
                          capture_output=True, timeout=60, **kwargs)


class DropSuffixTest(unittest.TestCase):

    NAMES = [
        ("www.example.com", True),
        ("example.com", True),
        ("MAIL.EXAMPLE.COM", True),
        ("notexample.com", False),
        ("example.com.evil", False),
        ("other.org", False),
        ("a.b.foo.net", True),
        ("foo.net.example", False),
        ("com", False),
    ]

    def build_input(self):
        """Return (stream bytes, raw records expected in the output, header entries)."""
        entries = [SOURCE, PROV, (0x9000, 1, b"private entry")]
        plan = []       # (record, kept?)
        for i, (name, dropped) in enumerate(self.NAMES):
            plan.append(((DNS, 0, dns_body(name, sport=1000 + i)), not dropped))
            if i == 2:
                plan += [
                    ((PACKET, 0, PacketRecord(5, 100, 1, 0, 0, b"frame").to_body()), True),
                    ((0x8042, 0xBEEF, b"\x00opaque"), True),
                    ((DNS, 1, dns_body("x", wire=b"\x00\x01garbage")), True),  # no question
                    ((STATS, 0, StatsRecord(7, 8, 0, 1, "dm-parse", [("dns_out", 5)]).to_body()), True),
                ]
        data = stream(entries, [record for record, _ in plan])
        raws = [item.raw for item in read_all(data)[1:]]
        expected = [raw for raw, (_, kept) in zip(raws, plan) if kept]
        return data, expected, entries

    def test_drops_exactly_the_matching_records(self):
        data, expected, entries = self.build_input()
        self.assertEqual(len(expected), 5 + 4)   # 5 kept DNS names + packet, private, no-question DNS, stats
        proc = run_stage(data, "Example.com.", "foo.net")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        items = read_all(proc.stdout)
        header, records = items[0], items[1:]

        # Header: the input entries in order, then one PROVENANCE of the stage.
        self.assertEqual(header.entries[:-1], entries)
        tag, flags, value = header.entries[-1]
        self.assertEqual((tag, flags), (TAG_PROVENANCE, 0))
        prov = dmrecord.parse_provenance(value)
        self.assertEqual((prov.tool, prov.version), ("drop_suffix.py", "1"))
        self.assertEqual(prov.argv, [DROP_SUFFIX, "Example.com.", "foo.net"])
        self.assertEqual([p.tool for p in header.provenance()], ["dm-capture", "drop_suffix.py"])

        # Records: everything else unchanged, in order, then the stage's STATS.
        self.assertEqual([r.raw for r in records[:-1]], expected)
        kept_names = [first_qname(dmrecord.dns_message(r.body)) for r in records if r.type == DNS]
        self.assertEqual(kept_names, [None, "notexample.com.", "example.com.evil.", "other.org.",
                                      "foo.net.example.", "com."])
        stats = StatsRecord.from_body(records[-1].flags, records[-1].body)
        self.assertEqual((records[-1].type, stats.stage, stats.kind), (STATS, "drop_suffix.py", 2))
        n_in = len(self.NAMES) + 4
        self.assertEqual(stats.counters, [("records_in", n_in), ("dns_dropped", 4),
                                          ("records_out", n_in - 4)])
        self.assertEqual(stats.pid, prov.pid)
        self.assertEqual(proc.stderr.decode().count("\n"), 1)
        self.assertIn("4 DNS records dropped", proc.stderr.decode())

    def test_concatenated_input_gets_a_header_per_section(self):
        a = stream([(TAG_SOURCE, 0, b"a")], [(DNS, 0, dns_body("www.example.com")), (DNS, 0, dns_body("keep.org"))])
        b = stream([(TAG_SOURCE, 0, b"b")], [(DNS, 0, dns_body("x.example.com"))])
        proc = run_stage(a + b, "example.com")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        items = read_all(proc.stdout)
        shape = [[e.tag for e in i.entries] if isinstance(i, Header) else i.type for i in items]
        self.assertEqual(shape, [[TAG_SOURCE, TAG_PROVENANCE], DNS, [TAG_SOURCE, TAG_PROVENANCE], STATS])
        self.assertEqual(items[2].entries[0].value, b"b")
        self.assertEqual(first_qname(dmrecord.dns_message(items[1].body)), "keep.org.")

    def test_empty_input(self):
        proc = run_stage(b"", "example.com")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout, b"")

    def test_format_error(self):
        data = stream([SOURCE], [(DNS, 0, dns_body("keep.org"))])
        proc = run_stage(data[:-3], "example.com")
        self.assertEqual(proc.returncode, 1)
        err = proc.stderr.decode()
        self.assertEqual(err.count("\n"), 1, err)
        self.assertTrue(err.startswith("drop_suffix.py: truncated record at offset "), err)
        proc = run_stage(gzip.compress(data), "example.com")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("gzip", proc.stderr.decode())

    def test_usage_errors(self):
        self.assertEqual(run_stage(b"").returncode, 2)
        proc = run_stage(b"", "a..b")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("empty label", proc.stderr.decode())

    def test_refuses_terminal(self):
        master, slave = pty.openpty()
        try:
            proc = subprocess.run([sys.executable, DROP_SUFFIX, "example.com"],
                                  stdin=subprocess.DEVNULL, stdout=slave,
                                  stderr=subprocess.PIPE, timeout=60)
        finally:
            os.close(slave)
            os.close(master)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("terminal", proc.stderr.decode())

    def test_broken_pipe_exits_141_quietly(self):
        body = dns_body("keep.org")
        data = stream([SOURCE], [(DNS, 0, body)] * 50000)
        with tempfile.TemporaryFile() as f:
            f.write(data)
            f.seek(0)
            r, w = os.pipe()
            proc = subprocess.Popen([sys.executable, DROP_SUFFIX, "example.com"],
                                    stdin=f, stdout=w, stderr=subprocess.PIPE)
            os.close(w)
            os.read(r, 100)
            os.close(r)
            _, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 141)
        self.assertEqual(err, b"")

    def test_sigterm_flushes_and_writes_final_stats(self):
        """Output appears while the stage waits for input; SIGTERM ends it cleanly."""
        data = stream([SOURCE], [(DNS, 0, dns_body("keep.org")), (DNS, 0, dns_body("www.example.com"))])
        proc = subprocess.Popen([sys.executable, DROP_SUFFIX, "example.com"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            proc.stdin.write(data)
            proc.stdin.flush()      # keep stdin open: the stage is now waiting
            out = b""
            deadline = time.monotonic() + 30
            while len(read_safely(out)) < 2 and time.monotonic() < deadline:
                ready, _, _ = select.select([proc.stdout], [], [], 0.5)
                if ready:
                    out += os.read(proc.stdout.fileno(), 65536)
            self.assertEqual(len(read_safely(out)), 2, "header and kept record not flushed")
            proc.send_signal(signal.SIGTERM)
            rest, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0, err)
        items = read_all(out + rest)
        self.assertEqual([i.type for i in items[1:]], [DNS, STATS])
        stats = StatsRecord.from_body(0, items[-1].body)
        self.assertEqual(stats.counters, [("records_in", 2), ("dns_dropped", 1), ("records_out", 1)])


def read_safely(data: bytes) -> list:
    """Parse the complete items at the start of ``data`` (ignore a partial tail)."""
    items = []
    try:
        for item in Reader(io.BytesIO(data)):
            items.append(item)
    except FormatError:
        pass
    return items


if __name__ == "__main__":
    unittest.main()
