# --verify decodes every image: a PNG cut inside its pixel data passes the header probe (and
# so scan, manifest and upload without --verify) but CVAT fails on it. With --verify it is an
# error; upload refuses, or with --skip-bad leaves it out and lists it. A format the decoders
# do not cover (WMF: Pillow cannot load its pixels on Linux) is kept, counted as not verified.
. "$DATA/../cli/lib.sh"
mkdir -p photos
png_mode 2 8 64 64 photos/a.png
png_mode 2 8 64 48 photos/b.png
size=$(stat -c %s photos/b.png)
head -c $((size - 30)) photos/b.png > photos/cut.png
{ printf '\327\315\306\232\0\0\0\0\0\0\240\005\320\002\240\005\0\0\0\0\0\0'
  printf '\001\0\011\0\0\003'; head -c 30 /dev/zero; } > photos/meta.wmf
echo "== scan: the cut PNG passes its header check"
"$CVAT_INGEST" scan photos --no-hash --progress none | sed -n '/^problems:/,$p'
echo "exit ${PIPESTATUS[0]}"
echo "== scan --verify"
"$CVAT_INGEST" scan photos --no-hash --progress none --verify | sed -n '/^problems:/,$p'
echo "exit ${PIPESTATUS[0]}"
"$CVAT_INGEST" scan photos --no-hash --progress none --verify --json | grep -o '"unverified":[0-9]*'
echo "== manifest --verify"
"$CVAT_INGEST" manifest photos -o m.jsonl --progress none --verify 2> manifest.err
echo "exit $?"
cat manifest.err
grep -c '"name"' m.jsonl
echo "== upload --verify refuses"
start_serve srv
"$CVAT_INGEST" upload photos --server "$url" --token-file srv/token --create v \
  --labels '[{"name":"car"}]' --progress none --verify
echo "exit $?"
echo "== upload --verify --skip-bad"
"$CVAT_INGEST" upload photos --server "$url" --token-file srv/token --create v \
  --labels '[{"name":"car"}]' --progress none --verify --skip-bad > /dev/null
echo "exit $?"
ls srv/tasks/1/raw | LC_ALL=C sort
