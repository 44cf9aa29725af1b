# Bytes that go out twice are counted apart (issue 13): the receiver cuts some PATCHes after
# part of their body arrived, the client sends those bytes again; `bytes_sent` still counts
# each byte of the files once, `bytes_resent` what went again, and the summary says both.
. "$DATA/../cli/lib.sh"
start_serve srv --faults 'reset-after=256KiB@p=0.5,seed=3'
mkdir c
png 4 3 c/a.png
head -c 3000000 /dev/urandom >> c/a.png
"$CVAT_INGEST" upload c --server "$url" --token-file srv/token --create cut \
  --labels '[{"name":"car"}]' --progress none --connections 1 --tus-threshold 100KiB --tus-chunk 1MiB --retries 20 \
  --json > out.json 2> err
echo "exit $?"
cmp c/a.png srv/tasks/1/raw/a.png && echo "stored bytes equal"
python3 - out.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("bytes_sent == bytes:", d["bytes_sent"] == d["bytes"])
print("bytes_resent > 0:", d["bytes_resent"] > 0)
print("retries > 0:", d["retries"] > 0)
PY
grep -Eq '^sent 1 file \(.*\), [0-9,]+ retr(y|ies), [0-9.]+ [KM]iB resent$' err && echo "summary names retries and resent bytes"
cat err >&2
