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
  trap stop_started EXIT
  for _ in $(seq 100); do [ -s port ] && break; sleep 0.05; done
  url="http://127.0.0.1:$(cat port)"
}
# start_web DIR: a plain web server of DIR on 127.0.0.1 and a port the OS picks (the remote
# files of --remote), stopped when the script exits; sets $web once it listens.
start_web() {
  python3 - "$1" <<'PY' &
import functools, http.server, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=sys.argv[1]))
open("web.port", "w").write(str(s.server_address[1]))
s.serve_forever()
PY
  web_pid=$!
  trap stop_started EXIT
  for _ in $(seq 100); do [ -s web.port ] && break; sleep 0.05; done
  web="http://127.0.0.1:$(cat web.port)"
}
# Stops what start_serve and start_web started.
stop_started() {
  kill ${serve_pid:-} ${web_pid:-} 2>/dev/null
  wait ${serve_pid:-} ${web_pid:-} 2>/dev/null
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
# avi W H FRAMES FILE: an uncompressed AVI (24-bit DIB frames, 25 fps, every frame a key
# frame), written byte by byte: a real video FFmpeg opens, without an encoder.
avi() {
  python3 - "$1" "$2" "$3" "$4" <<'PY'
import struct, sys
w, h, n, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
stride = (w * 3 + 3) // 4 * 4
def chunk(fcc, data): return fcc + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")
def lst(fcc, data): return b"LIST" + struct.pack("<I", len(data) + 4) + fcc + data
frames = [bytes((x * 7 + y * 3 + i * 40) % 256 for y in range(h) for x in range(stride)) for i in range(n)]
avih = struct.pack("<10I4I", 40000, 0, 0, 0x10, n, 0, 1, stride * h, w, h, 0, 0, 0, 0)
strh = b"vids" + b"DIB " + struct.pack("<IHHIIIIIIiI4h", 0, 0, 0, 0, 1, 25, 0, n, stride * h, -1, 0, 0, 0, w, h)
strf = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, stride * h, 0, 0, 0, 0)
hdrl = lst(b"hdrl", chunk(b"avih", avih) + lst(b"strl", chunk(b"strh", strh) + chunk(b"strf", strf)))
movi_body, idx, offset = b"", b"", 4
for f in frames:
    idx += b"00db" + struct.pack("<III", 0x10, offset, len(f))
    c = chunk(b"00db", f)
    movi_body += c
    offset += len(c)
body = b"AVI " + hdrl + lst(b"movi", movi_body) + chunk(b"idx1", idx)
open(path, "wb").write(b"RIFF" + struct.pack("<I", len(body)) + body)
PY
}
