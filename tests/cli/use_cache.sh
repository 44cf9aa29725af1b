# use_cache is on unless --no-use-cache (as the web UI's default); --no-use-cache works with
# the generated manifest in any order (the client sends it with predefined sorting, which
# CVAT takes without use_cache).
. "$DATA/../cli/lib.sh"
start_serve srv
mkdir corpus
for i in 1 2 3; do png $((i + 2)) 3 corpus/f$i.png; done
common=(--server "$url" --token-file srv/token --labels '[{"name":"car"}]' --progress none)
storage() { python3 -c 'import json, sys
print(json.load(open(f"srv/tasks/{sys.argv[1]}/task.json"))["storage_method"])' "$1"; }
"$CVAT_INGEST" upload corpus "${common[@]}" --create default >/dev/null 2>&1
echo "default: exit $?, $(storage 1)"
"$CVAT_INGEST" upload corpus "${common[@]}" --create static --no-use-cache --manifest none \
  >/dev/null 2>&1
echo "--no-use-cache --manifest none: exit $?, $(storage 2)"
"$CVAT_INGEST" upload corpus "${common[@]}" --create static2 --no-use-cache \
  --sorting-method natural >/dev/null 2>&1
echo "--no-use-cache --sorting-method natural: exit $?, $(storage 3)"
"$CVAT_INGEST" upload corpus "${common[@]}" --create lex --no-use-cache >/dev/null 2>&1
echo "--no-use-cache, lexicographical with the manifest: exit $?, $(storage 4)"
grep -o '"sorting_method": *"[a-z]*"' srv/tasks/4/task.json | head -1
"$CVAT_INGEST" upload corpus "${common[@]}" --create x --no-use-cache --use-cache 2>&1 >/dev/null |
  head -1
echo "exit ${PIPESTATUS[0]}"
echo "tasks on the server: $(ls srv/tasks | wc -l)"
