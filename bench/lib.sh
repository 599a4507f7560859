# Shared by the benchmark scripts: logging, the null-device check, the interleaved timing loop
# and the machine facts every report starts with. Source it; it defines functions only.

log() { printf '%s\n' "$*" >&2; }

# The settings every capture-based benchmark reads from the environment, with their defaults,
# and the generated capture's path: FILE=bench/out/dns-<2 x EXCHANGES>.pcap.
capture_bench_settings() {
    EXCHANGES=${EXCHANGES:-1500000}
    ROUNDS=${ROUNDS:-5}
    SCRATCH=${SCRATCH:-.build}
    PYTHON=${PYTHON:-python3}
    GEN=${GEN:-../shared/tools/gen-dns-pcap.py}
    OUT=bench/out
    FILE=$OUT/dns-$((2 * EXCHANGES)).pcap
    load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
    started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
}

# A /dev/null that is not the null device (some tools replace it with a file) makes every
# number measure tmpfs writes instead.
require_null_device() {
    [ -c /dev/null ] || { log "/dev/null is not a character device; fix it (mknod -m 666 /dev/null c 1 3)"; exit 1; }
}

# Runs the pipelines in `cmds` (named by `labels`) ROUNDS times, interleaved, and keeps each
# one's best time in ns in `best` and all its times in s in `times`. For the rows marked 1 in
# `is_dm`, standard error must contain the text in $DM_CHECK (the stage's own count), so a
# run that lost records never counts as fast. Each round runs the rows in index order, or,
# when add_baseline_rows set them, in the order of `run_order` (odd rounds) and
# `run_order_even` (even rounds).
time_rounds() {
    local err r i t0 t1 ns s order=("${!cmds[@]}") order_even=("${!cmds[@]}")
    [ -z "${run_order+set}" ] || order=("${run_order[@]}")
    [ -z "${run_order_even+set}" ] || order_even=("${run_order_even[@]}")
    err=$(mktemp)
    for i in "${!cmds[@]}"; do best[i]=; times[i]=; done
    for ((r = 1; r <= ROUNDS; r++)); do
        if ((r % 2)); then set -- "${order[@]}"; else set -- "${order_even[@]}"; fi
        for i; do
            t0=$(date +%s%N)
            if ! eval "${cmds[i]}" 2> "$err"; then
                log "FAILED: ${cmds[i]}"; cat "$err" >&2; rm -f "$err"; exit 1
            fi
            t1=$(date +%s%N)
            ns=$((t1 - t0))
            if [ "${is_dm[i]}" = 1 ] && ! grep -q -- "$DM_CHECK" "$err"; then
                log "${labels[i]}: expected '$DM_CHECK' in its summary, got: $(cat "$err")"; rm -f "$err"; exit 1
            fi
            s=$(awk -v ns="$ns" 'BEGIN { printf "%.3f", ns / 1e9 }')
            times[i]="${times[i]:+${times[i]} }$s"
            if [ -z "${best[i]}" ] || [ "$ns" -lt "${best[i]}" ]; then best[i]=$ns; fi
            log "round $r  $(printf '%-24s' "${labels[i]}") $s s"
        done
    done
    rm -f "$err"
}

# BASELINE=DIR: the same command lines timed with another build's binaries, e.g. a release
# build of the commit before a change (DIR is its `swift build -c release --show-bin-path`;
# a relative DIR is taken from the repository root, like SCRATCH). Without BASELINE these two
# functions do nothing and a script prints what it always did.
#
# add_baseline_rows BIN [ARRAY...]: call after `cmds`, `labels` and `is_dm` are set, BIN
# being the bin dir exactly as the commands spell it. Every row whose command runs a binary
# from BIN gets a twin row, appended, that runs it from BASELINE: label "… (baseline)", the
# same is_dm (so $DM_CHECK holds for it too) and the same value in each named per-row ARRAY.
# `baseline_of[i]` is the twin of row i; `run_order` and `run_order_even` have time_rounds
# run each row and its twin one right after the other, so both see the same moment of a
# shared machine, the twin second in odd rounds and first in even ones.
add_baseline_rows() {
    local bin=$1 i j n word words qbase missing=
    shift
    [ -n "${BASELINE:-}" ] || return 0
    [ -d "$BASELINE" ] || { log "BASELINE=$BASELINE is not a directory (a release bin dir)"; exit 1; }
    qbase=$(printf %q "${BASELINE%/}")
    baseline_of=()
    run_order=()
    run_order_even=()
    n=${#cmds[@]}
    for ((i = 0; i < n; i++)); do
        [[ ${cmds[i]} == *"$bin/"* ]] || { run_order+=("$i"); run_order_even+=("$i"); continue; }
        read -ra words <<< "${cmds[i]}"
        for word in "${words[@]}"; do
            if [[ $word == "$bin/"* ]] && [ ! -x "${BASELINE%/}/${word#"$bin/"}" ]; then
                missing+=" ${word#"$bin/"}"
            fi
        done
        j=${#cmds[@]}
        cmds[j]=${cmds[i]//"$bin/"/"$qbase/"}
        labels[j]="${labels[i]} (baseline)"
        is_dm[j]=${is_dm[i]}
        for word; do eval "$word[j]=\${$word[i]}"; done
        baseline_of[i]=$j
        run_order+=("$i" "$j")
        run_order_even+=("$j" "$i")
    done
    [ -z "$missing" ] || { log "BASELINE=$BASELINE lacks:$missing"; exit 1; }
    [ "${#baseline_of[@]}" -gt 0 ] || { log "no command runs a binary from $bin/: nothing to compare with BASELINE"; exit 1; }
}

# baseline_report: after a script's table, with BASELINE, each row against its twin: best of
# the rounds and median, and the ratios this build / baseline of both (times: above 1.00 is
# slower than the baseline; above 1.05, more than 5 % slower).
baseline_report() {
    local i j
    [ -n "${BASELINE:-}" ] || return 0
    echo
    echo "Baseline: the rows marked (baseline) ran the same command lines with the binaries of \`BASELINE=$BASELINE\`, each next to its own row in every round (after it in odd rounds, before it in even ones), their counters checked alike. Ratios are this build's time over the baseline's (above 1.05: more than 5 % slower)."
    echo
    echo "| Pipeline | Best (s) | Baseline best (s) | Best this / baseline | Median (s) | Baseline median (s) | Median this / baseline |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for i in "${!baseline_of[@]}"; do
        j=${baseline_of[i]}
        printf '| %s | %s |\n' "${labels[i]//|/\\|}" "$(awk -v a="${best[i]}" -v b="${best[j]}" -v ta="${times[i]}" -v tb="${times[j]}" '
function median(list,   v, n, i, k, t) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) for (k = i; k > 1 && v[k - 1] + 0 > v[k] + 0; k--) { t = v[k]; v[k] = v[k - 1]; v[k - 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
BEGIN {
    ma = median(ta); mb = median(tb)
    printf "%.3f | %.3f | %.3f | %.3f | %.3f | %.3f", a / 1e9, b / 1e9, a / b, ma, mb, ma / mb
}')"
    done
}

# Sets cpu, mem and swift_version for the report header.
machine_facts() {
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
    swift_version=$(swift --version 2>&1 | grep -m1 -i 'swift version')
}

# Prints "<count/s in millions>M <MB/s>" for a best time in ns over COUNT items of BYTES bytes.
rate_of() {
    awk -v ns="$1" -v n="$2" -v b="$3" 'BEGIN { s = ns / 1e9; printf "%.2fM %.0f", n / s / 1e6, b / s / 1e6 }'
}

# Writes FILE with GEN (../shared/tools/gen-dns-pcap.py) for EXCHANGES query/response pairs,
# unless it exists and is newer than the generator. Installs dnspython for PYTHON if needed.
ensure_capture() {
    local file=$1 exchanges=$2
    mkdir -p "$(dirname "$file")"
    if [ ! -s "$file" ] || { [ -f "$GEN" ] && [ "$GEN" -nt "$file" ]; }; then
        [ -f "$GEN" ] || { log "capture generator $GEN not found (expected the shared folder beside the repo root: $(cd .. && pwd)/shared/tools/gen-dns-pcap.py); set GEN=PATH"; exit 1; }
        if ! "$PYTHON" -c 'import dns' 2> /dev/null; then
            log "== installing dnspython for $PYTHON (needed by $GEN)"
            "$PYTHON" -m pip install dnspython >&2
        fi
        log "== generating $file ($exchanges exchanges)"
        "$PYTHON" "$GEN" "$file.tmp" --exchanges "$exchanges"
        mv "$file.tmp" "$file"
    fi
}

# recache FILE...: drops each file from the page cache and reads it back in one sequential
# pass. How a file entered the cache decides the size of its cached pages: a file just written
# in small writes (a stage's output) sits in 4 KiB pages, one read back by readahead in large
# ones. A program mapping the first takes several times the page faults and TLB misses of one
# mapping the second (dm-parse on its PACKET records, measured: 13.8k vs 7.1k faults, 0.42 s
# vs 0.33 s), so inputs compared side by side are cached the same way first.
recache() {
    "${PYTHON:-python3}" - "$@" << 'PY'
import os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    while os.read(fd, 1 << 20):
        pass
    os.close(fd)
PY
}
