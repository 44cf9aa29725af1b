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
# png_mode COLOR_TYPE BIT_DEPTH W H FILE: a PNG of any colour type and depth with a gradient
# that differs in every channel (palette images get a 16-entry PLTE, grey+alpha and RGBA a
# varying alpha), so pixel checksums see real content.
png_mode() {
  python3 - "$1" "$2" "$3" "$4" "$5" <<'PY'
import struct, sys, zlib
ct, bd, w, h = (int(a) for a in sys.argv[1:5])
path = sys.argv[5]
channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ct]
top = (1 << bd) - 1 if ct != 3 else 15
def sample(x, y, c): return ((x * 7 + y * 13 + c * 5) * (top + 1) // 29) % (top + 1)
def row(y):
    vals = [sample(x, y, c) for x in range(w) for c in range(channels)]
    if bd == 16: return b"".join(struct.pack(">H", v) for v in vals)
    if bd == 8: return bytes(vals)
    per = 8 // bd; out = bytearray()
    for i in range(0, len(vals), per):
        byte = 0
        for j, v in enumerate(vals[i:i + per]): byte |= v << (8 - bd * (j + 1))
        out.append(byte)
    return bytes(out)
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bd, ct, 0, 0, 0))
if ct == 3: data += chunk(b"PLTE", bytes((i * 16, 255 - i * 16, (i * 40) % 256)[k] for i in range(16) for k in range(3)))
data += chunk(b"IDAT", zlib.compress(b"".join(b"\x00" + row(y) for y in range(h)))) + chunk(b"IEND", b"")
open(path, "wb").write(data)
PY
}
