# cvat-ingest bench against the local receiver it starts: a two-point sweep on a tiny
# generated corpus, with --json and --report; the figures must add up (no timing checks)
# and every temporary file must be gone afterwards.
mkdir tmp
export TMPDIR=$PWD/tmp
echo "== sweep"
"$CVAT_INGEST" bench --files 40 --size 8KiB --connections 1,2 --json out.json --report rep \
  --progress none >table.txt
echo "exit $?"
grep -E '^corpus:|^ conn' table.txt | sed 's/  */ /g'
awk '/^ +[0-9]+ / {print "point", $1, "runs", $6}' table.txt
python3 - <<'PY'
import json, os, xml.etree.ElementTree as ET
d = json.load(open("out.json"))
print("interrupted", d["interrupted"], "points", [p["connections"] for p in d["points"]])
print("environment", sorted(d["environment"]))
for r in d["runs"]:
    st, up, lat = r["stages"], r["upload"], r["latency"]
    print("run", r["run"], r["connections"], r["status"], sorted(st),
          all(v is not None and v >= 0 for v in st.values()))
    print("  corpus", r["corpus"]["files"], r["corpus"]["bytes"], "all bytes confirmed",
          up["bytes_done"] == r["corpus"]["bytes"] + up["manifest_bytes"] == up["bytes"],
          "files", up["files_done"], "frames", r["frames"])
    print("  latency ordered", lat["count"] == up["requests"] and
          lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"])
for p in d["points"]:
    print("point", p["connections"], "completed", p["completed"],
          "throughput spread", p["upload_bytes_per_second"]["n"])
for f in sorted(os.listdir("rep")):
    if f.endswith(".svg"):
        ET.parse("rep/" + f)
        print("well-formed", f)
html = open("rep/index.html").read()
print("html links the sweep", '<img src="sweep-connections.svg"' in html, "no scripts", "<script" not in html)
PY
echo "temporary files left: $(ls tmp | wc -l)"
