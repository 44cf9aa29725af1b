#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz, `fuzz` preset: clang-14, ASan + UBSan) and runs
# every one for SECONDS (default 60), two at a time:
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
# Corpora grow in build/fuzz/corpus/<harness>/ from run to run (seeded by
# scripts/fuzz-seeds.sh); logs go to build/fuzz/logs/. Exits non-zero when any harness
# found a crash, a leak, an out-of-memory or a timeout, and names the reproducer it left in
# build/fuzz/artifacts/ (replay: build/fuzz/tests/fuzz/<harness>_fuzz <file>).
# Environment: FUZZ_PARALLEL (default 2) harnesses at once; FUZZ_BUILD_JOBS (default 2);
# FUZZ_RUNS=N makes a run repeatable (CI sets it): each harness starts from its seeds alone
# (a fresh corpus, not build/fuzz/corpus), with -seed=FUZZ_SEED (default 1), and stops after
# N inputs or SECONDS, whichever comes first. The inputs tried are then the same on every
# machine (a prefix of them where time runs out first), so CI cannot meet a finding that the
# same command did not meet here.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
parallel=${FUZZ_PARALLEL:-2}
build=build/fuzz

cmake --preset fuzz > /dev/null
cmake --build --preset fuzz -j "${FUZZ_BUILD_JOBS:-2}" --target fuzzers
rm -rf "$build/seeds"
scripts/fuzz-seeds.sh "$build/seeds" "$build"

harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  for bin in "$build"/tests/fuzz/*_fuzz; do harnesses+=("$(basename "$bin" _fuzz)"); done
fi
mkdir -p "$build/logs" "$build/artifacts"

# run HARNESS: one time-boxed run; its exit status goes to logs/HARNESS.status.
run() {
  local h=$1
  local corpus="$build/corpus/$h" seeds="$build/seeds/$h"
  local repeat=()
  if [ -n "${FUZZ_RUNS:-}" ]; then
    corpus="$build/corpus-repeatable/$h"
    rm -rf "$corpus"
    repeat=(-runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}")
  fi
  rm -rf "$build/artifacts/$h"
  mkdir -p "$corpus" "$seeds" "$build/artifacts/$h"
  local status=0
  "$build/tests/fuzz/${h}_fuzz" -max_total_time="$seconds" "${repeat[@]}" -timeout=25 \
    -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$h/" "$corpus" "$seeds" \
    > "$build/logs/$h.log" 2>&1 || status=$?
  echo "$status" > "$build/logs/$h.status"
}

for h in "${harnesses[@]}"; do
  [ -x "$build/tests/fuzz/${h}_fuzz" ] || { echo "fuzz: no harness $h" >&2; exit 2; }
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  echo "fuzz: $h for ${seconds}s"
  run "$h" &
done
wait

failed=0
for h in "${harnesses[@]}"; do
  status=$(cat "$build/logs/$h.status")
  runs=$(grep -Eo '^stat::number_of_executed_units: [0-9]+' "$build/logs/$h.log" | awk '{print $2}')
  if [ "$status" -eq 0 ]; then
    echo "fuzz: $h ok (${runs:-?} runs)"
  else
    failed=1
    echo "fuzz: $h FAILED (exit $status); log: $build/logs/$h.log" >&2
    grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz invariant|.*runtime error)' "$build/logs/$h.log" | head -5 >&2 || true
    ls "$build/artifacts/$h/" 2>/dev/null | sed "s|^|  reproducer: $build/artifacts/$h/|" >&2
  fi
done
exit "$failed"
