# Messages that say why and what to do: context images left behind (CVAT keeps them only
# inside an archive; --pack zip keeps them), a folder of videos given to manifest (one
# manifest per video), names that clash inside a zip sent with --extract (drop --extract).
. "$DATA/../cli/lib.sh"
start_serve srv
mkdir -p ctx/related_images/a_png
png 4 3 ctx/a.png
png 2 2 ctx/related_images/a_png/side.png
printf 'notes' > ctx/readme.txt
up() {
  "$CVAT_INGEST" upload "$@" --server "$url" --token-file srv/token --create m \
    --labels '[{"name":"car"}]' --progress none --dry-run 2>&1 >/dev/null
}
echo "== context images stay behind"
up ctx | grep '^note:'
echo "== --pack zip keeps them"
up ctx --pack zip | grep '^note:\|^pack:'
echo "== manifest of a folder of videos"
mkdir videos
avi 8 6 3 videos/a.avi
avi 8 6 2 videos/b.avi
"$CVAT_INGEST" manifest videos -o m.jsonl --progress none
echo "exit $?"
"$CVAT_INGEST" manifest videos/a.avi -o videos/a.jsonl > /dev/null 2>&1
echo "exit $?"
echo "== names clashing inside a zip, with --extract"
mkdir -p z/x z/y
png 4 3 z/x/same.png
png 5 3 z/y/same.png
(cd z && python3 -c 'import zipfile; z = zipfile.ZipFile("../z.zip", "w"); [z.write(p) for p in ("x/same.png", "y/same.png")]')
up z.zip --extract --pack none | grep '^refused'
