#!/usr/bin/env bash
# Runs of many tasks against a server that is slow to build (issue 12): N short videos, one
# task each, into `cvat-ingest serve --build-delay D --build-workers W`:
#   - the shell loop users write today: one `cvat-ingest upload VIDEO --create NAME` per video;
#   - one `cvat-ingest upload DIR --task-per video --parallel-tasks K` for each K given.
# With --folders: F folders of P small images, `--task-per folder` against one task holding
# all of them (what a run of many tasks costs over one task), into `serve --discard` with no
# build delay.
# Prints one line per configuration (wall seconds, tasks/s, ratio against the baseline) and
# appends them as JSON lines to bench/RESULTS.jsonl when --record is given.
#   bench/runs_bench.sh [--videos 200] [--frames 150] [--delay 0.5] [--workers 4]
#                       [--k 1,2,4,8,16] [--record]
#   bench/runs_bench.sh --folders [--dirs 100] [--per-dir 500] [--k 4] [--record]
# Needs a release build (cmake --preset release && cmake --build --preset release).
set -euo pipefail
cd "$(dirname "$0")/.."
videos=200 frames=150 delay=0.5 workers=4 ks=1,2,4,8,16 record=0 folders=0 dirs=100 per_dir=500
while [ $# -gt 0 ]; do
  case $1 in
    --videos) videos=$2; shift 2 ;;
    --frames) frames=$2; shift 2 ;;
    --delay) delay=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --k) ks=$2; shift 2 ;;
    --record) record=1; shift ;;
    --folders) folders=1; shift ;;
    --dirs) dirs=$2; shift 2 ;;
    --per-dir) per_dir=$2; shift 2 ;;
    *) echo "runs_bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
bin=build/release/cli/cvat-ingest
make_video=build/release/bench/make_video
[ -x "$bin" ] && [ -x "$make_video" ] || { echo "build the release preset first" >&2; exit 1; }

. bench/lib.sh
bench_workdir runs
common=(--labels '[{"name":"car"}]' --progress none --no-journal)

if [ "$folders" = 1 ]; then
  images=$((dirs * per_dir))
  echo "generating $dirs folders of $per_dir images..." >&2
  build/release/bench/make_corpus "$work/corpus" --images "$images" --per-dir "$per_dir" \
    --width 320 --height 240 --format jpeg >/dev/null
  rm -rf "$work"/corpus/*/related_images  # context images are not frames either way
  bytes=$(du -sb "$work/corpus" | cut -f1)
  delay=0
  run_one() {  # LABEL ARGS...: a fresh receiver, one timed upload
    local label=$1
    shift
    start_serve --discard
    local t0 secs
    t0=$(now)
    "$bin" upload "$work/corpus" --server "$url" --token-file "$work/srv/token" \
      "${common[@]}" "$@" >/dev/null
    secs=$(echo "$(now) - $t0" | bc)
    stop_serve
    echo "$secs"
  }
  one=$(run_one single --create all)
  printf "%-34s %9.2f s %9.0f images/s   1.00x\n" "one task of $images images" "$one" \
    "$(echo "$images / $one" | bc -l)"
  results=("{\"bench\":\"runs\",\"config\":\"one-task\",\"images\":$images,\"bytes\":$bytes,\"seconds\":$one}")
  IFS=, read -ra klist <<<"$ks"
  for k in "${klist[@]}"; do
    secs=$(run_one folders --create '{name}' --task-per folder --parallel-tasks "$k")
    printf "%-34s %9.2f s %9.0f images/s %6.2fx\n" "--task-per folder ($dirs tasks) K=$k" \
      "$secs" "$(echo "$images / $secs" | bc -l)" "$(echo "$one / $secs" | bc -l)"
    results+=("{\"bench\":\"runs\",\"config\":\"task-per-folder\",\"k\":$k,\"images\":$images,\"bytes\":$bytes,\"seconds\":$secs}")
  done
  if [ "$record" = 1 ]; then printf '%s\n' "${results[@]}" >>bench/RESULTS.jsonl; fi
  exit 0
fi

echo "generating $videos videos of $frames frames..." >&2
mkdir -p "$work/videos"
for i in $(seq -w 1 "$videos"); do
  "$make_video" "$work/videos/clip_$i.mp4" --frames "$frames" --width 640 --height 360 >/dev/null
done
bytes=$(du -sb "$work/videos" | cut -f1)

# A fresh receiver for each configuration (its task ids and disk start empty).
slow_serve() { start_serve --build-delay "$delay" --build-workers "$workers"; }

slow_serve
t0=$(now)
for f in "$work"/videos/*.mp4; do
  name=$(basename "$f" .mp4)
  "$bin" upload "$f" --server "$url" --token-file "$work/srv/token" --create "$name" \
    "${common[@]}" >/dev/null 2>&1
done
loop=$(echo "$(now) - $t0" | bc)
stop_serve
printf "%-28s %9.2f s %8.2f tasks/s   1.00x\n" "shell loop" "$loop" \
  "$(echo "$videos / $loop" | bc -l)"
results=("{\"bench\":\"runs\",\"config\":\"loop\",\"videos\":$videos,\"bytes\":$bytes,\"delay\":$delay,\"workers\":$workers,\"seconds\":$loop}")

IFS=, read -ra klist <<<"$ks"
for k in "${klist[@]}"; do
  slow_serve
  t0=$(now)
  "$bin" upload "$work/videos" --server "$url" --token-file "$work/srv/token" \
    --create '{stem}' --task-per video --parallel-tasks "$k" "${common[@]}" >/dev/null 2>&1
  secs=$(echo "$(now) - $t0" | bc)
  done_tasks=$(ls "$work/srv/tasks" | wc -l)
  stop_serve
  printf "%-28s %9.2f s %8.2f tasks/s %6.2fx  (%s tasks)\n" "--task-per video K=$k" "$secs" \
    "$(echo "$videos / $secs" | bc -l)" "$(echo "$loop / $secs" | bc -l)" "$done_tasks"
  results+=("{\"bench\":\"runs\",\"config\":\"task-per-video\",\"k\":$k,\"videos\":$videos,\"bytes\":$bytes,\"delay\":$delay,\"workers\":$workers,\"seconds\":$secs}")
done
if [ "$record" = 1 ]; then
  printf '%s\n' "${results[@]}" >>bench/RESULTS.jsonl
fi
