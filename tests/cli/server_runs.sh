# Server-side sources with --task-per and --split-every, and the client's order for them
# (issue 18): units from the share's listing (GET /api/server/share), from a bucket's manifest
# (GET /api/cloudstorages/ID/content), one per URL; names from the same templates with the
# same refusal of one name for two tasks; every task's frames, as serve reports them through
# data/meta, in the order asked (natural, predefined, a seeded random); what cannot mean
# anything refused before any request.
. "$DATA/../cli/lib.sh"
mkdir -p share/rig/cam1 share/rig/cam2 share/rig/cam2/related_images bucket/a bucket/b web
for n in 10 9 1; do png $n 2 share/rig/cam1/f$n.png; done
png 3 3 share/rig/cam2/x.png
png 4 3 share/rig/cam2/X2.png
png 5 3 share/rig/cam2/related_images/ctx.png
echo notes > share/rig/cam2/notes.txt
avi 4 4 3 share/rig/clip.avi
for n in 3 1 2; do png $((n + 2)) 2 bucket/a/i$n.png; done
png 6 2 bucket/b/j1.png
png 7 2 bucket/b/unlisted.png
python3 - <<'PY'
import json
with open("bucket/index.jsonl", "w") as f:
    f.write('{"version":"1.1"}\n{"type":"images"}\n')
    for name, w in (("b/j1", 6), ("a/i3", 5), ("a/i1", 3), ("a/i2", 4)):
        f.write(json.dumps({"name": name, "extension": ".png", "width": w, "height": 2}) + "\n")
PY
for n in 2 10 1; do png $n 2 web/u$n.png; done
start_web web
start_serve srv --share share --cloud-storage 7=bucket
common=(--server "$url" --token-file srv/token --labels '[{"name":"car"}]' --progress none --parallel-tasks 1)
frames() {  # frames ID: the task's name and frames as the receiver reports them
  python3 -c 'import json, sys
t = json.load(open(f"srv/tasks/{sys.argv[1]}/task.json"))
print("  task", t["id"], repr(t["name"]), "size", t["size"], "sorting", t["sorting_method"], end=" ")' "$1"
  curl -s -H "Authorization: Token $(cat srv/token)" "$url/api/tasks/$1/data/meta" |
    python3 -c 'import json, sys; print([f["name"] for f in json.load(sys.stdin)["frames"]])'
}
run() {  # run ARGS...: an upload; its stderr without the plan line; the tasks it made
  "$CVAT_INGEST" upload "${common[@]}" "$@" 2>err >out
  local code=$?
  sed -E "s|$url|URL|g; s|$web|WEB|g; s/ in [0-9.]+ s, / in T s, /; s/^/  /" err
  echo "exit $code: $*" | sed "s|$web|WEB|g"
  [ "$code" = 2 ] || grep -q dry <<<"$*" || for id in $(sed -nE "s/^task ([0-9]+) .*is ready.*/\1/p" err); do frames "$id"; done
}
echo "== the share, a task per folder, natural order, dry run"
run --create '{index}/{count} {name}' --share rig/ --task-per folder --sorting-method natural --dry-run
cat out
echo "== the share, a task per folder (a video its own), natural order"
run --create 'rig {name}' --share rig/ --share-exclude rig/clip.avi --task-per folder --sorting-method natural
run --create 'vid {stem}' --share rig/ --task-per video
echo "== the share in parts of 2, seeded random"
run --create 'part {part}' --share rig/cam1/ --split-every 2 --sorting-method random --seed 5
echo "== one task, predefined: the order given"
run --create pre --share rig/cam2/x.png --share rig/cam1/f9.png --share rig/cam1/f10.png --sorting-method predefined
echo "== remote: a task per URL, and in parts"
run --create 'url {stem}' --remote "$web/u2.png" --remote "$web/u10.png" --task-per file
run --create 'web {part}' --remote "$web/u2.png" --remote "$web/u10.png" --remote "$web/u1.png" --split-every 2 --sorting-method natural
echo "== a bucket: a task per folder from its manifest"
run --create 'b {name}' --cloud-storage-id 7 --manifest-in-bucket index.jsonl --cloud-file a/ --cloud-file b/ --task-per folder --sorting-method natural
run --create 'p {stem}' --cloud-storage-id 7 --manifest-in-bucket index.jsonl --filename-pattern 'a/*' --task-per file
echo "== one task with --job-file-mapping: the mapping's order, checked against the share"
echo '[["rig/cam1/f9.png"],["rig/cam1/f10.png","rig/cam1/f1.png"]]' > jobs.json
echo '[["rig/cam1/f9.png","rig/f1.png"]]' > bad-jobs.json
run --create jm --share rig/cam1/ --job-file-mapping jobs.json
run --create jm2 --share rig/cam1/ --job-file-mapping bad-jobs.json
run --create 'x {name}' --share rig/ --task-per folder --job-file-mapping jobs.json
echo "== --manifest-in-bucket for one task (default manifest.jsonl, which this bucket lacks)"
run --create mb --cloud-storage-id 7 --manifest-in-bucket index.jsonl --cloud-file b/j1.png --cloud-file a/i3.png
run --create mb2 --cloud-storage-id 7 --cloud-file b/j1.png
run --create x --cloud-storage-id 7 --manifest-in-bucket index.txt --cloud-file b/j1.png
run --create x --share rig/ --manifest-in-bucket index.jsonl
echo "== refused before any request"
run --create 'x {folder}' --share rig/ --task-per file
run --create 'x {name}' --remote "$web/u2.png" --task-per folder
run --create 'x {name}' --remote "$web/u2.png" --task-per archive
run --create 'x {name}' --cloud-storage-id 7 --cloud-file a/ --task-per video
run --create 'x {name}' --cloud-storage-id 7 --cloud-file b/unlisted.png --task-per file
run --create 'x {name}' --cloud-storage-id 7 --manifest-in-bucket index.jsonl --cloud-file b/unlisted.png --task-per file
run --create 'x {name}' --share nothere/ --task-per folder
run --create 'x {name}' --share rig/m.jsonl --share rig/ --task-per folder
run --task 1 --share rig/ --task-per folder
echo "tasks on the server: $(ls srv/tasks | wc -l)"
