#!/usr/bin/env bash
# Builds the benchmarks and runs each one briefly: scripts/bench-smoke.sh [PRESET]
# (default release; CI passes debug to reuse the build the tests just made). No timing is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
shopt -s nullglob
for b in build/"$preset"/bench/*_bench; do
  echo "== $b"
  "$b" --benchmark_min_time=0.01
done
echo "== cvat-ingest bench (end to end, local receiver)"
build/"$preset"/cli/cvat-ingest bench --files 200 --size 16KiB --connections 1,4 --progress none
