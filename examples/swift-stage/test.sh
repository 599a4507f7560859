#!/usr/bin/env bash
# Builds the standalone stage against this checkout and checks its counts for
# examples/sample.pcap against the same counts taken from dm-out's JSON by Python.
# Needs the package's own products built (scripts/test.sh builds them first).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$(swift build --package-path "$root" --show-bin-path)"
for product in dm-parse dm-out; do
    [ -x "$bin/$product" ] || { echo "swift-stage/test.sh: $bin/$product is not built; run swift build in $root first" >&2; exit 1; }
done
swift build --package-path "$here" --explicit-target-dependency-import-check error
stage="$(swift build --package-path "$here" --show-bin-path)/tld-count"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

"$bin/dm-parse" --input "$root/examples/sample.pcap" > "$scratch/records" 2> "$scratch/parse.err"
"$stage" < "$scratch/records" > "$scratch/got"
"$bin/dm-out" --input "$scratch/records" 2> "$scratch/out.err" | python3 -c '
import collections, json, sys
counts = collections.Counter()
for line in sys.stdin:
    questions = json.loads(line)["DNS"]["Question"] or []
    if questions:
        labels = questions[0]["Name"].rstrip(".").split(".")
        counts[labels[-1].lower() if labels[-1] else "."] += 1
for domain, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
    print(f"{count}\t{domain}")
' > "$scratch/expected"
[ -s "$scratch/expected" ] || { echo "swift-stage/test.sh: dm-out gave no questions to compare with" >&2; exit 1; }
if ! diff -u "$scratch/expected" "$scratch/got"; then
    echo "swift-stage/test.sh: FAIL: tld-count differs from the counts of dm-out's JSON" >&2
    exit 1
fi
echo "swift-stage/test.sh: ok: tld-count agrees with dm-out's JSON on $(awk '{s += $1} END {print s}' "$scratch/got") questions, $(wc -l < "$scratch/got") top-level domains"
