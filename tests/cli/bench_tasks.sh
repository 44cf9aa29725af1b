# cvat-ingest bench --profile videos: a run of many tasks per --parallel-tasks K against the
# local receiver it starts (with a modelled build time); the figures must add up (no timing
# checks) and every temporary file must be gone afterwards.
mkdir tmp
export TMPDIR=$PWD/tmp
"$CVAT_INGEST" bench --profile videos --tasks 3 --frames 5 --parallel-tasks 1,3 \
  --build-delay 0.1 --build-workers 2 --json out.json --progress none >table.txt
echo "exit $?"
grep -E '^corpus:' table.txt | sed -E 's/, [0-9.]+ [KM]iB in total//'
grep -E '^3 tasks a run' table.txt | cut -c1-15
awk '$1 ~ /^[0-9]+$/ && $2 ~ /\// {print "K", $1, "runs", $2}' table.txt
python3 - <<'PY'
import json
d = json.load(open("out.json"))
print("kind", d["kind"], "options", d["options"]["parallel-tasks"], d["options"]["task-per"],
      d["options"]["build-delay"])
for r in d["runs"]:
    print("run", r["index"], "K", r["parallel_tasks"], r["status"], "tasks", r["tasks"], "done",
          r["done"], "frames", r["frames"], "builds held",
          r["build_seconds"] >= 3 * 0.05 and r["max_build_seconds"] <= r["seconds"],
          "rate adds up", abs(r["tasks_per_second"] * r["seconds"] - r["done"]) < 0.01)
for p in d["points"]:
    print("point", p["parallel_tasks"], "completed", p["completed"])
PY
echo "temporary files left: $(ls tmp | wc -l)"
