#!/usr/bin/env bash
# What the durable batch intent records (issue 15 point 9: a synchronous=FULL commit before
# Upload-Multiple batches, one for every 8 since 5fcef2c) cost: two cvat-ingest binaries,
# before and after, upload the same corpus with the journal on, in alternation (so the
# machine's drift hits both), to one `serve --discard`; prints each one's median upload time,
# the ratio, and (with strace) the syncs each made and the wall time spent in them.
#   bench/journal_sync_bench.sh --before BIN --after BIN [--repeat N] [--files N] [--batch SIZE]
# Corpus: N files of 100 KiB (a PNG header and random bytes) under $BENCH_DIR (default: a
# temp dir), the page cache warm; journals are written under $BENCH_DIR/journals (the disk
# whose fsync is measured).
set -euo pipefail
repeat=3 files=20000 batch=32MiB before='' after=''
while [ $# -gt 0 ]; do
  case $1 in
    --before) before=$2; shift 2 ;;
    --after) after=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$before" ] && [ -x "$after" ] || { echo "--before BIN and --after BIN are required" >&2; exit 2; }
work=${BENCH_DIR:-$(mktemp -d /tmp/cvat-ingest-journal-XXXXXX)}
rm -rf "$work/journals"  # a journal left by an earlier run would make the upload a resume
mkdir -p "$work/journals"

python3 - "$work/small" "$files" <<'PY'
import os, struct, sys, zlib
d, n = sys.argv[1], int(sys.argv[2])
if os.path.isdir(d) and len(os.listdir(d)) == n: sys.exit(0)
os.makedirs(d, exist_ok=True)
def chunk(t, b): return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b))
head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 48, 8, 2, 0, 0, 0))
size = 100 << 10
body = size - len(head) - 12 - 12
block = os.urandom(body)
for i in range(n):
    with open(os.path.join(d, "f_%d.png" % i), "wb") as f:
        f.write(head + struct.pack(">I", body) + b"IDAT" + block + b"\0\0\0\0" + chunk(b"IEND", b""))
PY
cat "$work"/small/* > /dev/null

rm -rf "$work/srv" "$work/port"
"$after" serve --data "$work/srv" --discard --port 0 --port-file "$work/port" > "$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")"

run() {  # bin label run -> upload seconds
  "$1" upload "$work/small" --server "$url" --token-file "$work/srv/token" --create "j$3$2" \
    --labels '[{"name":"x"}]' --progress none --json --batch "$batch" \
    --journal "$work/journals/$2_$3.journal" 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["upload_seconds"])'
}

declare -a tb ta
for i in $(seq "$repeat"); do
  tb+=("$(run "$before" before "$i")")
  ta+=("$(run "$after" after "$i")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mb=$(median "${tb[@]}") ma=$(median "${ta[@]}")
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $files x 100 KiB, --batch $batch, $repeat runs each, alternated"
echo "journal dir fs: $(df -T "$work/journals" | awk 'NR==2 {print $2}')"
printf "before median %7.3f s  (runs: %s)\n" "$mb" "${tb[*]}"
printf "after  median %7.3f s  (runs: %s)\n" "$ma" "${ta[*]}"
printf "ratio after/before   %.3f\n" "$(echo "$ma / $mb" | bc -l)"

# The syncs themselves, less noisy than the wall times: one more upload each under strace
# (when it is installed), counting fsync/fdatasync calls and the wall time spent in them.
if command -v strace > /dev/null; then
  for side in before after; do
    bin=$before
    [ "$side" = after ] && bin=$after
    strace -f -w -c -e trace=fsync,fdatasync -o "$work/$side.strace" \
      "$bin" upload "$work/small" --server "$url" --token-file "$work/srv/token" \
      --create "js$side" --labels '[{"name":"x"}]' --progress none --batch "$batch" \
      --journal "$work/journals/${side}_strace.journal" > /dev/null 2>&1
    awk -v side="$side" '$NF == "fsync" || $NF == "fdatasync" { n += $4; s += $2 }
      END { printf "%-6s syncs: %d calls, %.3f s in them\n", side, n, s }' "$work/$side.strace"
  done
fi
