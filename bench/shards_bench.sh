#!/usr/bin/env bash
# Shards of one plan (issue 17) against one `cvat-ingest serve --build-delay`: U folder units
# whose sizes vary 100-fold (unit i holds 1 + (7 i mod 100) images), planned once; then, R
# times interleaved, each against a fresh receiver:
#   - one:    one process running every unit (--shard 1/1) with --parallel-tasks S;
#   - shards: S processes at once (--shard k/S), each with --parallel-tasks 1 (as S Slurm array
#             elements or S pods of an Indexed Job would run them).
# Prints the median wall time of each (with min-max) and the ratio, and the shard imbalance:
# the largest shard's bytes over the mean (from each shard's --dry-run plan).
#   bench/shards_bench.sh [--units 200] [--shards 4] [--runs 3] [--build-delay 0.2]
#                         [--build-workers 4] [--bin PATH]
# Needs a release build (cmake --preset release && cmake --build --preset release --target
# cvat-ingest) and Python 3 (to write the PNGs).
set -euo pipefail
cd "$(dirname "$0")/.."
units=200 shards=4 runs=3 delay=0.2 workers=4 bin=build/release/cli/cvat-ingest
while [ $# -gt 0 ]; do
  case $1 in
    --units) units=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --build-delay) delay=$2; shift 2 ;;
    --build-workers) workers=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "shards_bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "build $bin first (release preset)" >&2; exit 1; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
. bench/lib.sh
bench_workdir shards
cd "$work"

python3 - "$units" <<'PY'
import os, random, struct, sys, zlib
units = int(sys.argv[1])
rng = random.Random(17)
def png(w, h):
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    raw = b"".join(b"\x00" + bytes(rng.getrandbits(8) for _ in range(3 * w)) for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))
for i in range(units):
    d = "corpus/unit%04d" % i
    os.makedirs(d)
    for k in range(1 + (7 * i) % 100):
        open("%s/%03d.png" % (d, k), "wb").write(png(24, 24))
PY
"$bin" plan corpus --create 'sb {name}' --labels '[{"name":"x"}]' --task-per folder \
  -o run.plan 2> /dev/null

# serve_fresh: a receiver on a new data folder (bench/lib.sh), its token in the environment.
serve_fresh() {
  stop_serve
  start_serve --build-delay "$delay" --build-workers "$workers"
  export CVAT_ACCESS_TOKEN=$(head -n 1 "$work/srv/token")
}

serve_fresh
bytes=()
for k in $(seq "$shards"); do
  b=$("$bin" upload --plan run.plan --shard "$k/$shards" --server "$url" --dry-run \
      --progress none 2>&1 | awk '/^total/ { print $0 }' | grep -o '[0-9.]* [KMG]*i*B$' || true)
  bytes+=("$b")
done

since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
one=() many=()
for r in $(seq "$runs"); do
  serve_fresh
  t0=$(now)
  "$bin" upload --plan run.plan --shard 1/1 --parallel-tasks "$shards" --server "$url" \
    --progress none --no-journal > /dev/null 2> one.err || { cat one.err >&2; exit 1; }
  one+=("$(since "$t0")")
  serve_fresh
  t0=$(now)
  pids=()
  for k in $(seq "$shards"); do
    "$bin" upload --plan run.plan --shard "$k/$shards" --parallel-tasks 1 --server "$url" \
      --progress none --no-journal > /dev/null 2> "shard$k.err" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || { cat shard*.err >&2; exit 1; }; done
  many+=("$(since "$t0")")
  echo "run $r of $runs done" >&2
done

python3 - "$units" "$shards" "$delay" "$workers" "${one[*]}" "${many[*]}" "${bytes[@]}" <<'PY'
import statistics, sys
units, shards, delay, workers = sys.argv[1:5]
one = [float(x) for x in sys.argv[5].split()]
many = [float(x) for x in sys.argv[6].split()]
unit = {"B": 1, "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}
sizes = []
for b in sys.argv[7:]:
    n, u = b.split()
    sizes.append(float(n) * unit[u])
def line(name, xs):
    return "%-28s %6.2f s (min %.2f, max %.2f, %d runs)" % (name, statistics.median(xs), min(xs), max(xs), len(xs))
print("%s units (1-100 images each), serve --build-delay %s --build-workers %s" % (units, delay, workers))
print(line("one process, --parallel-tasks %s" % shards, one))
print(line("%s shards at once, K=1 each" % shards, many))
print("shards / one: %.2fx the wall time" % (statistics.median(many) / statistics.median(one)))
mean = sum(sizes) / len(sizes)
print("shard bytes:", ", ".join("%.0f KiB" % (s / 1024) for s in sizes),
      "- imbalance (largest / mean): %.3f" % (max(sizes) / mean))
PY
