# Choosing files: --include/--exclude (rclone globs) and --files-from (lines, stdin, NUL) for
# scan, manifest and upload alike, on a nested tree with awkward names; archive members too.
. "$DATA/../cli/lib.sh"
mkdir -p "t/sub/deep" "t/dir with space" "t/tmp" "t/sub/tmp"
png 2 2 t/a.png
png 3 2 t/sub/a.png
png 4 2 t/sub/deep/b.png
png 5 2 "t/dir with space/ü ö.png"
png 6 2 "t/[1] x.png"
png 7 2 t/tmp/skip.png
png 8 2 t/sub/tmp/keep.png
printf 'not a png' > t/tmp/broken.png
echo text > t/notes.txt
# The files a scan lists, sorted (workers finish in any order).
list() {
  "$CVAT_INGEST" scan "$@" --list --no-hash --progress none | sed -n '/^files:/,/^$/p' |
    grep '^  ' | LC_ALL=C sort
}
echo "== --include '*.png' --exclude '/tmp/**' (the broken file is never read)"
"$CVAT_INGEST" scan t --include '*.png' --exclude '/tmp/**' --no-hash --progress none \
  | grep -v '^ *\(video\|archive\|manifest\|other\) '
echo "exit $?"
echo "== --include 'sub/**' --include '/\[1\]*'"
list t --include 'sub/**' --include '/\[1\]*'
echo "== --include '? ?.png' (one code point each)"
list t --include '? ?.png'
echo "== --files-from - (comments, blanks, ./ and spaces)"
printf '# chosen\n./sub/deep/b.png\n\n  dir with space/ü ö.png  \n; done\n' | list t --files-from -
echo "== --files-from --null, and a path no source holds"
printf 'a.png\0[1] x.png\0gone.png\0' > nul.list
list t --files-from nul.list --null
"$CVAT_INGEST" scan t --files-from nul.list --null --no-hash --progress none | sed -n '/^problems:/,$p'
echo "exit ${PIPESTATUS[0]}"
echo "== archive members"
python3 - <<'PY'
import zipfile
with zipfile.ZipFile("set.zip", "w") as z:
    for name in ["a/1.png", "a/2.png", "b/1.png"]:
        z.write("t/a.png", name)
    z.writestr("b/bad.png", b"broken")
PY
list set.zip --exclude 'b/**'
echo "== manifest --include"
"$CVAT_INGEST" manifest t -o m.jsonl --include '/sub/**' --exclude 'tmp/**' --progress none
echo "exit $?"
tail -n +3 m.jsonl
echo "== usage errors"
"$CVAT_INGEST" scan t --files-from nul.list --include '*.png'; echo "exit $?"
"$CVAT_INGEST" scan t --null; echo "exit $?"
"$CVAT_INGEST" scan t --exclude 'photos/'; echo "exit $?"
"$CVAT_INGEST" scan t --include '{{.*}}'; echo "exit $?"
"$CVAT_INGEST" scan t --files-from missing.list; echo "exit $?"
echo "== upload --exclude"
start_serve srv
"$CVAT_INGEST" upload t --server "$url" --token-file srv/token --create chosen \
  --labels '[{"name":"car"}]' --exclude 'tmp/**' --exclude '*.txt' --exclude '/a.png' \
  --progress none
echo "exit $?"
ls srv/tasks/1/raw | LC_ALL=C sort
"$CVAT_INGEST" upload set.zip --server "$url" --token-file srv/token --create zip \
  --labels '[{"name":"car"}]' --include 'a/**' --progress none; echo "exit $?"
"$CVAT_INGEST" upload set.zip --extract --server "$url" --token-file srv/token --create zip \
  --labels '[{"name":"car"}]' --include '/a/**' --progress none; echo "exit $?"
ls srv/tasks/2/raw | LC_ALL=C sort
