#!/usr/bin/env python3
"""Write a dnstap file like a busy recursive resolver's, for benchmarks.

    python3 bench/gen_dnstap.py --messages N --output FILE [--seed S] [--identity ID] [--version V]

The file is what ``fstrm_capture -t protobuf:dnstap.Dnstap`` writes: unidirectional Frame
Streams, a START control frame with the content type ``protobuf:dnstap.Dnstap``, N data frames
(4-byte big-endian length + one ``dnstap.Dnstap`` protobuf each) and a STOP control frame.
``fstrm_replay -t protobuf:dnstap.Dnstap -r FILE -u SOCK`` sends it to a collector, and
``dnstap -r FILE -q`` (Debian's golang-github-dnstap-golang-dnstap-cli) decodes it.

The messages are pairs: a CLIENT_QUERY (query_message, query time) and, later, its
CLIENT_RESPONSE (response_message, response time and, as BIND and Unbound write it, the query
time too), interleaved in time order as a resolver logs them: cache hits answered in tens of
microseconds, recursions in milliseconds. Clients: a few thousand IPv4 and IPv6 addresses
(~15 % of queries over IPv6), ~3 % of queries over TCP, the rest UDP, with popular clients and
names asked far more often than others. Names: many domains and subdomains, PTR names, mail and
TXT names; qtypes A, AAAA, HTTPS, PTR, MX, TXT, NS, SOA, SRV; answers of 1-4 records (CNAMEs
among them), ~5 % NXDOMAIN, a few NODATA and SERVFAIL; EDNS(0) on ~90 % of messages.

Speed: dnspython builds a pool of a few thousand query/response wire messages once; each message
written takes one from the pool and patches the DNS ID, addresses, ports and times in, with the
protobuf encoded by hand (no google.protobuf). 2M messages (323 MB) take ~13 s on one core.
Deterministic: the same arguments always write the same bytes. Needs dnspython.
"""

from __future__ import annotations

import argparse
import heapq
import ipaddress
import os
import random
import sys
import time

try:
    import dns.edns
    import dns.flags
    import dns.message
    import dns.name
    import dns.rcode
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype
    import dns.rrset
except ImportError:  # pragma: no cover
    sys.exit("gen_dnstap.py needs dnspython (python3 -m pip install dnspython)")

CONTENT_TYPE = b"protobuf:dnstap.Dnstap"
POOL_SIZE = 4096          # distinct query/response pairs
CLIENTS_V4 = 6000         # distinct client addresses
CLIENTS_V6 = 1500
SHARE_V6 = 0.15
SHARE_TCP = 0.03
QUERIES_PER_SECOND = 25000.0   # mean arrival rate of client queries
START_TIME = 1767225600        # 2026-01-01T00:00:00Z

# Dnstap.Message.Type
CLIENT_QUERY, CLIENT_RESPONSE = 5, 6

TLDS = ["com"] * 10 + ["net"] * 4 + ["org"] * 3 + ["io", "de", "co.uk", "fr", "nl", "jp", "ru", "br",
                                                  "it", "es", "ca", "au", "info", "dev", "app", "cloud"]
SLDS = ["google", "googleapis", "gstatic", "youtube", "facebook", "fbcdn", "instagram", "whatsapp",
        "apple", "icloud", "microsoft", "windowsupdate", "office365", "live", "bing", "msn", "azure",
        "amazon", "amazonaws", "cloudfront", "akamaiedge", "akamai", "fastly", "cloudflare", "netflix",
        "nflxvideo", "spotify", "twitter", "twimg", "linkedin", "github", "githubusercontent", "gitlab",
        "wikipedia", "wikimedia", "reddit", "redditstatic", "yahoo", "doubleclick", "googlesyndication",
        "adnxs", "criteo", "taboola", "outbrain", "zoom", "slack", "discord", "tiktok", "bytedance",
        "ubuntu", "debian", "mozilla", "firefox", "ntp", "pool", "digicert", "letsencrypt", "sentry",
        "datadoghq", "newrelic", "salesforce", "shopify", "paypal", "stripe", "ebay", "booking",
        "example", "bbc", "cnn", "nytimes", "theguardian", "spiegel", "lemonde", "weather", "imdb",
        "dropbox", "box", "adobe", "office", "skype", "teams", "steampowered", "epicgames", "xbox",
        "playstation", "nintendo", "samsung", "xiaomi", "huawei", "tplink", "openai", "anthropic"]
PREFIXES = ["www", "api", "cdn", "static", "img", "m", "mail", "login", "auth", "edge", "update",
            "telemetry", "assets", "video", "news", "shop", "app", "dl", "time", "push", "graph",
            "accounts", "clients4", "play", "s3", "ocsp", "crl", "metrics", "ads", "track", "beacon",
            "media", "files", "docs", "gateway", "connect", "sync", "status", "support", "blog"]
# qtype -> weight among client queries
QTYPE_WEIGHTS = [("A", 44), ("AAAA", 26), ("HTTPS", 11), ("PTR", 6), ("TXT", 3), ("MX", 3),
                 ("NS", 2), ("SOA", 2), ("SRV", 2), ("CNAME", 1)]

# Protobuf tags (field << 3 | wire type): 0 varint, 2 length-delimited, 5 fixed32.
T_IDENTITY, T_VERSION, T_MESSAGE, T_TYPE = b"\x0a", b"\x12", b"\x72", b"\x78"
M_TYPE, M_FAMILY, M_PROTOCOL = b"\x08", b"\x10", b"\x18"
M_QADDR, M_RADDR, M_QPORT, M_RPORT = b"\x22", b"\x2a", b"\x30", b"\x38"
M_QSEC, M_QNSEC, M_QMSG = b"\x40", b"\x4d", b"\x52"
M_RSEC, M_RNSEC, M_RMSG = b"\x60", b"\x6d", b"\x72"


def varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def ld(tag: bytes, data: bytes) -> bytes:
    return tag + varint(len(data)) + data


def control_frame(ctype: int, content_type: bytes | None) -> bytes:
    body = ctype.to_bytes(4, "big")
    if content_type is not None:
        body += (1).to_bytes(4, "big") + len(content_type).to_bytes(4, "big") + content_type
    return b"\x00\x00\x00\x00" + len(body).to_bytes(4, "big") + body


# ---------------------------------------------------------------------------------------------
# The pool of DNS wire messages (dnspython, once)

def random_label(rng: random.Random, lo: int, hi: int, alphabet="abcdefghijklmnopqrstuvwxyz0123456789") -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def random_domain(rng: random.Random) -> str:
    return f"{rng.choice(SLDS)}.{rng.choice(TLDS)}"


def random_hostname(rng: random.Random) -> str:
    base = random_domain(rng)
    r = rng.random()
    if r < 0.15:
        return base
    if r < 0.70:
        return f"{rng.choice(PREFIXES)}.{base}"
    if r < 0.85:
        return f"{rng.choice(PREFIXES)}-{rng.randint(1, 40)}.{rng.choice(PREFIXES)}.{base}"
    return f"{random_label(rng, 6, 16)}.{rng.choice(PREFIXES)}.{base}"


def random_v4(rng: random.Random) -> str:
    return str(ipaddress.IPv4Address(rng.choice([0x68000000, 0x8E000000, 0x97650000, 0xAC400000, 0x17000000,
                                                 0x34000000, 0xD8000000, 0x5DB80000]) + rng.getrandbits(20)))


def random_v6(rng: random.Random) -> str:
    prefix = rng.choice([0x2a001450, 0x26064700, 0x2a032880, 0x20014860, 0x26001f18])
    return str(ipaddress.IPv6Address((prefix << 96) | rng.getrandbits(64)))


def make_pair(rng: random.Random, serial: int) -> tuple[bytes, bytes]:
    """One client query and the resolver's answer, as wire messages (DNS ID 0, patched later)."""
    qtype = rng.choices([t for t, _ in QTYPE_WEIGHTS], [w for _, w in QTYPE_WEIGHTS])[0]
    if qtype == "PTR":
        if rng.random() < 0.8:
            qname = ".".join(str(rng.randint(1, 254)) for _ in range(4)) + ".in-addr.arpa"
        else:
            nib = "".join(rng.choice("0123456789abcdef") for _ in range(32))
            qname = ".".join(reversed(nib)) + ".ip6.arpa"
    elif qtype == "TXT":
        qname = rng.choice([f"_dmarc.{random_domain(rng)}", random_domain(rng),
                            f"{random_label(rng, 8, 20)}._domainkey.{random_domain(rng)}"])
    elif qtype in ("MX", "NS", "SOA"):
        qname = random_domain(rng)
    elif qtype == "SRV":
        qname = rng.choice(["_ldap._tcp", "_xmpp-client._tcp", "_sip._udp", "_imaps._tcp",
                            "_kerberos._udp"]) + "." + random_domain(rng)
    else:
        qname = random_hostname(rng)
    name = dns.name.from_text(qname)
    rdtype = dns.rdatatype.from_text(qtype)

    edns = rng.random() < 0.90
    if edns:
        query = dns.message.make_query(name, rdtype, use_edns=0, payload=rng.choice([1232, 1232, 4096, 512]),
                                       want_dnssec=rng.random() < 0.25)
    else:
        query = dns.message.make_query(name, rdtype, use_edns=False)
    query.id = 0
    if edns and rng.random() < 0.3:  # a client cookie, as many stubs send
        query.use_edns(0, query.ednsflags, query.payload,
                       options=[dns.edns.GenericOption(dns.edns.COOKIE, rng.randbytes(8))])
    response = dns.message.make_response(query, recursion_available=True)
    if edns:
        response.use_edns(0, query.ednsflags, 1232)

    r = rng.random()
    soa_zone = name.parent() if len(name) > 3 else name
    soa = dns.rrset.from_text(soa_zone, rng.choice([300, 900, 3600]), "IN", "SOA",
                              f"ns1.{soa_zone} hostmaster.{soa_zone} {2026010100 + serial % 97} 7200 3600 1209600 300")
    if r < 0.05:
        response.set_rcode(dns.rcode.NXDOMAIN)
        response.authority.append(soa)
    elif r < 0.065:
        response.authority.append(soa)          # NODATA
    elif r < 0.07:
        response.set_rcode(dns.rcode.SERVFAIL)
    else:
        answers = response.answer
        owner = name
        total = rng.choices([1, 2, 3, 4], [45, 30, 15, 10])[0]
        if qtype in ("A", "AAAA", "HTTPS") and total > 1 and rng.random() < 0.4:
            target = dns.name.from_text(f"{random_label(rng, 3, 10)}.{rng.choice(['edgekey', 'cdn', 'gslb', 'trafficmanager'])}."
                                        f"{rng.choice(SLDS)}.net")
            answers.append(dns.rrset.from_text(owner, rng.choice([60, 300, 3600]), "IN", "CNAME", target.to_text()))
            owner = target
            total -= 1
        ttl = rng.choice([20, 60, 60, 300, 300, 3600, 86400])
        rdatas = []
        for i in range(total):
            if qtype == "A":
                rdatas.append(random_v4(rng))
            elif qtype == "AAAA":
                rdatas.append(random_v6(rng))
            elif qtype == "HTTPS":
                rdatas.append(f'{i + 1} . alpn="h3,h2" ipv4hint={random_v4(rng)} ipv6hint={random_v6(rng)}')
            elif qtype == "PTR":
                rdatas.append(f"{random_label(rng, 4, 12)}.{random_domain(rng)}.")
                break
            elif qtype == "TXT":
                rdatas.append(rng.choice(['"v=spf1 include:_spf.google.com ~all"',
                                          '"v=DMARC1; p=reject; rua=mailto:dmarc@example.com"',
                                          f'"google-site-verification={random_label(rng, 43, 43)}"',
                                          f'"v=DKIM1; k=rsa; p={random_label(rng, 120, 200)}"']))
            elif qtype == "MX":
                rdatas.append(f"{10 * (i + 1)} mx{i + 1}.{owner}")
            elif qtype == "NS":
                rdatas.append(f"ns{i + 1}.{rng.choice(SLDS)}dns.net.")
            elif qtype == "SOA":
                answers.append(soa)
                break
            elif qtype == "SRV":
                rdatas.append(f"{i} 100 {rng.choice([389, 5222, 5060, 993, 88])} srv{i + 1}.{owner}")
            elif qtype == "CNAME":
                rdatas.append(f"{random_label(rng, 3, 10)}.{random_domain(rng)}.")
                break
        if rdatas:
            answers.append(dns.rrset.from_text_list(owner, ttl, "IN", qtype, list(dict.fromkeys(rdatas))))
    if rng.random() < 0.2:
        response.flags |= dns.flags.AD
    return query.to_wire(), response.to_wire()


# ---------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, required=True, help="dnstap messages to write (queries + responses)")
    ap.add_argument("--output", required=True, help="the .fstrm file to write")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--identity", default="resolver1.bench", help="Dnstap.identity ('' to leave it out)")
    ap.add_argument("--version", default="gen_dnstap.py", help="Dnstap.version ('' to leave it out)")
    args = ap.parse_args()
    if args.messages < 0:
        ap.error("--messages must be >= 0")

    started = time.monotonic()
    rng = random.Random(args.seed)
    random.seed(args.seed)  # dnspython shuffles each RRset's records with the global generator

    pool = [make_pair(rng, i) for i in range(POOL_SIZE)]
    # Pre-encoded pieces: each message as (ld-encoded with the ID left out) so that only the
    # 2-byte ID is spliced in: tag + varint(len) + ID + wire[2:].
    pool_q = [(M_QMSG + varint(len(q)), q[2:]) for q, _ in pool]
    pool_r = [(M_RMSG + varint(len(r)), r[2:]) for _, r in pool]

    v4_server = ipaddress.IPv4Address("10.53.0.53").packed
    v6_server = ipaddress.IPv6Address("2001:db8:53::53").packed
    clients = []  # (family+protocol-independent address piece)
    seen = set()
    while len(clients) < CLIENTS_V4:
        a = rng.choice([0x0A000000 | rng.getrandbits(16), 0xC0A80000 | rng.getrandbits(12),
                        0xAC100000 | rng.getrandbits(14), 0x64400000 | rng.getrandbits(14)])
        if a not in seen:
            seen.add(a)
            clients.append(a.to_bytes(4, "big"))
    v4_clients = [ld(M_QADDR, a) for a in clients]
    v6_clients = []
    while len(v6_clients) < CLIENTS_V6:
        a = (0x20010DB8 << 96) | (rng.getrandbits(16) << 64) | rng.getrandbits(64)
        if a not in seen:
            seen.add(a)
            v6_clients.append(ld(M_QADDR, a.to_bytes(16, "big")))
    # family + protocol + response address + response port, per (v6, tcp)
    heads = {}
    for v6 in (False, True):
        for tcp in (False, True):
            heads[v6, tcp] = (M_FAMILY + (b"\x02" if v6 else b"\x01") + M_PROTOCOL + (b"\x02" if tcp else b"\x01"),
                              ld(M_RADDR, v6_server if v6 else v4_server) + M_RPORT + varint(53))
    port_varint = [M_QPORT + varint(p) for p in range(65536)]
    id_bytes = [i.to_bytes(2, "big") for i in range(65536)]

    top = b""
    if args.identity:
        top += ld(T_IDENTITY, args.identity.encode())
    if args.version:
        top += ld(T_VERSION, args.version.encode())
    trailer = T_TYPE + b"\x01"
    q_type = M_TYPE + bytes([CLIENT_QUERY])
    r_type = M_TYPE + bytes([CLIENT_RESPONSE])

    sec_cache: dict[int, bytes] = {}

    def sec_piece(tag: bytes, sec: int) -> bytes:
        p = sec_cache.get(sec)
        if p is None:
            if len(sec_cache) > 4096:
                sec_cache.clear()
            p = sec_cache[sec] = varint(sec)
        return tag + p

    def frame(body: bytes) -> bytes:
        payload = top + T_MESSAGE + varint(len(body)) + body + trailer
        return len(payload).to_bytes(4, "big") + payload

    rnd = rng.random
    expo = rng.expovariate
    getbits = rng.getrandbits
    heappush, heappop = heapq.heappush, heapq.heappop
    n_pool, n_v4, n_v6 = len(pool), len(v4_clients), len(v6_clients)
    gap_mean = 1e9 / QUERIES_PER_SECOND

    now_ns = START_TIME * 1_000_000_000
    pending: list = []   # (response time ns, seq, response frame)
    seq = 0
    written = 0
    total = args.messages
    out_bytes = 0
    tmp = args.output
    with open(tmp, "wb", buffering=1 << 20) as f:
        start = control_frame(2, CONTENT_TYPE)
        f.write(start)
        out_bytes += len(start)
        buf: list = []
        while written < total:
            if written + len(pending) < total:
                # the next client query arrives
                now_ns += int(expo(1.0) * gap_mean) + 1
                while pending and pending[0][0] <= now_ns:
                    buf.append(heappop(pending)[2])
                    written += 1
                if written >= total:
                    break
                k = int(n_pool * rnd() ** 2.2)            # popular names are asked far more often
                if rnd() < SHARE_V6:
                    v6 = True
                    addr = v6_clients[int(n_v6 * rnd() ** 1.8)]
                else:
                    v6 = False
                    addr = v4_clients[int(n_v4 * rnd() ** 1.8)]
                tcp = rnd() < SHARE_TCP
                fam, rest = heads[v6, tcp]
                port = port_varint[32768 + getbits(15)] if not tcp else port_varint[1024 + int(64000 * rnd())]
                qid = id_bytes[getbits(16)]
                qsec, qnsec = divmod(now_ns, 1_000_000_000)
                qtime = sec_piece(M_QSEC, qsec) + M_QNSEC + qnsec.to_bytes(4, "little")
                common = fam + addr + rest + port + qtime
                qhead, qtail = pool_q[k]
                buf.append(frame(q_type + common + qhead + qid + qtail))
                written += 1
                # its response: a cache hit (tens of µs) or a recursion (ms)
                if rnd() < 0.75:
                    lat = 15_000 + int(expo(1.0) * 60_000)
                else:
                    lat = 2_000_000 + int(expo(1.0) * 40_000_000)
                rtime_ns = now_ns + lat
                rsec, rnsec = divmod(rtime_ns, 1_000_000_000)
                rhead, rtail = pool_r[k]
                body = (r_type + common + sec_piece(M_RSEC, rsec) + M_RNSEC + rnsec.to_bytes(4, "little")
                        + rhead + qid + rtail)
                seq += 1
                heappush(pending, (rtime_ns, seq, frame(body)))
            else:
                # no more queries: the answers still outstanding, in time order
                buf.append(heappop(pending)[2])
                written += 1
            if len(buf) >= 8192:
                chunk = b"".join(buf)
                out_bytes += len(chunk)
                f.write(chunk)
                buf.clear()
        chunk = b"".join(buf)
        stop = control_frame(3, None)
        f.write(chunk + stop)
        out_bytes += len(chunk) + len(stop)
    print(f"gen_dnstap.py: wrote {written} messages ({out_bytes} bytes) to {args.output} in "
          f"{time.monotonic() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
