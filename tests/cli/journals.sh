# Journals that behave: the printed resume command works as printed (the same credential
# source, never the secret), and `resume --forget` needs the journal it deletes.
. "$DATA/../cli/lib.sh"
mkdir bin && ln -s "$CVAT_INGEST" bin/cvat-ingest
export PATH="$PWD/bin:$PATH"
# Two receivers whose first task build fails (one per credential source).
start_serve srv2 --faults 'fail-build=1'
pid2=$serve_pid url2=$url
rm port
start_serve srv --faults 'fail-build=1'
trap 'kill $serve_pid $pid2 2>/dev/null; wait $serve_pid $pid2 2>/dev/null' EXIT
mkdir c d
png 4 3 c/a.png
png 5 3 c/b.png
png 6 3 d/a.png
tidy() { sed "s|$PWD|WORK|g; s|/[0-9a-f]*\.journal|/KEY.journal|g"; }
echo "== --token-file: the printed command, run as printed from elsewhere, reaches the server"
cvat-ingest upload c --server "$url" --token-file srv/token --create x \
  --labels '[{"name":"car"}]' --progress none 2> err1
echo "exit $?"
grep -A1 '^the upload can go on' err1 | tidy
cmd=$(sed -n 's/^the upload can go on where it stopped: //p' err1)
(cd / && eval "$cmd" --progress none) 2> err1b
grep -c 'no credentials' err1b
grep 'cvat-ingest resume:' err1b
echo "== CVAT_ACCESS_TOKEN: the line says it must be set, and never shows it"
export CVAT_ACCESS_TOKEN=$(cat srv2/token)
cvat-ingest upload d --server "$url2" --create y --labels '[{"name":"car"}]' --progress none 2> err2
echo "exit $?"
grep -A1 '^the upload can go on' err2 | tidy
grep -c "$CVAT_ACCESS_TOKEN" err1 err2
cmd=$(sed -n 's/^the upload can go on where it stopped: //p' err2)
eval "$cmd" --progress none 2> err2b
grep -c 'no credentials' err2b
grep 'cvat-ingest resume:' err2b
echo "== resume --forget needs the journal (the finished upload z left none, only runs.log)"
cvat-ingest upload c --server "$url" --token-file srv/token --create z --labels '[{"name":"car"}]' --progress none \
  > /dev/null 2>&1
echo "exit $?"
cvat-ingest resume --forget
echo "exit $?"
cvat-ingest resume --list | grep -c '\.journal$'
cvat-ingest resume --forget --all-finished 2>&1 | tidy
cvat-ingest resume --list | grep -c '\.journal$'
