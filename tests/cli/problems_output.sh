# Problems at scale: grouped per cause, sorted, capped, the full list in --problems FILE;
# --skip-bad leaves unreadable files out (exit 3) but never drops clashing base names.
. "$DATA/../cli/lib.sh"
mkdir -p many good
png 4 3 many/ok.png
for i in $(seq -w 1 25); do head -c 20 many/ok.png > "many/cut_$i.png"; done
printf 'junk' > many/junk.png
echo "== scan: 26 errors in two causes"
"$CVAT_INGEST" scan many --no-hash --progress none --problems all.jsonl | sed -n '/^problems:/,$p'
echo "exit ${PIPESTATUS[0]}"
wc -l < all.jsonl
grep -c '"severity":"error"' all.jsonl
head -1 all.jsonl
echo "== scan: 30 clashing names, one line each, cut after 20"
mkdir -p dups/x dups/y
for i in $(seq -w 1 30); do png 2 2 "dups/x/n$i.png"; cp "dups/x/n$i.png" "dups/y/n$i.png"; done
"$CVAT_INGEST" scan dups --no-hash --progress none | tail -3
"$CVAT_INGEST" scan dups --no-hash --progress none --problems dups.jsonl | tail -1
wc -l < dups.jsonl
echo "== upload refuses by default"
start_serve srv
png 5 3 good/a.png
png 6 3 good/b.png
head -c 30 good/a.png > good/cut.png
printf 'junk' > good/junk.jpg
"$CVAT_INGEST" upload good --server "$url" --token-file srv/token --create refused \
  --labels '[{"name":"car"}]' --progress none
echo "exit $?"
echo "== upload --skip-bad"
"$CVAT_INGEST" upload good --server "$url" --token-file srv/token --create kept \
  --labels '[{"name":"car"}]' --progress none --skip-bad --problems up.jsonl
echo "exit $?"
ls srv/tasks/1/raw | LC_ALL=C sort
cat up.jsonl
echo "== --skip-bad does not drop clashing names (with --pack none; --pack auto zips them)"
mkdir -p clash/x clash/y
png 4 3 clash/x/same.png
png 5 3 clash/y/same.png
head -c 10 clash/x/same.png > clash/bad.png
"$CVAT_INGEST" upload clash --server "$url" --token-file srv/token --create clash \
  --labels '[{"name":"car"}]' --progress none --skip-bad --pack none --dry-run > /dev/null
echo "exit $?"
echo "== --skip-bad in a run of many tasks"
mkdir -p run/cam1 run/cam2
png 4 3 run/cam1/a.png
png 5 3 run/cam2/b.png
head -c 10 run/cam2/b.png > run/cam2/bad.png
"$CVAT_INGEST" upload run --server "$url" --token-file srv/token --create '{name}' \
  --labels '[{"name":"car"}]' --task-per folder --progress none --skip-bad 2> run.err
echo "exit $?"
grep -c '^skipped: run/cam2/bad.png' run.err
