# manifest --cache: the second run takes every file from the cache (same manifest, cache
# file not rewritten); a corrupt or truncated cache is reported, ignored and rebuilt; an
# archive source is cached whole.
. "$DATA/../cli/lib.sh"
mkdir -p corpus/sub
png_mode 2 8 6 4 corpus/a.png
png_mode 3 8 5 3 corpus/sub/b.png
stamp() { stat -c '%i %Y %s' scan.cache; }
"$CVAT_INGEST" manifest corpus -o first.jsonl --cache scan.cache --checksum pixels --progress none
echo "first: $?"
before=$(stamp)
"$CVAT_INGEST" manifest corpus -o second.jsonl --cache scan.cache --checksum pixels --progress none
echo "second: $?"
cmp first.jsonl second.jsonl && echo "second manifest: same"
[ "$before" = "$(stamp)" ] && echo "cache file: not rewritten"
head -c 20 scan.cache > cut && mv cut scan.cache
"$CVAT_INGEST" manifest corpus -o third.jsonl --cache scan.cache --checksum pixels --progress none
echo "truncated: $?"
cmp first.jsonl third.jsonl && echo "third manifest: same"
python3 -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[26] ^= 0x5a; open(sys.argv[1], 'wb').write(b)" scan.cache
"$CVAT_INGEST" manifest corpus -o fourth.jsonl --cache scan.cache --checksum pixels --progress none
echo "corrupt: $?"
cmp first.jsonl fourth.jsonl && echo "fourth manifest: same"
"$CVAT_INGEST" manifest corpus -o fifth.jsonl --cache scan.cache --checksum pixels --progress none
echo "rebuilt: $?"
cat fifth.jsonl
python3 -c "
import zipfile
with zipfile.ZipFile('set.zip', 'w') as z:
    z.write('corpus/a.png', 'x/a.png')
    z.write('corpus/sub/b.png', 'x/b.png')"
"$CVAT_INGEST" manifest set.zip -o zip1.jsonl --cache zip.cache --progress none; echo "zip: $?"
"$CVAT_INGEST" manifest set.zip -o zip2.jsonl --cache zip.cache --progress none; echo "zip again: $?"
cmp zip1.jsonl zip2.jsonl && echo "zip manifest: same"
touch -d '2001-02-03 04:05:06' set.zip
"$CVAT_INGEST" manifest set.zip -o zip3.jsonl --cache zip.cache --progress none; echo "zip touched: $?"
cmp zip1.jsonl zip3.jsonl && echo "zip manifest after touch: same"
