#!/usr/bin/env bash
# Capture-file benchmark: `dm-capture --pcap F > /dev/null` (pcap file -> PACKET records)
# against libpcap's own read/write loop, `tcpdump -r F -w /dev/null`, on the same capture, in
# one run, interleaved, best of ROUNDS. Also, for information, the gzip copy of the capture:
# `dm-capture --pcap F.gz` against `zcat F.gz | tcpdump -r - -w /dev/null`.
# Prints a markdown section for BENCHMARKS.md on stdout; progress and build output go to stderr.
#
#   bench/capture.sh                     # 1.5M exchanges (3M packets), 5 rounds, build in .build
#   EXCHANGES=500000 ROUNDS=3 SCRATCH=/tmp/dm-build bench/capture.sh
#
# Environment: EXCHANGES (default 1500000; each is a query and a response, so 2 packets),
# ROUNDS (default 5), SCRATCH (swift build --scratch-path, default .build), PYTHON (default
# python3), GEN (default ../shared/tools/gen-dns-pcap.py, relative to the repo root).
# The capture is generated once by GEN (which needs dnspython) and cached in bench/out/ with
# its gzip -1 copy.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
capture_bench_settings
PACKETS=$((2 * EXCHANGES))
GZ=$FILE.gz

require_null_device
for tool in tcpdump zcat gzip; do
    command -v "$tool" > /dev/null || { log "$tool is not installed (apt-get install -y tcpdump gzip)"; exit 1; }
done


# 1. Release build.
log "== swift build -c release --product dm-capture --scratch-path $SCRATCH"
swift build -c release --product dm-capture --scratch-path "$SCRATCH" >&2
bin_dir=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
DM=${bin_dir#"$PWD"/}/dm-capture           # shown relative to the repo root when inside it
[ -x "$DM" ] || { log "no binary at $DM"; exit 1; }

# 2. Capture and its gzip copy, generated once (regenerated when the generator changes).
ensure_capture "$FILE" "$EXCHANGES"
if [ ! -s "$GZ" ] || [ "$FILE" -nt "$GZ" ]; then
    log "== compressing $GZ (gzip -1)"
    gzip -1 -c "$FILE" > "$GZ.tmp"
    mv "$GZ.tmp" "$GZ"
fi
BYTES=$(stat -c %s "$FILE")
GZ_BYTES=$(stat -c %s "$GZ")

# 3. Page cache: read both files once; warn when they may not stay cached.
avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
if [ $(((BYTES + GZ_BYTES) / 1024 * 2)) -gt "$avail_kb" ]; then
    log "warning: $FILE and $GZ ($((BYTES + GZ_BYTES)) bytes) are more than half of MemAvailable; timings may include disk reads"
fi
cat "$FILE" "$GZ" > /dev/null


# 4. Packet count: dm-capture's summary, cross-checked once with an independent reader.
log "== counting packets"
err=$(mktemp)
trap 'rm -f "$err"' EXIT
out_bytes=$("$DM" --pcap "$FILE" 2> "$err" | wc -c)
packets=$(sed -n 's/.*packets_written=\([0-9]*\).*/\1/p' "$err")
[ -n "$packets" ] || { log "no packets_written in dm-capture's summary: $(cat "$err")"; exit 1; }
if command -v capinfos > /dev/null; then
    counter="capinfos -c"
    reference=$(capinfos -c -M "$FILE" | awk -F': *' '/Number of packets/ { print $2 }')
else
    counter="tcpdump -r F | wc -l"
    reference=$(tcpdump -r "$FILE" 2> /dev/null | wc -l)
fi
if [ "$packets" != "$reference" ]; then
    log "packet counts differ: dm-capture wrote $packets, $counter says $reference"; exit 1
fi
[ "$packets" = "$PACKETS" ] || log "note: $FILE holds $packets packets, not the $PACKETS expected from $EXCHANGES exchanges"
PACKETS=$packets

# The four pipelines, in pairs: [tcpdump] vs [dm-capture] on the same input.
qf=$(printf %q "$FILE")
qgz=$(printf %q "$GZ")
qdm=$(printf %q "$DM")
labels=("tcpdump, pcap" "dm-capture, pcap" "zcat | tcpdump, pcap.gz" "dm-capture, pcap.gz")
cmds=(
    "tcpdump -r $qf -w /dev/null"
    "$qdm --pcap $qf > /dev/null"
    "zcat $qgz | tcpdump -r - -w /dev/null"
    "$qdm --pcap $qgz > /dev/null"
)
is_dm=(0 1 0 1)

load_at_measure=$(cut -d' ' -f1-3 /proc/loadavg)
DM_CHECK="packets_written=$PACKETS "
declare -a best times
time_rounds

# 5. Report.
rate() { rate_of "$1" "$PACKETS" "$BYTES"; }  # ns -> "packets/s MB/s"
machine_facts
tcpdump_version=$(tcpdump --version 2>&1 | head -2 | paste -sd ';' - | sed 's/;/; /')
mean_packet=$(awk -v n="$PACKETS" -v b="$BYTES" 'BEGIN { printf "%.1f", (b - 24) / n - 16 }')
mb=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
gz_mb=$(awk -v b="$GZ_BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
out_mb=$(awk -v b="$out_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')

echo "### Capture file: dm-capture --pcap vs tcpdump -r -w ($started)"
echo
echo "- Command: \`bench/capture.sh\` (EXCHANGES=$EXCHANGES ROUNDS=$ROUNDS SCRATCH=$SCRATCH)"
echo "- Input: \`$FILE\`, $PACKETS packets (DNS over Ethernet/IPv4/IPv6, UDP and TCP; mean frame $mean_packet B), $BYTES bytes ($mb MB), from \`$GEN --exchanges $EXCHANGES\`; \`$GZ\` is its \`gzip -1\` copy, $GZ_BYTES bytes ($gz_mb MB); both in page cache"
echo "- Packet count: $PACKETS from dm-capture's summary (packets_written), matching \`$counter\`; dm-capture writes $out_bytes bytes of PACKET records ($out_mb MB) for it"
echo "- Machine: $(nproc) CPUs, $cpu, $mem RAM, Linux $(uname -r)"
echo "- Toolchain: $swift_version; $tcpdump_version; $(gzip --version | head -1)"
echo "- Load average (1/5/15 min): $load_at_start at script start, $load_at_measure before the first timed run"
echo "- Timing: wall clock (\`date +%s%N\`) around each pipeline, $ROUNDS interleaved rounds, best shown; MB = 10^6 bytes of the uncompressed pcap (also for the .gz rows); packets/s = $PACKETS / time"
echo
echo "| Pipeline | Command | Best (s) | All rounds (s) | Packets/s | MB/s | dm-capture / tcpdump |"
echo "|---|---|---:|---|---:|---:|---:|"
for i in "${!cmds[@]}"; do
    read -r pps mbs <<< "$(rate "${best[i]}")"
    ratio="—"
    if [ "${is_dm[i]}" = 1 ]; then
        j=$((i - 1))   # the tcpdump row on the same input, just above
        ratio=$(awk -v a="${best[i]}" -v b="${best[j]}" 'BEGIN { printf "%.2f×", b / a }')
    fi
    secs=$(awk -v ns="${best[i]}" 'BEGIN { printf "%.3f", ns / 1e9 }')
    # GFM tables need "|" escaped, in code spans too
    echo "| ${labels[i]//|/\\|} | \`${cmds[i]//|/\\|}\` | $secs | ${times[i]} | $pps | $mbs | $ratio |"
done
echo
echo "\"dm-capture / tcpdump\" is tcpdump's best time over dm-capture's on the same input (above 1 means dm-capture is faster). tcpdump copies pcap records to a pcap file; dm-capture turns them into PACKET records. The .gz rows are informational: \`zcat | tcpdump\` decompresses in a second process (on a second CPU), dm-capture decompresses in-process with zlib (GNU gzip's zcat has its own, slower inflate, so these rows compare decompressors as much as capture loops)."
echo
awk -v d="${best[1]}" -v t="${best[0]}" -v n="$PACKETS" 'BEGIN {
    pps = n / (d / 1e9); ratio = t / d
    printf "- dm-capture, pcap: %.2fM packets/s (target ≥ 5M: %s), %.2f× tcpdump'"'"'s speed (target ≥ 1: %s)\n",
        pps / 1e6, (pps >= 5e6 ? "met" : "NOT met"), ratio, (ratio >= 1 ? "met" : "NOT met") }'
awk -v d="${best[3]}" -v t="${best[2]}" -v n="$PACKETS" 'BEGIN {
    printf "- dm-capture, pcap.gz (informational): %.2fM packets/s, %.2f× zcat | tcpdump\n", n / (d / 1e9) / 1e6, t / d }'
