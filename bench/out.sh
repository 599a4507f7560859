#!/usr/bin/env bash
# Output benchmark: dm-out writing dnsmonster's JSON for every DNS record of a gen-dns-pcap
# capture to /dev/null, on one core, side by side in one run with `dm-stream cat` (reading and
# writing the same records unchanged: the floor any output stage stands on). Prints a
# markdown section for BENCHMARKS.md on stdout.
#
#   bench/out.sh                         # 1.5M exchanges (3M records), 5 rounds
#   EXCHANGES=500000 ROUNDS=3 SCRATCH=/tmp/dm-build bench/out.sh
#   FORMAT=csv bench/out.sh              # another --format (json, csv, json-ocsf, text, gotemplate)
#   BASELINE=../old/.build-rel/release bench/out.sh   # also both rows with that build
#
# Environment: EXCHANGES (default 1500000), ROUNDS (default 5), SCRATCH (swift build
# --scratch-path, default .build), PYTHON (default python3), GEN (default
# ../shared/tools/gen-dns-pcap.py), BASELINE (a release bin dir of another build: its
# dm-stream and dm-out run the same rows in the same rounds, and a table gives this /
# baseline; see add_baseline_rows in bench/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
capture_bench_settings
FORMAT=${FORMAT:-json}
# (a FORMAT with a header line writes one more line than records; the counters still match)
RECORDS_FILE=$FILE.dns

require_null_device

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
labels=("dm-stream cat" "dm-out $FORMAT")
cmds=(
    "taskset -c 0 $bin_dir/dm-stream cat < $qr > /dev/null"
    "taskset -c 0 $bin_dir/dm-out --format $FORMAT --input $qr > /dev/null"
)
is_dm=(0 1)
add_baseline_rows "$bin_dir"
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
# Targets: 2M records/s for CSV, 1M for the others.
target=1000000
case "$FORMAT" in csv|csv_no_header) target=2000000 ;; esac
awk -v d="${best[1]}" -v n="$records" -v cat="${best[0]}" -v format="$FORMAT" -v target="$target" 'BEGIN {
    rps = n / (d / 1e9)
    printf "- dm-out %s: %.2fM records/s on one core (target ≥ %gM: %s); %.1f× the time of dm-stream cat\n",
        format, rps / 1e6, target / 1e6, (rps >= target ? "met" : "NOT met"), d / cat }'
baseline_report
