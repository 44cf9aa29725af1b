. "$DATA/../cli/lib.sh"
mkdir corpus
png 4 3 corpus/ok.png
head -c 20 corpus/ok.png > corpus/truncated.png
"$CVAT_INGEST" scan corpus --progress none
