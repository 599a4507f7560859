#!/usr/bin/env bash
# Parse benchmark: dm-parse on one core, PACKET records -> DNS records (the stage's own work),
# and on the pcap directly, side by side with dnsjit's parse loop (bench/dnsjit-parse.lua:
# pcap -> Ethernet/IP/UDP/TCP -> every question and RR parsed) on the same capture, in one
# run, interleaved, best of ROUNDS. Prints a markdown section for BENCHMARKS.md on stdout.
#
#   bench/parse.sh                       # 1.5M exchanges (3M packets), 5 rounds
#   EXCHANGES=500000 ROUNDS=3 SCRATCH=/tmp/dm-build bench/parse.sh
#   BASELINE=../old/.build-rel/release bench/parse.sh   # also the dm-parse rows with that build
#
# Environment: EXCHANGES (default 1500000), ROUNDS (default 5), SCRATCH (swift build
# --scratch-path, default .build), PYTHON (default python3), GEN (default
# ../shared/tools/gen-dns-pcap.py), BASELINE (a release bin dir of another build: its
# dm-parse runs the same rows in the same rounds, and a table gives this / baseline; see
# add_baseline_rows in bench/lib.sh). Needs dnsjit (apt-get install -y dnsjit).
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
capture_bench_settings
PACKETS_FILE=$FILE.packets

require_null_device
command -v dnsjit > /dev/null || { log "dnsjit is not installed (apt-get install -y dnsjit)"; exit 1; }

log "== swift build -c release --product dm-capture/dm-parse --scratch-path $SCRATCH"
swift build -c release --product dm-capture --scratch-path "$SCRATCH" >&2
swift build -c release --product dm-parse --scratch-path "$SCRATCH" >&2
bin_dir=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
bin_dir=${bin_dir#"$PWD"/}
CAPTURE=$bin_dir/dm-capture
PARSE=$bin_dir/dm-parse

ensure_capture "$FILE" "$EXCHANGES"
if [ ! -s "$PACKETS_FILE" ] || [ "$FILE" -nt "$PACKETS_FILE" ] || [ "$CAPTURE" -nt "$PACKETS_FILE" ]; then
    log "== writing PACKET records to $PACKETS_FILE"
    "$CAPTURE" --pcap "$FILE" > "$PACKETS_FILE.tmp" 2> /dev/null
    mv "$PACKETS_FILE.tmp" "$PACKETS_FILE"
fi
BYTES=$(stat -c %s "$FILE")
recache "$FILE" "$PACKETS_FILE"   # into the page cache, both in the same way

# Counts: dm-parse's summary for packets and DNS messages, dnsjit's for what it parsed.
log "== counting"
err=$(mktemp)
trap 'rm -f "$err"' EXIT
"$PARSE" --input "$PACKETS_FILE" > /dev/null 2> "$err"
counter() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" "$err"; }
packets=$(counter packets_in)
dns_out=$(counter dns_out)
tcp_messages=$(counter tcp_messages)
[ -n "$packets" ] && [ -n "$dns_out" ] || { log "no counters in dm-parse's summary: $(cat "$err")"; exit 1; }
dnsjit bench/dnsjit-parse.lua "$FILE" 2> "$err"
dnsjit_messages=$(sed -n 's/.*dns_messages=\([0-9]*\).*/\1/p' "$err")
dnsjit_malformed=$(sed -n 's/.*malformed=\([0-9]*\).*/\1/p' "$err")

qf=$(printf %q "$FILE")
qp=$(printf %q "$PACKETS_FILE")
# dnsjit runs both free and on dm-parse's core: the two cores of a shared machine are not
# equally busy, and the comparison is against whichever of its runs was faster.
labels=("dnsjit parse loop, pcap" "dnsjit parse loop, pcap, on core 0" "dm-parse, PACKET records" "dm-parse, pcap")
cmds=(
    "dnsjit bench/dnsjit-parse.lua $qf"
    "taskset -c 0 dnsjit bench/dnsjit-parse.lua $qf"
    "taskset -c 0 $PARSE --input $qp > /dev/null"
    "taskset -c 0 $PARSE --input $qf > /dev/null"
)
is_dm=(0 0 1 1)
add_baseline_rows "$bin_dir"
DM_CHECK="dns_out=$dns_out "
load_at_measure=$(cut -d' ' -f1-3 /proc/loadavg)
declare -a best times
time_rounds

machine_facts
dnsjit_version=$(dpkg-query -W -f '${Version}' dnsjit 2> /dev/null || echo unknown)
echo "### Parse: dm-parse vs dnsjit ($started)"
echo
echo "- Command: \`bench/parse.sh\` (EXCHANGES=$EXCHANGES ROUNDS=$ROUNDS SCRATCH=$SCRATCH)"
echo "- Input: \`$FILE\`, $packets packets, $BYTES bytes, from \`$GEN --exchanges $EXCHANGES\`; \`$PACKETS_FILE\` holds the same frames as PACKET records (dm-capture's output); both dropped from the page cache and read back in one pass first (\`recache\` in bench/lib.sh), so both are cached in the same page sizes"
echo "- Work: dm-parse wrote $dns_out DNS records ($tcp_messages of them reassembled from TCP), every message validated in full; dnsjit parsed $dnsjit_messages payloads in full ($dnsjit_malformed failed: dnsjit does not reassemble TCP, so messages split over segments fail)"
echo "- dm-parse runs pinned to one core (\`taskset -c 0\`); dnsjit (LuaJIT, version $dnsjit_version) is single-threaded and runs both free and pinned to the same core; ratios are against dnsjit's faster row"
echo "- Machine: $(nproc) CPUs, $cpu, $mem RAM, Linux $(uname -r); $swift_version"
echo "- Load average (1/5/15 min): $load_at_start at script start, $load_at_measure before the first timed run"
echo "- Timing: wall clock around each command, $ROUNDS interleaved rounds, best shown; packets/s = $packets / time"
echo
echo "| Pipeline | Command | Best (s) | All rounds (s) | Packets/s | dnsjit / this |"
echo "|---|---|---:|---|---:|---:|"
dnsjit_best=$(( best[0] < best[1] ? best[0] : best[1] ))
for i in "${!cmds[@]}"; do
    read -r pps _ <<< "$(rate_of "${best[i]}" "$packets" "$BYTES")"
    ratio="—"
    [ "${is_dm[i]}" = 1 ] && ratio=$(awk -v a="${best[i]}" -v b="$dnsjit_best" 'BEGIN { printf "%.2f×", b / a }')
    secs=$(awk -v ns="${best[i]}" 'BEGIN { printf "%.3f", ns / 1e9 }')
    echo "| ${labels[i]} | \`${cmds[i]}\` | $secs | ${times[i]} | $pps | $ratio |"
done
echo
awk -v d="${best[2]}" -v j="$dnsjit_best" -v n="$packets" 'BEGIN {
    pps = n / (d / 1e9)
    printf "- dm-parse, PACKET records: %.2fM packets/s on one core (target ≥ 2M: %s), %.2f× dnsjit'"'"'s speed (target > 1: %s)\n",
        pps / 1e6, (pps >= 2e6 ? "met" : "NOT met"), j / d, (j / d > 1 ? "met" : "NOT met") }'
baseline_report
