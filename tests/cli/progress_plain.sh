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
