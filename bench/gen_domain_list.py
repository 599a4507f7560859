#!/usr/bin/env python3
"""Write a dnsmonster-style domain list (CSV: name,suffix|prefix|fqdn) of N entries.

    python3 bench/gen_domain_list.py OUT N [--seed 1]

Random names over the TLDs and label shapes of bench/gen_dns_records.py: 40 % suffix
entries (a registrable domain), 30 % fqdn (a host name), 30 % prefix (one or two leading
labels). A few entries match names that gen_dns_records.py produces (every doubleclick
domain, names starting with "telemetry."), so a filter run drops some records. Standard
library only.
"""

from __future__ import annotations

import argparse
import os
import random
import sys

TLDS = ["com", "net", "org", "de", "io", "co.uk", "fr", "nl", "ru", "jp", "arpa", "info", "biz", "xyz"]
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def label(rng: random.Random, low: int = 3, high: int = 14) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(low, high)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("entries", type=int)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    lines = [f"doubleclick.{tld},suffix" for tld in TLDS] + ["telemetry.,prefix"]
    while len(lines) < args.entries:
        roll = rng.random()
        domain = f"{label(rng)}.{rng.choice(TLDS)}"
        if roll < 0.4:
            lines.append(f"{domain},suffix")
        elif roll < 0.7:
            lines.append(f"{label(rng, 1, 8)}.{domain},fqdn")
        else:
            prefix = label(rng, 2, 10) + ("." + label(rng, 2, 6) if rng.random() < 0.3 else "")
            lines.append(f"{prefix}.,prefix")
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines[: args.entries]) + "\n")
    os.replace(tmp, args.out)
    print(f"wrote {args.out}: {args.entries} entries, {os.path.getsize(args.out)} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
