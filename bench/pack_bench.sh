#!/usr/bin/env bash
# Packed uploads (issue 14), into `cvat-ingest serve --discard`, page cache warm. Two modes:
#
# tree (the default): N images of ~100 KiB in F folders whose base names clash (every folder
# numbers its frames 000000.png, 000001.png, ...):
#   - flat:  the same bytes as flat files renamed to be unique, sent the ordinary way;
#   - pack:  `upload TREE --pack zip` (the zip generated while it is sent);
#   - zip-0: `zip -0 -r` of the tree first, then `upload TREE.zip` (time and disk of both).
# --big: M members of G GiB (one per folder, clashing names) against one file of M x G GiB:
#   - single: the one big file, one TUS stream;
#   - pack:   the M members as one zip generated on the fly, one TUS stream.
#
# Every timed upload runs under /usr/bin/time: wall seconds, the client's CPU (user + system)
# and its peak RSS. With --runs R the configurations are interleaved R times (flat, pack,
# zip-0, flat, pack, ...) and each line gives the median with the spread (min-max).
# --crc (either mode) also measures what the CRC-32 costs inside the upload: one more packed
# upload under `perf record` (the share of the client's CPU samples in crc32), against the CPU
# of `cat` reading the same members to /dev/null.
# Prints one line per configuration and appends them as JSON lines to bench/RESULTS.jsonl
# with --record.
#   bench/pack_bench.sh [--files 20000] [--folders 200] [--kib 100] [--runs 1] [--crc]
#                       [--bin PATH] [--record]
#   bench/pack_bench.sh --big [--members 5] [--gib 1] [--runs 3] [--crc] [--record]
#                       [--base-bin PATH]
# --base-bin (with --big) adds single@base and pack@base: the same two uploads by another
# build of cvat-ingest (an earlier commit), interleaved with the others, for before/after.
# --corpus DIR keeps the generated files in DIR (made when missing, reused when there) instead
# of a temp dir removed at exit; --journal keeps the upload's journal (the default of users;
# without it every upload runs with --no-journal).
# Needs a release build (cmake --preset release && cmake --build --preset release
# --target cvat-ingest), Python 3 (to write the noisy PNGs), Info-ZIP zip (tree mode), GNU
# time, and perf for --crc. --big writes 2 x M x G GiB under $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
files=20000 folders=200 kib=100 record=0 bin=build/release/cli/cvat-ingest
big=0 members=5 gib=1 runs= crc=0 corpus= journal=0 base_bin=
while [ $# -gt 0 ]; do
  case $1 in
    --files) files=$2; shift 2 ;;
    --folders) folders=$2; shift 2 ;;
    --kib) kib=$2; shift 2 ;;
    --big) big=1; shift ;;
    --members) members=$2; shift 2 ;;
    --gib) gib=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --crc) crc=1; shift ;;
    --corpus) corpus=$2; shift 2 ;;
    --journal) journal=1; shift ;;
    --bin) bin=$2; shift 2 ;;
    --base-bin) base_bin=$2; shift 2 ;;
    --record) record=1; shift ;;
    *) echo "pack_bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$runs" ] || runs=$([ "$big" = 1 ] && echo 3 || echo 1)
[ -x "$bin" ] || { echo "build $bin first (release preset)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "pack_bench.sh needs GNU time (/usr/bin/time)" >&2; exit 1; }
[ "$big" = 1 ] || command -v zip >/dev/null || { echo "pack_bench.sh needs Info-ZIP zip" >&2; exit 1; }
[ "$crc" = 0 ] || command -v perf >/dev/null || { echo "--crc needs perf" >&2; exit 1; }

. bench/lib.sh
bench_workdir pack
data=$work
if [ -n "$corpus" ]; then mkdir -p "$corpus"; data=$(cd "$corpus" && pwd); fi

# noisy_png FILE BYTES: a valid RGB PNG of about BYTES bytes whose pixels are noise (stored
# deflate blocks: nothing compresses), written as it is made.
noisy_png() {
  python3 - "$1" "$2" <<'PY'
import os, struct, sys, zlib
path, want = sys.argv[1], int(sys.argv[2])
side = max(16, min(16384, int((want / 3) ** 0.5)))
rows = max(1, want // (side * 3 + 1))
noise = os.urandom(64 << 20)
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
with open(path, "wb") as out:
    out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, rows, 8, 2, 0, 0, 0)))
    z, pending, at, row = zlib.compressobj(0), [], 0, side * 3
    for _ in range(rows):
        if at + row > len(noise): at = (at * 7 + 1) % (len(noise) - row)
        pending.append(z.compress(b"\x00" + noise[at:at + row])); at += row
        if sum(map(len, pending)) >= 8 << 20: out.write(chunk(b"IDAT", b"".join(pending))); pending = []
    pending.append(z.flush())
    out.write(chunk(b"IDAT", b"".join(pending)) + chunk(b"IEND", b""))
PY
}

if [ "$big" = 1 ]; then
  if [ ! -e "$data/done" ]; then
    echo "generating $members members of $gib GiB and one file of $((members * gib)) GiB..." >&2
    mkdir -p "$data/one"
    for m in $(seq 1 "$members"); do
      mkdir -p "$data/tree/cam$m"
      noisy_png "$data/tree/cam$m/000000.png" $((gib << 30))
    done
    noisy_png "$data/one/000000.png" $((members * gib << 30))
    touch "$data/done"
  fi
  bytes=$(( $(du -sb "$data/tree" | cut -f1) ))
  configs=(single pack)
  [ -z "$base_bin" ] || configs+=(single@base pack@base)
else
  if [ ! -e "$data/done" ]; then
    echo "generating $files files of ~$kib KiB in $folders folders..." >&2
    noisy_png "$data/one.png" $((kib << 10))
    per=$(( (files + folders - 1) / folders ))
    mkdir -p "$data/tree" "$data/flat"
    n=0
    for f in $(seq -w 1 "$folders"); do
      mkdir -p "$data/tree/cam$f"
      for i in $(seq -w 0 $((per - 1))); do
        [ "$n" -ge "$files" ] && break
        cp "$data/one.png" "$data/tree/cam$f/$i.png"
        ln "$data/tree/cam$f/$i.png" "$data/flat/cam${f}_$i.png"  # same bytes, unique names
        n=$((n + 1))
      done
    done
    touch "$data/done"
  fi
  files=$(find "$data/flat" -type f | wc -l)
  bytes=$(( $(stat -c %s "$data/one.png") * files ))
  configs=(flat pack zip-0)
fi

common=(--labels '[{"name":"car"}]' --progress none)
if [ "$journal" = 0 ]; then common+=(--no-journal); else common+=(--journal "$work/journal"); fi
# upload NAME SOURCE [OPTIONS...]: one timed upload into a fresh receiver; appends
# "wall user sys maxrss_kib" to $work/NAME.times.
upload() {
  local name=$1 src=$2 exe=$bin
  shift 2
  [ "${name%@base}" = "$name" ] || exe=$base_bin
  start_serve --discard
  rm -f "$work"/journal* "$work"/runs.log  # a done run would be refused as done before
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" \
    "$exe" upload "$src" --server "$url" --token-file "$work/srv/token" --create "$name" \
    "${common[@]}" "$@" >/dev/null 2>"$work/$name.err" || { cat "$work/$name.err" >&2; exit 1; }
  stop_serve
  cat "$work/time" >>"$work/$name.times"
}
# run_config CONFIG: one run of a configuration (the zip-0 line adds zip's own time).
run_config() {
  case $1 in
    flat) upload flat "$data/flat" ;;
    single | single@base) upload "$1" "$data/one" ;;
    pack | pack@base) upload "$1" "$data/tree" --pack zip ;;
    zip-0)
      rm -f "$work/tree.zip"
      /usr/bin/time -f "%e %U %S %M" -o "$work/ztime" sh -c "cd '$data' && zip -0 -r -q '$work/tree.zip' tree"
      zip_bytes=$(stat -c %s "$work/tree.zip")
      cat "$work/ztime" >>"$work/zip.times"
      upload zip-0 "$work/tree.zip"
      ;;
  esac
}

cat "$data/tree"/*/* >/dev/null  # warm the page cache for every configuration alike
if [ "$big" = 1 ]; then
  cat "$data/one"/* >/dev/null
  # The yardstick: how fast the page cache gives each side's bytes. It differs between files
  # of the same size by how they sit in memory (folio sizes: seen here at 20 GB/s for the
  # members against 27 for the one file, 24-27 for both once re-read in another order), and
  # that difference reaches the upload's ratio. Medians of 3 `cat`s, interleaved.
  for _ in 1 2 3; do
    /usr/bin/time -f "%e" -a -o "$work/cat_tree.times" cat "$data/tree"/*/* >/dev/null
    /usr/bin/time -f "%e" -a -o "$work/cat_one.times" cat "$data/one"/* >/dev/null
  done
  python3 - "$work" "$bytes" <<'PY'
import statistics, sys
work, nbytes = sys.argv[1], int(sys.argv[2])
med = {k: statistics.median(float(l) for l in open(f"{work}/cat_{k}.times")) for k in ("tree", "one")}
print(f"page cache (cat to /dev/null, medians of 3): members {nbytes / 1e9 / med['tree']:.1f} GB/s, "
      f"one file {nbytes / 1e9 / med['one']:.1f} GB/s: members/one {med['one'] / med['tree']:.3f}x")
PY
fi
for r in $(seq 1 "$runs"); do
  for c in "${configs[@]}"; do run_config "$c"; done
  echo "run $r of $runs done" >&2
done

# The summary: medians and spreads per configuration, against the first (the baseline).
python3 - "$work" "$bytes" "$record" "$big" "${zip_bytes:-0}" "${configs[@]}" <<'PY'
import json, statistics, sys
work, nbytes, record, big, zip_bytes = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4] == "1", int(sys.argv[5])
configs = sys.argv[6:]
def times(name):
    rows = [list(map(float, l.split())) for l in open(f"{work}/{name}.times") if l.strip()]
    return rows
zip_rows = times("zip") if "zip-0" in configs else []
walls = {}
for c in configs:
    rows = times(c)
    wall = [r[0] for r in rows]
    if c == "zip-0": wall = [w + z[0] for w, z in zip(wall, zip_rows)]
    walls[c] = wall
base = statistics.median(walls[configs[0]])
out = []
for c in configs:
    rows = times(c)
    w = walls[c]; med = statistics.median(w)
    cpu = statistics.median([r[1] + r[2] for r in rows])
    rss = max(r[3] for r in rows) / 1024
    ratio = base / med
    print(f"{c:7s} {med:8.2f} s (min {min(w):.2f}, max {max(w):.2f}, {len(w)} runs)  "
          f"{nbytes / 1e6 / med:7.1f} MB/s  {ratio:.3f}x {configs[0]}  "
          f"client CPU {cpu:.2f} s  peak RSS {rss:.1f} MiB")
    rec = {"bench": "pack", "mode": "big" if big else "tree", "config": c, "bytes": nbytes,
           "runs": len(w), "seconds": round(med, 3), "min_s": min(w), "max_s": max(w),
           "mb_s": round(nbytes / 1e6 / med, 1), "vs_" + configs[0]: round(ratio, 3),
           "client_cpu_s": round(cpu, 2), "peak_rss_mib": round(rss, 1)}
    if c == "zip-0":
        zs = statistics.median([z[0] for z in zip_rows])
        rec.update(zip_seconds=zs, zip_disk_bytes=zip_bytes)
        print(f"        zip -0 -r first: {zs:.2f} s (median) to write {zip_bytes} bytes to disk, then the upload")
    out.append(rec)
if record:
    with open("bench/RESULTS.jsonl", "a") as f:
        for rec in out: f.write(json.dumps(rec) + "\n")
PY

if [ "$crc" = 1 ]; then
  # The CRC-32's share of one packed upload's client CPU, against cat reading the same bytes.
  start_serve --discard
  rm -f "$work"/journal* "$work"/runs.log  # a done run would be refused as done before
  perf record -q -F 499 -o "$work/perf.data" -- "$bin" upload "$data/tree" --server "$url" \
    --token-file "$work/srv/token" --create crc "${common[@]}" --pack zip >/dev/null 2>&1
  stop_serve
  # The CRC is ISA-L's (crc32_gzip_refl_*); an older build's libdeflate (its library has no
  # symbols: count its whole dso) or zlib's crc32.
  perf report -q -i "$work/perf.data" --sort dso,sym --stdio 2>/dev/null >"$work/perf.txt"
  crc_share=$(awk '/crc32|libdeflate/ { gsub("%", "", $1); s += $1 } END { printf "%.1f", s }' \
    "$work/perf.txt")
  /usr/bin/time -f "%e %U %S" -o "$work/ctime" sh -c "cat '$data'/tree/*/* >/dev/null"
  read -r cat_wall cat_user cat_sys <"$work/ctime"
  cpu=$(python3 -c "import statistics; print(round(statistics.median([float(l.split()[1]) + float(l.split()[2]) for l in open('$work/pack.times')]), 2))")
  crc_s=$(python3 -c "print(round($crc_share / 100 * $cpu, 2))")
  cat_s=$(python3 -c "print(round($cat_user + $cat_sys, 2))")
  echo "crc32: ${crc_share}% of the packed client's CPU samples (~$crc_s s of its $cpu s);" \
    "cat of the same $bytes bytes to /dev/null: $cat_s s CPU ($cat_wall s wall);" \
    "crc/cat $(python3 -c "print(round($crc_s / $cat_s, 2) if $cat_s > 0 else 'n/a')")"
  head -12 "$work/perf.txt" >&2
  if [ "$record" = 1 ]; then
    printf '{"bench":"pack","mode":"%s","config":"crc","bytes":%d,"crc_share_pct":%s,"crc_cpu_s":%s,"client_cpu_s":%s,"cat_cpu_s":%s,"cat_wall_s":%s}\n' \
      "$([ "$big" = 1 ] && echo big || echo tree)" "$bytes" "$crc_share" "$crc_s" "$cpu" "$cat_s" \
      "$cat_wall" >>bench/RESULTS.jsonl
  fi
fi
