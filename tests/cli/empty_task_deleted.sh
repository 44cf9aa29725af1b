# A run that fails after it created its task and before any data reached it deletes the
# empty task and sets its journal aside (*.failed), so nothing is left behind; when the
# delete fails too, it says so. The failures are the receiver's seeded 403 faults: with one
# file and --retries 0 the requests come in a fixed order, so seed 1 refuses Upload-Start
# and seed 12 also the DELETE (if the client's requests change, pick the seeds again).
. "$DATA/../cli/lib.sh"
mkdir c
png 4 3 c/a.png
for seed in 1 12; do
  echo "== seed $seed"
  rm -rf srv port state
  start_serve srv --faults "status=403@p=0.4,seed=$seed"
  "$CVAT_INGEST" upload c --server "$url" --token-file srv/token --create empty \
    --labels '[{"name":"car"}]' --progress none --retries 0 2> err
  echo "exit $?"
  sed "s|$url|URL|g; s|$PWD|WORK|g; s|/[0-9a-f]*\.journal|/KEY.journal|g" err | grep -v "^plan:"
  ls state/cvat-ingest | sed 's/^[0-9a-f]*\./KEY./' | LC_ALL=C sort
  kill $serve_pid
  wait $serve_pid 2>/dev/null
done
