#!/usr/bin/env bash
# dnstap input benchmark: dm-capture reading a dnstap file (bench/gen_dnstap.py: a busy recursive
# resolver's CLIENT_QUERY/CLIENT_RESPONSE pairs, 2M messages by default) and serving a Frame
# Streams socket that the same file is sent to, then the whole pipeline to dnsmonster's JSON, side
# by side in one run with the upstream Go dnsmonster on its --dnstapSocket, interleaved, best of
# ROUNDS. Prints a markdown section for BENCHMARKS.md on stdout.
#
#   bench/dnstap.sh                                   # 2M messages, 3 rounds
#   MESSAGES=500000 ROUNDS=2 SCRATCH=/tmp/dm-build bench/dnstap.sh
#   GO_DNSMONSTER=../dnsmonster-go/dnsmonster bench/dnstap.sh   # with the upstream binary
#
# Rows, each round in this order:
#   file       dm-capture --input F.fstrm > /dev/null (wall; CPU user+sys by bash `time`)
#   socket     dm-capture --dnstap unix://S > /dev/null; F.fstrm sent to S, then SIGTERM; its
#              summary must count dnstap_messages=MESSAGES; CPU and peak RSS by getrusage.
#              Twice: sent by fstrm_replay (fstrm-bin), and by a bulk sender (below)
#   pipeline   dm-capture --input F.fstrm | dm-out --input - --format json > /dev/null
#   peer       Go dnsmonster --dnstapSocket unix://S --stdoutOutputType=1
#              --stdoutOutputWorkerCount=1 > /dev/null, the same two sends, then SIGINT once its
#              metrics show every message written; its last metrics line must count
#              packetsCaptured=MESSAGES. Skipped, saying why, when no Go dnsmonster is found
#   reference  fstrm_capture -u S -w /dev/null with fstrm_replay: the pace of fstrm_replay itself
#   decoders   bench/dnstap-decoders (a package of its own, release build): every frame decoded
#              in memory by DMDnstap's in-place reader and by swift-protobuf's generated types
#   Go tool    dnstap -u S -q -w T (Debian's golang-dnstap CLI: the library dnsmonster's dnstap
#              input is built on, printing one text line per message), the same two sends, then
#              SIGINT; T must hold MESSAGES lines. The peer that runs here when no Go dnsmonster does
#
# fstrm_replay sends one frame per sendmsg(2) and tops out at a few 100k messages/s on one
# core, below what the servers take: the bulk sender (Python, inline below) does the same
# bidirectional handshake (READY/ACCEPT, START, STOP/FINISH) but sends the file's data frames
# in 4 MiB writes, so its rows show the server's own pace.
#
# Environment: MESSAGES (default 2000000), ROUNDS (default 3), SCRATCH (swift build
# --scratch-path, default .build), PYTHON (default python3), SEED (generator seed, default 1),
# GO_DNSMONSTER (the upstream Go dnsmonster binary; default: a `dnsmonster` on PATH that is a Go
# build, never this project's bin/dnsmonster). Needs fstrm_replay and fstrm_capture
# (apt-get install -y fstrm-bin) and dnspython (installed for PYTHON if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
MESSAGES=${MESSAGES:-2000000}
ROUNDS=${ROUNDS:-3}
SCRATCH=${SCRATCH:-.build}
PYTHON=${PYTHON:-python3}
SEED=${SEED:-1}
DNSTAP_GEN=bench/gen_dnstap.py
OUT=bench/out
FILE=$OUT/dnstap-$MESSAGES.fstrm
CONTENT_TYPE=protobuf:dnstap.Dnstap
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

require_null_device
for tool in fstrm_replay fstrm_capture dnstap; do
    command -v "$tool" > /dev/null || { log "$tool is not installed (apt-get install -y fstrm-bin)"; exit 1; }
done

# The upstream Go dnsmonster, if there is one: GO_DNSMONSTER, else a Go build named dnsmonster on
# PATH (Go binaries carry "Go buildinf:"; this project's bin/dnsmonster is a shell script).
PEER=
peer_reason=
if [ -n "${GO_DNSMONSTER:-}" ]; then
    [ -x "$GO_DNSMONSTER" ] || { log "GO_DNSMONSTER=$GO_DNSMONSTER is not an executable file"; exit 1; }
    PEER=$GO_DNSMONSTER
elif candidate=$(command -v dnsmonster 2> /dev/null) && grep -aq 'Go buildinf:' "$candidate" 2> /dev/null; then
    PEER=$candidate
else
    peer_reason="no Go dnsmonster found (GO_DNSMONSTER unset, no Go build named dnsmonster on PATH)"
    log "== peer rows skipped: $peer_reason"
fi

log "== swift build -c release (dm-capture, dm-out) --scratch-path $SCRATCH"
for product in dm-capture dm-out; do
    swift build -c release --product "$product" --scratch-path "$SCRATCH" >&2
done
bin_dir=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
bin_dir=${bin_dir#"$PWD"/}
CAPTURE=$bin_dir/dm-capture
DMOUT=$bin_dir/dm-out
# What the report shows: no folder of this machine.
scratch_shown=$SCRATCH
[[ $SCRATCH = /* ]] && scratch_shown="<scratch folder>"
capture_shown='$SCRATCH/release/dm-capture'
dmout_shown='$SCRATCH/release/dm-out'

mkdir -p "$OUT"
if [ ! -s "$FILE" ] || [ "$DNSTAP_GEN" -nt "$FILE" ]; then
    if ! "$PYTHON" -c 'import dns' 2> /dev/null; then
        log "== installing dnspython for $PYTHON (needed by $DNSTAP_GEN)"
        "$PYTHON" -m pip install dnspython >&2
    fi
    log "== generating $FILE ($MESSAGES messages)"
    "$PYTHON" "$DNSTAP_GEN" --messages "$MESSAGES" --seed "$SEED" --output "$FILE.tmp"
    mv "$FILE.tmp" "$FILE"
fi
BYTES=$(stat -c %s "$FILE")
recache "$FILE"   # into the page cache

DIR=$(mktemp -d)
runner_pid=
cleanup() {
    # only the server this script started and has not yet waited for, by its pid
    if [ -s "$DIR/server.pid" ]; then kill -KILL "$(cat "$DIR/server.pid")" 2> /dev/null || true; fi
    if [ -n "$runner_pid" ]; then kill -KILL "$runner_pid" 2> /dev/null || true; fi
    rm -rf "$DIR"
}
trap cleanup EXIT

# RUNNER STATSFILE PIDFILE ERRFILE COMMAND...: runs COMMAND with stdout to /dev/null and stderr
# to ERRFILE, writes its pid to PIDFILE and, once it has exited, "rc user_s sys_s maxrss_kib"
# (getrusage of the child) to STATSFILE. The command gets SIGINT and SIGTERM at their defaults
# (a background job of a script starts with SIGINT ignored).
RUNNER='
import os, resource, signal, subprocess, sys
stats, pidfile, errfile = sys.argv[1:4]
def defaults():
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
with open(errfile, "wb") as err:
    p = subprocess.Popen(sys.argv[4:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, preexec_fn=defaults)
with open(pidfile + ".tmp", "w") as f:
    f.write(str(p.pid))
os.rename(pidfile + ".tmp", pidfile)
rc = p.wait()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(stats, "w") as f:
    f.write(f"{rc} {ru.ru_utime:.3f} {ru.ru_stime:.3f} {ru.ru_maxrss}\n")
'

# BULK FILE SOCKET: sends a Frame Streams file's data frames to a bidirectional Frame Streams
# server (unix:///path, /path or tcp://host:port) as fstrm_replay does (READY, ACCEPT, START,
# the frames, STOP, FINISH) but in 4 MiB writes; prints the wall clock in ns (as date +%s%N)
# before it connects and once it has the FINISH frame.
BULK='
import mmap, socket, struct, sys, time
path, sock = sys.argv[1:3]
ct = b"protobuf:dnstap.Dnstap"
def control(t, with_ct=True):
    body = struct.pack(">I", t) + (struct.pack(">II", 1, len(ct)) + ct if with_ct else b"")
    return struct.pack(">II", 0, len(body)) + body
def exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            sys.exit("bulk sender: the server closed the connection during the handshake")
        b += d
    return b
def expect(s, want):
    esc, n = struct.unpack(">II", exact(s, 8))
    body = exact(s, n)
    if esc != 0 or struct.unpack_from(">I", body)[0] != want:
        sys.exit(f"bulk sender: expected control frame type {want}, got {body[:4].hex()}")
with open(path, "rb") as f:
    mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
esc, clen = struct.unpack_from(">II", mm, 0)
if esc != 0 or struct.unpack_from(">I", mm, 8)[0] != 2 or mm[-12:] != struct.pack(">III", 0, 4, 3):
    sys.exit("bulk sender: the file must start with a START frame and end with a STOP frame")
data = memoryview(mm)[8 + clen:len(mm) - 12]
t0 = time.time_ns()
if sock.startswith("tcp://"):
    host, port = sock[6:].rsplit(":", 1)
    s = socket.create_connection((host.strip("[]"), int(port)))
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock[7:] if sock.startswith("unix://") else sock)
s.sendall(control(4))
expect(s, 1)
s.sendall(control(2))
for i in range(0, len(data), 1 << 22):
    s.sendall(data[i:i + (1 << 22)])
s.sendall(control(3, False))
expect(s, 5)
s.close()
print(t0, time.time_ns())
'

ns_to_s() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
# The value of counter NAME in the last summary line of TOOL ("TOOL: [stopped by signal; ]a=1 b=2").
summary_counter() { grep -a "^$2: " "$1" | tail -n 1 | sed -n "s/.* $3=\([0-9]*\).*/\1/p"; }
# From the last "metrics: {...}" line of Go dnsmonster's stderr: a gauge's value or a counter's count.
peer_metric() { grep -a 'metrics: {' "$1" | tail -n 1 | sed -n "s/.*\"$2\":{\"\(value\|count\)\":\([0-9]*\)}.*/\2/p"; }

# Go dnsmonster has handled everything once its metrics (flushed every 100 ms) show every
# message written to stdout. If its counts stop moving for 5 s short of that, it lost some:
# done at the last move (the check of packetsCaptured after its exit then fails the run).
wait_peer() {
    local err=$1 moved=$2 last='' line now sent
    while :; do
        line=$(grep -a 'metrics: {' "$err" | tail -n 1 || true)
        now=$(date +%s%N)
        sent=$(peer_metric "$err" stdoutSentToOutput)
        if [ -n "$sent" ] && [ "$sent" -ge "$MESSAGES" ]; then done_at=$now; return; fi
        if [ "$line" != "$last" ]; then last=$line; moved=$now; fi
        if [ $((now - moved)) -gt 5000000000 ]; then
            log "Go dnsmonster: its counts stopped short of $MESSAGES: ${line:-no metrics line}"
            done_at=$moved; return
        fi
        sleep 0.05
    done
}

# serve SENDER SIGNAL WAIT COMMAND...: starts COMMAND (a Frame Streams server on $DIR/s.sock)
# under RUNNER, sends FILE to the socket with SENDER (replay: fstrm_replay; bulk: BULK), runs
# WAIT (a function, or "-") until the server has handled everything, sends SIGNAL and waits for
# its exit, which must have status 0. Sets send_ns (the sender's run: it ends once the server
# has read the STOP frame), done_ns (send start to everything handled: to the server's exit
# when WAIT is "-"), and cpu ("user sys") and rss_kib of the server. Its stderr is left in
# $DIR/server.err.
serve() {
    local sender=$1 sig=$2 wait_fn=$3 sock=$DIR/s.sock pid i t0 t1 t2='' rc u s
    shift 3
    rm -f "$sock" "$DIR/server.pid" "$DIR/server.stats"
    "$PYTHON" -c "$RUNNER" "$DIR/server.stats" "$DIR/server.pid" "$DIR/server.err" "$@" &
    runner_pid=$!
    for ((i = 0; i < 200; i++)); do
        [ -S "$sock" ] && [ -s "$DIR/server.pid" ] && break
        kill -0 "$runner_pid" 2> /dev/null || break
        sleep 0.05
    done
    if ! [ -S "$sock" ] || ! [ -s "$DIR/server.pid" ]; then
        log "no socket $sock 10 s after starting: $*"; cat "$DIR/server.err" >&2; exit 1
    fi
    pid=$(cat "$DIR/server.pid")
    t0=$(date +%s%N)
    if [ "$sender" = replay ]; then
        fstrm_replay -t "$CONTENT_TYPE" -r "$FILE" -u "$sock" > "$DIR/sender.out" 2>&1 \
            || { log "fstrm_replay failed: $(cat "$DIR/sender.out")"; cat "$DIR/server.err" >&2; exit 1; }
        t1=$(date +%s%N)
        send_ns=$((t1 - t0))
    else
        "$PYTHON" -c "$BULK" "$FILE" "unix://$sock" > "$DIR/sender.out" 2>&1 \
            || { log "bulk sender failed: $(cat "$DIR/sender.out")"; cat "$DIR/server.err" >&2; exit 1; }
        read -r t0 t1 < "$DIR/sender.out"
        send_ns=$((t1 - t0))
    fi
    if [ "$wait_fn" != - ]; then
        "$wait_fn" "$DIR/server.err" "$t1"
        t2=$done_at
    fi
    kill "-$sig" "$pid" 2> /dev/null || true
    wait "$runner_pid" || true
    runner_pid=
    [ -n "$t2" ] || t2=$(date +%s%N)
    done_ns=$((t2 - t0))
    rm -f "$DIR/server.pid"
    [ -s "$DIR/server.stats" ] || { log "no resource usage recorded for: $*"; cat "$DIR/server.err" >&2; exit 1; }
    read -r rc u s rss_kib < "$DIR/server.stats"
    cpu="$u $s"
    # Python's returncode: -N when signal N ended the process without a handler.
    [ "$rc" = 0 ] || { log "exit status $rc after SIG$sig (expected 0): $*"; tail -n 5 "$DIR/server.err" >&2; exit 1; }
}

# The counts every round must reproduce: dm-capture's messages and records, dm-out's lines.
log "== counting"
"$CAPTURE" --input "$FILE" 2> "$DIR/count.err" | "$DMOUT" --input - --format json > /dev/null 2> "$DIR/count-out.err" \
    || { log "FAILED: $CAPTURE --input $FILE | $DMOUT --input - --format json"; cat "$DIR/count.err" "$DIR/count-out.err" >&2; exit 1; }
messages=$(summary_counter "$DIR/count.err" dm-capture dnstap_messages)
records=$(summary_counter "$DIR/count.err" dm-capture records_written)
lines=$(summary_counter "$DIR/count-out.err" dm-out stdout_written)
if [ "$messages" != "$MESSAGES" ] || [ -z "$records" ] || [ -z "$lines" ]; then
    log "expected dnstap_messages=$MESSAGES and records_written=N in dm-capture's summary, stdout_written=N in dm-out's; got:"
    cat "$DIR/count.err" "$DIR/count-out.err" >&2; exit 1
fi

qf=$(printf %q "$FILE")
send_replay="fstrm_replay -t $CONTENT_TYPE -r $qf -u \$S"
send_bulk="bulk sender (4 MiB writes) $qf \$S"
peer_args="--dnstapSocket unix://\$S --stdoutOutputType=1 --stdoutOutputWorkerCount=1 --captureStatsDelay=100ms --metricFlushInterval=100ms > /dev/null"
labels=(
    "dm-capture, file"
    "dm-capture, socket, fstrm_replay"
    "dm-capture, socket, bulk sender"
    "dm-capture | dm-out --format json"
    "Go dnsmonster, socket, fstrm_replay"
    "Go dnsmonster, socket, bulk sender"
    "fstrm_capture, socket, fstrm_replay (reference)"
    "Go dnstap tool, socket, fstrm_replay"
    "Go dnstap tool, socket, bulk sender"
)
cmds=(
    "$capture_shown --input $qf > /dev/null"
    "$capture_shown --dnstap unix://\$S > /dev/null & $send_replay; kill -TERM %1"
    "$capture_shown --dnstap unix://\$S > /dev/null & $send_bulk; kill -TERM %1"
    "$capture_shown --input $qf | $dmout_shown --input - --format json > /dev/null"
    "dnsmonster $peer_args & $send_replay; (all written) kill -INT %1"
    "dnsmonster $peer_args & $send_bulk; (all written) kill -INT %1"
    "fstrm_capture -t $CONTENT_TYPE -u \$S -w /dev/null & $send_replay; kill -INT %1"
    "dnstap -u \$S -q -w \$T & $send_replay; kill -INT %1"
    "dnstap -u \$S -q -w \$T & $send_bulk; kill -INT %1"
)
rows=(0 1 2 3 4 5 6 7 8)
[ -n "$PEER" ] || rows=(0 1 2 3 6 7 8)
declare -a best times cpu_best done_best rss_max
for i in "${rows[@]}"; do best[i]=; times[i]=; cpu_best[i]=; done_best[i]=; rss_max[i]=; done

# record I NS CPU [DONE_NS [RSS_KIB]]: keeps row I's time, its CPU and DONE_NS from its best
# round, and its largest RSS.
record() {
    local i=$1 ns=$2 c=$3 d=${4:-} rss=${5:-}
    times[i]="${times[i]:+${times[i]} }$(ns_to_s "$ns")"
    if [ -z "${best[i]}" ] || [ "$ns" -lt "${best[i]}" ]; then best[i]=$ns; cpu_best[i]=$c; done_best[i]=$d; fi
    if [ -n "$rss" ] && { [ -z "${rss_max[i]}" ] || [ "$rss" -gt "${rss_max[i]}" ]; }; then rss_max[i]=$rss; fi
    log "round $r  $(printf '%-48s' "${labels[i]}") $(ns_to_s "$ns") s${d:+ (all handled $(ns_to_s "$d") s)}, cpu $c"
}
check_capture() {
    local err=$1 i=$2 got
    got=$(summary_counter "$err" dm-capture dnstap_messages)
    [ "$got" = "$MESSAGES" ] || { log "${labels[i]}: dm-capture counted dnstap_messages=${got:-none}, expected $MESSAGES:"; cat "$err" >&2; exit 1; }
}
socket_capture() {   # row I, SENDER
    serve "$2" TERM - "$CAPTURE" --dnstap "unix://$DIR/s.sock"
    check_capture "$DIR/server.err" "$1"
    record "$1" "$send_ns" "$cpu" "$done_ns" "$rss_kib"
}
socket_peer() {   # row I, SENDER
    local got
    serve "$2" INT wait_peer "$PEER" --dnstapSocket "unix://$DIR/s.sock" --stdoutOutputType=1 --stdoutOutputWorkerCount=1 \
        --captureStatsDelay=100ms --metricFlushInterval=100ms
    got=$(peer_metric "$DIR/server.err" packetsCaptured)
    [ "$got" = "$MESSAGES" ] || { log "${labels[$1]}: packetsCaptured=${got:-none}, expected $MESSAGES:"; tail -n 5 "$DIR/server.err" >&2; exit 1; }
    peer_sent[$1]=$(peer_metric "$DIR/server.err" stdoutSentToOutput)
    record "$1" "$send_ns" "$cpu" "$done_ns" "$rss_kib"
}
declare -a peer_sent
socket_tool() {   # row I, SENDER
    local got
    rm -f "$DIR/tool.txt"
    serve "$2" INT - dnstap -u "$DIR/s.sock" -q -w "$DIR/tool.txt"
    got=$(wc -l < "$DIR/tool.txt")
    [ "$got" = "$MESSAGES" ] || { log "${labels[$1]}: $got lines, expected $MESSAGES:"; tail -n 5 "$DIR/server.err" >&2; exit 1; }
    rm -f "$DIR/tool.txt"
    record "$1" "$send_ns" "$cpu" "$done_ns" "$rss_kib"
}

log "== swift build -c release bench/dnstap-decoders --scratch-path $SCRATCH-decoders"
decoders_scratch=$SCRATCH-decoders
[[ $decoders_scratch = /* ]] || decoders_scratch=$PWD/$decoders_scratch
(cd bench/dnstap-decoders && swift build -c release --scratch-path "$decoders_scratch" >&2)
DECODERS=$decoders_scratch/release/dnstap-decoders

load_at_measure=$(cut -d' ' -f1-3 /proc/loadavg)
TIMEFORMAT='%U %S'
for ((r = 1; r <= ROUNDS; r++)); do
    t0=$(date +%s%N)
    c=$( { time "$CAPTURE" --input "$FILE" > /dev/null 2> "$DIR/a.err"; } 2>&1 ) || { log "FAILED: ${cmds[0]}"; cat "$DIR/a.err" >&2; exit 1; }
    t1=$(date +%s%N)
    check_capture "$DIR/a.err" 0
    record 0 $((t1 - t0)) "$c"

    socket_capture 1 replay
    socket_capture 2 bulk

    t0=$(date +%s%N)
    c=$( { time "$CAPTURE" --input "$FILE" 2> "$DIR/c.err" | "$DMOUT" --input - --format json > /dev/null 2> "$DIR/c-out.err"; } 2>&1 ) \
        || { log "FAILED: ${cmds[3]}"; cat "$DIR/c.err" "$DIR/c-out.err" >&2; exit 1; }
    t1=$(date +%s%N)
    check_capture "$DIR/c.err" 3
    got=$(summary_counter "$DIR/c-out.err" dm-out stdout_written)
    [ "$got" = "$lines" ] || { log "${labels[3]}: dm-out counted stdout_written=${got:-none}, expected $lines:"; cat "$DIR/c-out.err" >&2; exit 1; }
    record 3 $((t1 - t0)) "$c"

    if [ -n "$PEER" ]; then
        socket_peer 4 replay
        socket_peer 5 bulk
    fi

    serve replay INT - fstrm_capture -t "$CONTENT_TYPE" -u "$DIR/s.sock" -w /dev/null
    record 6 "$send_ns" "$cpu" "$done_ns" "$rss_kib"

    socket_tool 7 replay
    socket_tool 8 bulk
done

log "== decoders: $DECODERS $FILE 5"
decoders=$("$DECODERS" "$FILE" 5)
log "$decoders"

machine_facts
peer_version=
if [ -n "$PEER" ]; then
    peer_version=$(timeout 5 "$PEER" --version < /dev/null 2>&1 | head -n 1 || true)
fi
fstrm_version=$(dpkg-query -W -f '${Version}' fstrm-bin 2> /dev/null || echo unknown)
echo "### dnstap input: dm-capture vs dnsmonster and the Go dnstap tool ($started)"
echo
echo "- Command: \`bench/dnstap.sh\` (MESSAGES=$MESSAGES ROUNDS=$ROUNDS SCRATCH=$scratch_shown SEED=$SEED${PEER:+ GO_DNSMONSTER=…/$(basename "$PEER")})"
echo "- Input: \`$FILE\`, $MESSAGES dnstap messages (CLIENT_QUERY/CLIENT_RESPONSE pairs of a recursive resolver), $BYTES bytes, from \`$DNSTAP_GEN --messages $MESSAGES --seed $SEED\`; in page cache"
echo "- Work: dm-capture decodes every message into $records DNS records, written to /dev/null; in the pipeline dm-out writes $lines JSON lines (dnsmonster's format) to /dev/null. Socket rows: a unix socket (\$S, bidirectional Frame Streams), the file sent by \`fstrm_replay\` (fstrm-bin $fstrm_version; one sendmsg per frame) or by this script's bulk sender (the same handshake, the frames in 4 MiB writes); dm-capture got SIGTERM once the sender was done and must have counted dnstap_messages=$MESSAGES"
if [ -n "$PEER" ]; then
    echo "- Peer: Go dnsmonster (\`$(basename "$PEER")\`${peer_version:+, \`$peer_version\`}), JSON to /dev/null, SIGINT once its metrics (every 100 ms) showed every message written; its last metrics line counted packetsCaptured=$MESSAGES and stdoutSentToOutput=${peer_sent[4]} / ${peer_sent[5]} (last round, fstrm_replay / bulk)"
else
    echo "- Peer: Go dnsmonster rows skipped: $peer_reason"
fi
echo "- Machine: $(nproc) CPUs, $cpu, $mem RAM, Linux $(uname -r); $swift_version"
echo "- Load average (1/5/15 min): $load_at_start at script start, $load_at_measure before the first timed run"
echo "- Timing: wall clock, $ROUNDS interleaved rounds, best shown; messages/s = $MESSAGES / best. Socket rows: the time is the sender's run (it ends when the server has read the STOP frame); \"all handled\" runs from the send's start until the server had handled every message (dm-capture, fstrm_capture: until they exited on the signal sent when the sender was done; dnsmonster: until its metrics showed every message written). CPU: user+sys of the server alone (getrusage) or of the whole command (bash \`time\`), in the best round; messages per CPU-second is the rate on one core. Peak RSS: the server's largest ru_maxrss over the rounds"
echo
echo "| Row | Command | Best (s) | All rounds (s) | Messages/s | All handled, best (s) | CPU user+sys (s) | Messages per CPU-second | Peak RSS (MiB) |"
echo "|---|---|---:|---|---:|---:|---:|---:|---:|"
for i in "${rows[@]}"; do
    read -r u s <<< "${cpu_best[i]}"
    awk -v label="${labels[i]//|/\\|}" -v cmd="${cmds[i]//|/\\|}" -v ns="${best[i]}" -v all="${times[i]}" -v d="${done_best[i]}" \
        -v u="$u" -v s="$s" -v n="$MESSAGES" -v rss="${rss_max[i]}" 'BEGIN {
        c = u + s
        printf "| %s | `%s` | %.3f | %s | %.2fM | %s | %.2f | %s | %s |\n", label, cmd, ns / 1e9, all, n / (ns / 1e9) / 1e6,
            (d == "" ? "—" : sprintf("%.3f", d / 1e9)), c, (c > 0 ? sprintf("%.2fM", n / c / 1e6) : "—"),
            (rss == "" ? "—" : sprintf("%.1f", rss / 1024))
    }'
done
echo
# The target is the server's own pace: the file and the bulk sender; fstrm_replay's one frame per
# sendmsg bounds its row (fstrm_capture, the reference, takes it no faster).
awk -v n="$MESSAGES" -v cf="${cpu_best[0]}" -v cr="${cpu_best[1]}" -v cb="${cpu_best[2]}" 'BEGIN {
    split(cf, a, " "); split(cr, b, " "); split(cb, c, " "); f = a[1] + a[2]; r = b[1] + b[2]; k = c[1] + c[2]
    printf "- One core (messages per CPU-second of dm-capture): file %.2fM, socket %.2fM (bulk sender), %.2fM (fstrm_replay, bounded by the sender); target ≥ 1M messages/s on one core: %s\n",
        n / f / 1e6, n / k / 1e6, n / r / 1e6, (n / f >= 1e6 && n / k >= 1e6 ? "met" : "NOT met")
}'
# compare PEER A B HOW: dm-capture's socket row A against the peer's row B, sent the same way.
compare() {
    awk -v peer="$1" -v how="$4" -v a="${best[$2]}" -v b="${best[$3]}" -v da="${done_best[$2]}" -v db="${done_best[$3]}" \
        -v ca="${cpu_best[$2]}" -v cb="${cpu_best[$3]}" 'BEGIN {
        split(ca, x, " "); split(cb, y, " ")
        printf "- dm-capture / %s on the socket (%s): send %.2f× as fast, all handled %.2f× as fast, %.2f× less CPU\n",
            peer, how, b / a, db / da, (y[1] + y[2]) / (x[1] + x[2])
    }'
}
if [ -n "$PEER" ]; then
    compare "Go dnsmonster" 1 4 fstrm_replay
    compare "Go dnsmonster" 2 5 "bulk sender"
fi
compare "Go dnstap tool" 1 7 fstrm_replay
compare "Go dnstap tool" 2 8 "bulk sender"
awk -v r="${best[1]}" -v k="${best[2]}" -v c="${best[6]}" 'BEGIN {
    printf "- fstrm_replay into fstrm_capture (which copies frames to /dev/null) takes %.3f s: fstrm_replay bounds its rows; dm-capture with it %.3f s, with the bulk sender %.3f s\n", c / 1e9, r / 1e9, k / 1e9
}'
echo
echo "Decoding alone (\`bench/dnstap-decoders\`, release, the frames in memory, best of 5 passes; the checksums agree when both read the same):"
echo
echo "$decoders" | sed 's/^/    /'
