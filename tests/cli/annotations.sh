# Annotations on arrival (issue 18): --annotations FILE --annotations-format NAME imports the
# file once the task is ready; a template picks one file per task of a run; an unknown format
# and a missing file are refused before anything is created; a run killed while the server
# imports resumes by polling the same import (never importing twice).
. "$DATA/../cli/lib.sh"
start_serve srv
mkdir -p corpus/cam1 corpus/cam2 labels
png 4 3 corpus/cam1/0001.png
png 5 3 corpus/cam1/0002.png
png 6 3 corpus/cam2/0001.png
python3 -c 'import os; open("one.json", "wb").write(b"{\"images\": []}" + os.urandom(3 << 20))'
echo '{"cam": 1}' > labels/cam1.json
echo '{"cam": 2}' > labels/cam2.json
tasks() { ls srv/tasks 2>/dev/null | wc -l; }
echo "== one task"
"$CVAT_INGEST" upload corpus/cam1 --server "$url" --token-file srv/token --create one \
  --labels '[{"name":"car"}]' --annotations one.json --annotations-format "COCO 1.0" --progress none
echo "exit $?"
cat srv/tasks/1/annotations/imports.log
cmp one.json srv/tasks/1/annotations/one.json && echo "imported bytes equal"
echo "== cvat-cli's spellings, its default format"
"$CVAT_INGEST" upload corpus/cam2 --server "$url" --token-file srv/token --create two \
  --labels '[{"name":"car"}]' --annotation_path labels/cam2.json --progress none > /dev/null
echo "exit $?"
cat srv/tasks/2/annotations/imports.log
echo "== a format the server does not import: nothing is created"
"$CVAT_INGEST" upload corpus/cam1 --server "$url" --token-file srv/token --create three \
  --labels '[{"name":"car"}]' --annotations one.json --annotations-format "coco 1.0" --progress none
echo "exit $? tasks $(tasks)"
echo "== a missing file: nothing is created"
"$CVAT_INGEST" upload corpus/cam1 --server "$url" --token-file srv/token --create three \
  --labels '[{"name":"car"}]' --annotations nothere.json --progress none
echo "exit $? tasks $(tasks)"
echo "== a template outside a run of many"
"$CVAT_INGEST" upload corpus/cam1 --server "$url" --token-file srv/token --create three \
  --labels '[{"name":"car"}]' --annotations 'labels/{name}.json' --progress none
echo "exit $? tasks $(tasks)"
echo "== a run of many tasks, one file each"
"$CVAT_INGEST" upload corpus --server "$url" --token-file srv/token --create 'rig {name}' \
  --task-per folder --labels '[{"name":"car"}]' --annotations 'labels/{name}.json' \
  --annotations-format 'Datumaro 1.0' --progress json 2> run.err
echo "exit $?"
grep -c 'imported in' run.err
annotation_events() {  # annotation_events FILE: the upload progress events, per task
  python3 -c 'import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{\"event\":\"annotations\"")]
for t in sorted({e["task"] for e in ev}):
    mine = [e for e in ev if e["task"] == t]
    first, last = mine[0], mine[-1]
    print("  annotations progress %r: %d events, from %d to %d of %d" % (t, len(mine),
          first["bytes_done"], last["bytes_done"], last["bytes"]))' "$1"
}
annotation_events run.err
cat srv/tasks/3/annotations/imports.log srv/tasks/4/annotations/imports.log
cmp labels/cam1.json srv/tasks/3/annotations/cam1.json && cmp labels/cam2.json srv/tasks/4/annotations/cam2.json \
  && echo "imported bytes equal"
echo "== a dry run names each task's file"
"$CVAT_INGEST" upload corpus --server "$url" --token-file srv/token --create 'dry {name}' \
  --task-per folder --labels '[{"name":"car"}]' --annotations 'labels/{name}.json' \
  --dry-run --progress none 2> /dev/null | cut -f 2,6 | sed "s|$PWD/||"
echo "exit $? tasks $(tasks)"
echo "== a run where one task has no file: nothing is created"
rm labels/cam2.json
"$CVAT_INGEST" upload corpus --server "$url" --token-file srv/token --create 'other {name}' \
  --task-per folder --labels '[{"name":"car"}]' --annotations 'labels/{name}.json' --progress none
echo "exit $? tasks $(tasks)"
echo "== killed while the server imports, then the same command again"
kill $serve_pid; wait $serve_pid 2>/dev/null
rm port
start_serve srv2 --import-delay 5
"$CVAT_INGEST" upload corpus/cam1 --server "$url" --token-file srv2/token --create slow \
  --labels '[{"name":"car"}]' --annotations one.json --annotations-format "COCO 1.0" \
  --progress none > /dev/null 2>&1 &
client=$!
# The file is on the server once its TUS upload completed; Upload-Finish follows at once.
for _ in $(seq 400); do [ -f srv2/tasks/1/annotations_tmp/one.json ] && break; sleep 0.025; done
for _ in $(seq 100); do grep -q 'into task 1 queued' serve.log && break; sleep 0.02; done
sleep 0.3  # the client records the accepted import
kill -9 $client; wait $client 2>/dev/null
echo "killed with the import queued: $(grep -c 'into task 1 queued' serve.log), done: $(ls srv2/tasks/1/annotations/imports.log 2>/dev/null | wc -l)"
"$CVAT_INGEST" upload corpus/cam1 --server "$url" --token-file srv2/token --create slow \
  --labels '[{"name":"car"}]' --annotations one.json --annotations-format "COCO 1.0" \
  --progress none 2> resume.err
echo "exit $?"
grep -c '^resuming the upload' resume.err
wc -l < srv2/tasks/1/annotations/imports.log
cmp one.json srv2/tasks/1/annotations/one.json && echo "imported bytes equal"
echo "imports queued $(grep -c 'into task 1 queued' serve.log), refused $(grep -c 'refused' serve.log)"
echo "== the same command once more: done before"
"$CVAT_INGEST" upload corpus/cam1 --server "$url" --token-file srv2/token --create slow \
  --labels '[{"name":"car"}]' --annotations one.json --progress none 2> /dev/null
echo "exit $?"
wc -l < srv2/tasks/1/annotations/imports.log
echo "== the annotation upload in the progress output"
"$CVAT_INGEST" upload corpus/cam2 --server "$url" --token-file srv2/token --create prog \
  --labels '[{"name":"car"}]' --annotations one.json --annotations-format "COCO 1.0" \
  --progress json > /dev/null 2> prog.err
echo "exit $?"
annotation_events prog.err
