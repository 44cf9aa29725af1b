#!/usr/bin/python3
"""Differential test: our image header probes against Pillow 9.4 (python3-pil).

    /usr/bin/python3 tools/pillow_size_diff.py build/debug/tests/probe_images_tool [--seed N]
        [--count 2000]

Writes generated files of the formats we probe beyond the classic six (PNM plain and raw
with comments and odd whitespace; Sun raster, SGI, PCX, XBM, XPM, FITS headers with valid
and invalid fields; icons with PNG and BMP images; WMF and EMF headers; PSD files with
resources and layers; JPEG 2000 codestreams and JP2 box layouts; files Pillow itself saved; truncated and byte-flipped variants), asks Pillow for Image.open(f).size
(or whether it raises) and probe_images_tool for ours, and reports every file where they
disagree: a size that differs, or one side opening a file the other refuses.
"""
import argparse
import io
import os
import random
import struct
import subprocess
import sys
import tempfile

from PIL import Image

WS = [b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c", b"\r\n", b"  \n"]


def comment(rng):
    return b"#" + rng.choice([b"", b" c", b" GIMP 2.10", b"#x 12"]) + rng.choice([b"\n", b"\r"])


def sep(rng):
    out = rng.choice(WS)
    if rng.random() < 0.3:
        out += comment(rng) + rng.choice([b"", b" "])
    return out


def number(rng, v):
    s = str(v).encode()
    r = rng.random()
    if r < 0.05:
        return b"0" + s
    if r < 0.08:
        return b"+" + s
    if r < 0.10 and len(s) > 1:
        return s[:1] + b"_" + s[1:]
    if r < 0.12 and len(s) > 1:
        return s[:1] + b"#mid\n" + s[1:]  # a comment inside a token joins its halves
    return s


def pnm(rng):
    magic = rng.choice([b"P1", b"P2", b"P3", b"P4", b"P5", b"P6"])
    w, h = rng.randint(1, 70000 if rng.random() < 0.1 else 300), rng.randint(1, 300)
    maxval = rng.choice([1, 15, 255, 256, 65535])
    out = magic + sep(rng) + number(rng, w) + sep(rng) + number(rng, h)
    if magic not in (b"P1", b"P4"):
        out += sep(rng) + number(rng, maxval)
    out += rng.choice([b"\n", b" ", b"\t"]) + bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))
    return out


def broken(rng, good):
    r = rng.random()
    if r < 0.3:
        return good[:rng.randint(0, len(good))]
    if r < 0.5:
        i = rng.randrange(len(good))
        return good[:i] + bytes([rng.randrange(256)]) + good[i + 1:]
    if r < 0.6:
        return rng.choice([b"P7 3 3 255\n", b"P6 0 5 255\n", b"P6 -3 5 255\n", b"P5 3 3 0\n",
                           b"P5 3 3 65536\n", b"P2 12345678901 3 255\n", b"P6 3 3 2__5\n",
                           b"P6\n#only a comment", b"P612 3 255\n", b"Py\n", b"P0CMYK 4 5 255\n",
                           b"PyRGBA 4 5 255\n"])
    return good


def pillow_saved(rng):
    fmt = rng.choice(["PPM", "SGI", "PCX", "XBM"])
    mode = rng.choice(["1", "L", "P", "RGB", "RGBA", "I"])
    im = Image.new(mode if mode != "I" else "I", (rng.randint(1, 300), rng.randint(1, 300)))
    b = io.BytesIO()
    try:
        im.save(b, format=fmt)
    except Exception:  # not every mode saves in every format; fall back to PPM RGB
        b = io.BytesIO()
        im.convert("RGB").save(b, format="PPM")
    return b.getvalue()


def be32(v):
    return (v & 0xFFFFFFFF).to_bytes(4, "big")


def sun(rng):
    w, h = rng.choice([0, 1, 7, 640, 70000]), rng.choice([0, 1, 9, 480])
    depth = rng.choice([1, 4, 8, 24, 32, 32, 2, 16])
    ftype = rng.choice([0, 1, 2, 3, 4, 5, 6])
    ptype, plen = rng.choice([(0, 0), (1, 768), (1, 1025), (2, 768), (0, 12)])
    return (be32(0x59A66A95) + be32(w) + be32(h) + be32(depth) + be32(0) + be32(ftype)
            + be32(ptype) + be32(plen) + bytes(rng.randint(0, 100)))


def sgi(rng):
    bpc = rng.choice([1, 2, 3])
    dim = rng.choice([1, 2, 3, 4])
    z = rng.choice([1, 3, 4, 2])
    comp = rng.choice([0, 1, 7])
    w, h = rng.choice([0, 1, 65535, 33]), rng.choice([0, 1, 7])
    return (b"\x01\xda" + bytes([comp, bpc]) + dim.to_bytes(2, "big") + w.to_bytes(2, "big")
            + h.to_bytes(2, "big") + z.to_bytes(2, "big") + bytes(rng.randint(0, 600)))


def le16(v):
    return (v & 0xFFFF).to_bytes(2, "little")


def pcx(rng):
    version = rng.choice([0, 2, 3, 5])
    bits, planes = rng.choice([(1, 1), (1, 2), (1, 4), (8, 1), (8, 3), (4, 1), (8, 4), (2, 1)])
    x0, y0 = rng.choice([0, 0, 5, 65535]), rng.choice([0, 3])
    x1, y1 = rng.choice([0, 4, 65535, 2]), rng.choice([0, 9, 2])
    head = (bytes([10, version, 1, bits]) + le16(x0) + le16(y0) + le16(x1) + le16(y1)
            + bytes(53) + bytes([planes]) + le16(rng.choice([1, 2, 8])) + bytes(60))
    return head + bytes(rng.choice([0, 10, 700, 900]))


def xbm(rng):
    ws = rng.choice(["", " ", "\n", "\t \n", " " * 12])
    name = rng.choice(["im", "my_icon", "a_b_c", "x"])
    w, h = rng.choice(["16", "0", "007", "123456"]), rng.choice(["8", "0", "33"])
    eol = rng.choice(["\n", "\r\n", "\n\n"])
    out = "%s#define %s_width %s%s#define %s_height %s%s" % (ws, name, w, eol, name, h, eol)
    if rng.random() < 0.3:
        out += "#define %s_x_hot 1\n#define %s_y_hot 2\n" % (name, name)
    out += rng.choice(["", "/* pad */\n" * rng.randint(0, 60)])
    out += rng.choice(["static char %s_bits[] = {\n0x00, 0xff };\n", "static char %s_pix[] = {};\n"]) % name
    return out.encode()


def xpm(rng):
    w, h = rng.choice(["4", "0", "12", ""]), rng.choice(["3", "0", "20"])
    ncol = rng.choice([1, 2, 3, 257])
    cpp = rng.choice(["1", "1", "2"])
    lines = ["/* XPM */", "static char *x[] = {", rng.choice(["/* comment */", ""]),
             '"%s %s %d %s",' % (w, h, ncol, cpp)]
    for i in range(min(ncol, 3)):
        lines.append(rng.choice(['"%s c None",', '"%s c #ff00ff",', '"%s c #0x_1f",', '"%s c red",',
                                 '"%s s key",', '"%s c",', '"%s m #000 c #FFFFFF",', '"%s"',
                                 '"%s c #",']) % chr(65 + i))
    lines += ['"AAAA",'] * 3 + ["};"]
    return rng.choice(["\n", "\r\n"]).join(lines).encode()


def fits(rng):
    def card(k, v):
        return (k.ljust(8) + ("= " + v if v is not None else "")).ljust(80)[:80]
    cards = [card("SIMPLE", rng.choice(["T", "T", "F", "T / standard"]))]
    naxis = rng.choice(["2", "2", "1", "0", "3", "x"])
    cards.append(card("BITPIX", rng.choice(["8", "16", "-32", "12", "8 / bits"])))
    if rng.random() < 0.95:
        cards.append(card("NAXIS", naxis))
    cards.append(card("NAXIS1", rng.choice(["10", "0", "+7", "1_000"])))
    if rng.random() < 0.9:
        cards.append(card("NAXIS2", rng.choice(["20", "5", "-3"])))
    if rng.random() < 0.9:
        cards.append(card("END", None))
    return "".join(cards).encode() + bytes(rng.choice([0, 100]))


def jp2_saved(rng):
    mode = rng.choice(["L", "RGB", "RGBA", "LA", "I;16"])
    im = Image.new(mode, (rng.randint(1, 40), rng.randint(1, 40)))
    b = io.BytesIO()
    im.save(b, format="JPEG2000", no_jp2=rng.random() < 0.4)
    return b.getvalue()


def box(t, payload, long_form=False):
    if long_form:
        return (1).to_bytes(4, "big") + t + (len(payload) + 16).to_bytes(8, "big") + payload
    return (len(payload) + 8).to_bytes(4, "big") + t + payload


def jp2_boxes(rng):
    sig = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
    w, h = rng.choice([0, 1, 640]), rng.choice([0, 3, 480])
    nc = rng.choice([1, 3, 4, 5, 0])
    ihdr = box(b"ihdr", h.to_bytes(4, "big") + w.to_bytes(4, "big") + nc.to_bytes(2, "big")
               + bytes([rng.choice([7, 15]), 7, 0, 0]))
    subs = [ihdr]
    if rng.random() < 0.3:
        subs.append(box(b"res ", box(b"resc", bytes(rng.choice([10, 4])))))
    if rng.random() < 0.2:
        subs.insert(0, box(b"colr", bytes(7)))
    if rng.random() < 0.2:
        subs.append(box(b"ihdr", (7).to_bytes(4, "big") + (9).to_bytes(4, "big") + (3).to_bytes(2, "big") + bytes(4)))
    top = [box(b"ftyp", rng.choice([b"jp2 ", b"jpx ", b"jp"]) + bytes(4))]
    if rng.random() < 0.2:
        top.append(box(b"uuid", bytes(rng.randint(0, 30))))
    top.append(box(b"jp2h", b"".join(subs), long_form=rng.random() < 0.2))
    top.append(box(b"jp2c", bytes(20)))
    return sig + b"".join(top)


def ico_saved(rng):
    im = Image.new(rng.choice(["RGB", "RGBA", "P", "L"]), (rng.randint(1, 300), rng.randint(1, 300)))
    sizes = rng.sample([(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (256, 256), (20, 10)],
                       rng.randint(1, 4))
    b = io.BytesIO()
    im.save(b, format="ICO", sizes=sizes)
    return b.getvalue()


def ico_dib(rng):
    # Icons with BMP (DIB) images: directory entries and DIB headers that agree or not.
    n = rng.randint(1, 3)
    dirs, images = [], []
    offset = 6 + 16 * n
    for _ in range(n):
        w, h = rng.choice([16, 32, 48, 0]), rng.choice([16, 32, 48, 0])
        bpp = rng.choice([32, 8, 0, 4])
        ncol = rng.choice([0, 16, 255, 1])
        dw = w or 256
        dh = (h or 256) * 2 if rng.random() < 0.85 else rng.choice([7, (h or 256)])
        bits = bpp or 8
        dib = struct.pack("<IiiHHIIiiII", 40, dw, dh, 1, bits, 0, 0, 0, 0, 0, 0)
        stride = ((dw * bits + 31) // 32) * 4
        data = dib + bytes(4 * (2 ** bits if bits <= 8 else 0)) + bytes(stride * (dh // 2) * 2)
        if rng.random() < 0.5:  # some as PNG instead
            b = io.BytesIO()
            Image.new("RGBA", (dw, rng.choice([dh // 2, h or 256]))).save(b, format="PNG")
            data = b.getvalue()
        dirs.append(struct.pack("<BBBBHHII", w, h, ncol, 0, 1, bpp, len(data), offset))
        images.append(data)
        offset += len(data)
    return struct.pack("<HHH", 0, 1, n) + b"".join(dirs) + b"".join(images)


def wmf(rng):
    if rng.random() < 0.5:
        x0, y0 = rng.choice([0, -100, 5]), rng.choice([0, 7])
        x1, y1 = rng.choice([1000, -5, 0, 32767]), rng.choice([700, 7, 1])
        inch = rng.choice([1440, 96, 0, 1000, 7])
        head = struct.pack("<IHhhhhHIH", 0x9AC6CDD7, 0, x0, y0, x1, y1, inch, 0, 0)
        return head + rng.choice([b"\x01\x00\x09\x00", b"\x02\x00\x09\x00"]) + bytes(60)
    b = [rng.choice([0, 10, -3]), rng.choice([0, 4]), rng.choice([640, 5, 0, -20]), rng.choice([480, 4])]
    frame = [0, 0, rng.choice([16933, 0, 7]), rng.choice([12700, 0, 3])]
    return struct.pack("<II4i4i", 1, 88, *b, *frame) + rng.choice([b" EMF", b" EMG"]) + bytes(40)


def psd(rng):
    mode, bits = rng.choice([(3, 8), (3, 8), (1, 8), (0, 1), (4, 8), (9, 8), (3, 16), (5, 8)])
    chans = rng.choice([1, 3, 4, 4, 2])
    w, h = rng.choice([1, 5, 64, 0]), rng.choice([1, 7, 33])
    out = b"8BPS" + struct.pack(">H6xHIIHH", rng.choice([1, 1, 2]), chans, h, w, bits, mode)
    pal = bytes(rng.choice([0, 768, 3]))
    out += struct.pack(">I", len(pal)) + pal
    res = b""
    for _ in range(rng.randint(0, 3)):
        name = bytes(rng.choice([0, 1, 2, 5]))
        data = bytes(rng.choice([0, 3, 4, 14]))
        res += b"8BIM" + struct.pack(">HB", rng.choice([1005, 1039]), len(name)) + name
        res += b"" if len(name) & 1 else b"\0"
        res += struct.pack(">I", len(data)) + data + (b"\0" if len(data) & 1 else b"")
    out += struct.pack(">I", len(res) + rng.choice([0, 0, 0, 3])) + res
    layers = b""
    if rng.random() < 0.6:
        n = rng.choice([1, 2, -1, 0])
        recs, tiles = b"", b""
        for _ in range(abs(n)):
            y0, x0, y1, x1 = 0, 0, rng.choice([2, 3, 0]), rng.choice([4, 1])
            kinds = rng.choice([[0, 1, 2], [0], [65535, 0, 1, 2], [0, 1], [7], [0, 1, 2, 3, 65535]])
            recs += struct.pack(">4IH", y0, x0, y1, x1, len(kinds))
            for k in kinds:
                recs += struct.pack(">HI", k, 0)
            recs += b"8BIMnorm" + bytes(4)
            extra = struct.pack(">I", 0) + struct.pack(">I", 0) + bytes([3]) + b"abc"
            recs += struct.pack(">I", len(extra)) + extra
            for k in kinds:
                comp = rng.choice([0, 1, 2])
                tiles += struct.pack(">H", comp)
                if comp == 1:
                    tiles += struct.pack(">%dH" % y1, *([2] * y1)) + bytes(2 * y1)
                elif comp == 0:
                    tiles += bytes(x1 * y1)
        info = struct.pack(">h", n) + recs + tiles
        if rng.random() < 0.2:
            info = info[:rng.randint(0, len(info))]
        layers = struct.pack(">I", len(info)) + info + bytes(4)
    out += struct.pack(">I", len(layers)) + layers
    comp = rng.choice([0, 1, 1, 2])
    out += struct.pack(">H", comp)
    if comp == 1:
        out += bytes(2 * h * 4 * rng.choice([1, 1, 0]))
    return out + bytes(rng.choice([0, 50]))


GENERATORS = [psd, psd, wmf, pnm, pnm, pillow_saved, sun, sgi, pcx, xbm, xpm, fits, jp2_saved, jp2_boxes,
              ico_saved, ico_dib]


def pillow_size(path):
    try:
        with Image.open(path) as im:
            return "%s %d %d" % (im.format, im.size[0], im.size[1])
    except Image.DecompressionBombError:  # over 2 * MAX_IMAGE_PIXELS: we do not emulate it
        return "bomb"
    except Exception:  # Pillow raises UnidentifiedImageError, ValueError, OSError, ...
        return "error"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--no-mutate", action="store_true",
                    help="only well-formed files (no truncations or byte flips)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        kinds = []  # the generator of each file
        for i in range(args.count):
            gen = rng.choice(GENERATORS)
            data = gen(rng)
            kinds.append(gen.__name__)
            if not args.no_mutate and rng.random() < 0.25:
                data = broken(rng, data)
            path = os.path.join(tmp, "f%05d.img" % i)
            with open(path, "wb") as f:
                f.write(data)
            paths.append(path)
        ours = []
        for k in range(0, len(paths), 500):
            out = subprocess.run([args.tool] + paths[k:k + 500], capture_output=True,
                                 check=True).stdout
            # One line per file; messages may quote header bytes, so split on "\n" only.
            ours.extend(x.decode("utf-8", "replace") for x in out.split(b"\n")[:-1])
        mismatches = 0
        opened = 0
        bombs = 0
        formats = {}
        by_kind = {}
        for path, line, kind in zip(paths, ours, kinds):
            want = pillow_size(path)
            if want == "bomb":  # Pillow's decompression-bomb limit (image_probe.h: not emulated)
                bombs += 1
                continue
            got = "error" if line.startswith("error") else " ".join(line.split()[:3])
            opened += want != "error"
            if want != "error":
                formats[want.split()[0]] = formats.get(want.split()[0], 0) + 1
            if want != got:
                mismatches += 1
                by_kind[kind] = by_kind.get(kind, 0) + 1
                if mismatches <= 20:
                    with open(path, "rb") as f:
                        print("differs: %r pillow=%s ours=%s" % (f.read()[:60], want, line))
        print("%d files (%d Pillow opens, %d over its decompression-bomb limit, not compared), "
              "%d mismatches" % (len(paths), opened, bombs, mismatches))
        print("opened by format: %s" % " ".join("%s=%d" % kv for kv in sorted(formats.items())))
        print("mismatches by generator: %s" % " ".join("%s=%d" % kv for kv in sorted(by_kind.items())))
        return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
