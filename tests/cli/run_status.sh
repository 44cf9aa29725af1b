# status --plan RUN.plan against one receiver, end to end: every task missing before the run;
# a task left without data by a stopped shard ("empty"); a build that failed on the server;
# after the shards ran, every task done exactly once (exit 0, text and --json); a name made
# twice ("duplicated", exit 4); usage errors and an unreadable plan. The token never in argv.
. "$DATA/../cli/lib.sh"
start_serve srv
mkdir -p corpus/a corpus/b corpus/c corpus/d
for i in 1 2 3; do png $((i + 3)) 8 corpus/a/f$i.png; done
png 5 5 corpus/b/one.png
for i in 1 2; do png 9 $((i + 2)) corpus/c/g$i.png; done
png 6 6 corpus/d/x.png
"$CVAT_INGEST" plan corpus --create 'st {name}' --labels '[{"name":"car"}]' --task-per folder \
  -o run.plan 2>/dev/null
# api METHOD PATH [JSON]: a request as another client would send it; prints the reply's id.
api() {
  python3 - "$url" srv/token "$@" <<'PY'
import json, sys, urllib.request
url, token, method, path = sys.argv[1:5]
body = sys.argv[5].encode() if len(sys.argv) > 5 else None
req = urllib.request.Request(url + path, data=body, method=method,
                             headers={"Authorization": "Token " + open(token).read().strip(),
                                      "Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(req)).get("id", ""))
PY
}
status() { "$CVAT_INGEST" status --plan run.plan --server "$url" --token-file srv/token "$@"; }
echo "== before any shard ran"
status; echo "exit $?"
echo "== a shard stopped after making 'st b' (a task without data)"
api POST /api/tasks '{"name":"st b","labels":[{"name":"car"}]}' > /dev/null
status; echo "exit $?"
echo "== all shards ran (they take over 'st b')"
for k in 1 2; do
  CVAT_ACCESS_TOKEN=$(cat srv/token) "$CVAT_INGEST" upload --plan run.plan --shard $k/2 \
    --server "$url" --no-journal --progress none > /dev/null 2>&1 || echo "shard $k failed"
done
status; echo "exit $?"
echo "== --json"
status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
for t in d["tasks"]:
    print(" ", t["index"], t["name"], t["state"], len(t["task_ids"]), t["frames"], t["planned_frames"], t["planned_files"])
print(" ", d["totals"])'
echo "exit ${PIPESTATUS[0]}"
echo "== the token from CVAT_ACCESS_TOKEN instead of a file"
CVAT_ACCESS_TOKEN=$(cat srv/token) "$CVAT_INGEST" status --plan run.plan --server "$url" | tail -1
echo "== 'st c' made a second time"
api POST /api/tasks '{"name":"st c","labels":[{"name":"car"}]}' > /dev/null
status; echo "exit $?"
echo "== a build that failed on the server (its client gone: the task is kept)"
"$CVAT_INGEST" plan corpus/a --create 'bad {name}' --labels '[]' --task-per folder \
  -o bad.plan 2>/dev/null
kill $serve_pid; wait $serve_pid 2>/dev/null; rm -f port
start_serve srv --faults 'fail-build=1'
# Task, Upload-Start, one bulk file, Upload-Finish, as a client killed after the finish did.
python3 - "$url" srv/token corpus/a/f1.png <<'PY'
import json, sys, urllib.request
url, token, path = sys.argv[1:4]
def call(method, p, body=b"", headers={}):
    h = {"Authorization": "Token " + open(token).read().strip(), "Origin": url}
    h.update(headers)
    return urllib.request.urlopen(urllib.request.Request(url + p, data=body, method=method, headers=h))
t = json.load(call("POST", "/api/tasks", b'{"name":"bad a","labels":[]}', {"Content-Type": "application/json"}))
data = "/api/tasks/%d/data/" % t["id"]
call("POST", data, headers={"Upload-Start": "true"})
b = "XyZzY"
body = (("--%s\r\nContent-Disposition: form-data; name=\"image_quality\"\r\n\r\n70\r\n"
         "--%s\r\nContent-Disposition: form-data; name=\"client_files[0]\"; filename=\"f1.png\"\r\n"
         "Content-Type: application/octet-stream\r\n\r\n") % (b, b)).encode() + open(path, "rb").read() \
       + ("\r\n--%s--\r\n" % b).encode()
call("POST", data, body, {"Upload-Multiple": "true", "Content-Type": "multipart/form-data; boundary=" + b})
call("POST", data, b'{"image_quality":70}', {"Upload-Finish": "true", "Content-Type": "application/json"})
PY
"$CVAT_INGEST" status --plan bad.plan --server "$url" --token-file srv/token | sed 's/task [0-9]*\t/task N\t/'
echo "exit ${PIPESTATUS[0]}"
echo "== usage errors and an unreadable plan"
"$CVAT_INGEST" status --server "$url" --token-file srv/token; echo "no --plan: $?"
"$CVAT_INGEST" status --plan run.plan --token-file srv/token; echo "no --server: $?"
"$CVAT_INGEST" status --plan run.plan --server "$url"; echo "no credentials: $?"
"$CVAT_INGEST" status corpus --plan run.plan --server "$url" --token-file srv/token; echo "a PATH: $?"
echo junk > junk.plan
"$CVAT_INGEST" status --plan junk.plan --server "$url" --token-file srv/token; echo "junk plan: $?"
