#!/usr/bin/env python3
"""Write a DMRecord stream of N DNS records with realistic sizes, for benchmarks.

    python3 bench/gen_dns_records.py OUT N [--distinct 10000] [--seed 1]

Builds ``--distinct`` different DNS records (type 2) with hand-made RFC 1035
wire messages -- queries and responses of 30-200 bytes, IPv4 and IPv6, UDP and
some TCP, random ports and times -- encodes them once with
examples/python/dmrecord.py, then writes one stream header followed by those
record bytes repeated until there are N records.  Standard library only.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import random
import struct
import sys
import time
from io import BytesIO

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "python"))
import dmrecord  # noqa: E402

MIN_WIRE, MAX_WIRE = 30, 200

TLDS = ["com", "net", "org", "de", "io", "co.uk", "fr", "nl", "ru", "jp", "arpa"]
WORDS = ["www", "mail", "api", "cdn", "static", "login", "img", "m", "ns1", "ns2", "smtp", "app",
         "edge", "auth", "update", "telemetry", "assets", "video", "news", "shop", "time", "dl"]
SLDS = ["example", "google", "cloudflare", "akamaiedge", "microsoft", "apple", "amazonaws",
        "facebook", "wikipedia", "github", "netflix", "office365", "doubleclick", "ntp",
        "fastly", "mozilla", "ubuntu", "debian", "yahoo", "bing", "twitter", "spotify"]

QTYPE_A, QTYPE_NS, QTYPE_CNAME, QTYPE_PTR, QTYPE_MX, QTYPE_TXT, QTYPE_AAAA, QTYPE_OPT, QTYPE_HTTPS = \
    1, 2, 5, 12, 15, 16, 28, 41, 65
QTYPES = [QTYPE_A] * 50 + [QTYPE_AAAA] * 30 + [QTYPE_HTTPS] * 8 + [QTYPE_PTR] * 5 + \
         [QTYPE_MX] * 3 + [QTYPE_TXT] * 2 + [QTYPE_NS] * 2


def random_label(rng: random.Random) -> bytes:
    if rng.random() < 0.7:
        return rng.choice(WORDS).encode()
    n = rng.randint(3, 14)
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n)).encode()


def random_name(rng: random.Random) -> list:
    """A domain name as a list of labels (bytes)."""
    labels = [rng.choice(SLDS).encode()] + [t.encode() for t in rng.choice(TLDS).split(".")]
    for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
        labels.insert(0, random_label(rng))
    return labels


def encode_name(labels: list) -> bytes:
    return b"".join(bytes((len(l),)) + l for l in labels) + b"\0"


def opt_record(rng: random.Random) -> bytes:
    """An EDNS(0) OPT pseudo-record (root name, no options)."""
    return b"\0" + struct.pack(">HHIH", QTYPE_OPT, rng.choice([1232, 4096, 512]), 0, 0)


def build_wire(rng: random.Random, response: bool) -> bytes:
    """One DNS message: header + question (+ answers with compression pointers)."""
    while True:
        labels = random_name(rng)
        qtype = rng.choice(QTYPES)
        edns = rng.random() < 0.6
        question = encode_name(labels) + struct.pack(">HH", qtype, 1)
        answers = []
        rcode = 0
        if response:
            roll = rng.random()
            if roll < 0.08:
                rcode = 3                                    # NXDOMAIN, no answers
            elif qtype in (QTYPE_A, QTYPE_AAAA):
                owner = b"\xc0\x0c"                          # pointer to the question name
                if rng.random() < 0.3:                       # CNAME chain: owner -> target
                    # target = one new label + a pointer to the question name (compression)
                    label = random_label(rng)
                    rdata = bytes((len(label),)) + label + b"\xc0\x0c"
                    answers.append(owner + struct.pack(">HHIH", QTYPE_CNAME, 1, rng.randint(30, 3600), len(rdata)) + rdata)
                    # later answers are owned by the CNAME target: point at its rdata
                    owner = struct.pack(">H", 0xC000 | (12 + len(question) + len(answers[0]) - len(rdata)))
                for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4, 6])):
                    if qtype == QTYPE_A:
                        rdata = rng.getrandbits(32).to_bytes(4, "big")
                    else:
                        rdata = rng.getrandbits(128).to_bytes(16, "big")
                    answers.append(owner + struct.pack(">HHIH", qtype, 1, rng.randint(5, 86400), len(rdata)) + rdata)
            elif qtype == QTYPE_PTR:
                rdata = encode_name(random_name(rng))
                answers.append(b"\xc0\x0c" + struct.pack(">HHIH", QTYPE_PTR, 1, 3600, len(rdata)) + rdata)
            elif qtype == QTYPE_MX:
                for pref in (10, 20)[: rng.randint(1, 2)]:
                    rdata = struct.pack(">H", pref) + bytes((4,)) + b"mail" + b"\xc0\x0c"
                    answers.append(b"\xc0\x0c" + struct.pack(">HHIH", QTYPE_MX, 1, 3600, len(rdata)) + rdata)
            elif qtype == QTYPE_TXT:
                text = rng.randbytes(rng.randint(10, 60)).hex()[: rng.randint(10, 60)].encode()
                rdata = bytes((len(text),)) + text
                answers.append(b"\xc0\x0c" + struct.pack(">HHIH", QTYPE_TXT, 1, 300, len(rdata)) + rdata)
            elif qtype == QTYPE_NS:
                for n in range(rng.randint(2, 4)):
                    rdata = bytes((3,)) + b"ns%d" % n + b"\xc0\x0c"
                    answers.append(b"\xc0\x0c" + struct.pack(">HHIH", QTYPE_NS, 1, 86400, len(rdata)) + rdata)
            else:                                            # HTTPS: alpn h2,h3 in an SVCB rdata
                rdata = struct.pack(">H", 1) + b"\0" + struct.pack(">HH", 1, 6) + b"\x02h2\x02h3"
                answers.append(b"\xc0\x0c" + struct.pack(">HHIH", QTYPE_HTTPS, 1, 300, len(rdata)) + rdata)
        flags = (0x8180 | rcode) if response else 0x0100    # QR RD RA / RD
        additional = [opt_record(rng)] if edns else []
        header = struct.pack(">HHHHHH", rng.getrandbits(16), flags, 1, len(answers), 0, len(additional))
        wire = header + question + b"".join(answers) + b"".join(additional)
        if MIN_WIRE <= len(wire) <= MAX_WIRE:
            return wire


def random_addresses(rng: random.Random, version: int):
    if version == 4:
        client = ipaddress.IPv4Address(bytes((rng.choice([10, 172, 192, 100]),)) + rng.randbytes(3))
        server = ipaddress.IPv4Address(rng.choice([b"\x08\x08\x08\x08", b"\x01\x01\x01\x01", b"\x0a\x00\x00\x35",
                                                   b"\xc0\xa8\x01\x01", b"\x09\x09\x09\x09"]))
    else:
        client = ipaddress.IPv6Address(b"\x20\x01\x0d\xb8" + rng.randbytes(12))
        server = ipaddress.IPv6Address(rng.choice([
            bytes.fromhex("20014860486000000000000000008888"),
            bytes.fromhex("26064700470000000000000000001111"),
            bytes.fromhex("20010db8000000000000000000000053")]))
    return client, server


def build_records(count: int, seed: int) -> list:
    """``count`` encoded DNS record bodies as (flags, body)."""
    rng = random.Random(seed)
    base_ns = 1_700_000_000 * 1_000_000_000
    out = []
    for i in range(count):
        version = 4 if rng.random() < 0.7 else 6
        transport = dmrecord.TRANSPORT_UDP if rng.random() < 0.95 else dmrecord.TRANSPORT_TCP
        response = rng.random() < 0.5
        client, server = random_addresses(rng, version)
        cport = rng.randint(1024, 65535)
        wire = build_wire(rng, response)
        src, dst, sport, dport = (server, client, 53, cport) if response else (client, server, cport, 53)
        rec = dmrecord.DNSRecord(
            time_ns=base_ns + rng.randint(0, 86_400 * 1_000_000_000),
            packet_length=len(wire), ip_version=version, transport=transport,
            sport=sport, dport=dport, src=src, dst=dst, wire=wire,
            identity="" if rng.random() < 0.8 else rng.choice(["ns1.example.net", "resolver-fra1"]))
        out.append(rec.to_body())
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="output file (written via OUT.tmp, then renamed)")
    ap.add_argument("records", type=int, help="number of records to write")
    ap.add_argument("--distinct", type=int, default=10_000, help="distinct records to repeat (default 10000)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.records < 0 or args.distinct < 1:
        ap.error("records must be >= 0 and --distinct >= 1")

    t0 = time.monotonic()
    bodies = build_records(min(args.distinct, max(args.records, 1)), args.seed)

    buf = BytesIO()
    w = dmrecord.Writer(buf, buffer_size=1 << 30, max_delay=1e9)
    w.write_header([
        (dmrecord.TAG_SOURCE, 0, b"bench/gen_dns_records.py"),
        (dmrecord.TAG_PROVENANCE, 0, dmrecord.provenance_entry("gen_dns_records.py", "1", sys.argv)),
    ])
    w.flush()
    header = buf.getvalue()
    ends = []                                # end offset (in chunk) of each record
    for body in bodies:
        w.write_record(dmrecord.DNS, 0, body)
        w.flush()
        ends.append(buf.tell() - len(header))
    chunk = buf.getvalue()[len(header):]

    # Check the chunk with the reference reader before writing gigabytes of it.
    items = list(dmrecord.Reader(BytesIO(header + chunk)))
    assert len(items) == len(bodies) + 1 and all(r.type == dmrecord.DNS for r in items[1:])

    full, rest = divmod(args.records, len(bodies))
    block_reps = max(1, (8 << 20) // len(chunk))        # write ~8 MB per call
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(header)
        block = chunk * block_reps
        for _ in range(full // block_reps):
            f.write(block)
        f.write(chunk * (full % block_reps))
        if rest:
            f.write(chunk[:ends[rest - 1]])
    os.replace(tmp, args.out)

    size = len(header) + full * len(chunk) + (ends[rest - 1] if rest else 0)
    wires = [len(dmrecord.dns_message(b)) for b in bodies]
    print(f"wrote {args.out}: {args.records} records, {size} bytes "
          f"(header {len(header)} B, mean record {len(chunk) / len(bodies):.1f} B, "
          f"DNS messages {min(wires)}-{max(wires)} B, mean {sum(wires) / len(wires):.1f} B; "
          f"{len(bodies)} distinct) in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
