# Image formats beyond the classic six (issue 16): the manifest gives each the size Pillow 9.4
# reports (Image.open(f).size, checked when these bytes were chosen), in create.py's bytes.
# A file Pillow cannot open is an error naming the file, as it is a failure of CVAT's tool.
python3 - <<'PY'
import os, struct
os.makedirs("d", exist_ok=True)
def w(name, data):
    open(os.path.join("d", name), "wb").write(data)
w("a.pbm", b"P1\n# plain bitmap\n3 2\n1 0 1\n0 1 0\n")
w("b.pgm", b"P5 # raw grey\n17\t9\n255\n" + bytes(17 * 9))
w("c.ppm", b"P6\n640 48#split\n0\n255\n" + bytes(10))
w("d.pnm", b"P3\r\n4 5\r\n65535\r\n1 2 3\n")
w("e.ras", struct.pack(">8I", 0x59A66A95, 31, 7, 24, 0, 1, 0, 0) + bytes(31 * 7 * 3))
w("f.sgi", b"\x01\xda\x00\x01" + struct.pack(">4H", 3, 33, 7, 3) + bytes(500))
w("g.rgb", b"\x01\xda\x01\x02" + struct.pack(">4H", 2, 12, 5, 1) + bytes(500))
pcx = bytearray(128)
pcx[0:4] = bytes([10, 5, 1, 8]); pcx[4:12] = struct.pack("<4H", 5, 3, 44, 12); pcx[65] = 3
w("h.pcx", bytes(pcx) + bytes(100))
w("i.xbm", b"#define i_width 16\n#define i_height 9\nstatic char i_bits[] = { 0 };\n")
w("j.xpm", b'/* XPM */\nstatic char *j[] = {\n"4 3 2 1",\n"A c None",\n"B c #ff00ff",\n"AAAA",\n};\n')
w("k.fits", b"".join(c.ljust(80).encode() for c in
                     ["SIMPLE  = T", "BITPIX  = 8", "NAXIS   = 2", "NAXIS1  = 10", "NAXIS2  = 20", "END"]))
def box(t, p): return struct.pack(">I", len(p) + 8) + t + p
w("l.jp2", b"\x00\x00\x00\x0cjP  \r\n\x87\n" + box(b"ftyp", b"jp2 " + bytes(4))
  + box(b"jp2h", box(b"ihdr", struct.pack(">IIHBBBB", 48, 64, 3, 7, 7, 0, 0))) + box(b"jp2c", bytes(8)))
w("m.psd", b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 7, 5, 8, 3) + struct.pack(">3IH", 0, 0, 0, 0)
  + bytes(105))
dib = struct.pack("<IiiHHIIiiII", 40, 16, 32, 1, 32, 0, 0, 0, 0, 0, 0) + bytes(16 * 16 * 4 + 64)
w("n.ico", struct.pack("<3H", 0, 1, 1) + struct.pack("<4BHHII", 16, 16, 0, 0, 1, 32, len(dib), 22) + dib)
w("o.wmf", struct.pack("<IHhhhhHIH", 0x9AC6CDD7, 0, 0, 0, 1000, 700, 1440, 0, 0) + b"\x01\x00\x09\x00"
  + bytes(60))
PY
"$CVAT_INGEST" manifest d -o m.jsonl --progress none
echo "exit $?"
cat m.jsonl
echo "== a PNM Pillow cannot open"
printf 'P6 0 5 255\n' > d/z.ppm
"$CVAT_INGEST" manifest d -o m2.jsonl --progress none
echo "exit $?"
