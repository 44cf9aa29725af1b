#!/usr/bin/python3
"""Differential test: our natural order against natsort.os_sorted (python3-natsort 8.0.2).

    /usr/bin/python3 tools/natural_diff.py build/debug/tests/order_names_tool [--seed N]
        [--batches 20] [--size 2000] [--deviations] [--golden FILE]

Generates random tricky names, sorts each batch with sorted(sorted(names), key=os_sort_key)
(natsort's order, ties broken by code point as ours are) and with order_names_tool natural,
and reports batches whose orders differ. --deviations adds the inputs on which we knowingly
differ (none at present) to measure them. --ascii-only leaves out the normalisation and
non-ASCII case pieces. --golden writes a few small
batches in the format of tests/data/natural_order_cases.txt.
"""
import argparse
import os
import random
import subprocess
import sys

from natsort import os_sort_key

PIECES = [
    "a", "b", "z", "A", "B", "Z", "img", "IMG", "Img", "frame", "Frame_", "x", "X",
    "0", "1", "2", "9", "10", "01", "001", "007", "0000", "42", "100", "1000", "65535",
    "12345678901234567890123", "99999999999999999999999999999999",
    ".", "..", "_", "-", " ", "~", "+", ",", "(", ")", "[", "]", "#", "@", "'",
    ".jpg", ".JPG", ".png", ".PNG", ".tar", ".gz", ".1", ".001", ".2", ".10", ".jpeg",
    "é", "É", "ß", "ẞ", "ø", "Ø", "ñ", "Ñ", "ǰ", "ΐ", "Σ", "σ", "ς", "ǅ", "ﬁ", "İ", "ı",
    "１", "２", "１０", "٣", "٠١", "²", "³", "①", "⑩", "𝟏", "😀", "漢", "字", "日本",
    "\t", "\x01", "\x02", "\x03", "\x7f", "\udcff", "\udcc3", "\udc80",
]
# Normalisation and case beyond ASCII: combining marks (alone, after letters, in either
# canonical order), precomposed letters and their decomposed twins, ligatures, compatibility
# characters NFD keeps, composition exclusions, Hangul syllables and jamo, and the case pairs
# that casefold treats specially (German sharp s, Greek sigma and iota subscript, Cyrillic,
# Turkish dotted and dotless i, Kelvin, Ohm and Angstrom signs).
UNICODE_PIECES = [
    "e\u0301", "E\u0301", "\u0301", "\u0300", "\u0308", "\u0323", "\u0307", "\u0345",
    "\u0327", "\u030c", "ü", "Ü", "u\u0308", "U\u0308", "ệ", "Ệ", "e\u0323\u0302",
    "e\u0302\u0323", "ṩ", "s\u0307\u0323", "s\u0323\u0307", "Å", "\u212b", "A\u030a",
    "\u212a", "k", "\u2126", "ω", "Ω", "ﬀ", "ﬃ", "ﬆ", "æ", "Æ", "œ", "Œ", "ĳ", "Ĳ", "Ǆ",
    "ǅ", "ǆ", "ŉ", "ß", "ẞ", "SS", "ss", "Σ", "σ", "ς", "ΣΑΣ", "ά", "ᾳ", "ᾼ", "ῼ", "α\u0345",
    "ι\u0308\u0301", "ΰ", "Я", "я", "Ё", "ё", "Е\u0308", "й", "и\u0306", "Й", "İ", "ı",
    "I", "i", "i\u0307", "I\u0307", "ǰ", "j\u030c", "J\u030c", "\u0958", "\u0915\u093c",
    "가", "\u1100\u1161", "\u1100\u1161\u11a8", "각", "\u11a8", "\u3131", "ｶ", "ｶﾞ",
    "が", "か\u3099", "Ⅻ", "ⅻ", "Ａ", "ａ",
]
DEVIATION_PIECES = []  # none left (combining marks and jamo are exact now)
# Not generated: Tangsa digit runs ("\U00016AC1\U00016AC2"), which make natsort raise TypeError.


def random_name(rng, pieces):
    parts = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        comp = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        parts.append(comp)
    name = "/".join(parts)
    if rng.random() < 0.5:
        name += rng.choice([".jpg", ".png", ".JPG", ".tar.gz", ".1.png", ".jpg.png", ""])
    # As a file name is bytes: escaped bytes that happen to form valid UTF-8 decode as such.
    return os.fsdecode(os.fsencode(name))


def natsort_order(names):
    return sorted(sorted(names), key=os_sort_key)


def our_order(tool, names):
    data = b"".join(os.fsencode(n) + b"\0" for n in names)
    out = subprocess.run([tool, "natural"], input=data, capture_output=True, check=True).stdout
    return [os.fsdecode(x) for x in out.split(b"\0")[:-1]]


def escape(name):
    out = []
    for b in os.fsencode(name):
        if 0x20 < b < 0x7F and b != 0x5C:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--size", type=int, default=2000)
    ap.add_argument("--deviations", action="store_true")
    ap.add_argument("--golden")
    ap.add_argument("--ascii-only", action="store_true",
                    help="leave out the normalisation and case pieces (the earlier generator)")
    ap.add_argument("--compact", action="store_true",
                    help="leave out the letters that need exact (doubled) keys")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    pieces = PIECES + (UNICODE_PIECES if not args.ascii_only else []) + (
        DEVIATION_PIECES if args.deviations else [])
    if args.compact:
        pieces = [p for p in pieces if p not in ("ǰ", "ΐ", "ΰ", "j\u030c", "J\u030c", "ι\u0308\u0301")]
    failures = 0
    total = 0
    for batch in range(args.batches):
        names = [random_name(rng, pieces) for _ in range(args.size)]
        try:
            want = natsort_order(names)
        except TypeError as e:  # natsort cannot order some inputs at all
            print("batch %d: natsort raised %s" % (batch, e))
            continue
        got = our_order(args.tool, names)
        total += len(names)
        if got != want:
            failures += 1
            i = next(k for k in range(len(want)) if got[k] != want[k])
            print("batch %d differs at %d: natsort %r, ours %r" % (batch, i, want[i], got[i]))
            print("   natsort keys: %r\n            vs %r" % (os_sort_key(want[i]), os_sort_key(got[i])))
    print("%d names in %d batches, %d batches differ" % (total, args.batches, failures))
    if args.golden:
        with open(args.golden, "w", encoding="ascii") as f:
            f.write("# Natural order golden cases, generated by tools/natural_diff.py --golden with\n")
            f.write("# python3-natsort 8.0.2 on Debian 12 (Python 3.11.2): expected = \n")
            f.write("# sorted(sorted(input), key=natsort.os_sort_key). One name per line, bytes\n")
            f.write("# outside printable ASCII (and space, backslash) as \\xNN.\n")
            f.write("# 'case N' starts a case, 'in NAME' lines give the input order, 'out NAME'\n")
            f.write("# lines the expected order.\n")
            classic = [
                "IMG_10.jpg", "img_2.JPG", "IMG_1.jpg", "img_01.jpg", "IMG_0001.jpg", "a/b.png",
                "a.png", "a1.png", "a 2.png", "a-3.png", "a_4.png", "A.png", "a10.png", "a.tar.gz",
                "a.1.png", "a.10.png", "a.2.png", "b/1.png", "B/10.png", "b/2.png", "1.png",
                "10.png", "2.png", "01.png", "x1.5.jpg", "x1.10.jpg", "version1.0.1.tar.gz",
                "Frame 1.jpg", "frame 1.jpg", "frame1.jpg", "frame_1.jpg", "Straße.png",
                "STRASSE.png", "café.png", "CAFE.png", "cafe.png", "１２.png", "3.png", "²3.png",
                "1,000.png", "999.png", "1000.png", "x.png.1.png", ".hidden", ".hidden.png",
                "a..b", "a.b.", "dir.1/a.png", "dir.10/a.png", "dir.2/a.png",
            ]
            unicode_classic = [
                "cafe\u0301.png", "café.png", "CAFÉ.png", "cafe.png", "cafeb.png", "cafè.png",
                "Straße.png", "STRASSE.png", "strasse1.png", "ﬁle.png", "file.png", "FILE2.png",
                "İstanbul.png", "istanbul.png", "ıstanbul.png", "Istanbul 2.png", "Ёлка.png",
                "елка.png", "Е\u0308лка1.png", "ΣΑΣ.png", "σας.png", "σαc.png", "ǰ.png",
                "j\u030c.png", "J\u030c2.png", "ᾳ.png", "α\u0345.png", "ΑΙ.png", "각.png",
                "\u1100\u1161\u11a8.png", "가.png", "\u212bngstrom.png", "Ångstrom.png",
                "e\u0323\u0302.png", "e\u0302\u0323.png", "ệ.png", "\u0301.png", "a\u0301/x.png",
                "á/y.png",
            ]
            for case in range(26):
                pieces = PIECES if case < 13 else PIECES + UNICODE_PIECES
                names = [random_name(rng, pieces) for _ in range(rng.randint(5, 40))]
                if case == 0:
                    names = rng.sample(classic, len(classic))
                elif case == 13:
                    names = rng.sample(unicode_classic, len(unicode_classic))
                f.write("case %d\n" % case)
                for n in names:
                    f.write("in %s\n" % escape(n))
                for n in natsort_order(names):
                    f.write("out %s\n" % escape(n))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
