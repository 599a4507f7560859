#!/usr/bin/env bash
# dm-filter benchmark: `dm-stream cat` (the passthrough floor) against `dm-filter` with no
# options (passthrough) and `dm-filter --skip-domains` with a 1M-entry list, side by side in
# one run, interleaved, best of ROUNDS; file input, output to /dev/null. The list rows run on
# two inputs: the usual one (10,000 distinct records repeated) and one with 1,000,000
# distinct records, whose names spread the list lookups over the whole table. Also measures
# the list's load time (dm-filter's own log line, on an empty stream).
# Prints a markdown section for BENCHMARKS.md on stdout; progress and build output go to stderr.
#
#   bench/filter.sh                                   # 10M records, 3 rounds
#   RECORDS=1000000 ROUNDS=1 SCRATCH=/tmp/dm-build bench/filter.sh
#   BASELINE=../old/.build-rel/release bench/filter.sh   # also every row with that build
#
# Environment: RECORDS (default 10000000), ROUNDS (default 3), LIST_ENTRIES (default 1000000),
# SCRATCH (swift build --scratch-path, default .build), PYTHON (default python3),
# BASELINE (a release bin dir of another build: its dm-stream and dm-filter run the same rows
# in the same rounds, and a table gives this / baseline; see add_baseline_rows in bench/lib.sh).
# Inputs and the list are generated once (bench/gen_dns_records.py, bench/gen_domain_list.py)
# and cached in bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-10000000}
ROUNDS=${ROUNDS:-3}
LIST_ENTRIES=${LIST_ENTRIES:-1000000}
SCRATCH=${SCRATCH:-.build}
PYTHON=${PYTHON:-python3}
OUT=bench/out
FILE=$OUT/dns-$RECORDS.dmr
WIDE=$OUT/dns-$RECORDS-distinct1M.dmr
LIST=$OUT/skip-$LIST_ENTRIES.csv

. bench/lib.sh

require_null_device

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# 1. Release build.
log "== swift build -c release --product dm-filter/dm-stream --scratch-path $SCRATCH"
swift build -c release --product dm-filter --scratch-path "$SCRATCH" >&2
swift build -c release --product dm-stream --scratch-path "$SCRATCH" >&2
bin_dir=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
FILTER=${bin_dir#"$PWD"/}/dm-filter
STREAM=${bin_dir#"$PWD"/}/dm-stream
[ -x "$FILTER" ] && [ -x "$STREAM" ] || { log "no binaries in $bin_dir"; exit 1; }

# 2. Inputs and the list, generated once.
mkdir -p "$OUT"
if [ ! -s "$FILE" ] || [ bench/gen_dns_records.py -nt "$FILE" ] || [ examples/python/dmrecord.py -nt "$FILE" ]; then
    log "== generating $FILE"
    "$PYTHON" bench/gen_dns_records.py "$FILE" "$RECORDS"
fi
if [ ! -s "$WIDE" ] || [ bench/gen_dns_records.py -nt "$WIDE" ] || [ examples/python/dmrecord.py -nt "$WIDE" ]; then
    log "== generating $WIDE (1M distinct records; takes a minute)"
    "$PYTHON" bench/gen_dns_records.py "$WIDE" "$RECORDS" --distinct 1000000
fi
if [ ! -s "$LIST" ] || [ bench/gen_domain_list.py -nt "$LIST" ]; then
    log "== generating $LIST"
    "$PYTHON" bench/gen_domain_list.py "$LIST" "$LIST_ENTRIES"
fi
BYTES=$(stat -c %s "$FILE")
WIDE_BYTES=$(stat -c %s "$WIDE")
avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
if [ $(((BYTES + WIDE_BYTES) / 1024 * 2)) -gt "$avail_kb" ]; then
    log "warning: the inputs are more than half of MemAvailable; timings may include disk reads"
fi
cat "$FILE" "$WIDE" "$LIST" > /dev/null

# 3. The list's load time: dm-filter on an empty stream logs "in N s" for the load.
empty=$(mktemp)
"$STREAM" cat < /dev/null > "$empty" 2> /dev/null || true
load_times=()
for ((r = 1; r <= ROUNDS; r++)); do
    t=$("$FILTER" --skip-domains "$LIST" < "$empty" 2>&1 > /dev/null | sed -n 's/.*skip list: .* in \([0-9.]*\) s (start).*/\1/p')
    [ -n "$t" ] || { log "could not read the load time"; exit 1; }
    load_times+=("$t")
    log "list load $r: $t s"
done
rm -f "$empty"
load_best=$(printf '%s\n' "${load_times[@]}" | sort -n | head -1)

# 4. The pipelines.
qf=$(printf %q "$FILE")
qw=$(printf %q "$WIDE")
ql=$(printf %q "$LIST")
qfilter=$(printf %q "$FILTER")
qstream=$(printf %q "$STREAM")
labels=("dm-stream cat" "dm-filter (passthrough)" "dm-filter --skip-domains 1M" "dm-filter --skip-domains 1M, 1M distinct names")
cmds=(
    "$qstream cat < $qf > /dev/null"
    "$qfilter < $qf > /dev/null"
    "$qfilter --skip-domains $ql < $qf > /dev/null"
    "$qfilter --skip-domains $ql < $qw > /dev/null"
)
inputs=("$BYTES" "$BYTES" "$BYTES" "$WIDE_BYTES")
is_dm=(1 1 1 1)
add_baseline_rows "${bin_dir#"$PWD"/}" inputs
load_at_measure=$(cut -d' ' -f1-3 /proc/loadavg)
DM_CHECK="records_in=$RECORDS "
declare -a best times
time_rounds

# One more run of each row for its CPU time (user + sys: on a shared machine the wall clock
# also counts time spent waiting for a CPU) and, for the list rows, what the list did.
cpu_s=()
for i in "${!cmds[@]}"; do
    err=$(mktemp)
    eval "/usr/bin/time -f 'cpu %U %S' ${cmds[i]%% > /dev/null} > /dev/null" 2> "$err"
    cpu_s[i]=$(awk '/^cpu / { printf "%.3f", $2 + $3 }' "$err")
    case $i in
        2) skipped=$(sed -n 's/.*skip_matched=\([0-9]*\).*/\1/p' "$err") ;;
        3) skipped_wide=$(sed -n 's/.*skip_matched=\([0-9]*\).*/\1/p' "$err") ;;
    esac
    rm -f "$err"
done

# 5. Report.
machine_facts
list_bytes=$(stat -c %s "$LIST")
echo "### dm-filter: passthrough and a ${LIST_ENTRIES}-entry skip list ($started)"
echo
echo "- Command: \`bench/filter.sh\` (RECORDS=$RECORDS ROUNDS=$ROUNDS LIST_ENTRIES=$LIST_ENTRIES SCRATCH=$SCRATCH)"
echo "- Inputs: \`$FILE\` ($RECORDS DNS records, $BYTES bytes, 10,000 distinct records repeated) and \`$WIDE\` ($RECORDS records, $WIDE_BYTES bytes, 1,000,000 distinct), from \`bench/gen_dns_records.py\`; in page cache"
echo "- List: \`$LIST\`, $LIST_ENTRIES entries (40 % suffix, 30 % fqdn, 30 % prefix), $list_bytes bytes, from \`bench/gen_domain_list.py\`; it rejects $skipped of the first input's records and $skipped_wide of the second's"
echo "- List load (parse + table, dm-filter's log line on an empty stream): best $load_best s of ${load_times[*]} s (target < 1 s: $(awk -v t="$load_best" 'BEGIN { print (t < 1 ? "met" : "NOT met") }'))"
echo "- Machine: $(nproc) CPUs, $cpu, $mem RAM, Linux $(uname -r)"
echo "- Toolchain: $swift_version"
echo "- Load average (1/5/15 min): $load_at_start at script start, $load_at_measure before the first timed run"
echo "- Timing: wall clock (\`date +%s%N\`) around each command, $ROUNDS interleaved rounds, best shown; the list rows include loading the list; records/s = $RECORDS / time"
echo
echo "| Pipeline | Command | Best (s) | All rounds (s) | Records/s | MB/s | CPU s (extra run) | Records per CPU s |"
echo "|---|---|---:|---|---:|---:|---:|---:|"
for i in "${!cmds[@]}"; do
    read -r recs mbs <<< "$(rate_of "${best[i]}" "$RECORDS" "${inputs[i]}")"
    secs=$(awk -v ns="${best[i]}" 'BEGIN { printf "%.3f", ns / 1e9 }')
    per_cpu=$(awk -v c="${cpu_s[i]}" -v n="$RECORDS" 'BEGIN { printf "%.2fM", n / c / 1e6 }')
    echo "| ${labels[i]//|/\\|} | \`${cmds[i]//|/\\|}\` | $secs | ${times[i]} | $recs | $mbs | ${cpu_s[i]} | $per_cpu |"
done
echo
for i in 1 2 3; do
    awk -v ns="${best[i]}" -v n="$RECORDS" -v name="${labels[i]}" -v load="$load_best" -v cpu="${cpu_s[i]}" -v list="$([ "$i" -ge 2 ] && echo 1 || echo 0)" 'BEGIN {
        rps = n / (ns / 1e9)
        line = sprintf("- %s: %.1fM records/s by the wall clock (target ≥ 5M: %s), %.1fM per CPU second", name, rps / 1e6, (rps >= 5e6 ? "met" : "NOT met"), n / cpu / 1e6)
        if (list) line = line sprintf("; %.1fM records/s by the wall clock after the list load", n / (ns / 1e9 - load) / 1e6)
        print line }'
done
baseline_report
