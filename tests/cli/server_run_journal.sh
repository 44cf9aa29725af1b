# Server-side sources in a run of many tasks behave as local files do (issue 18): with
# --parallel-tasks K the tasks are created in plan order while earlier ones build; --json
# gives the run's document; a run killed (SIGKILL) once its first task is ready and its
# second is building is finished by the same command without a second task for any unit;
# --skip-existing finds a task of the name without the journal; a share file removed after
# the listing fails its task alone, named, with exit 3.
. "$DATA/../cli/lib.sh"
mkdir -p share/cams/c1 share/cams/c2 share/cams/c3 share/cams/c4
for c in 1 2 3 4; do
  png $((c + 2)) 2 share/cams/c$c/a.png
  png $((c + 3)) 2 share/cams/c$c/b.png
done
start_serve srv --share share --build-delay 0.4
common=(--server "$url" --token-file srv/token --labels '[{"name":"car"}]' --share cams/
        --task-per folder --sorting-method natural)
tasks() {  # tasks NAME-PREFIX: the server's tasks of that prefix (GET /api/tasks): id name size
  curl -s -H "Authorization: Token $(cat srv/token)" "$url/api/tasks?page_size=100" |
    python3 -c 'import json, sys
ts = [t for t in json.load(sys.stdin)["results"] if t["name"].startswith(sys.argv[1])]
for t in sorted(ts, key=lambda t: t["id"]): print("  task", t["id"], repr(t["name"]), "size", t["size"])
print("  tasks named", repr(sys.argv[1] + "..."), len(ts))' "$1"
}
summary() {  # the --json document on stdin: a line per task, the totals
  python3 -c 'import json, sys
d = json.load(sys.stdin)
for t in d["tasks"]:
    print("  %s %s %s frames=%s files=%s bytes=%s url=%s error=%s" % (t["name"], t["task_id"],
          t["status"], t["frames"], t["files"], t["bytes"], t["url"] and t["url"].split("/tasks/")[1],
          t["error"] and t["error"].split(";")[0]))
print(" ", {k: v for k, v in d["totals"].items() if k != "seconds"})'
}
events() {  # events FILE: the task events of a --progress json stderr, in order
  python3 -c 'import json, sys
for line in open(sys.argv[1]):
    if line.startswith("{\"event\":\"task\""):
        e = json.loads(line)
        print("   ", e["state"], e["index"], e["name"])' "$1"
}
wait_for() {  # wait_for FILE TEXT: until FILE holds TEXT (10 s at most)
  for _ in $(seq 200); do grep -qF "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "timed out waiting for $2"
}

echo "== --parallel-tasks 3: created in plan order, the next sent while the first builds"
"$CVAT_INGEST" upload "${common[@]}" --create 'p {name}' --parallel-tasks 3 --progress json \
  --json 2>p.err | summary
echo "exit ${PIPESTATUS[0]}"
tasks 'p '
python3 - <<'PY'
import json
ev = [json.loads(l) for l in open("p.err") if l.startswith('{"event":"task"')]
print("  created, in this order:", [e["index"] for e in ev if e["state"] == "created"])
first_ready = next(i for i, e in enumerate(ev) if e["state"] == "ready")
print("  tasks sent to be built before the first was ready: more than one:",
      len({e["index"] for e in ev[:first_ready] if e["state"] == "finishing"}) > 1)
PY

echo "== killed once task 1 is ready and task 2 builds; the same command again"
"$CVAT_INGEST" upload "${common[@]}" --create 'k {name}' --parallel-tasks 1 --progress json \
  2>k1.err >/dev/null &
client=$!
wait_for k1.err '"state":"finishing","index":2'
kill -9 $client; wait $client 2>/dev/null
events k1.err
tasks 'k ' | tail -1
"$CVAT_INGEST" upload "${common[@]}" --create 'k {name}' --parallel-tasks 1 --progress json \
  --json 2>k2.err | summary
echo "exit ${PIPESTATUS[0]}"
events k2.err
tasks 'k '

echo "== --skip-existing without the journal: the task named 's c2' is skipped, the others made"
"$CVAT_INGEST" upload --server "$url" --token-file srv/token --labels '[{"name":"car"}]' \
  --share cams/c2/ --sorting-method natural --create 's c2' --progress none 2>/dev/null
echo "exit $?"
"$CVAT_INGEST" upload "${common[@]}" --create 's {name}' --no-journal --skip-existing \
  --progress none --json 2>s.err | summary
echo "exit ${PIPESTATUS[0]}"
grep "skipped:" s.err | sed 's/^/  /'
tasks 's '

echo "== a share file removed after the listing: its task fails alone, named; exit 3"
"$CVAT_INGEST" upload "${common[@]}" --create 'g {name}' --parallel-tasks 1 --progress json \
  --json 2>g.err >g.json &
client=$!
wait_for g.err '"state":"created","index":1'
rm share/cams/c3/b.png
wait $client
echo "exit $?"
summary < g.json
grep -E "^task 'g c3' failed|task.* failed \(above\)" g.err | sed 's/: the server.*//; s/, or: .*//; s/^/  /'
tasks 'g '

echo "== Ctrl-C while task 1 builds: exit 130 with the resume command, which finishes the run"
"$CVAT_INGEST" upload "${common[@]}" --create 'c {name}' --parallel-tasks 1 --progress json \
  2>c1.err >/dev/null &
client=$!
wait_for c1.err '"state":"finishing","index":1'
kill -INT $client
wait $client
echo "exit $?"
grep '^interrupted' c1.err | sed 's/resume .*/resume RUN/; s/^/  /'
run=$(sed -n 's/^interrupted.*cvat-ingest resume //p' c1.err)
"$CVAT_INGEST" resume "$run" --progress none --json 2>/dev/null | summary
echo "exit ${PIPESTATUS[0]}"
tasks 'c '

echo "== annotations on arrival: a file per task from a template, imported once the task is built"
mkdir -p labels
for c in 1 2 3 4; do echo "{\"cam\": $c}" > labels/c$c.json; done
"$CVAT_INGEST" upload "${common[@]}" --create 'a {name}' --annotations 'labels/{name}.json' \
  --annotations-format "COCO 1.0" --progress none --json 2>/dev/null | summary
echo "exit ${PIPESTATUS[0]}"
for id in $(tasks 'a ' | sed -n 's/^  task \([0-9]*\) .*/\1/p'); do
  echo "  task $id: $(cat srv/tasks/$id/annotations/imports.log)"
  for c in 1 2 3 4; do
    cmp -s labels/c$c.json srv/tasks/$id/annotations/c$c.json && echo "  task $id holds labels/c$c.json"
  done
done
"$CVAT_INGEST" upload --server "$url" --token-file srv/token --labels '[{"name":"car"}]' \
  --share cams/c1/ --create 'a one' --annotations labels/c1.json --progress none 2>/dev/null
echo "exit $? (one task, CVAT lists the share)"
id=$(tasks 'a one' | sed -n 's/^  task \([0-9]*\) .*/\1/p')
echo "  task $id: $(cat srv/tasks/$id/annotations/imports.log)"
