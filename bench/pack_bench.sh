#!/usr/bin/env bash
# Packed uploads (issue 14): a tree of N images of ~100 KiB in F folders whose base names
# clash (every folder numbers its frames 000000.png, 000001.png, ...), into
# `cvat-ingest serve --discard`:
#   - pack:  `upload TREE --pack zip` (the zip generated while it is sent);
#   - flat:  the same bytes as flat files renamed to be unique, sent the ordinary way;
#   - zip-0: `zip -0 -r` of the tree first, then `upload TREE.zip` (time and disk of both).
# Prints one line per configuration (wall seconds, MB/s, ratio against flat) and appends
# them as JSON lines to bench/RESULTS.jsonl with --record.
#   bench/pack_bench.sh [--files 20000] [--folders 200] [--kib 100] [--bin PATH] [--record]
# Needs a release build (cmake --preset release && cmake --build --preset release
# --target cvat-ingest), Python 3 (to write the one noisy PNG copied N times) and Info-ZIP zip.
set -euo pipefail
cd "$(dirname "$0")/.."
files=20000 folders=200 kib=100 record=0 bin=build/release/cli/cvat-ingest
while [ $# -gt 0 ]; do
  case $1 in
    --files) files=$2; shift 2 ;;
    --folders) folders=$2; shift 2 ;;
    --kib) kib=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --record) record=1; shift ;;
    *) echo "pack_bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "build $bin first (release preset)" >&2; exit 1; }
command -v zip >/dev/null || { echo "pack_bench.sh needs Info-ZIP zip" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cvat-ingest-pack-XXXXXX")
serve_pid=
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "generating $files files of ~$kib KiB in $folders folders..." >&2
python3 - "$work/one.png" "$kib" <<'PY'
import os, struct, sys, zlib
path, kib = sys.argv[1], int(sys.argv[2])
side = int((kib * 1024 / 3) ** 0.5)  # noise does not compress: ~3 bytes a pixel
raw = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b""))
open(path, "wb").write(png)
PY
per=$(( (files + folders - 1) / folders ))
mkdir -p "$work/tree" "$work/flat"
n=0
for f in $(seq -w 1 "$folders"); do
  mkdir -p "$work/tree/cam$f"
  for i in $(seq -w 0 $((per - 1))); do
    [ "$n" -ge "$files" ] && break
    cp "$work/one.png" "$work/tree/cam$f/$i.png"
    ln "$work/tree/cam$f/$i.png" "$work/flat/cam${f}_$i.png"  # same bytes, unique names
    n=$((n + 1))
  done
done
bytes=$(( $(stat -c %s "$work/one.png") * files ))

start_serve() {
  rm -rf "$work/srv" "$work/port"
  "$bin" serve --data "$work/srv" --port 0 --port-file "$work/port" --discard \
    >"$work/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
  url="http://127.0.0.1:$(cat "$work/port")"
}
stop_serve() {
  kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null || true
  serve_pid=
}
now() { date +%s.%N; }
common=(--labels '[{"name":"car"}]' --progress none --no-journal)
upload() {  # NAME SOURCE [OPTIONS...]: prints the wall seconds
  local name=$1 src=$2; shift 2
  start_serve
  local t0; t0=$(now)
  "$bin" upload "$src" --server "$url" --token-file "$work/srv/token" --create "$name" \
    "${common[@]}" "$@" >/dev/null 2>"$work/$name.err" || { cat "$work/$name.err" >&2; exit 1; }
  python3 -c "print(round($(now) - $t0, 3))"
  stop_serve
}
line() {  # CONFIG SECONDS [EXTRA_JSON]
  local mbs ratio
  mbs=$(python3 -c "print(round($bytes / 1e6 / $2, 1))")
  ratio=$(python3 -c "print(round($flat_s / $2, 3))")
  printf '%-8s %8.2f s  %7.1f MB/s  %.3fx flat\n' "$1" "$2" "$mbs" "$ratio"
  if [ "$record" = 1 ]; then
    printf '{"bench":"pack","config":"%s","files":%d,"folders":%d,"bytes":%d,"seconds":%s,"mb_s":%s,"vs_flat":%s%s}\n' \
      "$1" "$files" "$folders" "$bytes" "$2" "$mbs" "$ratio" "${3:-}" >>bench/RESULTS.jsonl
  fi
}

cat "$work/tree"/*/* >/dev/null  # warm the page cache for every configuration alike
flat_s=$(upload flat "$work/flat")
pack_s=$(upload pack "$work/tree" --pack zip)
t0=$(now)
(cd "$work" && zip -0 -r -q tree.zip tree)
zip_s=$(python3 -c "print(round($(now) - $t0, 3))")
zip_bytes=$(stat -c %s "$work/tree.zip")
zipup_s=$(upload zip0 "$work/tree.zip")
echo "corpus: $files files, $folders folders, $bytes bytes" >&2
line flat "$flat_s"
line pack "$pack_s"
line zip-0 "$(python3 -c "print(round($zip_s + $zipup_s, 3))")" \
  ",\"zip_seconds\":$zip_s,\"upload_seconds\":$zipup_s,\"zip_disk_bytes\":$zip_bytes"
echo "zip -0 -r first: $zip_s s to write $zip_bytes bytes to disk, then $zipup_s s to upload" >&2
