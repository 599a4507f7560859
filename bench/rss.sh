#!/usr/bin/env bash
# Peak resident memory on a large capture: dm-capture, dm-parse and bin/dnsmonster (1 lane) read
# a ~2 GB pcap (the 3M-packet benchmark capture's packets repeated COPIES times) and their peak
# RSS (getrusage's ru_maxrss of each child) is printed as a markdown table for BENCHMARKS.md,
# next to the binaries of BASELINE when it is set. Resident memory should not grow with the
# file: mapped pages are handed back once read past.
#
#   bench/rss.sh                                  # 5 copies (~2.2 GB), build in .build
#   COPIES=2 SCRATCH=/tmp/dm-build BASELINE=/tmp/old/.build/release bench/rss.sh
#
# Environment: COPIES (default 5), SCRATCH (swift build --scratch-path, default .build),
# BASELINE (a folder with an older build's binaries), PYTHON (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
capture_bench_settings
PACKETS=$((2 * EXCHANGES))
COPIES=${COPIES:-5}
BIG=bench/out/dns-$PACKETS-x$COPIES.pcap

log "== swift build -c release --scratch-path $SCRATCH"
swift build -c release --scratch-path "$SCRATCH" >&2
bin_dir=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)

ensure_capture "$FILE" "$EXCHANGES"
if [ ! -s "$BIG" ] || [ "$FILE" -nt "$BIG" ]; then
    log "== writing $BIG ($COPIES copies of the packets of $FILE)"
    "$PYTHON" - "$FILE" "$BIG.tmp" "$COPIES" << 'PY'
import sys
source, target, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(source, "rb") as f:
    header = f.read(24)
    with open(target, "wb") as out:
        out.write(header)
        for _ in range(copies):
            f.seek(24)
            while chunk := f.read(1 << 24):
                out.write(chunk)
PY
    mv "$BIG.tmp" "$BIG"
fi
BYTES=$(stat -c %s "$BIG")

# peak_rss COMMAND...: the command's peak resident memory in MiB (its output to /dev/null).
peak_rss() {
    "$PYTHON" - "$@" << 'PY'
import resource, subprocess, sys
status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
if status != 0:
    sys.exit(f"{sys.argv[1]} exited with {status}")
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
}

rows=()
for build in "$bin_dir" ${BASELINE:+"$BASELINE"}; do
    label=$([ "$build" = "$bin_dir" ] && echo "this build" || echo "baseline")
    capture=$(peak_rss "$build/dm-capture" --pcap "$BIG")
    parse=$(peak_rss "$build/dm-parse" --input "$BIG")
    # dnsmonster's peak is its own; the stages are its children, measured above one by one.
    whole=$(peak_rss "$build/dnsmonster" --pcapFile "$BIG" --stdoutOutputType=1 --lanes 1)
    rows+=("| $label | $capture | $parse | $whole |")
done

echo "### Peak resident memory on a $((BYTES / 1048576)) MiB capture"
echo
echo "\`COPIES=$COPIES bench/rss.sh\` ($PACKETS packets of \`$FILE\` written $COPIES times; MiB, getrusage ru_maxrss)"
echo
echo "| Build | dm-capture --pcap | dm-parse --input (pcap) | dnsmonster --lanes 1, largest process |"
echo "|---|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
machine_facts
echo
echo "Machine: $cpu, $mem, $swift_version; started $started, load $load_at_start."
