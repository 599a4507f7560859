#!/usr/bin/env bash
# Compares two release builds on every capture of the shared corpus and reports every
# difference in what they write; exits 1 if there is any. Made for changes that must keep the
# outputs byte-identical (a restructure of the sources): build the old commit and the new one,
# then
#
#   scripts/compare-builds.sh OLD_BIN_DIR NEW_BIN_DIR SCRATCH_DIR
#   scripts/compare-builds.sh old/.build-rel/release .build-rel/release /tmp/cmp
#
# A bin dir is what `swift build -c release --show-bin-path` prints (dm-capture, dm-parse,
# dm-filter, dm-out, dm-stream, dnsmonster). Comparing a build with itself must report no
# difference.
#
# Captures: every file listed in $SHARED/corpus/public/MANIFEST.tsv and every
# $SHARED/corpus/generated/*.pcap (SHARED defaults to ../shared beside the repository root).
# dnstap and Frame Streams files (.dnstap, .fstrm: MANIFEST formats naming dnstap or fstrm)
# are skipped: no stage reads them yet. Captures no stage can read (xz, zstd) stay in: their
# error messages and exit statuses are compared like any output.
#
# For each capture, each build runs (BIN is its bin dir, F the capture; tee keeps the streams
# between the stages, and the out-, filter- rows read the ones the first row kept):
#
#   pipeline        dm-capture --pcap F | tee capture.dmr | dm-parse | tee parse.dmr
#                     | dm-filter | tee filter.dmr | dm-out --format json
#   keep-malformed  dm-capture --pcap F | dm-parse --keep-malformed | tee keep-malformed.dmr
#                     | dm-filter | dm-out --format json
#   out-FORMAT      dm-out --format FORMAT < filter.dmr, for csv, json-ocsf, text and
#                     gotemplate (its default template): the bytes the json dm-out read
#   filter-NAME     dm-filter OPTIONS < parse.dmr > filter-NAME.dmr, for --mask4 24 --mask6
#                     64, --dedup, --sample 1:2, --qtype A,AAAA and --tag-only --skip-domains
#                     with a small list of corpus names (written to SCRATCH_DIR/skip-list.csv)
#   out-type2       dm-out --stdout-type 2 < filter-tag-only.dmr (the list marks read back)
#   dnsmonster      BIN/dnsmonster --pcapFile F --stdoutOutputType=1 --lanes 1
#
# and these are compared between the builds:
#
#   NAME.out        standard output of the last stage (dm-out's lines), byte for byte
#   NAME.status     the exit status of every stage of the pipeline, in order
#   NAME.K.TOOL.err the standard error of stage K (tee's too), with each bin dir (as given
#                   and resolved) written BIN and dm-filter's list load time ("… in 0.001 s
#                   (start)") written "<s>"; in dnsmonster.err also the time of its metrics
#                   lines ("<time> metrics: …", before issue 20 "dnsmonster: <time> metrics: …")
#   X.dmr.dump      every DMRecord stream (capture, parse, filter, keep-malformed and the
#                   filter-NAME ones) as `dm-stream dump --hex` prints it, with only what
#                   legitimately differs between runs masked: in PROVENANCE entries the
#                   version, pid, start time and the bin dir of argv[0]; in STATS records the
#                   pid on the summary line and the time and pid (the body's first 12 bytes)
#                   on the hex line. Offsets are counted without the headers' bytes ("+N"),
#                   since a header's length follows its PROVENANCE entries. Counter names and
#                   values, SOURCE entries and every byte of the other records are compared.
#                   Both sides are dumped with OLD's dm-stream, so the dumper is the same;
#                   a dump that fails ends with its exit status and error.
#
# Each difference prints one line on standard output: the capture, the file that differs
# and its first differing line in both builds; then a count of captures, outputs and
# differences, and the elapsed time. Everything of a capture that differs is kept under
# SCRATCH_DIR/differences/<capture>/{old,new}/ (raw: what the stages wrote; cmp: what was
# compared); the rest of SCRATCH_DIR/work is reused capture after capture.
# One capture at a time, the two builds side by side (each in its own folder, so the outputs
# do not depend on it); the 285 captures take 8 to 12 minutes on 2 cores shared with other
# builds (load 4 to 10).
#
# To see it catch a difference, compare against a copy of a bin dir with one binary wrapped,
# e.g. a dm-out that runs the real one through `sed '3s/1/7/'`: every output of that stage
# is then reported.
#
# Environment: SHARED (default ../shared from the repository root); ONLY (an extended regular
# expression: compare only the captures whose corpus path, e.g. public/dnscap/dns.pcap or
# generated/ipfrag_mtu1500.pcap, matches it); JOBS (2, the default: the two builds at once;
# 1: one after the other).
# Exit status: 0 no difference, 1 differences, 2 usage or setup error.
set -euo pipefail

[ $# = 3 ] || { echo "usage: $0 OLD_BIN_DIR NEW_BIN_DIR SCRATCH_DIR" >&2; exit 2; }
abs_dir() { (cd "$1" && pwd); }   # the arguments are taken from the caller's directory
OLD=$(abs_dir "$1") || { echo "no directory $1" >&2; exit 2; }
NEW=$(abs_dir "$2") || { echo "no directory $2" >&2; exit 2; }
mkdir -p "$3"
SCRATCH=$(abs_dir "$3")

cd "$(dirname "$0")/.."
. bench/lib.sh
SHARED=${SHARED:-../shared}
JOBS=${JOBS:-2}
case $JOBS in 1|2) ;; *) log "JOBS must be 1 or 2"; exit 2 ;; esac
CORPUS=$(abs_dir "$SHARED/corpus") || { log "no corpus at $SHARED/corpus (set SHARED=PATH to the shared folder)"; exit 2; }
for dir in "$OLD" "$NEW"; do
    for tool in dm-capture dm-parse dm-filter dm-out dm-stream dnsmonster; do
        [ -x "$dir/$tool" ] || { log "$dir/$tool is missing: not a release bin dir?"; exit 2; }
    done
done
DUMP=$OLD/dm-stream

# The bin dirs as given and resolved (dnsmonster starts its stages from /proc/self/exe),
# longest first, for the normalisers below.
CMP_BIN_DIRS=$(printf '%s\n' "$OLD" "$NEW" "$(readlink -f "$OLD")" "$(readlink -f "$NEW")" |
    awk '{ print length($0) "\t" $0 }' | sort -rn -u | cut -f2)
export CMP_BIN_DIRS

LIST=$SCRATCH/skip-list.csv
cat > "$LIST" << 'CSV'
# compare-builds.sh: names of the corpus, each kind of entry
signed.test,suffix
google.com.,suffix
in-addr.arpa,suffix
www.,prefix
_sip.,prefix
example.test,fqdn
CSV

# The awk function both normalisers use: every "DIR/" of $CMP_BIN_DIRS written "BIN/".
AWK_UNBIN='
function unbin(s,   i, p, d) {
    for (i = 1; i <= ndirs; i++) {
        d = dirs[i] "/"
        while ((p = index(s, d)) > 0) s = substr(s, 1, p - 1) "BIN/" substr(s, p + length(d))
    }
    return s
}
BEGIN { ndirs = split(ENVIRON["CMP_BIN_DIRS"], dirs, "\n") }'

# normalise_stderr OUT_DIR FILE...: writes each FILE to OUT_DIR with the bin dirs, dm-filter's
# list load times and dnsmonster's metric times masked (OUT_DIR "": all to standard output).
normalise_stderr() {
    local out_dir=$1 file
    shift
    if [ -n "$out_dir" ]; then for file; do : > "$out_dir/${file##*/}"; done; fi
    awk -v out_dir="$out_dir" "$AWK_UNBIN"'
{ line = unbin($0) }
line ~ /^dm-filter: (skip|allow) list: / && match(line, / in [0-9.]+ s \(/) {
    line = substr(line, 1, RSTART - 1) " in <s> s (" substr(line, RSTART + RLENGTH)
}
line ~ /^dnsmonster: [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+Z metrics: / {
    sub(/^dnsmonster: [^ ]+ /, "dnsmonster: <time> ", line)
}
line ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+Z metrics: / {
    sub(/^[^ ]+ /, "<time> ", line)
}
out_dir == "" { print line; next }
{ out = FILENAME; sub(/.*\//, "", out); print line > (out_dir "/" out) }' "$@"
}

# dump_stream STREAM OUT: `dm-stream dump --hex` of STREAM into OUT with what differs from run
# to run masked (see the header), then dm-stream's own status and errors if it failed.
dump_stream() {
    local err=$2.err status=0
    "$DUMP" dump --hex < "$1" 2> "$err" | awk "$AWK_UNBIN"'
BEGIN { headers = 0; header_at = -1 }
/^[0-9]+\t/ {
    tab = index($0, "\t"); offset = substr($0, 1, tab - 1) + 0; rest = substr($0, tab)
    if (header_at >= 0) { headers += offset - header_at; header_at = -1 }
    split(rest, f, "\t"); type = f[2]
    if (type == "HEADER") header_at = offset
    stats = (type == "STATS")
    if (stats) sub(/ pid=[0-9]+ /, " pid=<pid> ", rest)
    print "+" (offset - headers) rest; next
}
/^\t  PROVENANCE\t[^ ]+ [^ ]+ pid=[0-9]+ started=[^ ]+ / {
    rest = substr($0, 15)   # after "\t  PROVENANCE\t": tool, version, pid=, started=, argv=...
    for (i = 1; i <= 4; i++) { sp = index(rest, " "); w[i] = substr(rest, 1, sp - 1); rest = substr(rest, sp + 1) }
    print "\t  PROVENANCE\t" w[1] " <version> pid=<pid> started=<time> " unbin(rest); next
}
stats && /^\t[0-9a-f][0-9a-f] / && length($0) >= 37 {   # "\t" and 12 bytes as "xx "
    print "\t<time: 8 bytes> <pid: 4 bytes> " substr($0, 38); stats = 0; next
}
{ print }' > "$2" || status=$?
    if [ "$status" != 0 ] || [ -s "$err" ]; then
        { echo "dm-stream dump: exit $status"; normalise_stderr "" "$err"; } >> "$2"
    fi
    rm -f "$err"
}

# run_pipeline BIN DIR NAME OUT STAGE...: runs the stages joined by pipes, those named dm-* or
# dnsmonster from BIN. Stage K's standard error goes to DIR/raw/NAME.K.TOOL.err, the last
# stage's output to DIR/cmp/OUT (X.out) or DIR/raw/OUT (X.dmr, dumped later), the stages'
# exit statuses to DIR/cmp/NAME.status.
run_pipeline() {
    local bin=$1 dir=$2 name=$3 out=$4 cmd= k=0 stage tool
    shift 4
    for stage in "$@"; do
        k=$((k + 1))
        tool=${stage%% *}
        case $tool in dm-*|dnsmonster) stage="$(printf %q "$bin")/$stage" ;; esac
        cmd+="${cmd:+ | }$stage 2> $(printf %q "$dir/raw/$name.$k.$tool.err")"
    done
    printf '%s\n' "$cmd" > "$dir/raw/$name.cmd"
    set +e
    case $out in *.out) out=$dir/cmp/$out ;; *) out=$dir/raw/$out ;; esac   # outputs compared as written
    eval "$cmd > $(printf %q "$out")"'; echo "${PIPESTATUS[*]}" > '"$(printf %q "$dir/cmp/$name.status")"
    set -e
}

# The dm-filter rows: name and options.
filter_names=(mask dedup sample qtype tag-only)
filter_options=("--mask4 24 --mask6 64" "--dedup" "--sample 1:2" "--qtype A,AAAA" "--tag-only --skip-domains $(printf %q "$LIST")")

# run_side BIN DIR CAPTURE: every command line of the header with BIN's binaries, then what
# is compared into DIR/cmp (streams dumped, standard errors normalised, outputs as written).
run_side() {
    local bin=$1 dir=$2 qf raw format i file
    qf=$(printf %q "$3")
    mkdir -p "$dir/raw" "$dir/cmp"
    raw=$(printf %q "$dir/raw")
    run_pipeline "$bin" "$dir" pipeline pipeline.out "dm-capture --pcap $qf" "tee $raw/capture.dmr" \
        dm-parse "tee $raw/parse.dmr" dm-filter "tee $raw/filter.dmr" "dm-out --format json"
    run_pipeline "$bin" "$dir" keep-malformed keep-malformed.out "dm-capture --pcap $qf" \
        "dm-parse --keep-malformed" "tee $raw/keep-malformed.dmr" dm-filter "dm-out --format json"
    for format in csv json-ocsf text gotemplate; do
        run_pipeline "$bin" "$dir" "out-$format" "out-$format.out" "dm-out --format $format < $raw/filter.dmr"
    done
    for i in "${!filter_names[@]}"; do
        run_pipeline "$bin" "$dir" "filter-${filter_names[i]}" "filter-${filter_names[i]}.dmr" \
            "dm-filter ${filter_options[i]} < $raw/parse.dmr"
    done
    run_pipeline "$bin" "$dir" out-type2 out-type2.out "dm-out --stdout-type 2 < $raw/filter-tag-only.dmr"
    run_pipeline "$bin" "$dir" dnsmonster dnsmonster.out "dnsmonster --pcapFile $qf --stdoutOutputType=1 --lanes 1"
    for file in "$dir"/raw/*.dmr; do dump_stream "$file" "$dir/cmp/${file##*/}.dump"; done
    normalise_stderr "$dir/cmp" "$dir"/raw/*.err
}

# first_difference OLD_FILE NEW_FILE: "line N, column C: old: … | new: …" for the first line that
# differs, each side shown from a little before the first character that differs.
first_difference() {
    awk -v a="$1" -v b="$2" '
function shown(ok, s, from) {
    if (!ok) return "(end of file)"
    s = substr(s, from); if (from > 1) s = "…" s
    return length(s) > 110 ? substr(s, 1, 110) "…" : s
}
BEGIN {
    for (n = 1; ; n++) {
        ra = (getline la < a) > 0; rb = (getline lb < b) > 0
        if (!ra && !rb) { print "no line differs (a final newline does)"; exit }
        if (ra != rb || la != lb) {
            for (c = 1; c <= length(la) && substr(la, c, 1) == substr(lb, c, 1); c++) ;
            from = c > 40 ? c - 30 : 1
            print "line " n ", column " c ": old: " shown(ra, la, from) " | new: " shown(rb, lb, from); exit
        }
    }
}'
}

# The captures: MANIFEST's files but dnstap/fstrm, then the generated pcaps; paths from CORPUS.
captures=()
skipped=0
while IFS=$'\t' read -r path format; do
    case $format in *dnstap*|*fstrm*) skipped=$((skipped + 1)); continue ;; esac
    captures+=("public/$path")
done < <(awk -F'\t' 'NR > 1 { print $1 "\t" $6 }' "$CORPUS/public/MANIFEST.tsv")
for file in "$CORPUS"/generated/*.pcap; do captures+=("generated/${file##*/}"); done
if [ -n "${ONLY:-}" ]; then
    mapfile -t captures < <(printf '%s\n' "${captures[@]}" | grep -E -- "$ONLY" || true)
    [ "${#captures[@]}" -gt 0 ] || { log "no capture matches ONLY=$ONLY"; exit 2; }
fi

work=$SCRATCH/work
rm -rf "$work" "$SCRATCH/differences"
t0=$(date +%s%N)
outputs=0
differences=0
differing_captures=0
cd "$CORPUS"   # capture paths as the corpus names them, in the outputs of both builds
log "== comparing ${#captures[@]} captures ($skipped dnstap/fstrm files skipped): $OLD vs $NEW"
for c in "${!captures[@]}"; do
    capture=${captures[c]}
    log "[$((c + 1))/${#captures[@]}] $capture"
    rm -rf "$work"
    if [ "$JOBS" = 2 ]; then   # the two builds side by side: each writes its own folder
        run_side "$OLD" "$work/old" "$capture" & old_side=$!
        run_side "$NEW" "$work/new" "$capture" & new_side=$!
        wait "$old_side" && wait "$new_side" || { log "$capture: a run failed (not a difference: the script's own error)"; exit 2; }
    else
        run_side "$OLD" "$work/old" "$capture"
        run_side "$NEW" "$work/new" "$capture"
    fi
    found=0
    while IFS= read -r name; do
        outputs=$((outputs + 1))
        if [ ! -e "$work/old/cmp/$name" ] || [ ! -e "$work/new/cmp/$name" ]; then
            what="only in $([ -e "$work/old/cmp/$name" ] && echo old || echo new)"
        elif cmp -s "$work/old/cmp/$name" "$work/new/cmp/$name"; then
            continue
        else
            what=$(first_difference "$work/old/cmp/$name" "$work/new/cmp/$name")
        fi
        found=$((found + 1))
        echo "DIFFERENT $capture: $name: $what"
    done < <({ ls "$work/old/cmp"; ls "$work/new/cmp"; } | sort -u)
    if [ "$found" -gt 0 ]; then
        differences=$((differences + found))
        differing_captures=$((differing_captures + 1))
        mkdir -p "$SCRATCH/differences"
        mv "$work" "$SCRATCH/differences/${capture//\//__}"
    fi
done
rm -rf "$work"
elapsed=$(awk -v ns="$(($(date +%s%N) - t0))" 'BEGIN { printf "%.0f", ns / 1e9 }')
echo "compared ${#captures[@]} captures ($skipped dnstap/fstrm files skipped), $outputs outputs: $differences differences in $differing_captures captures; $elapsed s"
[ "$differences" = 0 ] || { echo "kept for inspection: $SCRATCH/differences/"; exit 1; }
