#!/usr/bin/env bash
# Passthrough benchmark: `dm-stream cat` (read -> write, stdin -> stdout) against `cat` of the
# same bytes, in one run, interleaved, best of ROUNDS. Prints a markdown section for
# BENCHMARKS.md on stdout; progress and build output go to stderr.
#
#   bench/passthrough.sh                 # 10M records, 3 rounds, build in .build
#   RECORDS=1000000 ROUNDS=5 SCRATCH=/tmp/dm-build bench/passthrough.sh
#
# Environment: RECORDS (default 10000000), ROUNDS (default 3), SCRATCH (swift build
# --scratch-path, default .build), PYTHON (default python3).
# The input file is generated once by bench/gen_dns_records.py and cached in bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-10000000}
ROUNDS=${ROUNDS:-3}
SCRATCH=${SCRATCH:-.build}
PYTHON=${PYTHON:-python3}
OUT=bench/out
FILE=$OUT/dns-$RECORDS.dmr

. bench/lib.sh

require_null_device

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# 1. Release build.
log "== swift build -c release --product dm-stream --scratch-path $SCRATCH"
swift build -c release --product dm-stream --scratch-path "$SCRATCH" >&2
bin_dir=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
DM=${bin_dir#"$PWD"/}/dm-stream            # shown relative to the repo root when inside it
[ -x "$DM" ] || { log "no binary at $DM"; exit 1; }

# 2. Input file, generated once (regenerated when the generator or dmrecord.py changes).
mkdir -p "$OUT"
if [ ! -s "$FILE" ] || [ bench/gen_dns_records.py -nt "$FILE" ] || [ examples/python/dmrecord.py -nt "$FILE" ]; then
    log "== generating $FILE"
    "$PYTHON" bench/gen_dns_records.py "$FILE" "$RECORDS"
fi
BYTES=$(stat -c %s "$FILE")

# 3. Page cache: read the file once; refuse to go on if it cannot stay cached.
avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
if [ $((BYTES / 1024 * 2)) -gt "$avail_kb" ]; then
    log "warning: $FILE ($BYTES bytes) is more than half of MemAvailable; timings may include disk reads"
fi
cat "$FILE" > /dev/null

# The four pipelines, in pairs: [dm-stream] vs [cat] with the same plumbing.
qf=$(printf %q "$FILE")
qdm=$(printf %q "$DM")
labels=("cat | cat" "cat | dm-stream cat" "cat < file" "dm-stream cat < file")
cmds=(
    "cat $qf | cat > /dev/null"
    "cat $qf | $qdm cat > /dev/null"
    "cat < $qf > /dev/null"
    "$qdm cat < $qf > /dev/null"
)
is_dm=(0 1 0 1)

load_at_measure=$(cut -d' ' -f1-3 /proc/loadavg)
DM_CHECK="records_in=$RECORDS records_out=$RECORDS "
declare -a best times
time_rounds

# 4. Report.
rate() { rate_of "$1" "$RECORDS" "$BYTES"; }  # ns -> "records/s MB/s"
machine_facts
mean_record=$(awk -v n="$RECORDS" -v b="$BYTES" 'BEGIN { printf "%.1f", b / n }')
mb=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')

echo "### Passthrough: dm-stream cat vs cat ($started)"
echo
echo "- Command: \`bench/passthrough.sh\` (RECORDS=$RECORDS ROUNDS=$ROUNDS SCRATCH=$SCRATCH)"
echo "- Input: \`$FILE\`, $RECORDS DNS records, $BYTES bytes ($mb MB, mean $mean_record B per record incl. 4-byte length), from \`bench/gen_dns_records.py\`; in page cache"
echo "- Machine: $(nproc) CPUs, $cpu, $mem RAM, Linux $(uname -r)"
echo "- Toolchain: $swift_version; $(cat --version | head -1)"
echo "- Load average (1/5/15 min): $load_at_start at script start, $load_at_measure before the first timed run"
echo "- Timing: wall clock (\`date +%s%N\`) around each pipeline, $ROUNDS interleaved rounds, best shown; MB = 10^6 bytes of the input file; records/s = $RECORDS / time"
echo
echo "| Pipeline | Command | Best (s) | All rounds (s) | Records/s | MB/s | dm-stream / cat |"
echo "|---|---|---:|---|---:|---:|---:|"
for i in "${!cmds[@]}"; do
    read -r recs mbs <<< "$(rate "${best[i]}")"
    ratio="—"
    if [ "${is_dm[i]}" = 1 ]; then
        # the cat baseline with the same plumbing: the pair partner (index i-1 for i=1, i+1 for i=3)
        j=$([ "$i" = 1 ] && echo 0 || echo 2)
        ratio=$(awk -v a="${best[i]}" -v b="${best[j]}" 'BEGIN { printf "%.2f×", b / a }')
    fi
    secs=$(awk -v ns="${best[i]}" 'BEGIN { printf "%.3f", ns / 1e9 }')
    # GFM tables need "|" escaped, in code spans too
    echo "| ${labels[i]//|/\\|} | \`${cmds[i]//|/\\|}\` | $secs | ${times[i]} | $recs | $mbs | $ratio |"
done
echo
echo "cat rows: records/s is the same bytes expressed in records (cat does not parse them). \"dm-stream / cat\" is the MB/s ratio against the cat row with the same plumbing just above it."
echo
for pair in "1 0" "3 2"; do
    read -r d c <<< "$pair"
    awk -v d="${best[d]}" -v c="${best[c]}" -v n="$RECORDS" -v name="${labels[d]}" 'BEGIN {
        rps = n / (d / 1e9); ratio = c / d
        printf "- %s: %.1fM records/s (target ≥ 20M: %s), %.2f of cat'"'"'s MB/s (target ≥ 0.33: %s)\n",
            name, rps / 1e6, (rps >= 20e6 ? "met" : "NOT met"), ratio, (ratio >= 1 / 3 ? "met" : "NOT met") }'
done
