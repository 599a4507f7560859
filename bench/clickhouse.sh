#!/usr/bin/env bash
# ClickHouse sink benchmark: the DNS records of a gen-dns-pcap capture (2M packets by default)
# inserted into DNS_LOG on a local ClickHouse (Debian's 18.16, started here on loopback, the
# DNS_LOG of docs/clickhouse/tables-18.16.sql) by dm-out over the native protocol with LZ4, side by
# side in one run with clickhouse-client inserting the same rows from a Native file (the rows
# dm-out would send, written by its --clickhouse-dump) into the same table: best time of
# ROUNDS each, rows/s, the ratio, and dm-out's CPU seconds per million rows. Then dm-out's peak
# RSS while the server is down and its queue is full (no spool: records dropped and counted).
# Prints a markdown section for BENCHMARKS.md on stdout.
#
#   bench/clickhouse.sh                                  # 1M exchanges (2M records), 3 rounds
#   EXCHANGES=200000 ROUNDS=2 SCRATCH=/tmp/dm-build bench/clickhouse.sh
#
# Environment: EXCHANGES (default 1000000), ROUNDS (default 3), SCRATCH (swift build
# --scratch-path, default .build), CH_TCP (default 29000), PYTHON, GEN (see bench/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
EXCHANGES=${EXCHANGES:-1000000}
ROUNDS=${ROUNDS:-3}
capture_bench_settings
RECORDS_FILE=$FILE.dns
CH_TCP=${CH_TCP:-29000}
CH_SCRIPT=../shared/servers/clickhouse.sh
CH_DIR=$(mktemp -d)
export CH_DIR CH_TCP CH_HTTP=$((CH_TCP + 1))
trap 'bash "$CH_SCRIPT" stop >/dev/null 2>&1 || true; rm -rf "$CH_DIR"' EXIT
client() { clickhouse-client --host 127.0.0.1 --port "$CH_TCP" "$@"; }

log "== swift build -c release (dm-parse, dm-out) --scratch-path $SCRATCH"
for product in dm-parse dm-out; do
    swift build -c release --product "$product" --scratch-path "$SCRATCH" >&2
done
bin_dir=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)

ensure_capture "$FILE" "$EXCHANGES"
if [ ! -s "$RECORDS_FILE" ] || [ "$FILE" -nt "$RECORDS_FILE" ] || [ "$bin_dir/dm-parse" -nt "$RECORDS_FILE" ]; then
    log "== writing DNS records to $RECORDS_FILE"
    "$bin_dir/dm-parse" --input "$FILE" > "$RECORDS_FILE.tmp" 2> /dev/null
    mv "$RECORDS_FILE.tmp" "$RECORDS_FILE"
fi

log "== starting clickhouse-server on 127.0.0.1:$CH_TCP"
bash "$CH_SCRIPT" start >&2
client --multiquery < docs/clickhouse/tables-18.16.sql
structure=$(client --query "DESCRIBE TABLE DNS_LOG" | awk -F'\t' '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
NATIVE=$CH_DIR/rows.native
"$bin_dir/dm-out" --input "$RECORDS_FILE" --clickhouse-dump "$NATIVE" --clickhouse-dump-structure "$structure" 2> /dev/null
# The row count every round must reach: what clickhouse-client makes of the file.
client --query "INSERT INTO DNS_LOG FORMAT Native" < "$NATIVE"
rows=$(client --query "SELECT count() FROM DNS_LOG")

best_dm=; best_client=; cpu_dm=
for ((r = 1; r <= ROUNDS; r++)); do
    client --query "TRUNCATE TABLE DNS_LOG"
    t0=$(date +%s%N)
    cpu=$( { TIMEFORMAT='%U %S'; time "$bin_dir/dm-out" --input "$RECORDS_FILE" --clickhouse "127.0.0.1:$CH_TCP" \
        --clickhouse-compression lz4 2> "$CH_DIR/dm-out.err"; } 2>&1 )
    t1=$(date +%s%N)
    got=$(client --query "SELECT count() FROM DNS_LOG")
    [ "$got" = "$rows" ] || { log "dm-out inserted $got rows, expected $rows: $(cat "$CH_DIR/dm-out.err")"; exit 1; }
    ns=$((t1 - t0)); [ -n "$best_dm" ] && [ "$ns" -ge "$best_dm" ] || { best_dm=$ns; cpu_dm=$cpu; }
    log "round $r  dm-out            $(awk -v ns="$ns" 'BEGIN { printf "%.3f", ns / 1e9 }') s (cpu $cpu)"

    client --query "TRUNCATE TABLE DNS_LOG"
    t0=$(date +%s%N)
    client --query "INSERT INTO DNS_LOG FORMAT Native" < "$NATIVE"
    t1=$(date +%s%N)
    got=$(client --query "SELECT count() FROM DNS_LOG")
    [ "$got" = "$rows" ] || { log "clickhouse-client inserted $got rows, expected $rows"; exit 1; }
    ns=$((t1 - t0)); [ -n "$best_client" ] && [ "$ns" -ge "$best_client" ] || best_client=$ns
    log "round $r  clickhouse-client $(awk -v ns="$ns" 'BEGIN { printf "%.3f", ns / 1e9 }') s"
done

log "== peak RSS of dm-out with the server down (default 64 MiB queue, no spool)"
bash "$CH_SCRIPT" stop >&2
rss_kib=$("$PYTHON" - "$bin_dir/dm-out" "$RECORDS_FILE" "$CH_TCP" << 'PY'
import resource, subprocess, sys
dm_out, records, port = sys.argv[1:4]
subprocess.run([dm_out, '--input', records, '--clickhouse', f'127.0.0.1:{port}', '--drain-timeout', '1s'],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
)

echo "### ClickHouse sink: $rows rows into DNS_LOG on a local ClickHouse 18.16 (LZ4)"
echo
machine_facts
echo "\`EXCHANGES=$EXCHANGES ROUNDS=$ROUNDS bench/clickhouse.sh\`, $started, $cpu, $mem, $swift_version, load at start $load_at_start"
echo
echo "| inserter | best of $ROUNDS | rows/s |"
echo "|---|---|---|"
awk -v ns="$best_dm" -v rows="$rows" 'BEGIN { printf "| dm-out --clickhouse (records → rows → Native, LZ4) | %.3f s | %.0f |\n", ns / 1e9, rows / (ns / 1e9) }'
awk -v ns="$best_client" -v rows="$rows" 'BEGIN { printf "| clickhouse-client INSERT … FORMAT Native (same rows, from a file) | %.3f s | %.0f |\n", ns / 1e9, rows / (ns / 1e9) }'
echo
awk -v a="$best_dm" -v b="$best_client" -v cpu="$cpu_dm" -v rows="$rows" 'BEGIN { split(cpu, c, " "); printf "dm-out / clickhouse-client: %.2f×; dm-out CPU (user+sys) in its best round: %.2f s, %.2f s per million rows\n", a / b, c[1] + c[2], (c[1] + c[2]) / (rows / 1e6) }'
echo
echo "Peak RSS of dm-out while the server is down (queue full, no spool): $((rss_kib / 1024)) MiB"
