#!/usr/bin/env bash
# bench/compare/run.sh: the comparison suite. In one go, on this machine, against one local
# receiver (`cvat-ingest serve --discard`) and on the same generated corpora, it measures
#   - cvat-ingest upload (when `cvat-ingest upload --help` exits 0),
#   - tus-js-client (the TUS library of CVAT's web UI), one TUS upload per file, at
#     concurrency 1, 4 and 16 (bench/peers/tus_js_upload.mjs),
#   - the curl command line, one creation + one PATCH per file, sequential and with
#     `xargs -P 4` (bench/peers/curl_upload.sh),
#   - the ceilings: one curl PATCH stream of the largest file (network/receiver side), and
#     `cat > /dev/null` and `xxhsum -H3` over each corpus (disk side, page cache warm),
# and writes a markdown table of medians (min-max) and ratios against the best baseline to
# bench/RESULTS.md, and every raw JSON line to bench/RESULTS.jsonl.
#
# usage: bench/compare/run.sh [--quick] [--repeat N] [--workloads LIST] [OPTIONS]
#   --quick              small smoke run (small corpora, one repeat)
#   --repeat N           runs per point (default 3; --quick: 1)
#   --workloads LIST     comma list of small,large,huge,mixed (default all four)
#   --small SPEC         corpus specs: COUNTxSIZE[,COUNTxSIZE...], sizes in B/KiB/MiB/GiB
#   --large SPEC           defaults: small 20000x100KiB, large 200x10MiB, huge 5x1GiB,
#   --huge SPEC            mixed 1000x64KiB,600x256KiB,300x1MiB,60x8MiB,3x128MiB
#   --mixed SPEC
#   --curl-sample N      the curl baselines upload an evenly spread sample of about N files of
#                        a corpus that has more (their cost per file is constant; default
#                        1000; 0 = all files)
#   --tus-concurrency L  tus-js-client concurrency levels (default 1,4,16)
#   --tus-chunk-size B   tus-js-client chunkSize (default: none, the whole file in one PATCH)
#   --xargs-p N          parallelism of the curl xargs variant (default 4)
#   --points LIST        subset of ingest,tus,curl,ceiling,disk (default all)
#   --corpus-dir DIR     where corpora are generated and kept between runs
#                        (default ${TMPDIR:-/tmp}/cvat-ingest-compare)
#   --results FILE       markdown output (default bench/RESULTS.md)
#   --raw FILE           raw JSON lines (default bench/RESULTS.jsonl)
#   --build-dir DIR      the release build (default build/release)
#   --ingest-args ARGS   extra options for `cvat-ingest upload` (e.g. '--connections 16')
#   --skip-npm           do not run `npm ci` in bench/peers
#   --clean              delete the generated corpora at the end
#
# Files are JPEGs with exact sizes: a small valid JPEG (from the project's make_corpus) followed
# by random bytes from /dev/urandom, so headers probe as images and every file is distinct.
# awk here is often mawk: print byte counts with %.0f, never %d (it stops at 2^31-1).
# Needs: bash 5, curl >= 7.84, node >= 20 with npm, xxhsum, coreutils; the release build.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PEERS=$ROOT/bench/peers

say() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'compare: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '14,36p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# ---- options -------------------------------------------------------------------------------
quick=0 repeat='' workloads=small,large,huge,mixed
spec_small=20000x100KiB spec_large=200x10MiB spec_huge=5x1GiB
spec_mixed=1000x64KiB,600x256KiB,300x1MiB,60x8MiB,3x128MiB
curl_sample=1000 tus_conc=1,4,16 tus_chunk='' xargs_p=4 points=ingest,tus,curl,ceiling,disk
corpus_dir=${TMPDIR:-/tmp}/cvat-ingest-compare
results=$ROOT/bench/RESULTS.md raw=$ROOT/bench/RESULTS.jsonl build=$ROOT/build/release
skip_npm=0 clean=0 ingest_args=''
set_small='' set_large='' set_huge='' set_mixed='' set_sample=''
args_given=("$@")
while (($#)); do
  case $1 in
    --quick) quick=1; shift ;;
    --repeat) repeat=${2:?}; shift 2 ;;
    --workloads) workloads=${2:?}; shift 2 ;;
    --small) set_small=${2:?}; shift 2 ;;
    --large) set_large=${2:?}; shift 2 ;;
    --huge) set_huge=${2:?}; shift 2 ;;
    --mixed) set_mixed=${2:?}; shift 2 ;;
    --curl-sample) set_sample=${2:?}; shift 2 ;;
    --tus-concurrency) tus_conc=${2:?}; shift 2 ;;
    --tus-chunk-size) tus_chunk=${2:?}; shift 2 ;;
    --xargs-p) xargs_p=${2:?}; shift 2 ;;
    --points) points=${2:?}; shift 2 ;;
    --corpus-dir) corpus_dir=${2:?}; shift 2 ;;
    --results) results=${2:?}; shift 2 ;;
    --raw) raw=${2:?}; shift 2 ;;
    --build-dir) build=${2:?}; shift 2 ;;
    --ingest-args) ingest_args=${2?}; shift 2 ;;
    --skip-npm) skip_npm=1; shift ;;
    --clean) clean=1; shift ;;
    -h|--help) usage ;;
    *) echo "compare: unknown option $1" >&2; usage ;;
  esac
done
if ((quick)); then
  spec_small=500x100KiB spec_large=10x10MiB spec_huge=2x128MiB
  spec_mixed=100x64KiB,60x256KiB,30x1MiB,6x8MiB,1x64MiB
  curl_sample=0
  : "${repeat:=1}"
fi
: "${repeat:=3}"
spec_small=${set_small:-$spec_small} spec_large=${set_large:-$spec_large}
spec_huge=${set_huge:-$spec_huge} spec_mixed=${set_mixed:-$spec_mixed}
curl_sample=${set_sample:-$curl_sample}
[[ $repeat =~ ^[1-9][0-9]*$ ]] || die "--repeat needs a positive integer"
[[ $curl_sample =~ ^[0-9]+$ ]] || die "--curl-sample needs a number"
has_point() { [[ ,$points, == *,$1,* ]]; }

CLI=$build/cli/cvat-ingest
MAKE_CORPUS=$build/bench/make_corpus
[[ -x $CLI ]] || die "$CLI not found: build first (cmake --preset release && cmake --build --preset release)"
[[ -x $MAKE_CORPUS ]] || die "$MAKE_CORPUS not found: build first"
for t in curl node npm xxhsum split stat find sort awk; do
  command -v "$t" > /dev/null || die "$t is not installed"
done

# ---- sizes and corpora ---------------------------------------------------------------------
to_bytes() {  # 100KiB -> 102400
  local v=$1 n u
  [[ $v =~ ^([0-9]+)(B|KiB|MiB|GiB|K|M|G)?$ ]] || die "bad size '$v'"
  n=${BASH_REMATCH[1]} u=${BASH_REMATCH[2]:-B}
  case $u in
    B) echo "$n" ;;
    K|KiB) echo $((n * 1024)) ;;
    M|MiB) echo $((n * 1024 * 1024)) ;;
    G|GiB) echo $((n * 1024 * 1024 * 1024)) ;;
  esac
}
spec_of() {
  case $1 in
    small) echo "$spec_small" ;; large) echo "$spec_large" ;;
    huge) echo "$spec_huge" ;; mixed) echo "$spec_mixed" ;;
    *) die "unknown workload '$1' (small, large, huge, mixed)" ;;
  esac
}
human() {  # 102400 -> 100 KiB
  awk -v b="$1" 'BEGIN { split("B KiB MiB GiB TiB", u, " "); i = 1
    while (b >= 1024 && i < 5 && b % 1024 == 0) { b /= 1024; i++ }
    printf "%d %s", b, u[i] }'
}
describe() {  # 20000x100KiB -> "20,000 x 100 KiB"
  local spec=$1 out='' g c s
  IFS=, read -ra groups <<< "$spec"
  for g in "${groups[@]}"; do
    c=${g%%x*} s=$(to_bytes "${g#*x}")
    out+="${out:+ + }$(printf "%'d" "$c" 2> /dev/null || echo "$c") x $(human "$s")"
  done
  echo "$out"
}

HDR_JPEG=''
make_header() {
  local d=$corpus_dir/.header
  if [[ ! -s $d/header.jpg ]]; then
    rm -rf "$d" && mkdir -p "$d"
    "$MAKE_CORPUS" "$d/gen" --images 1 --width 64 --height 48 --format jpeg > /dev/null
    cp "$d/gen/set_1/img_1.jpg" "$d/header.jpg"
  fi
  HDR_JPEG=$d/header.jpg
}

# gen_corpus NAME SPEC: DIR/<name>, regenerated only when the spec changed.
gen_corpus() {
  local name=$1 spec=$2 dir=$corpus_dir/$1 hsize gi=0 g c s
  if [[ -f $dir/.spec && $(< "$dir/.spec") == "$spec" ]]; then
    say "corpus $name ($spec): reusing $dir"
    return
  fi
  say "corpus $name ($spec): generating in $dir"
  rm -rf "$dir" && mkdir -p "$dir/files"
  make_header
  hsize=$(stat -c %s "$HDR_JPEG")
  IFS=, read -ra groups <<< "$spec"
  for g in "${groups[@]}"; do
    [[ $g =~ ^[0-9]+x ]] || die "bad corpus spec '$g' (COUNTxSIZE)"
    c=${g%%x*} s=$(to_bytes "${g#*x}")
    ((s > hsize)) || die "files of $s bytes are smaller than the JPEG header ($hsize)"
    # One random stream cut into pieces; each piece becomes header + piece (exactly s bytes).
    head -c $(((s - hsize) * c)) /dev/urandom |
      HDR="$HDR_JPEG" split -b $((s - hsize)) -a 6 -d --additional-suffix=.jpg \
        --filter='cat "$HDR" - > "$FILE"' - "$dir/files/g${gi}_"
    gi=$((gi + 1))
  done
  echo "$spec" > "$dir/.spec"
}

corpus_files() { find "$1" -type f -print0 | LC_ALL=C sort -z; }

warm_cache() {
  local dir=$1 bytes avail
  bytes=$(du -sb "$dir" | cut -f1)
  avail=$(awk '/^MemAvailable:/ { printf "%.0f", $2 * 1024 }' /proc/meminfo)
  if ((bytes > avail * 8 / 10)); then
    say "warning: corpus ($bytes B) is larger than 80% of available memory; reads may hit disk"
  fi
  find "$dir" -type f -print0 | xargs -0 cat > /dev/null
}

# ---- the receiver --------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cvat-compare.XXXXXX")
SERVE_PID=''
cleanup() {
  local rc=$?
  if [[ -n $SERVE_PID ]]; then
    kill "$SERVE_PID" 2> /dev/null || true
    wait "$SERVE_PID" 2> /dev/null || true
  fi
  if ((rc != 0)) && [[ -s $WORK/serve.log ]]; then
    echo "compare: receiver log (last lines):" >&2
    tail -n 20 "$WORK/serve.log" >&2
  fi
  rm -rf "$WORK"
  if ((clean)); then rm -rf "$corpus_dir"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RESTARTS=0
start_receiver() {
  mkdir -p "$WORK/serve"
  rm -f "$WORK/port"
  "$CLI" serve --discard --data "$WORK/serve" --port 0 --port-file "$WORK/port" \
    --token-file "$WORK/token" >> "$WORK/serve.log" 2>&1 &
  SERVE_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s $WORK/port ]] && break
    kill -0 "$SERVE_PID" 2> /dev/null || die "cvat-ingest serve exited: $(cat "$WORK/serve.log")"
    sleep 0.1
  done
  [[ -s $WORK/port ]] || die "cvat-ingest serve did not write its port"
  URL="http://127.0.0.1:$(< "$WORK/port")"
  TOKEN_FILE=$WORK/token
  say "receiver: $URL (pid $SERVE_PID, --discard)"
}
# Another program on a shared machine may stop the receiver (it logs "stopping (SIGTERM)"):
# start a new one, and run the point again once if that happened during it.
receiver_alive() {  # running, not a zombie, and not shutting down
  local st
  st=$(awk '{ print $3 }' "/proc/$SERVE_PID/stat" 2> /dev/null) || return 1
  [[ -n $st && $st != Z ]] || return 1
  (($(grep -c 'stopping' "$WORK/serve.log") <= STOPS_SEEN))
}
STOPS_SEEN=0
ensure_receiver() {
  if ! receiver_alive; then
    kill "$SERVE_PID" 2> /dev/null || true
    wait "$SERVE_PID" 2> /dev/null || true
    say "the receiver (pid $SERVE_PID) is gone: $(tail -n 1 "$WORK/serve.log"); starting a new one"
    RESTARTS=$((RESTARTS + 1))
    STOPS_SEEN=$(grep -c 'stopping' "$WORK/serve.log" || true)
    start_receiver
  fi
}
# measure WORKLOAD RUN POINT FUNCTION ARGS...: FUNCTION prints one JSON line; keep it.
measure() {
  local wl=$1 run=$2 point=$3 line attempt
  shift 3
  for attempt in 1 2; do
    ensure_receiver
    if line=$("$@"); then
      record "$wl" "$run" "$point" "$line"
      return 0
    fi
    sleep 0.5  # a receiver told to stop closes its port first, then exits
    receiver_alive && break  # the receiver is up: a real failure
    say "$point: the receiver went away during the run; running the point again"
  done
  # Keep going: the failure is recorded and counted in the report.
  say "$point FAILED (workload $wl, run $run)"
  printf '{"workload":"%s","spec":"%s","run":%d,"point":"%s","error":true}\n' \
    "$wl" "$(spec_of "$wl")" "$run" "$point" | tee -a "$raw" >> "$WORK/raw.jsonl"
}
pt_tus() {
  node "$PEERS/tus_js_upload.mjs" --server "$URL" --token-file "$TOKEN_FILE" --dir "$1" \
    --concurrency "$2" ${tus_chunk:+--chunk-size "$tus_chunk"} --name "$3"
}
pt_curl() {  # DIR PARALLEL NAME
  "$PEERS/curl_upload.sh" --server "$URL" --token-file "$TOKEN_FILE" --dir "$1" \
    --parallel "$2" --name "$3" < /dev/null
}
pt_stream() {  # FILE NAME
  "$PEERS/curl_upload.sh" --server "$URL" --token-file "$TOKEN_FILE" \
    --tool "curl single PATCH stream" --name "$2" -- "$1" < /dev/null
}

# ---- measuring -----------------------------------------------------------------------------
: > "$WORK/raw.jsonl"
mkdir -p "$(dirname "$raw")" && : > "$raw"  # written as the run goes
# record WORKLOAD RUN POINT JSON: prefix the workload fields and keep the line.
record() {
  local wl=$1 run=$2 point=$3 line=$4
  [[ $line == \{*\} ]] || die "$point: no JSON line (got: ${line:0:200})"
  printf '{"workload":"%s","spec":"%s","run":%d,"point":"%s",%s\n' \
    "$wl" "$(spec_of "$wl")" "$run" "$point" "${line#\{}" | tee -a "$raw" >> "$WORK/raw.jsonl"
  say "  $point run $run: $(printf '%s' "$line" |
    sed -nE 's/.*"files":([0-9]+).*"total_seconds":([0-9.]+).*"files_per_s_total":([0-9.]+),"mb_per_s_total":([0-9.]+).*/\1 files, \2 s, \3 files\/s, \4 MB\/s/p')"
}

# A timed shell command over the corpus's file list, as a JSON line.
disk_point() {
  local tool=$1 list=$2 files=$3 bytes=$4 t0 t1
  shift 4
  t0=$EPOCHREALTIME
  xargs -0 "$@" < "$list" > /dev/null 2> "$WORK/disk.err" ||
    { cat "$WORK/disk.err" >&2; return 1; }
  t1=$EPOCHREALTIME
  awk -v tool="$tool" -v n="$files" -v b="$bytes" -v t0="$t0" -v t1="$t1" 'BEGIN { s = t1 - t0
    printf "{\"tool\":\"%s\",\"concurrency\":1,\"files\":%d,\"bytes\":%.0f,\"upload_seconds\":null,", tool, n, b
    printf "\"total_seconds\":%.3f,\"files_per_s\":null,\"mb_per_s\":null,", s
    printf "\"files_per_s_total\":%.3f,\"mb_per_s_total\":%.3f}\n", n / s, b / 1e6 / s }'
}

ingest_available=0
ingest_point() {
  local dir=$1 files=$2 bytes=$3 name=$4 t0 t1 rc=0
  t0=$EPOCHREALTIME
  # The token goes through the environment (CVAT_ACCESS_TOKEN), never argv.
  # Its resume journal (on by default, so measured) goes in the work dir, not the home.
  XDG_STATE_HOME="$WORK/state" CVAT_ACCESS_TOKEN=$(head -n 1 "$TOKEN_FILE") \
    "$CLI" upload "$dir" --server "$URL" \
    --create "$name" --labels '[{"name":"x"}]' "${ingest_extra[@]}" \
    > "$WORK/ingest.log" 2>&1 || rc=$?
  t1=$EPOCHREALTIME
  if ((rc != 0)); then
    say "cvat-ingest upload failed (exit $rc); last lines:"
    tail -n 10 "$WORK/ingest.log" >&2
    return 1
  fi
  awk -v n="$files" -v b="$bytes" -v t0="$t0" -v t1="$t1" 'BEGIN { s = t1 - t0
    printf "{\"tool\":\"cvat-ingest upload\",\"concurrency\":null,\"files\":%d,\"bytes\":%.0f,", n, b
    printf "\"upload_seconds\":null,\"total_seconds\":%.3f,\"files_per_s\":null,\"mb_per_s\":null,", s
    printf "\"files_per_s_total\":%.3f,\"mb_per_s_total\":%.3f}\n", n / s, b / 1e6 / s }'
}

run_workload() {
  local wl=$1 spec dir list files bytes sample_dir run c line biggest
  spec=$(spec_of "$wl")
  gen_corpus "$wl" "$spec"
  dir=$corpus_dir/$wl/files
  list=$WORK/$wl.list
  corpus_files "$dir" > "$list"
  files=$(tr -cd '\0' < "$list" | wc -c)
  bytes=$(xargs -0 stat -c %s < "$list" | awk '{ s += $1 } END { printf "%.0f", s }')
  say "workload $wl: $files files, $bytes bytes; warming the page cache"
  warm_cache "$dir"

  # The curl baselines on an evenly spread sample of a large corpus (every k-th file, so a
  # mixed corpus keeps its mix), as a directory of symlinks.
  sample_dir=$dir
  if ((curl_sample > 0 && files > curl_sample)); then
    sample_dir=$WORK/$wl.sample
    mkdir -p "$sample_dir"
    local stride=$(((files + curl_sample - 1) / curl_sample))
    tr '\0' '\n' < "$list" | awk -v k="$stride" '(NR - 1) % k == 0' | tr '\n' '\0' |
      xargs -0 ln -s -t "$sample_dir"
  fi
  # The single-stream ceiling: the largest file of the corpus (run on one workload only).
  biggest=$(xargs -0 stat -c '%s %n' < "$list" | sort -n -k1,1 | tail -n 1 | cut -d' ' -f2-)

  for ((run = 1; run <= repeat; run++)); do
    say "workload $wl, run $run/$repeat"
    if has_point disk; then
      measure "$wl" "$run" cat disk_point 'cat > /dev/null' "$list" "$files" "$bytes" cat
      measure "$wl" "$run" xxhsum disk_point 'xxhsum -H3' "$list" "$files" "$bytes" xxhsum -H3
    fi
    if has_point ingest && ((ingest_available)); then
      measure "$wl" "$run" cvat-ingest ingest_point "$dir" "$files" "$bytes" "cvat-ingest $wl $run"
    fi
    if has_point tus; then
      IFS=, read -ra levels <<< "$tus_conc"
      for c in "${levels[@]}"; do
        measure "$wl" "$run" "tus-js-client c$c" pt_tus "$dir" "$c" "tus-js-client c$c $wl $run"
      done
    fi
    if has_point curl; then
      measure "$wl" "$run" "curl sequential" pt_curl "$sample_dir" 1 "curl sequential $wl $run"
      measure "$wl" "$run" "curl xargs -P $xargs_p" pt_curl "$sample_dir" "$xargs_p" \
        "curl xargs $wl $run"
    fi
    if has_point ceiling && [[ $wl == "$ceiling_wl" ]]; then
      measure "$wl" "$run" "ceiling: one curl PATCH" pt_stream "$biggest" "ceiling $wl $run"
    fi
  done
}

# ---- main ----------------------------------------------------------------------------------
T_START=$EPOCHREALTIME
if ((!skip_npm)); then
  say "npm ci in bench/peers"
  (cd "$PEERS" && npm ci --no-audit --no-fund --loglevel=error > "$WORK/npm.log" 2>&1) ||
    { cat "$WORK/npm.log" >&2; die "npm ci failed"; }
fi
[[ -d $PEERS/node_modules/tus-js-client ]] || die "tus-js-client is not installed (npm ci in bench/peers)"

ingest_extra=()
if "$CLI" upload --help > "$WORK/upload-help.txt" 2>&1; then
  ingest_available=1
  # No progress bar in the measurement, when the command has the option.
  if grep -q -- '--progress' "$WORK/upload-help.txt"; then ingest_extra+=(--progress none); fi
  if [[ -n $ingest_args ]]; then read -ra more <<< "$ingest_args"; ingest_extra+=("${more[@]}"); fi
  say "cvat-ingest upload: available; extra options: ${ingest_extra[*]:-none}"
else
  echo "cvat-ingest upload: not available"
fi

mkdir -p "$corpus_dir"
start_receiver
IFS=, read -ra wls <<< "$workloads"
for wl in "${wls[@]}"; do spec_of "$wl" > /dev/null; done
# The single PATCH stream runs on the huge workload, or on the last one when huge is not run.
ceiling_wl=${wls[-1]}
[[ ,$workloads, == *,huge,* ]] && ceiling_wl=huge
for wl in "${wls[@]}"; do run_workload "$wl"; done
T_END=$EPOCHREALTIME

# ---- report --------------------------------------------------------------------------------
serve_rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVE_PID/status" 2> /dev/null || echo null)
wl_desc=''
for wl in "${wls[@]}"; do wl_desc+="${wl_desc:+;}$wl=$(describe "$(spec_of "$wl")")"; done
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
export CMP_DATE CMP_CORES CMP_KERNEL CMP_CPU CMP_MEM CMP_CMD CMP_COMMIT CMP_DURATION CMP_WLS
export CMP_NODE CMP_CURL CMP_XXHSUM CMP_REPEAT CMP_SAMPLE CMP_INGEST CMP_SERVE_RSS CMP_RAW
export CMP_RESTARTS=$RESTARTS
CMP_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
CMP_CORES=$(nproc)
CMP_KERNEL="$(uname -sr)"
CMP_CPU=$cpu_model
CMP_MEM=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
CMP_CMD="bench/compare/run.sh${args_given[*]:+ ${args_given[*]}}"
CMP_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo unknown)
CMP_DURATION=$(awk -v a="$T_START" -v b="$T_END" 'BEGIN { printf "%.0f", b - a }')
CMP_WLS=$wl_desc
CMP_NODE=$(node --version)
CMP_CURL=$(curl --version | head -n 1 | cut -d' ' -f1-2)
CMP_XXHSUM=$(xxhsum --version 2>&1 | head -n 1 | cut -d' ' -f1-2)
CMP_REPEAT=$repeat
CMP_SAMPLE=$curl_sample
CMP_INGEST=$ingest_available
CMP_SERVE_RSS=$serve_rss_kb
CMP_RAW=$(realpath --relative-to="$(dirname "$results")" "$raw" 2> /dev/null || echo "$raw")
node "$HERE/summarize.mjs" "$WORK/raw.jsonl" > "$results"
say "wrote $results and $raw in ${CMP_DURATION} s"
cat "$results"
