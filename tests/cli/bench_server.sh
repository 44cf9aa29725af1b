# cvat-ingest bench against a server given with --server (here a receiver started apart):
# credentials from --token-file or CVAT_ACCESS_TOKEN, never printed or recorded; --keep
# leaves the task, without it the task is deleted.
. "$DATA/../cli/lib.sh"
start_serve srv
mkdir -p corpus/a
for i in 1 2 3; do png 8 6 corpus/a/img_$i.png; done
echo "== --keep with --token-file"
"$CVAT_INGEST" bench corpus --server "$url" --token-file srv/token --keep --json kept.json \
  --progress none >out1.txt 2>err1.txt
echo "exit $?"
echo "== deleted, CVAT_ACCESS_TOKEN"
CVAT_ACCESS_TOKEN=$(cat srv/token) "$CVAT_INGEST" bench corpus --server "$url" \
  --connections 2 --json deleted.json --progress none >out2.txt 2>err2.txt
echo "exit $?"
python3 - "$url" srv/token <<'PY'
import json, sys, urllib.request
url, token = sys.argv[1], open(sys.argv[2]).read().strip()
def get(path):
    req = urllib.request.Request(url + path, headers={"Authorization": "Token " + token})
    try:
        return json.load(urllib.request.urlopen(req))
    except urllib.error.HTTPError as e:
        return e.code
for name in ("kept", "deleted"):
    d = json.load(open(name + ".json"))
    r = d["runs"][0]
    task = get("/api/tasks/%d" % r["task_id"])
    print(name, r["status"], "files", r["corpus"]["files"], "frames", r["frames"],
          "task", "exists" if isinstance(task, dict) else task,
          "server cpu", r["server_cpu_seconds"])
    print("  target is the server", d["target"] == "CVAT server " + url)
secret = token
print("token in output", any(secret in open(f).read()
      for f in ("kept.json", "deleted.json", "out1.txt", "err1.txt", "out2.txt", "err2.txt")))
PY
