#!/usr/bin/env bash
# Baseline for the comparison suite (bench/compare/run.sh): the curl command line.
#
# Uploads files to a CVAT-compatible server as one TUS creation (POST .../data/ with
# Upload-Length) plus one PATCH of the whole file (curl -X PATCH -T FILE) per file, wrapped in
# CVAT's data session (create task, Upload-Start, uploads, Upload-Finish, poll the request).
# Sequential by default; --parallel N runs the per-file step through `xargs -P N`.
# Prints one JSON line on stdout (same fields as tus_js_upload.mjs).
#
# usage: curl_upload.sh --server URL --token-file FILE (--dir DIR | FILE...)
#          [--parallel N] [--name TASK] [--tool LABEL] [--auth-scheme Token|Bearer]
#          [--poll-ms MS]
#
# The token never reaches argv: it is written to a private header file that curl reads with
# `-H @file` (curl >= 7.55). `Expect:` is sent empty so curl does not wait for 100-continue.
set -euo pipefail

die() { echo "curl_upload: $*" >&2; exit 1; }

# Per-file step: needs DATA_URL, ORIGIN, HDR_FILE in the environment. Used directly (sequential)
# and by the xargs workers (`curl_upload.sh --worker FILE...`).
upload_one() {
  local f=$1 name size meta out code loc
  name=${f##*/}
  size=$(stat -L -c %s -- "$f")
  meta=$(printf '%s' "$name" | base64 -w0)
  out=$(curl -sS -o /dev/null -w '%{http_code} %header{location}' -X POST \
        -H @"$HDR_FILE" -H "Origin: $ORIGIN" -H 'Tus-Resumable: 1.0.0' \
        -H "Upload-Length: $size" -H "Upload-Metadata: filename $meta" "$DATA_URL") ||
    { echo "curl_upload: $f: creation request failed" >&2; return 1; }
  code=${out%% *}
  loc=${out#* }
  if [[ $code != 201 || -z $loc ]]; then
    echo "curl_upload: $f: creation answered HTTP $code" >&2
    return 1
  fi
  code=$(curl -sS -o /dev/null -w '%{http_code}' -X PATCH -T "$f" \
         -H @"$HDR_FILE" -H 'Tus-Resumable: 1.0.0' -H 'Expect:' \
         -H 'Content-Type: application/offset+octet-stream' -H 'Upload-Offset: 0' "$loc") ||
    { echo "curl_upload: $f: PATCH failed" >&2; return 1; }
  if [[ $code != 204 ]]; then
    echo "curl_upload: $f: PATCH answered HTTP $code" >&2
    return 1
  fi
}

if [[ ${1:-} == --worker ]]; then
  shift
  for f in "$@"; do upload_one "$f" || exit 255; done  # 255 makes xargs stop early
  exit 0
fi

usage() {
  sed -n '10,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

T0=$EPOCHREALTIME
server='' token_file='' dir='' parallel=1 name='' tool='' scheme=Token poll_ms=50
files=()
while (($#)); do
  case $1 in
    --server) server=${2:?}; shift 2 ;;
    --token-file) token_file=${2:?}; shift 2 ;;
    --dir) dir=${2:?}; shift 2 ;;
    --parallel) parallel=${2:?}; shift 2 ;;
    --name) name=${2:?}; shift 2 ;;
    --tool) tool=${2:?}; shift 2 ;;
    --auth-scheme) scheme=${2:?}; shift 2 ;;
    --poll-ms) poll_ms=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    --) shift; files+=("$@"); break ;;
    -*) echo "curl_upload: unknown option $1" >&2; usage ;;
    *) files+=("$1"); shift ;;
  esac
done
[[ -n $server && -n $token_file ]] || usage
[[ $parallel =~ ^[1-9][0-9]*$ ]] || die "--parallel needs a positive integer"
if [[ -n $dir ]]; then
  # Code-point order of the relative path, like the other baselines (symlinks followed).
  mapfile -d '' -t found < <(cd "$dir" && find -L . -type f -print0 | LC_ALL=C sort -z)
  for f in "${found[@]}"; do files+=("$dir/${f#./}"); done
fi
((${#files[@]})) || die "no files to upload"
[[ -n $tool ]] || { if ((parallel > 1)); then tool="curl xargs -P $parallel"; else tool="curl sequential"; fi; }
[[ -n $name ]] || name="$tool"

# CVAT keeps basenames only: refuse collisions; add up the bytes.
declare -A seen=()
bytes=0
while IFS=$'\t' read -r -d '' size path; do
  b=${path##*/}
  [[ -z ${seen[$b]+x} ]] || die "two files share the basename '$b'"
  seen[$b]=1
  ((size > 0)) || die "$path is empty; empty files cannot go through CVAT TUS"
  bytes=$((bytes + size))
done < <(stat -L --printf '%s\t%n\0' -- "${files[@]}")

token=$(head -n 1 -- "$token_file" | tr -d '\r\n')
[[ -n $token ]] || die "no token in $token_file"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
HDR_FILE=$work/auth.hdr
(umask 077 && printf 'Authorization: %s %s\n' "$scheme" "$token" > "$HDR_FILE")
unset token

base=${server%/}
ORIGIN=$(printf '%s' "$base" | sed -E 's#^([a-zA-Z][a-zA-Z0-9+.-]*://[^/]+).*#\1#')

# api METHOD PATH EXPECTED_CODE [curl args...]: the body lands in $work/body.
api() {
  local method=$1 path=$2 want=$3 code
  shift 3
  code=$(curl -sS -o "$work/body" -w '%{http_code}' -X "$method" -H @"$HDR_FILE" "$@" \
         "$base/$path") || die "$method /$path failed"
  [[ $code == "$want" ]] || die "$method /$path: HTTP $code $(head -c 300 "$work/body")"
}
# json_field NAME: the top-level field NAME of $work/body (jq when installed, else the first
# "NAME": string-or-number in the text, which is enough for the replies used here).
json_field() {
  if command -v jq > /dev/null; then
    jq -r --arg k "$1" '.[$k] // empty' "$work/body"
  else
    grep -oE "\"$1\":[[:space:]]*(\"[^\"]*\"|[0-9]+)" "$work/body" | head -n 1 |
      sed -E 's/^"[^"]*":[[:space:]]*"?//; s/"$//'
  fi
}
urlencode() {
  local s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [a-zA-Z0-9.~_-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

json_name=${name//\\/\\\\}
json_name=${json_name//\"/\\\"}
api POST api/tasks 201 -H 'Content-Type: application/json' \
  --data-binary "{\"name\":\"$json_name\",\"labels\":[{\"name\":\"x\"}]}"
task_id=$(json_field id)
[[ $task_id =~ ^[0-9]+$ ]] || die "no task id in the create response"
DATA_URL="$base/api/tasks/$task_id/data/"
export DATA_URL ORIGIN HDR_FILE
api POST "api/tasks/$task_id/data/" 202 -H 'Upload-Start: true'

T_UP=$EPOCHREALTIME
if ((parallel == 1)); then
  for f in "${files[@]}"; do upload_one "$f" || die "upload failed"; done
else
  # Hand each worker a few files at a time (fewer bash start-ups), but never so many that a
  # small corpus ends up on fewer workers than -P.
  per=$(( ${#files[@]} / (parallel * 8) ))
  ((per >= 1)) || per=1
  ((per <= 32)) || per=32
  printf '%s\0' "${files[@]}" | xargs -0 -P "$parallel" -n "$per" "$0" --worker ||
    die "upload failed (xargs exit $?)"
fi
T_UP_END=$EPOCHREALTIME

api POST "api/tasks/$task_id/data/" 202 -H 'Upload-Finish: true' \
  -H 'Content-Type: application/json' \
  --data-binary '{"image_quality":70,"sorting_method":"lexicographical"}'
rq_id=$(json_field rq_id)
[[ -n $rq_id ]] || die "no rq_id in the finish response"
rq_path="api/requests/$(urlencode "$rq_id")"
poll_s=$(awk -v ms="$poll_ms" 'BEGIN { printf "%.3f", ms / 1000 }')
while :; do
  api GET "$rq_path" 200
  status=$(json_field status)
  case $status in
    finished) break ;;
    failed) die "task creation failed: $(json_field message)" ;;
  esac
  sleep "$poll_s"
done
T_END=$EPOCHREALTIME

awk -v tool="$tool" -v par="$parallel" -v n="${#files[@]}" -v bytes="$bytes" \
    -v t0="$T0" -v tu="$T_UP" -v tue="$T_UP_END" -v te="$T_END" -v id="$task_id" \
    -v ver="$(curl --version | head -n 1 | cut -d' ' -f2)" -v status="$status" 'BEGIN {
  up = tue - tu; tot = te - t0
  gsub(/"/, "\\\"", tool)
  printf "{\"tool\":\"%s\",\"version\":\"%s\",\"concurrency\":%d,\"chunk_size\":null,", tool, ver, par
  printf "\"files\":%d,\"bytes\":%.0f,\"upload_seconds\":%.3f,\"total_seconds\":%.3f,", n, bytes, up, tot
  printf "\"files_per_s\":%.3f,\"mb_per_s\":%.3f,", n / up, bytes / 1e6 / up
  printf "\"files_per_s_total\":%.3f,\"mb_per_s_total\":%.3f,", n / tot, bytes / 1e6 / tot
  printf "\"task_id\":%d,\"status\":\"%s\"}\n", id, status
}'
