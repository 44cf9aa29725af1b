. "$DATA/../cli/lib.sh"
mkdir -p corpus/related_images/img_1_png
png 4 3 corpus/img_10.png
png 4 3 corpus/img_2.png
png 5 5 corpus/img_1.png
png 1 1 corpus/related_images/img_1_png/ctx.png
"$CVAT_INGEST" manifest corpus -o natural.jsonl --sorting-method natural --progress none; echo "write: $?"
cat natural.jsonl
"$CVAT_INGEST" manifest --check natural.jsonl corpus --sorting_method natural --progress none; echo "check natural: $?"
"$CVAT_INGEST" manifest --check natural.jsonl corpus --progress none; echo "check lexicographical: $?"
