# Ctrl-C (SIGINT) during `cvat-ingest bench`: exit status 130, and the JSON and the table
# still hold what was measured, the run marked interrupted; nothing is left behind.
mkdir tmp
export TMPDIR=$PWD/tmp
# 8 MiB at 512 KiB/s: the upload takes about 16 s, ample time to be interrupted.
"$CVAT_INGEST" bench --files 20 --size 400KiB --limit-rate 512KiB --connections 1 \
  --json part.json --progress none >out.txt 2>err.txt &
pid=$!
for _ in $(seq 400); do grep -q '^run 1/1' err.txt && break; sleep 0.05; done
sleep 0.5
kill -INT $pid
wait $pid
echo "exit $?"
grep -E '^INTERRUPTED|^run 1' out.txt
python3 - <<'PY'
import json
d = json.load(open("part.json"))
r = d["runs"]
print("interrupted", d["interrupted"], "runs", len(r), r[0]["status"], "upload", r[0]["stages"]["upload"])
print("points", len(d["points"]), "completed", d["points"][0]["completed"])
PY
sleep 0.2
echo "temporary files left: $(ls tmp | wc -l)"
