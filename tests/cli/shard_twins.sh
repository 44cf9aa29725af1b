# The same shard started twice at once (a scheduler retry while the first still runs, or an
# array submitted twice), each without a journal: no task is made twice, whether the tasks
# did not exist yet or existed without data (a stopped upload). A twin may refuse units
# ("left to it") or lose one the other claimed (its task deleted under it): status then says
# which are not done, and one more run of the shard makes them; every task ends done once
# with the corpus's bytes. (Without the claim, most runs of this test made tasks twice.)
. "$DATA/../cli/lib.sh"
start_serve srv
for d in $(seq 12); do
  mkdir -p corpus/d$d
  for i in 1 2 3; do png $((d + 3)) $((i + 4)) corpus/d$d/f$i.png; done
done
export CVAT_ACCESS_TOKEN=$(cat srv/token)
pids=()
twins() {  # twins PLAN: the one shard of PLAN twice at once
  for n in 1 2; do
    "$CVAT_INGEST" upload --plan "$1" --server "$url" --no-journal --progress none \
      --parallel-tasks 6 > "$1.twin$n.out" 2> "$1.twin$n.err" &
    pids+=($!)
  done
  wait "${pids[@]}"
  pids=()
}
check() {  # no task twice; after one more run of the shard alone, each done once, same bytes
  "$CVAT_INGEST" status --plan "$1" --server "$url" --json |
    python3 -c 'import json, sys; print("  after the twins, tasks made twice:", json.load(sys.stdin)["totals"]["duplicated"])'
  "$CVAT_INGEST" upload --plan "$1" --server "$url" --no-journal --progress none > /dev/null 2>&1
  echo "  the shard once more: exit $?"
  "$CVAT_INGEST" status --plan "$1" --server "$url" | tail -1
  echo "status exit ${PIPESTATUS[0]}"
  python3 - "$url" srv/token "$2" <<'PY'
import json, os, sys, urllib.request
url, token, prefix = sys.argv[1], open(sys.argv[2]).read().strip(), sys.argv[3]
req = urllib.request.Request(url + "/api/tasks?page_size=1000", headers={"Authorization": "Token " + token})
tasks = [t for t in json.load(urllib.request.urlopen(req))["results"] if t["name"].startswith(prefix)]
same = 0
for t in tasks:
    src = "corpus/" + t["name"][len(prefix):]
    for f in os.listdir(src):
        same += open("srv/tasks/%d/raw/%s" % (t["id"], f), "rb").read() == open(os.path.join(src, f), "rb").read()
print("  tasks:", len(tasks), "stored files equal to the corpus:", same)
PY
}
echo "== no task yet"
"$CVAT_INGEST" plan corpus --create 'new {name}' --labels '[]' --task-per folder -o new.plan 2>/dev/null
twins new.plan
check new.plan "new "
echo "== every task left without data by a stopped shard"
"$CVAT_INGEST" plan corpus --create 'old {name}' --labels '[]' --task-per folder -o old.plan 2>/dev/null
for d in $(seq 12); do
  python3 - "$url" srv/token "old d$d" <<'PY'
import json, sys, urllib.request
url, token, name = sys.argv[1], open(sys.argv[2]).read().strip(), sys.argv[3]
urllib.request.urlopen(urllib.request.Request(url + "/api/tasks", method="POST",
    data=json.dumps({"name": name, "labels": []}).encode(),
    headers={"Authorization": "Token " + token, "Content-Type": "application/json"}))
PY
done
"$CVAT_INGEST" status --plan old.plan --server "$url" | tail -1
twins old.plan
check old.plan "old "
