# The progress bar fits the terminal: through a pseudo-terminal of 40, 80 and 200 columns,
# every redraw fits in the width (fields dropped from the end), in place ("\r" + erase line).
. "$DATA/../cli/lib.sh"
start_serve srv --faults 'slow=256KiB'
mkdir c
for i in 1 2 3; do png 4 3 "c/$i.png"; head -c 200000 /dev/urandom >> "c/$i.png"; done
for cols in 40 80 200; do
  python3 - "$cols" "$CVAT_INGEST" upload c --server "$url" --token-file srv/token \
    --create "w$cols" --labels '[{"name":"car"}]' --progress bar --no-journal <<'PY'
import fcntl, os, pty, struct, sys, termios
cols = int(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    os.execv(sys.argv[2], sys.argv[2:])
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
os.waitpid(pid, 0)
text = out.decode("utf-8", "replace")
frames = [f.replace("\x1b[K", "") for f in text.replace("\n", "\r").split("\r")]
bars = [f for f in frames if f.startswith("uploading:")]
too_wide = [f for f in bars if len(f) > cols - 1]
print(cols, "columns:", "redraws in place" if "\r\x1b[K" in text else "NO REDRAW",
      "| some bar" if bars else "| NO BAR", "| all fit" if not too_wide else "| TOO WIDE: %r" % too_wide[:1],
      # At 80 columns whether the last field fits depends on the figures of the moment.
      "" if cols == 80 else
      "| in flight shown" if any("in flight" in f for f in bars) else "| in flight dropped")
PY
done
