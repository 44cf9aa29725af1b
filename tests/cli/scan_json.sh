. "$DATA/../cli/lib.sh"
mkdir -p corpus/sub
png 4 3 corpus/a.png
png 2 2 corpus/sub/b.PNG
printf 'hello' > corpus/notes.txt
printf 'not a png' > corpus/broken.png
: > corpus/empty.txt
"$CVAT_INGEST" scan corpus --json --progress none | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["kinds"]["image"], d["kinds"]["other"], d["total"])
print(d["errors"], d["warnings"])
for p in d["problems"]:
    print(p["severity"], p["code"], p["path"])
'
