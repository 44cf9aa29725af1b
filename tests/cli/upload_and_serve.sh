. "$DATA/../cli/lib.sh"
start_serve srv
head -c 9 serve.log; echo
mkdir -p corpus/a corpus/b
png 4 3 corpus/a/img_10.png
png 5 3 corpus/a/img_2.png
png 6 3 corpus/b/img_1.png
echo "== upload"
"$CVAT_INGEST" upload corpus --server "$url" --token-file srv/token --create demo \
  --labels '[{"name":"car"}]' --sorting-method natural --progress none --json |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["task_id"], d["frames"], d["files"], d["order_ok"])'
echo "exit $?"
python3 - "$url" srv/token <<'PY'
import json, sys, urllib.request
url, token = sys.argv[1], open(sys.argv[2]).read().strip()
req = urllib.request.Request(url + "/api/tasks/1/data/meta", headers={"Authorization": "Token " + token})
print([f["name"] for f in json.load(urllib.request.urlopen(req))["frames"]])
PY
cmp corpus/a/img_2.png srv/tasks/1/raw/img_2.png && echo "stored bytes equal"
echo "== extract"
python3 - <<'PY'
import zipfile
with zipfile.ZipFile("c.zip", "w") as z:
    for p in ["corpus/a/img_10.png", "corpus/a/img_2.png", "corpus/b/img_1.png"]:
        z.write(p)
PY
"$CVAT_INGEST" upload c.zip --extract --server "$url" --token-file srv/token --create ex \
  --labels '[{"name":"car"}]' --sorting-method natural --progress none --json |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["task_id"], d["frames"], d["files"], d["order_ok"])'
echo "exit $?"
cmp corpus/b/img_1.png srv/tasks/2/raw/img_1.png && echo "extracted bytes equal"
ls srv/tasks/2/raw | grep -c zip
echo "== dry run"
"$CVAT_INGEST" upload corpus --server "$url" --token-file srv/token --create dry \
  --labels '[{"name":"car"}]' --dry-run --progress none
echo "exit $?"
echo "== duplicate base names"
png 2 2 corpus/b/img_2.png
"$CVAT_INGEST" upload corpus --server "$url" --token-file srv/token --create dup \
  --labels '[{"name":"car"}]' --progress none --pack none
echo "exit $?"
echo "== packed (--pack auto: clashing base names go up as one zip)"
"$CVAT_INGEST" upload corpus --server "$url" --token-file srv/token --create dup \
  --labels '[{"name":"car"}]' --progress none
echo "exit $?"
ls srv/tasks/3/raw
echo "== no credentials"
env -u CVAT_ACCESS_TOKEN "$CVAT_INGEST" upload corpus --server "$url" --create x --labels '[]'
echo "exit $?"
