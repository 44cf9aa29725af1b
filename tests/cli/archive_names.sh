# Archive member names do not depend on the locale (issue 16): zip names flagged UTF-8, zip
# names without the flag (CP437, as Python's zipfile reads them) and pax tar names come out
# the same under LC_ALL=C and LC_ALL=C.UTF-8, in scan, manifest and upload --extract, and
# equal to what Python's zipfile/tarfile read.
. "$DATA/../cli/lib.sh"
mkdir -p src
png 4 3 src/a.png
png 5 3 src/b.png
png 6 3 src/c.png
python3 - <<'PY'
import io, tarfile, zipfile
a, b, c = (open("src/%s.png" % x, "rb").read() for x in "abc")
with zipfile.ZipFile("utf8.zip", "w") as z:  # non-ASCII names: zipfile sets the UTF-8 flag
    z.writestr("caf\u00e9/\u0401\u043b\u043a\u0430.png", a)
    z.writestr("stra\u00dfe.png", b)
    z.writestr("plain.png", c)
with zipfile.ZipFile("cp437.zip", "w") as z:  # raw bytes, no flag: patched placeholders
    z.writestr("cafX.png", a)
    z.writestr("dir/YZ.png", b)
d = open("cp437.zip", "rb").read()
d = d.replace(b"cafX.png", b"caf\x82.png").replace(b"dir/YZ.png", b"dir/\xe1\x9b.png")
open("cp437.zip", "wb").write(d)
with tarfile.open("pax.tar", "w", format=tarfile.PAX_FORMAT) as t:
    for name, data in [("\u0401\u043b\u043a\u0430/\u00e9t\u00e9.png", a), ("na\u00efve.png", b)]:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
for f in ["utf8.zip", "cp437.zip"]:
    z = zipfile.ZipFile(f)
    print(f, "zipfile:", ascii(z.namelist()), [i.flag_bits & 0x800 for i in z.infolist()])
print("pax.tar tarfile:", ascii(tarfile.open("pax.tar").getnames()))
PY
for loc in C C.UTF-8; do
  echo "== LC_ALL=$loc scan"
  LC_ALL=$loc "$CVAT_INGEST" scan utf8.zip cp437.zip pax.tar --json --list --progress none |
    python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["kinds"]["image"], d["errors"], d["warnings"])
for path in sorted(f["path"] for f in d["files"]):  # scan lists in completion order
    print(ascii(path))
'
  echo "exit $?"
  for a in utf8.zip cp437.zip pax.tar; do
    echo "== LC_ALL=$loc manifest $a"
    LC_ALL=$loc "$CVAT_INGEST" manifest "$a" -o "m-$loc-$a.jsonl" --progress none
    echo "exit $?"
    python3 -c 'import sys; [print(ascii(l.rstrip("\n"))) for l in open(sys.argv[1], encoding="utf-8")]' "m-$loc-$a.jsonl"
  done
done
echo "== upload --extract under LC_ALL=C"
start_serve srv
LC_ALL=C "$CVAT_INGEST" upload utf8.zip --extract --server "$url" --token-file srv/token \
  --create ex --labels '[{"name":"car"}]' --sorting-method natural --progress none --json |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["task_id"], d["frames"], d["order_ok"])'
echo "exit $?"
python3 -c 'import os; print(ascii(sorted(os.listdir("srv/tasks/1/raw"))))'
cmp src/a.png "srv/tasks/1/raw/$(printf '\320\201\320\273\320\272\320\260.png')" && echo "extracted bytes equal"
