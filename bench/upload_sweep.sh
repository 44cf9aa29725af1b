#!/usr/bin/env bash
# Sweeps cvat-ingest upload's transfer settings against a local `cvat-ingest serve --discard`
# and prints the median upload time and rate of each point: the figures behind the defaults
# (--connections, --batch, --tus-threshold, --tus-chunk; see README).
#   bench/upload_sweep.sh [--repeat N] [--small N] [--large N]
# Needs a release build. Corpora are generated under $BENCH_DIR (default: a temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=3 small=20000 large=5
while [ $# -gt 0 ]; do
  case $1 in
    --repeat) repeat=$2; shift 2 ;;
    --small) small=$2; shift 2 ;;
    --large) large=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bin=$PWD/build/release/cli/cvat-ingest
work=${BENCH_DIR:-$(mktemp -d /tmp/cvat-ingest-sweep-XXXXXX)}
mkdir -p "$work"

# Corpora: `small` files of 100 KiB and `large` files of 1 GiB, each a valid PNG header
# followed by random bytes (the receiver in --discard mode only counts and hashes them).
python3 - "$work" "$small" "$large" <<'PY'
import os, struct, sys, zlib
work, small, large = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def png(path, size, block):
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 48, 8, 2, 0, 0, 0))
    n = size - len(head) - 12 - 12
    with open(path, "wb") as f:
        f.write(head + struct.pack(">I", n) + b"IDAT")
        left = n
        while left:
            k = min(left, len(block)); f.write(block[:k]); left -= k
        f.write(b"\0\0\0\0" + chunk(b"IEND", b""))
block = os.urandom(1 << 20)
for name, count, size in (("small", small, 100 << 10), ("large", large, 1 << 30)):
    d = os.path.join(work, name)
    if os.path.isdir(d) and len(os.listdir(d)) == count: continue
    os.makedirs(d, exist_ok=True)
    for i in range(count): png(os.path.join(d, "f_%d.png" % i), size, block)
PY
cat "$work"/small/* "$work"/large/* > /dev/null 2>&1 || true

rm -rf "$work/srv" "$work/port"
"$bin" serve --data "$work/srv" --discard --port 0 --port-file "$work/port" > "$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")"

point() {  # corpus label options... -> "label median_s rate"
  local corpus=$1 label=$2; shift 2
  local times=()
  for _ in $(seq "$repeat"); do
    t=$("$bin" upload "$work/$corpus" --server "$url" --token-file "$work/srv/token" \
          --create sweep --labels '[{"name":"x"}]' --progress none --json --no-journal "$@" 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["upload_seconds"])')
    times+=("$t")
  done
  local med
  med=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  local bytes
  bytes=$(du -sb "$work/$corpus" | cut -f1)
  printf "%-8s %-34s median %7.3f s  %8.1f MB/s  (runs: %s)\n" "$corpus" "$label" "$med" \
    "$(echo "$bytes / $med / 1000000" | bc -l)" "${times[*]}"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $repeat runs per point"
for c in 1 2 4 8 16; do point small "--connections $c" --connections "$c"; done
for b in 8MiB 32MiB 64MiB; do point small "--batch $b" --batch "$b"; done
point small "all through TUS (--tus-threshold 1)" --tus-threshold 1
for c in 1 2 4 8; do point large "--connections $c" --connections "$c"; done
for k in 16MiB 64MiB 100MiB; do point large "--tus-chunk $k" --tus-chunk "$k"; done
