# manifest --checksum pixels: CVAT's checksum key (md5 of Pillow's decoded pixels) for PNGs of
# every colour type and depth. The golden was checked against create.py's output (Pillow 9.4).
. "$DATA/../cli/lib.sh"
mkdir modes
png_mode 0 1 13 5 modes/grey1.png
png_mode 0 2 9 4 modes/grey2.png
png_mode 0 8 11 6 modes/grey8.png
png_mode 0 16 7 5 modes/grey16.png
png_mode 2 8 10 7 modes/rgb8.png
png_mode 2 16 6 4 modes/rgb16.png
png_mode 3 4 9 5 modes/pal4.png
png_mode 3 8 8 8 modes/pal8.png
png_mode 4 8 5 5 modes/greyalpha.png
png_mode 6 8 12 3 modes/rgba8.png
"$CVAT_INGEST" manifest modes -o pixels.jsonl --checksum pixels --progress none; echo "write: $?"
cat pixels.jsonl
"$CVAT_INGEST" manifest modes -o plain.jsonl --progress none; echo "without: $?"
echo "checksum keys without the option: $(grep -c checksum plain.jsonl)"
