#!/usr/bin/env bash
# Output benchmark: dm-out writing dnsmonster's JSON for every DNS record of a gen-dns-pcap
# capture to /dev/null, on one core, side by side in one run with `dm-stream dump` (our plain
# text dump of the same records: the cost of reading and printing without JSON) and
# `dm-stream cat` (reading and writing the records unchanged). Prints a markdown section for
# BENCHMARKS.md on stdout.
#
#   bench/out.sh                         # 1.5M exchanges (3M records), 5 rounds
#   EXCHANGES=500000 ROUNDS=3 SCRATCH=/work/tmp/rel bench/out.sh
#   FORMAT=csv bench/out.sh              # another --format (json, csv, json-ocsf, text, gotemplate)
#
# Environment: EXCHANGES (default 1500000), ROUNDS (default 5), SCRATCH (swift build
# --scratch-path, default .build), PYTHON (default python3), GEN (default
# ../shared/tools/gen-dns-pcap.py).
set -euo pipefail
cd "$(dirname "$0")/.."

EXCHANGES=${EXCHANGES:-1500000}
ROUNDS=${ROUNDS:-5}
SCRATCH=${SCRATCH:-.build}
PYTHON=${PYTHON:-python3}
GEN=${GEN:-../shared/tools/gen-dns-pcap.py}
FORMAT=${FORMAT:-json}
# (a FORMAT with a header line writes one more line than records; the counters still match)
OUT=bench/out
FILE=$OUT/dns-$((2 * EXCHANGES)).pcap
RECORDS_FILE=$FILE.dns

. bench/lib.sh

require_null_device
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

log "== swift build -c release (dm-parse, dm-out, dm-stream) --scratch-path $SCRATCH"
for product in dm-parse dm-out dm-stream; do
    swift build -c release --product "$product" --scratch-path "$SCRATCH" >&2
done
bin_dir=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
bin_dir=${bin_dir#"$PWD"/}

ensure_capture "$FILE" "$EXCHANGES"
if [ ! -s "$RECORDS_FILE" ] || [ "$FILE" -nt "$RECORDS_FILE" ] || [ "$bin_dir/dm-parse" -nt "$RECORDS_FILE" ]; then
    log "== writing DNS records to $RECORDS_FILE"
    "$bin_dir/dm-parse" --input "$FILE" > "$RECORDS_FILE.tmp" 2> /dev/null
    mv "$RECORDS_FILE.tmp" "$RECORDS_FILE"
fi
BYTES=$(stat -c %s "$RECORDS_FILE")
cat "$RECORDS_FILE" > /dev/null

log "== counting"
err=$(mktemp)
trap 'rm -f "$err"' EXIT
json_bytes=$("$bin_dir/dm-out" --format "$FORMAT" --input "$RECORDS_FILE" 2> "$err" | wc -c)
records=$(sed -n 's/.* dns_records=\([0-9]*\).*/\1/p' "$err")
written=$(sed -n 's/.* stdout_written=\([0-9]*\).*/\1/p' "$err")
[ -n "$records" ] && [ "$records" = "$written" ] || { log "dm-out did not write every record: $(cat "$err")"; exit 1; }

qr=$(printf %q "$RECORDS_FILE")
labels=("dm-stream cat" "dm-stream dump" "dm-out $FORMAT")
cmds=(
    "taskset -c 0 $bin_dir/dm-stream cat < $qr > /dev/null"
    "taskset -c 0 $bin_dir/dm-stream dump < $qr > /dev/null"
    "taskset -c 0 $bin_dir/dm-out --format $FORMAT --input $qr > /dev/null"
)
is_dm=(0 0 1)
DM_CHECK="stdout_written=$records "
load_at_measure=$(cut -d' ' -f1-3 /proc/loadavg)
declare -a best times
time_rounds

machine_facts
echo "### dm-out: DNS records to --format $FORMAT ($started)"
echo
echo "- Command: \`bench/out.sh\` (FORMAT=$FORMAT EXCHANGES=$EXCHANGES ROUNDS=$ROUNDS SCRATCH=$SCRATCH)"
echo "- Input: \`$RECORDS_FILE\`, $records DNS records ($BYTES bytes), dm-parse's output for \`$FILE\` (\`$GEN --exchanges $EXCHANGES\`); in page cache"
echo "- Output: $json_bytes bytes of $FORMAT lines (mean $((json_bytes / records)) B per record)"
echo "- Every command pinned to one core (\`taskset -c 0\`); machine: $(nproc) CPUs, $cpu, $mem RAM, Linux $(uname -r); $swift_version"
echo "- Load average (1/5/15 min): $load_at_start at script start, $load_at_measure before the first timed run"
echo "- Timing: wall clock around each command, $ROUNDS interleaved rounds, best shown; records/s = $records / time"
echo
echo "| Pipeline | Command | Best (s) | All rounds (s) | Records/s | MB/s in |"
echo "|---|---|---:|---|---:|---:|"
for i in "${!cmds[@]}"; do
    read -r rps mbs <<< "$(rate_of "${best[i]}" "$records" "$BYTES")"
    secs=$(awk -v ns="${best[i]}" 'BEGIN { printf "%.3f", ns / 1e9 }')
    echo "| ${labels[i]} | \`${cmds[i]}\` | $secs | ${times[i]} | $rps | $mbs |"
done
echo
awk -v d="${best[2]}" -v n="$records" -v dump="${best[1]}" -v format="$FORMAT" 'BEGIN {
    rps = n / (d / 1e9)
    target = (format ~ /^csv/ ? 2e6 : 1e6)
    printf "- dm-out %s: %.2fM records/s on one core (target ≥ %dM: %s); %.2f× the time of dm-stream dump\n",
        format, rps / 1e6, target / 1e6, (rps >= target ? "met" : "NOT met"), d / dump }'
