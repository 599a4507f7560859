#!/usr/bin/env bash
# End-to-end benchmark: bin/dnsmonster --pcapFile big.pcap --stdoutOutputType=1 > /dev/null
# (capture | parse | filter lanes into one dm-out writing dnsmonster's JSON) with 1 and 2
# lanes, side by side with dnsjit's parse loop (bench/dnsjit-parse.lua) on the same capture,
# in one run, interleaved, best of ROUNDS. Prints a markdown section for BENCHMARKS.md.
#
#   bench/dnsmonster.sh                      # 1.5M exchanges (3M packets), 3 rounds
#   EXCHANGES=500000 ROUNDS=3 SCRATCH=/tmp/dm-build bench/dnsmonster.sh
#   BASELINE=../old/.build-rel/release bench/dnsmonster.sh   # also the dnsmonster rows with that build
#
# Environment: EXCHANGES (default 1500000), ROUNDS (default 3), SCRATCH (swift build
# --scratch-path, default .build), PYTHON, GEN as in bench/parse.sh, BASELINE (a release bin
# dir of another build: its dnsmonster, which runs its own stages, runs the same rows in the
# same rounds, and a table gives this / baseline; see add_baseline_rows in bench/lib.sh).
# Needs dnsjit.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
ROUNDS=${ROUNDS:-3}
capture_bench_settings

require_null_device
command -v dnsjit > /dev/null || { log "dnsjit is not installed (apt-get install -y dnsjit)"; exit 1; }

log "== swift build -c release --scratch-path $SCRATCH"
swift build -c release --scratch-path "$SCRATCH" >&2
bin_dir=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
bin_dir=${bin_dir#"$PWD"/}
DNSMONSTER=$bin_dir/dnsmonster

ensure_capture "$FILE" "$EXCHANGES"
BYTES=$(stat -c %s "$FILE")
cat "$FILE" > /dev/null   # into the page cache

log "== counting"
err=$(mktemp)
trap 'rm -f "$err"' EXIT
# --logLevel 4: the stages' counter lines (an older build ignores the flag and prints them anyway).
"$DNSMONSTER" --pcapFile "$FILE" --stdoutOutputType=1 --lanes 1 --logLevel 4 > /dev/null 2> "$err"
counter() { sed -n "s/^$1: \(.* \)\{0,1\}$2=\([0-9]*\).*/\2/p" "$err"; }
packets=$(counter dm-capture packets_read)
written=$(counter dm-out stdout_written)
[ -n "$packets" ] && [ -n "$written" ] || { log "no counters in the summaries: $(cat "$err")"; exit 1; }

qf=$(printf %q "$FILE")
labels=("dnsjit parse loop" "dnsmonster, 1 lane" "dnsmonster, 2 lanes")
cmds=(
    "dnsjit bench/dnsjit-parse.lua $qf"
    "$DNSMONSTER --pcapFile $qf --stdoutOutputType=1 --lanes 1 > /dev/null"
    "$DNSMONSTER --pcapFile $qf --stdoutOutputType=1 --lanes 2 > /dev/null"
)
is_dm=(0 1 1)
add_baseline_rows "$bin_dir"
DM_CHECK="stdout_written=$written "
load_at_measure=$(cut -d' ' -f1-3 /proc/loadavg)
declare -a best times
time_rounds

machine_facts
dnsjit_version=$(dpkg-query -W -f '${Version}' dnsjit 2> /dev/null || echo unknown)
echo "### End to end: bin/dnsmonster vs dnsjit ($started)"
echo
echo "- Command: \`bench/dnsmonster.sh\` (EXCHANGES=$EXCHANGES ROUNDS=$ROUNDS SCRATCH=$SCRATCH)"
echo "- Input: \`$FILE\`, $packets packets, $BYTES bytes, from \`$GEN --exchanges $EXCHANGES\`; in page cache"
echo "- Work: dnsmonster captures, parses (TCP reassembly, every message validated), filters and writes $written JSON lines (dnsmonster's format) to /dev/null; dnsjit (LuaJIT, version $dnsjit_version, one thread) reads the pcap and parses every DNS payload, writing nothing"
echo "- Machine: $(nproc) CPUs, $cpu, $mem RAM, Linux $(uname -r); $swift_version"
echo "- Load average (1/5/15 min): $load_at_start at script start, $load_at_measure before the first timed run"
echo "- Timing: wall clock around each command, $ROUNDS interleaved rounds, best shown; DNS packets/s = $packets / time"
echo
echo "| Pipeline | Command | Best (s) | All rounds (s) | DNS packets/s | this / dnsjit |"
echo "|---|---|---:|---|---:|---:|"
for i in "${!cmds[@]}"; do
    read -r pps _ <<< "$(rate_of "${best[i]}" "$packets" "$BYTES")"
    ratio="—"
    [ "${is_dm[i]}" = 1 ] && ratio=$(awk -v a="${best[i]}" -v b="${best[0]}" 'BEGIN { printf "%.2f×", b / a }')
    secs=$(awk -v ns="${best[i]}" 'BEGIN { printf "%.3f", ns / 1e9 }')
    echo "| ${labels[i]} | \`${cmds[i]}\` | $secs | ${times[i]} | $pps | $ratio |"
done
echo
awk -v one="${best[1]}" -v two="${best[2]}" -v n="$packets" 'BEGIN {
    printf "- 1 lane: %.2fM DNS packets/s; 2 lanes: %.2fM DNS packets/s (target ≥ 1M on 2 cores: %s); 2 lanes / 1 lane: %.2f×\n",
        n / (one / 1e9) / 1e6, n / (two / 1e9) / 1e6, (n / (two / 1e9) >= 1e6 ? "met" : "NOT met"), one / two }'
baseline_report
