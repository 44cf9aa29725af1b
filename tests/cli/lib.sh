# Shared helpers for the CLI tests (sourced).
# png W H FILE: a minimal valid PNG (signature, IHDR with the given size, one IDAT, IEND).
png() {
  python3 - "$1" "$2" "$3" <<'PY'
import struct, sys, zlib
w, h, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
raw = b"".join(b"\x00" + b"\x00\x00\x00" * w for _ in range(h))
data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(path, "wb").write(data)
PY
}
# start_serve DIR [ARGS...]: starts `cvat-ingest serve --data DIR` in the background on a port
# the OS picks (log in serve.log), stops it when the script exits, and sets $url once it listens.
start_serve() {
  local dir=$1
  shift
  "$CVAT_INGEST" serve --data "$dir" --port 0 --port-file port "$@" > serve.log 2>&1 &
  serve_pid=$!
  trap 'kill $serve_pid 2>/dev/null; wait $serve_pid 2>/dev/null' EXIT
  for _ in $(seq 100); do [ -s port ] && break; sleep 0.05; done
  url="http://127.0.0.1:$(cat port)"
}
