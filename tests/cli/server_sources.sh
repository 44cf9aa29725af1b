# Sources CVAT reads itself, end to end against serve: the share (server_files,
# server_files_exclude, copy_data), remote files from a loopback HTTP server, an emulated cloud
# storage bucket with its manifest; and every refusal, before any request or by the receiver.
. "$DATA/../cli/lib.sh"
mkdir -p share/set/sub share/other bucket/imgs web
for i in 1 2 3; do png $((i + 2)) 2 share/set/p$i.png; done
png 9 9 share/set/sub/q.png
png 5 5 share/other/o.png
ln -s /etc/hostname share/set/escape.png
for i in 1 2 3; do png $((i + 3)) 3 bucket/imgs/b$i.png; done
png 2 2 bucket/imgs/extra.png
python3 - <<'PY'
import json
with open("bucket/manifest.jsonl", "w") as f:
    f.write('{"version":"1.1"}\n{"type":"images"}\n')
    for i in (3, 1, 2):  # the bucket's own order
        f.write(json.dumps({"name": f"imgs/b{i}", "extension": ".png", "width": i + 3, "height": 3}) + "\n")
PY
png 6 4 web/w1.png
png 7 4 web/w2.png
start_web web
start_serve srv --share share --cloud-storage 7=bucket
common=(--server "$url" --token-file srv/token --labels '[{"name":"car"}]' --progress none)
show() {  # show ID: what the receiver built
  python3 -c 'import json, sys
t = json.load(open(f"srv/tasks/{sys.argv[1]}/task.json"))
print("  task", t["id"], t["name"], "size", t["size"], "storage", t["storage"], "sorting", t["sorting_method"])' "$1"
  curl -s -H "Authorization: Token $(cat srv/token)" "$url/api/tasks/$1/data/meta" |
    python3 -c 'import json, sys; print("  frames", [f["name"] for f in json.load(sys.stdin)["frames"]])'
}
run() {  # run ARGS...: an upload, its stderr's last line, its exit status
  "$CVAT_INGEST" upload "${common[@]}" "$@" 2>err >out
  local code=$?
  grep -v '^plan:' err | sed -E "s|$url|URL|g; s|$web|WEB|g; s/ in [0-9.]+ s, / in T s, /; s/^/  /"
  echo "exit $code: $*" | sed "s|$web|WEB|g"
}
ready() {  # the ids of the tasks the last upload reports ready (stderr)
  sed -nE "s/^task ([0-9]+) .*is ready.*/\1/p" err
}
echo "== share"
run --create s1 --share set/ --share-exclude set/sub --share-exclude set/escape.png --dry-run
cat out
run --create s1 --share set/ --share-exclude set/sub --share-exclude set/escape.png
show "$(ready)"
run --create s2 --share /../set/p2.png --share other/ --copy-data --sorting-method natural
show "$(ready)"
run --create s3 --share set/
echo "== remote"
printf '%s\n' "$web/w2.png" "# a comment" "$web/w1.png" > urls.txt
run --create r1 --remote @urls.txt
show "$(ready)"
run --create r2 --remote "$web/w1.png" --remote "$web/missing.png"
run --create r3 --remote http://192.0.2.1/a.png
echo "== cloud storage"
run --create c1 --cloud-storage-id 7 --cloud-file imgs/b1.png --cloud-file imgs/b2.png --cloud-file imgs/b3.png --sorting-method predefined
show "$(ready)"
run --create c2 --cloud-storage-id 7 --filename-pattern 'imgs/b[12].png'
show "$(ready)"
run --create c3 --cloud-storage-id 7 --cloud-file imgs/
show "$(ready)"
run --create c3x --cloud-storage-id 7 --cloud-file imgs/b1.png --cloud-file imgs/extra.png
run --create c4 --cloud-storage-id 8 --cloud-file imgs/b1.png
echo "== refused before any request"
run --create x --share ../etc/
run --create x --share set/ --remote "$web/w1.png"
run --create x --remote "$web/w1.png" --copy-data
run --create x --remote ftp://example.com/a.png
run --create x --remote "$web/a/w1.png" --remote "$web/b/w1.png"
run --create x --share set/m.jsonl --share set/ --seed 3
run --create x --share set/m.jsonl --share set/ --sorting-method random
run --create x --share set/m.jsonl --share set/ --no-use-cache --sorting-method natural
run --create x --share set/ --filename-pattern '*.png'
run --create x --share-exclude set/sub
run --create x --cloud-storage-id 7
run --create x --cloud-storage-id 7 --cloud-file imgs/ --copy-data
run --create x --share set/a.mp4 --share set/p1.png
"$CVAT_INGEST" upload corpus "${common[@]}" --create x --share set/ 2>&1 | head -1
echo "== the receiver refuses what CVAT's serializer refuses"
curl -s -X POST -H "Authorization: Token $(cat srv/token)" -H 'Content-Type: application/json' \
  -d '{"name":"y","labels":[{"name":"a"}]}' "$url/api/tasks" >/dev/null
id=$(ls srv/tasks | sort -n | tail -1)
curl -s -w ' %{http_code}\n' -X POST -H "Authorization: Token $(cat srv/token)" \
  -H 'Content-Type: application/json' \
  -d '{"image_quality":70,"server_files":["set/p1.png"],"filename_pattern":"*"}' \
  "$url/api/tasks/$id/data/"
curl -s -w ' %{http_code}\n' -X POST -H "Authorization: Token $(cat srv/token)" \
  -H 'Content-Type: application/json' \
  -d '{"image_quality":70,"server_files":["m.jsonl"],"filename_pattern":"*","server_files_exclude":["a"]}' \
  "$url/api/tasks/$id/data/"
rq=$(curl -s -X POST -H "Authorization: Token $(cat srv/token)" -H 'Content-Type: application/json' \
  -d '{"image_quality":70,"server_files":["set/../../etc/"]}' "$url/api/tasks/$id/data/" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["rq_id"])')
for _ in $(seq 100); do
  curl -s -H "Authorization: Token $(cat srv/token)" "$url/api/requests/$rq" > rq.json
  grep -q '"failed"' rq.json && break
  sleep 0.05
done
python3 -c 'import json; r = json.load(open("rq.json")); print(r["status"], r["message"])'
echo "tasks on the server: $(ls srv/tasks | wc -l)"
