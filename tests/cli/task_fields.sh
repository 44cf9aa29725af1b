# Task and data fields beyond files and order (quality control, consensus, subset, bug
# tracker, storages) end to end against serve, and their refusals before any request.
. "$DATA/../cli/lib.sh"
start_serve srv
mkdir corpus
for i in 1 2 3 4 5 6; do png $((i + 2)) 3 corpus/f$i.png; done
common=(--server "$url" --token-file srv/token --labels '[{"name":"car"}]' --progress none)
task() {  # task ID: the fields the receiver kept, as CVAT's task JSON shows them
  curl -s -H "Authorization: Token $(cat srv/token)" "$url/api/tasks/$1" | python3 -c '
import json, sys
t = json.load(sys.stdin)
print("task", t["id"], "size", t["size"], "validation_mode", t["validation_mode"],
      "consensus", t["consensus_enabled"], "bug_tracker", t["bug_tracker"] or "-",
      "target_storage", t["target_storage"])'
}
echo "== a Ground Truth job of 2 random frames, consensus, bug tracker, storage"
"$CVAT_INGEST" upload corpus "${common[@]}" --create gt --validation-mode gt \
  --validation-method random_uniform --validation-frames 2 --validation-seed 7 \
  --consensus-replicas 3 --bug-tracker https://bugs.example/1 --target-storage local
echo "exit $?"
task 1
echo "== honeypots: CVAT's own random order, no manifest"
"$CVAT_INGEST" upload corpus "${common[@]}" --create pool --validation-mode gt_pool \
  --validation-method random_uniform --validation-frames 2 --validation-per-job 1
echo "exit $?"
task 2
python3 -c 'import json; print("sorting", json.load(open("srv/tasks/2/task.json"))["sorting_method"])'
echo "manifests sent: $(ls srv/tasks/2/raw | grep -c manifest)"
echo "== manual validation frames"
"$CVAT_INGEST" upload corpus "${common[@]}" --create manual --validation-mode gt \
  --validation-method manual --validation-frame-list f2.png,f5.png
echo "exit $?"
"$CVAT_INGEST" upload corpus "${common[@]}" --create manual2 --validation-mode gt \
  --validation-method manual --validation-frame-list f2.png,nope.png --dry-run
echo "frame not in the task: $?"
echo "== refused before any request"
for args in "--copy-data" "--filename-pattern *.png" \
    "--validation-mode gt" \
    "--validation-mode gt --validation-method random_per_job --validation-frames 2" \
    "--validation-mode gt_pool --validation-method random_per_job --validation-per-job 1" \
    "--validation-mode gt_pool --validation-method random_uniform --validation-frames 2" \
    "--validation-mode gt_pool --validation-method random_uniform --validation-frames 2 --validation-per-job 1 --sorting-method natural" \
    "--validation-mode gt --validation-method random_uniform --validation-share 1.5" \
    "--validation-mode gt --validation-method manual --validation-frame-list a.png,a.png" \
    "--validation-frames 3" \
    "--consensus-replicas 1" "--consensus-replicas 12" \
    "--subset Train" "--target-storage s3" \
    "--split-every 3 --create m{index} --validation-mode gt --validation-method manual --validation-frame-list f1.png"; do
  # shellcheck disable=SC2086
  "$CVAT_INGEST" upload corpus "${common[@]}" --create x $args 2>&1 >/dev/null | sed 's/^/  /'
  echo "exit ${PIPESTATUS[0]}: $args"
done
echo "tasks on the server: $(ls srv/tasks | wc -l)"
