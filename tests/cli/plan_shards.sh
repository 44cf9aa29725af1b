# A run's plan (plan -o) run as two shards at once against one receiver: together they make
# every task exactly once with the files' bytes; a shard started again without its journal
# (another host) makes nothing new; a file changed since the plan fails its unit; the usage
# errors of --plan and --shard, and a damaged plan.
. "$DATA/../cli/lib.sh"
start_serve srv
mkdir -p corpus/cam1 corpus/cam2 corpus/cam3 corpus/cam4/deep
for i in 1 2 3 4 5 6; do png $((i + 3)) 40 corpus/cam1/f$i.png; done
png 5 5 corpus/cam2/a.png
for i in 1 2 3; do png 9 $((i + 2)) corpus/cam3/g$i.png; done
png 7 7 corpus/cam4/deep/x.png
png 3 3 corpus/top.png
common=(--create 'rig {name}' --labels '[{"name":"car"}]' --task-per folder)
echo "== plan, listed"
"$CVAT_INGEST" plan corpus "${common[@]}"
echo "exit $?"
echo "== plan -o run.plan"
"$CVAT_INGEST" plan corpus "${common[@]}" -o run.plan
echo "exit $?"
summary() {
  python3 -c '
import json, sys
d = json.load(sys.stdin)
for t in sorted(d["tasks"], key=lambda t: t["name"]):
    print(" ", t["name"], t["frames"], t["files"], t["status"], t["error"])
print(" ", {k: v for k, v in d["totals"].items() if k != "seconds"})'
}
# Run from elsewhere: the plan's sources are absolute.
mkdir elsewhere
echo "== shard 1/2 and shard 2/2 (a Slurm array's environment) at once"
(cd elsewhere && "$CVAT_INGEST" upload --plan ../run.plan --shard 1/2 --server "$url" \
  --token-file ../srv/token --progress none --json > ../s1.json 2> ../s1.err; echo $? > ../s1.exit) &
first=$!
(cd elsewhere && SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 "$CVAT_INGEST" upload \
  --plan ../run.plan --shard auto --server "$url" --token-file ../srv/token --progress none \
  --json > ../s2.json 2> ../s2.err; echo $? > ../s2.exit) &
second=$!
wait $first $second
echo "shard 1 exit $(cat s1.exit)"; summary < s1.json
echo "shard 2 exit $(cat s2.exit)"; summary < s2.json
grep -h '^shard' s1.err s2.err
check_server() {
  python3 - "$url" srv/token <<'PY'
import collections, json, os, sys, urllib.request
url, token = sys.argv[1], open(sys.argv[2]).read().strip()
req = urllib.request.Request(url + "/api/tasks?page_size=100",
                             headers={"Authorization": "Token " + token})
tasks = json.load(urllib.request.urlopen(req))["results"]
names = collections.Counter(t["name"] for t in tasks)
print("  tasks on the server:", len(tasks), "names made twice:", sorted(n for n, c in names.items() if c > 1))
same = 0
for t in tasks:
    folder = t["name"][len("rig "):]
    src = "corpus" if folder == "corpus" else "corpus/" + folder
    for f in os.listdir(src):
        if not f.endswith(".png"): continue
        stored = "srv/tasks/%d/raw/%s" % (t["id"], f)
        same += open(stored, "rb").read() == open(os.path.join(src, f), "rb").read()
print("  stored files equal to the corpus:", same, "frames:", sum(t["size"] for t in tasks))
PY
}
check_server
echo "== shard 1/2 again on another host (no journal there)"
XDG_STATE_HOME=$PWD/other-host "$CVAT_INGEST" upload --plan run.plan --shard 1/2 \
  --server "$url" --token-file srv/token --progress none --json | summary
echo "exit ${PIPESTATUS[0]}"
echo "== shard 2/2 again as a Kubernetes Indexed Job's pod, no journal"
JOB_COMPLETION_INDEX=1 "$CVAT_INGEST" upload --plan run.plan --shard auto --shards 2 \
  --no-journal --server "$url" --token-file srv/token --progress none --json | summary
echo "exit ${PIPESTATUS[0]}"
check_server
echo "== a file changed since the plan"
"$CVAT_INGEST" plan corpus --create 'other {name}' --labels '[]' --task-per folder -o other.plan 2>/dev/null
png 11 11 corpus/cam2/a.png
"$CVAT_INGEST" upload --plan other.plan --no-journal --server "$url" --token-file srv/token \
  --progress none 2>&1 >/dev/null | grep "'other cam2'" | sed "s|$PWD/||"
echo "exit ${PIPESTATUS[0]}"
echo "== usage errors"
"$CVAT_INGEST" upload --plan run.plan --shard auto --server "$url" --token-file srv/token; echo "auto without a scheduler: $?"
SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=2 "$CVAT_INGEST" upload --plan run.plan --shard auto --server "$url" --token-file srv/token; echo "auto out of range: $?"
JOB_COMPLETION_INDEX=0 "$CVAT_INGEST" upload --plan run.plan --shard auto --server "$url" --token-file srv/token; echo "index without --shards: $?"
"$CVAT_INGEST" upload --plan run.plan --shard 3/2 --server "$url" --token-file srv/token; echo "3/2: $?"
"$CVAT_INGEST" upload corpus --plan run.plan --server "$url" --token-file srv/token; echo "a PATH with --plan: $?"
"$CVAT_INGEST" upload --plan run.plan --sorting-method natural --server "$url" --token-file srv/token; echo "a plan option: $?"
"$CVAT_INGEST" upload corpus --shard 1/2 --server "$url" --token-file srv/token --create x --labels '[]'; echo "--shard without --plan: $?"
"$CVAT_INGEST" plan corpus --task-per folder; echo "plan without --create: $?"
echo "== damaged plans"
head -c 100 run.plan > cut.plan
"$CVAT_INGEST" upload --plan cut.plan --server "$url" --token-file srv/token; echo "truncated: $?"
echo "not a plan" > junk.plan
"$CVAT_INGEST" upload --plan junk.plan --server "$url" --token-file srv/token; echo "junk: $?"
