#!/usr/bin/env bash
# The main job on a sample corpus: installs what is needed, builds (release), generates a
# corpus of real images (nested folders, a related_images folder) and a short video, starts
# the local CVAT-compatible receiver, uploads the images into one new task and the video into
# another (CVAT takes one kind per task), shows the tasks, and stops the receiver.
#   scripts/demo.sh [--no-install]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--no-install" ]; then scripts/install-deps.sh; fi
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target cvat-ingest make_corpus make_video
bin=build/release/cli/cvat-ingest
demo=build/demo
rm -rf "$demo" && mkdir -p "$demo"
build/release/bench/make_corpus "$demo/images" --images 500 --width 1280 --height 720
build/release/bench/make_video "$demo/clip.mp4" --frames 120 --width 640 --height 360

echo "== cvat-ingest scan $demo/images"
"$bin" scan "$demo/images" --progress none
echo
echo "== cvat-ingest manifest $demo/images -o $demo/manifest.jsonl --sorting-method natural"
"$bin" manifest "$demo/images" -o "$demo/manifest.jsonl" --sorting-method natural --progress none
head -n 4 "$demo/manifest.jsonl"
echo

echo "== cvat-ingest serve --data $demo/server (on 127.0.0.1, a port the OS picks)"
"$bin" serve --data "$demo/server" --port 0 --port-file "$demo/port" > "$demo/serve.log" 2>&1 &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null; wait $serve_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$demo/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$demo/port")"
echo "receiver at $url (token in $demo/server/token)"
echo

# --pack zip: the sample has a related_images folder, and CVAT keeps context images only
# inside an archive (sent as loose files they would stay behind, with a note saying so).
echo "== cvat-ingest upload $demo/images --create 'demo images' --sorting-method natural --pack zip"
"$bin" upload "$demo/images" --server "$url" --token-file "$demo/server/token" \
  --create "demo images" --labels '[{"name":"car"},{"name":"person"}]' \
  --sorting-method natural --pack zip --progress none
echo
echo "== cvat-ingest upload $demo/clip.mp4 --create 'demo video'"
"$bin" upload "$demo/clip.mp4" --server "$url" --token-file "$demo/server/token" \
  --create "demo video" --labels '[{"name":"car"}]' --progress none
echo
echo "== the receiver's tasks (GET /api/tasks)"
# The token goes to curl through a header file (printf is a shell builtin): never in argv.
curl -s -H @<(printf 'Authorization: Token %s\n' "$(cat "$demo/server/token")") "$url/api/tasks" |
  python3 -c 'import json,sys
for t in json.load(sys.stdin)["results"]:
    print("task %d %-12r size=%s status=%s" % (t["id"], t["name"], t.get("size"), t.get("status")))'
