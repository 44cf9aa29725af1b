# Progress when stderr is not a terminal (a log file): plain lines every few seconds, without
# carriage returns or escape codes. The receiver reads TUS bodies slowly: the upload lasts ~7 s.
. "$DATA/../cli/lib.sh"
start_serve srv --faults slow=16KiB/s
mkdir c
png 4 3 c/a.png
head -c 110000 /dev/urandom >> c/a.png
"$CVAT_INGEST" upload c --server "$url" --token-file srv/token --create slow \
  --labels '[{"name":"car"}]' --retries 0 --tus-threshold 1KiB 2> err > /dev/null
echo "exit $?"
lines=$(grep -c '^uploading: [0-9]*/[0-9]* files*, ' err)
[ "$lines" -ge 1 ] && echo "plain progress lines: yes"
echo "carriage returns: $(tr -cd '\r' < err | wc -c)"
echo "escape codes: $(tr -cd '\033' < err | wc -c)"
# The bytes shown are the ones the server confirmed: never more than the plan's (the bytes
# handed to the network, manifest and multipart framing included, used to show 107.9 KiB of
# 107.6 KiB).
python3 - err <<'PY'
import re, sys
units = {"B": 1, "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}
over = 0
for line in open(sys.argv[1]):
    m = re.match(r"uploading: \S+ files?, ([\d.]+) (\w+) / ([\d.]+) (\w+),", line)
    if m and float(m[1]) * units[m[2]] > float(m[3]) * units[m[4]]:
        over += 1
print("lines showing more bytes than planned:", over)
PY
