#!/usr/bin/env bash
# Measures the issue-2 targets in one run on this machine and prints ratios:
#  1. manifest generation (headers only) for 1080p JPEGs, warm page cache, in images/s,
#     against CVAT's manifest tool when CVAT_CREATE_PY points at it (it decodes every image
#     for its checksum; run as: python3 $CVAT_CREATE_PY DIR, with its output dir in a temp);
#  2. XXH3-128 of one large file (cvat-ingest scan) against `xxhsum -H2` on the same file;
#  3. peak RSS of `cvat-ingest manifest` over FILES small images (default 1,000,000).
# Usage: bench/manifest_compare.sh [--images N] [--cvat-images N] [--files N] [--big-gib N]
# Needs a release build (cmake --preset release && cmake --build --preset release).
set -euo pipefail
cd "$(dirname "$0")/.."
images=5000 cvat_images=300 files=1000000 big_gib=4 reps=5
while [ $# -gt 0 ]; do
  case $1 in
    --images) images=$2; shift 2 ;;
    --cvat-images) cvat_images=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --big-gib) big_gib=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bin=build/release/cli/cvat-ingest
corpus_tool=build/release/bench/make_corpus
work=${BENCH_DIR:-$(mktemp -d /tmp/cvat-ingest-bench-XXXXXX)}
mkdir -p "$work"
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
spread() { sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%.3f-%.3f", lo, hi}'; }
time_runs() {  # time_runs N CMD... -> one duration per line
  local n=$1; shift
  for _ in $(seq "$n"); do
    local t0; t0=$(now); "$@" >/dev/null 2>&1; local t1; t1=$(now)
    echo "$t1 - $t0" | bc -l
  done
}

echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== 1. manifest of 1080p JPEGs (headers only), warm cache"
[ -d "$work/jpegs" ] || "$corpus_tool" "$work/jpegs" --images "$images" --width 1920 --height 1080 \
  --format jpeg --per-dir 1000 >/dev/null
cat "$work"/jpegs/*/*.jpg > /dev/null
avg_kib=$(( $(du -sk "$work/jpegs" | cut -f1) / images ))
time_runs "$reps" "$bin" manifest "$work/jpegs" -o "$work/m.jsonl" --progress none > "$work/ours.t"
ours=$(median < "$work/ours.t")
ours_rate=$(echo "$images / $ours" | bc -l)
printf "cvat-ingest manifest: %d images (~%d KiB each): median %.3f s of %d runs (%s s) = %.0f images/s\n" \
  "$images" "$avg_kib" "$ours" "$reps" "$(spread < "$work/ours.t")" "$ours_rate"
if [ -n "${CVAT_CREATE_PY:-}" ]; then
  rm -rf "$work/cvat_subset" && mkdir -p "$work/cvat_subset"
  (find "$work/jpegs" -name '*.jpg' || true) | head -n "$cvat_images" | xargs cp -t "$work/cvat_subset" || true
  cat "$work"/cvat_subset/* > /dev/null
  # create.py writes manifest.jsonl into its --output-dir (default: the working directory).
  time_runs 3 "${PYTHON:-/usr/bin/python3}" "$CVAT_CREATE_PY" --output-dir "$work/cvat_out" "$work/cvat_subset" \
    > "$work/cvat.t"
  cvat=$(median < "$work/cvat.t")
  cvat_rate=$(echo "$cvat_images / $cvat" | bc -l)
  printf "CVAT create.py:       %d images: median %.3f s of 3 runs (%s s) = %.1f images/s\n" \
    "$cvat_images" "$cvat" "$(spread < "$work/cvat.t")" "$cvat_rate"
  printf "ratio: %.0fx\n" "$(echo "$ours_rate / $cvat_rate" | bc -l)"
fi

echo
echo "== 2. XXH3-128 of a ${big_gib} GiB file, warm cache"
big="$work/big.bin"
[ -f "$big" ] || head -c "$((big_gib * 1024 * 1024 * 1024))" /dev/urandom > "$big"
cat "$big" > /dev/null
time_runs "$reps" "$bin" scan "$big" --progress none > "$work/hash.t"
time_runs "$reps" xxhsum -H2 "$big" > "$work/xxh.t"
h=$(median < "$work/hash.t"); x=$(median < "$work/xxh.t")
printf "cvat-ingest scan: median %.3f s (%s) = %.2f GiB/s\n" "$h" "$(spread < "$work/hash.t")" "$(echo "$big_gib / $h" | bc -l)"
printf "xxhsum -H2:       median %.3f s (%s) = %.2f GiB/s\n" "$x" "$(spread < "$work/xxh.t")" "$(echo "$big_gib / $x" | bc -l)"
printf "ratio (ours / xxhsum throughput): %.2f\n" "$(echo "$x / $h" | bc -l)"

echo
echo "== 3. peak memory of a manifest over $files files"
if [ ! -d "$work/many" ]; then
  "$corpus_tool" "$work/many" --images "$files" --width 8 --height 8 --format png --per-dir 1000 >/dev/null
fi
/usr/bin/time -f "%M %e" -o "$work/mem.t" "$bin" manifest "$work/many" -o "$work/many.jsonl" \
  --sorting-method natural --progress none 2>/dev/null >/dev/null || true
read -r rss_kib secs < "$work/mem.t"
printf "cvat-ingest manifest --sorting-method natural: %d lines, peak RSS %.1f MiB, %.1f s\n" \
  "$(($(wc -l < "$work/many.jsonl") - 2))" "$(echo "$rss_kib / 1024" | bc -l)" "$secs"
echo
echo "work dir: $work (delete it when done)"
