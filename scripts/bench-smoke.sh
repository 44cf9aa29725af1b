#!/usr/bin/env bash
# Builds the benchmarks (release) and runs each one briefly. No timing is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
shopt -s nullglob
for b in build/release/bench/*_bench; do
  echo "== $b"
  "$b" --benchmark_min_time=0.01
done
echo "== cvat-ingest bench (end to end, local receiver)"
build/release/cli/cvat-ingest bench --files 200 --size 16KiB --connections 1,4 --progress none
