#!/usr/bin/env python3
"""Print one TSV row per DNS record of a DMRecord stream, decoded with dnspython.

Columns: time_ns, src, dst, sport, dport, transport, id, qr, qname, qtype, rcode, ancount.
The DNS fields come from dnspython (an oracle independent of the Swift parser), the
transport metadata from examples/python/dmrecord.py.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "python"))

import dmrecord  # noqa: E402
import dns.name  # noqa: E402

TRANSPORTS = {1: "udp", 2: "tcp", 3: "dot", 4: "doh", 5: "doq"}


def tolerant_name(wire, offset):
    """Decode a name following pointers in any direction; return (text, bytes used in place)."""
    labels, used, hops, position = [], None, 0, offset
    while True:
        length = wire[position]
        if length & 0xC0 == 0xC0:
            if used is None:
                used = position + 2 - offset
            position = ((length & 0x3F) << 8) | wire[position + 1]
            hops += 1
            if hops > 127:
                raise ValueError("pointer loop")
            continue
        if length == 0:
            if used is None:
                used = position + 1 - offset
            text = ".".join(label.decode("latin-1") for label in labels).lower()
            return (text or "<root>"), used
        labels.append(wire[position + 1:position + 1 + length])
        position += 1 + length


def main() -> int:
    for item in dmrecord.Reader(sys.stdin.buffer):
        if not isinstance(item, dmrecord.Record) or item.type != dmrecord.DNS:
            continue
        record = dmrecord.DNSRecord.from_body(item.flags, item.body)
        wire = record.wire
        ident, flags, qdcount, ancount = struct.unpack_from(">HHHH", wire, 0)
        qname, qtype = "", ""
        if qdcount:
            try:
                name, used = dns.name.from_wire(wire, 12)
                qname = "<root>" if name == dns.name.root else name.to_text(omit_final_dot=True).lower()
            except dns.name.BadPointer:
                # dnspython refuses forward compression pointers, which DNS allows and
                # tshark follows; decode those names by hand.
                qname, used = tolerant_name(wire, 12)
            qtype = str(struct.unpack_from(">H", wire, 12 + used)[0])
        response = flags >> 15
        opcode = (flags >> 11) & 0xF
        # tshark shows the rcode only in responses, and UPDATE's second section as
        # prerequisites rather than answers.
        rcode = flags & 0xF if response else 0
        answers = 0 if opcode == 5 else ancount
        print("\t".join(str(x) for x in (
            record.time_ns, record.src, record.dst, record.sport, record.dport,
            TRANSPORTS.get(record.transport, "?"), ident, response, qname, qtype, rcode, answers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
