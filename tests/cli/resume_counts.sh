# A resume counts what it sent itself apart from what was already on the server.
. "$DATA/../cli/lib.sh"
start_serve srv --faults 'slow=128KiB'
mkdir c
for i in 1 2 3 4; do png 4 3 "c/$i.png"; head -c 150000 /dev/urandom >> "c/$i.png"; done
"$CVAT_INGEST" upload c --server "$url" --token-file srv/token --create r \
  --labels '[{"name":"car"}]' --progress none --connections 1 --tus-threshold 100KiB 2> err1 &
pid=$!
for _ in $(seq 200); do grep -q "^created task" err1 2>/dev/null && break; sleep 0.05; done
sleep 2.5
kill -INT $pid
wait $pid
echo "interrupted: exit $?"
"$CVAT_INGEST" resume --token-file srv/token --progress none 2> err2
echo "resumed: exit $?"
grep -c "already on the server" err2
cat err2 >&2
