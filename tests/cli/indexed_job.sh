# The Kubernetes Indexed Job of deploy/kubernetes/ingest-job.yaml, run as the Job runs it:
# four local processes of the same command, each with its JOB_COMPLETION_INDEX (0-3) and
# --shard auto --shards 4, from the plan on a shared path, the token from the environment (as
# the Secret gives it). Then `status` sees every unit done exactly once (exit 0) and every
# stored file equals the corpus. A missing index and one out of range are usage errors.
. "$DATA/../cli/lib.sh"
start_serve srv
mkdir -p corpus
for d in 1 2 3 4 5 6 7 8; do
  mkdir -p corpus/cam$d
  for i in $(seq $d); do png $((i + 3)) $((d + 2)) corpus/cam$d/f$i.png; done
done
"$CVAT_INGEST" plan corpus --create 'job {name}' --labels '[{"name":"car"}]' --task-per folder \
  -o run.plan 2>/dev/null
echo "plan: exit $?"
export CVAT_ACCESS_TOKEN=$(head -n 1 srv/token)
pids=()
for k in 0 1 2 3; do
  JOB_COMPLETION_INDEX=$k "$CVAT_INGEST" upload --plan run.plan --shard auto --shards 4 \
    --server "$url" --progress none > "pod$k.out" 2> "pod$k.err" &
  pids+=($!)
done
codes=()
for p in "${pids[@]}"; do wait "$p"; codes+=($?); done
echo "pods exit: ${codes[*]}"
"$CVAT_INGEST" status --plan run.plan --server "$url" --json > status.json
echo "status: exit $?"
python3 - status.json <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
print("tasks:", len(d["tasks"]), "states:", sorted({t["state"] for t in d["tasks"]}))
same = total = 0
for t in d["tasks"]:
    (task_id,) = t["task_ids"]
    folder = "corpus/" + t["name"][len("job "):]
    for f in os.listdir(folder):
        total += 1
        same += open("srv/tasks/%d/raw/%s" % (task_id, f), "rb").read() == \
            open(os.path.join(folder, f), "rb").read()
print("stored files equal to the corpus:", same, "of", total)
PY
echo "== no index, an index out of range"
"$CVAT_INGEST" upload --plan run.plan --shard auto --shards 4 --server "$url" --progress none \
  > /dev/null 2> err1
echo "exit $?"
JOB_COMPLETION_INDEX=4 "$CVAT_INGEST" upload --plan run.plan --shard auto --shards 4 \
  --server "$url" --progress none > /dev/null 2> err2
echo "exit $?"
cat err1 err2 >&2
