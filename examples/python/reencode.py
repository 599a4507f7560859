#!/usr/bin/env python3
"""Example DMRecord stage: decode every record into typed objects and encode it again.

Usage::

    python3 reencode.py < in.dmr > out.dmr

PACKET, DNS and STATS records go through ``dmrecord``'s typed decoders and
encoders (``from_body`` / ``to_body``); other types are forwarded byte for
byte. Headers are written back unchanged. The output therefore equals the
input exactly when the Python codec agrees with the writer that made it,
which is what the project's cross-language test checks.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dmrecord  # noqa: E402


def main() -> int:
    writer = dmrecord.Writer(sys.stdout.buffer)
    try:
        for item in dmrecord.Reader(sys.stdin.buffer, before_read=writer.flush):
            if isinstance(item, dmrecord.Header):
                writer.write_header(item.entries)
                continue
            typed = item.decode()
            if typed is None:
                writer.write_raw(item.raw)
            else:
                writer.write_record(item.type, item.flags, typed.to_body())
        writer.flush()
    except dmrecord.FormatError as error:
        print(f"reencode.py: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 141
    return 0


if __name__ == "__main__":
    sys.exit(main())
