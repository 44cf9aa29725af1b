# A run of many tasks (--task-per folder): the dry-run plan, the run with --json, a rerun that
# finds every task done, and the refusals (colliding names, --task with --task-per).
. "$DATA/../cli/lib.sh"
start_serve srv
mkdir -p corpus/cam1 corpus/cam2 corpus/cam3/sub
png 4 3 corpus/cam1/0001.png
png 5 3 corpus/cam1/0002.png
png 6 3 corpus/cam2/0001.png
png 7 3 corpus/cam3/sub/0001.png
png 3 3 corpus/top.png
echo "== dry run"
"$CVAT_INGEST" upload corpus --server "$url" --token-file srv/token --create 'rig {name}' \
  --labels '[{"name":"car"}]' --task-per folder --dry-run --progress none
echo "exit $?"
summary() {
  python3 -c '
import json, sys
d = json.load(sys.stdin)
for t in d["tasks"]:
    print(t["name"], t["task_id"], t["frames"], t["files"], t["status"], t["error"])
print({k: v for k, v in d["totals"].items() if k != "seconds"})'
}
echo "== run"
"$CVAT_INGEST" upload corpus --server "$url" --token-file srv/token --create 'rig {name}' \
  --labels '[{"name":"car"}]' --task-per folder --parallel-tasks 2 --progress none --json | summary
echo "exit ${PIPESTATUS[0]}"
cmp corpus/cam3/sub/0001.png srv/tasks/4/raw/0001.png && echo "stored bytes equal"
echo "== the same command again"
"$CVAT_INGEST" upload corpus --server "$url" --token-file srv/token --create 'rig {name}' \
  --labels '[{"name":"car"}]' --task-per folder --parallel-tasks 2 --progress none --json | summary
echo "exit ${PIPESTATUS[0]}"
echo "== the run's record"
"$CVAT_INGEST" resume --list | sed 's/^.*\.run$/RUN/'
"$CVAT_INGEST" resume
echo "exit $?"
echo "== resume RUN with options of its own (they win over the recorded ones)"
run=$("$CVAT_INGEST" resume --list | grep '\.run$')
"$CVAT_INGEST" resume "$run" --progress json 2>&1 >/dev/null | grep -c '"event":"task","state":"skipped"'
echo "exit ${PIPESTATUS[0]}"
echo "== split, names that collide"
"$CVAT_INGEST" upload corpus --server "$url" --token-file srv/token --create '{name}' \
  --labels '[{"name":"car"}]' --task-per folder --split-every 1 --progress none
echo "exit $?"
echo "== --task with --task-per"
"$CVAT_INGEST" upload corpus --server "$url" --token-file srv/token --task 1 --task-per folder
echo "exit $?"
