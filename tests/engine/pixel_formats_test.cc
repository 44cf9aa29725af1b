// Pixel checksums of the formats beyond the first six, against Pillow 9.4 run at test time
// (tests/engine/pillow_cases.h: the inputs are built here). For each file:
//  - Pillow gives a checksum: ours is the same, or the file is one we are expected to refuse
//    (Unsupported, named in the case);
//  - Pillow fails: so do we (no checksum where CVAT's tool has none).
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/pixel_checksum.h"
#include "tests/engine/pillow_cases.h"
#include "tests/testing/image_writer.h"

namespace ingest {
namespace {

using ingest::testing::Be16;
using ingest::testing::Be32;
using ingest::testing::ExpectLikePillow;
using ingest::testing::Le16;
using ingest::testing::Le32;
using ingest::testing::Noise;
using Case = ingest::testing::PillowCase;

std::string RawPnm(const std::string& magic, int w, int h, int maxval, int bands, uint32_t seed) {
  std::string head = magic + "\n" + std::to_string(w) + " " + std::to_string(h) + "\n";
  if (maxval > 0) head += std::to_string(maxval) + "\n";
  if (maxval == 0) return head + Noise(static_cast<size_t>((w + 7) / 8 * h), seed);
  size_t samples = static_cast<size_t>(w) * h * bands;
  if (maxval < 256) return head + Noise(samples, seed, static_cast<uint32_t>(maxval) + 1);
  std::string wide = Noise(samples * 2, seed);
  for (size_t i = 0; i < samples; ++i) {  // big-endian values up to maxval (some above)
    uint32_t v = (uint8_t(wide[2 * i]) << 8 | uint8_t(wide[2 * i + 1])) % (maxval + 2);
    wide[2 * i] = static_cast<char>(v >> 8);
    wide[2 * i + 1] = static_cast<char>(v & 255);
  }
  return head + wide;
}

std::string PlainPnm(const std::string& magic, int w, int h, int maxval, int bands, uint32_t seed,
                     const std::string& sep = " ") {
  std::string out = magic + "\n" + std::to_string(w) + " " + std::to_string(h) + "\n";
  if (maxval > 0) out += std::to_string(maxval) + "\n";
  std::string noise = Noise(static_cast<size_t>(w) * h * bands * 2, seed);
  for (size_t i = 0; i < static_cast<size_t>(w) * h * bands; ++i) {
    if (maxval == 0) {
      out += (noise[i] & 1) ? '1' : '0';
      if (i % 7 == 0) out += sep;
    } else {
      uint32_t v = (uint8_t(noise[2 * i]) << 8 | uint8_t(noise[2 * i + 1])) % (maxval + 1);
      out += std::to_string(v) + sep;
    }
  }
  return out;
}

TEST(PixelFormatsTest, PnmMatchesPillow) {
  std::vector<Case> cases = {
      {"p4_13x5.pbm", RawPnm("P4", 13, 5, 0, 1, 1)},
      {"p4_16x3.pbm", RawPnm("P4", 16, 3, 0, 1, 2)},
      {"p5_255.pgm", RawPnm("P5", 11, 7, 255, 1, 3)},
      {"p5_100.pgm", RawPnm("P5", 11, 7, 100, 1, 4)},
      {"p5_1.pgm", RawPnm("P5", 11, 7, 1, 1, 5)},
      {"p5_1000.pgm", RawPnm("P5", 9, 4, 1000, 1, 6)},
      {"p5_65535.pgm", RawPnm("P5", 9, 4, 65535, 1, 7)},
      {"p5_256.pgm", RawPnm("P5", 9, 4, 256, 1, 8)},
      {"p6_255.ppm", RawPnm("P6", 10, 6, 255, 3, 9)},
      {"p6_31.ppm", RawPnm("P6", 10, 6, 31, 3, 10)},
      {"p6_4095.ppm", RawPnm("P6", 10, 6, 4095, 3, 11)},
      {"p6_65535.ppm", RawPnm("P6", 10, 6, 65535, 3, 12)},
      {"pyp_255.pnm", RawPnm("PyP", 5, 5, 255, 1, 13)},
      {"pyrgba_255.pnm", RawPnm("PyRGBA", 5, 5, 255, 4, 14)},
      {"pyrgba_77.pnm", RawPnm("PyRGBA", 5, 5, 77, 4, 15)},
      {"pycmyk_255.pnm", RawPnm("PyCMYK", 5, 5, 255, 4, 16)},
      {"p0cmyk_255.pnm", RawPnm("P0CMYK", 5, 5, 255, 4, 17)},
      {"p1.pbm", PlainPnm("P1", 13, 5, 0, 1, 18)},
      {"p1_newlines.pbm", PlainPnm("P1", 9, 9, 0, 1, 19, "\n\t")},
      {"p2_255.pgm", PlainPnm("P2", 11, 7, 255, 1, 20)},
      {"p2_7.pgm", PlainPnm("P2", 11, 7, 7, 1, 21, "\r\n")},
      {"p2_1000.pgm", PlainPnm("P2", 6, 4, 1000, 1, 22)},
      {"p3_255.ppm", PlainPnm("P3", 6, 4, 255, 3, 23)},
      {"p3_3.ppm", PlainPnm("P3", 6, 4, 3, 3, 24, "\v")},
      {"comment_in_header.pgm", "P5 #c\n3#x\n 2 255\n" + Noise(6, 25)},
      // Errors Pillow raises: truncated raw data, a value over maxval, a bad bitmap byte,
      // a 16-bit raw file one byte short.
      {"p5_truncated.pgm", RawPnm("P5", 11, 7, 255, 1, 26).substr(0, 40)},
      {"p6_4095_short.ppm", RawPnm("P6", 10, 6, 4095, 3, 27).substr(0, 200)},
      {"p2_over_maxval.pgm", "P2\n2 1\n7\n3 8\n"},
      {"p1_bad_byte.pbm", "P1\n3 1\n0 1 0\n2\n"},
      {"p2_short.pgm", "P2\n3 1\n7\n3 4\n"},
      // Pillow's quirk: the last token, cut by the end of the file, is read until the image
      // is full.
      {"p2_last_token_repeats.pgm", "P2\n3 2\n7\n3 4"},
      {"p1_long.pbm", PlainPnm("P1", 300, 300, 0, 1, 28, "\n")},
      // Refused here, where Pillow reads them: comments in plain data, signed tokens.
      {"p2_comment_in_data.pgm", "P2\n2 1\n7\n3 #x\n4\n", true},
      {"p2_signed_token.pgm", "P2\n2 1\n7\n+3 4\n", true},
      {"header_underscore.pgm", "P5\n1_0 1\n255\n" + Noise(10, 29), true},
  };
  // A plain file over one SAFEBLOCK (1 MiB), with tokens cut at the block boundary.
  std::string big = PlainPnm("P2", 700, 400, 65535, 1, 30);
  cases.push_back({"p2_big.pgm", big});
  cases.push_back({"p2_big_cut.pgm", big.substr(0, (1 << 20) + 3)});
  ExpectLikePillow(cases, 6);
}


// A Sun raster: header, colour map of `palette` bytes, `rows` rows of full stride.
std::string Sun(uint32_t w, uint32_t h, uint32_t depth, uint32_t type, uint32_t palette,
                uint32_t seed, int64_t cut = 0) {
  uint32_t stride = ((w * depth + 15) / 16) * 2;
  std::string out = Be32(0x59a66a95) + Be32(w) + Be32(h) + Be32(depth) + Be32(stride * h) +
                    Be32(type) + Be32(palette ? 1 : 0) + Be32(palette);
  out += Noise(palette, seed + 100);
  out += Noise(static_cast<size_t>(stride) * h, seed, depth == 4 && palette ? 16 : 256);
  if (cut) out.resize(out.size() - static_cast<size_t>(cut));
  return out;
}

TEST(PixelFormatsTest, SunRasterMatchesPillow) {
  std::vector<Case> cases = {
      {"d1.ras", Sun(13, 5, 1, 1, 0, 1)},
      {"d4.ras", Sun(9, 4, 4, 1, 0, 2)},
      {"d4_palette.ras", Sun(9, 4, 4, 1, 48, 3)},
      {"d8.ras", Sun(7, 3, 8, 1, 0, 4)},
      {"d8_palette.ras", Sun(7, 3, 8, 1, 768, 5)},
      {"d24_bgr.ras", Sun(5, 3, 24, 1, 0, 6)},
      {"d24_rgb.ras", Sun(5, 3, 24, 3, 0, 7)},
      {"d32_bgrx.ras", Sun(5, 3, 32, 0, 0, 8)},
      {"d32_rgbx.ras", Sun(5, 3, 32, 3, 0, 9)},
      {"d24_type4.ras", Sun(6, 2, 24, 4, 0, 10)},
      // The last row's padding may be missing; one more byte is not.
      {"d24_no_last_pad.ras", Sun(5, 3, 24, 1, 0, 11, 1)},
      {"d24_truncated.ras", Sun(5, 3, 24, 1, 0, 12, 2)},
      {"rle.ras", Sun(5, 3, 8, 2, 0, 13)},
  };
  ExpectLikePillow(cases, 4);
}

// PCX run-length encoding of `line`s (runs never cross a line, as PCX writers do).
std::string PcxEncode(const std::string& data, size_t line) {
  std::string out;
  for (size_t at = 0; at < data.size(); at += line) {
    for (size_t i = at; i < at + line;) {
      size_t n = 1;
      while (i + n < at + line && n < 63 && data[i + n] == data[i]) ++n;
      auto b = static_cast<uint8_t>(data[i]);
      if (n > 1 || (b & 0xC0) == 0xC0) {
        out += static_cast<char>(0xC0 | n);
        out += data[i];
      } else {
        out += data[i];
      }
      i += n;
    }
  }
  return out;
}

std::string Pcx(uint32_t w, uint32_t h, unsigned version, unsigned bits, unsigned planes,
                int stride_delta, uint32_t seed, const std::string& tail = "") {
  size_t stride = (w * bits + 7) / 8;
  size_t header_stride = stride + stride_delta;
  size_t real = header_stride != stride ? stride + stride % 2 : stride;
  std::string head(128, '\0');
  head[0] = 10;
  head[1] = static_cast<char>(version);
  head[2] = 1;
  head[3] = static_cast<char>(bits);
  head.replace(8, 2, Le16(w - 1));
  head.replace(10, 2, Le16(h - 1));
  head.replace(16, 48, Noise(48, seed + 50));
  head[65] = static_cast<char>(planes);
  head.replace(66, 2, Le16(static_cast<uint32_t>(header_stride)));
  // Runs of equal bytes as well as noise.
  std::string data = Noise(real * planes * h, seed, seed % 2 ? 4 : 256);
  return head + PcxEncode(data, real * planes) + tail;
}

TEST(PixelFormatsTest, PcxMatchesPillow) {
  std::string palette = std::string(1, '\x0c') + Noise(768, 77);
  std::string grey(1, '\x0c');
  for (int i = 0; i < 256; ++i) grey += std::string(3, static_cast<char>(i));
  std::vector<Case> cases = {
      {"bits1.pcx", Pcx(13, 5, 5, 1, 1, 0, 1)},
      {"bits1_stride.pcx", Pcx(13, 5, 5, 1, 1, 1, 2)},
      {"p2l.pcx", Pcx(11, 4, 5, 1, 2, 0, 3)},
      {"p4l.pcx", Pcx(11, 4, 2, 1, 4, 0, 4)},
      {"p4l_narrow.pcx", Pcx(3, 4, 5, 1, 4, 1, 5)},
      {"l8.pcx", Pcx(9, 4, 5, 8, 1, 0, 6, grey)},
      {"p8.pcx", Pcx(9, 4, 5, 8, 1, 1, 7, palette)},
      {"rgb.pcx", Pcx(5, 4, 5, 8, 3, 1, 8, palette)},
      {"rgb_even.pcx", Pcx(6, 4, 5, 8, 3, 0, 9)},
      {"rgb_w1.pcx", Pcx(1, 4, 5, 8, 3, 1, 10)},
      {"rgb_w2.pcx", Pcx(2, 3, 5, 8, 3, 3, 11)},
      {"rgb_truncated.pcx", Pcx(6, 4, 5, 8, 3, 0, 12).substr(0, 140)},
      {"l8_short_file.pcx", Pcx(4, 2, 5, 8, 1, 0, 13)},
  };
  // A run crossing the end of the scanline (width 4, 1 plane, 8 bits: 4-byte lines).
  std::string crossing =
      Pcx(4, 2, 5, 8, 1, 0, 14).substr(0, 128) + std::string("\xC6\x11\x22\x33", 4) + palette;
  cases.push_back({"run_across_lines.pcx", crossing});
  ExpectLikePillow(cases, 4);
}

TEST(PixelFormatsTest, WmfIsRefusedAsPillowFailsOnLinux) {
  // A placeable WMF header (1440 units per inch) and the metafile header after it.
  std::string wmf = std::string("\xD7\xCD\xC6\x9A\0\0", 6) + Le16(0) + Le16(0) + Le16(1440) +
                    Le16(720) + Le16(1440) + std::string(4, '\0') + Le16(0) +
                    std::string("\x01\x00\x09\x00\x00\x03", 6) + std::string(30, '\0');
  ExpectLikePillow({{"a.wmf", wmf}}, 0);
  Result<PixelMd5> ours =
      ComputePixelChecksum({reinterpret_cast<const std::byte*>(wmf.data()), wmf.size()});
  ASSERT_FALSE(ours.has_value());
  EXPECT_NE(ours.error().message().find("cannot find loader"), std::string::npos);
}

std::string Xbm(uint32_t w, uint32_t h, uint32_t seed, const std::string& extra_head = "",
                bool upper = false) {
  std::string out = "#define im_width " + std::to_string(w) + "\n#define im_height " +
                    std::to_string(h) + "\n" + extra_head + "static char im_bits[] = {\n";
  std::string bytes = Noise(static_cast<size_t>((w + 7) / 8) * h, seed);
  char buf[8];
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::snprintf(buf, sizeof buf, upper ? "0X%02X" : "0x%02x", uint8_t(bytes[i]));
    out += std::string(buf) + (i + 1 < bytes.size() ? (i % 12 == 11 ? ",\n" : ", ") : "");
  }
  return out + "};\n";
}

TEST(PixelFormatsTest, XbmMatchesPillow) {
  std::string xbm = Xbm(13, 5, 1);
  std::string bad_hex = xbm;
  bad_hex.replace(bad_hex.find("0x", bad_hex.find("{")) + 2, 2, "g!");
  std::vector<Case> cases = {
      {"w13.xbm", xbm},
      {"w8.xbm", Xbm(8, 3, 2)},
      {"w1.xbm", Xbm(1, 4, 3)},
      {"hotspot.xbm", Xbm(9, 3, 4, "#define im_x_hot 1\n#define im_y_hot 2\n")},
      {"upper.xbm", Xbm(9, 3, 5, "", true)},
      {"bad_hex.xbm", bad_hex},
      {"x_in_comment.xbm",
       "#define a_width 8\n#define a_height 1\nstatic char a_bits[] = "
       "{ /* box */ 0x41 };\n"},
      {"truncated.xbm", xbm.substr(0, xbm.size() - 30)},
      {"cut_in_byte.xbm", "#define a_width 8\n#define a_height 1\nstatic char a_bits[] = {0x4"},
  };
  ExpectLikePillow(cases, 1);
}

TEST(PixelFormatsTest, XpmMatchesPillow) {
  const std::string head =
      "/* XPM */\nstatic char *x[] = {\n\"5 3 3 1\",\n\"a c #ff0000\",\n"
      "\"b c None\",\n\". c #00ff00\",\n";
  std::vector<Case> cases = {
      {"plain.xpm", head + "\"ab.ab\",\n\"bbbbb\",\n\".....\"\n};\n"},
      {"short_line.xpm", head + "\"ab\",\n\"bbbbb\",\n\".....\"\n};\n"},
      {"crlf.xpm",
       "/* XPM */\r\nstatic char *x[] = {\r\n\"3 2 2 1\",\r\n\"a c #ff0000\",\r\n"
       "\"b c None\",\r\n\"aba\",\r\n\"bab\"\r\n};\r\n"},
      {"eof.xpm", head + "\"ab.ab\",\n"},
      {"no_pixels.xpm", head},
      {"long_line.xpm", head + "\"ab.ab.....\",\n\"b\",\n\"...\"\n"},
      {"bad_colour.xpm", "/* XPM */\n\"2 1 1 1\",\n\"a c red\",\n\"aa\"\n"},
      {"two_chars.xpm", "/* XPM */\n\"2 1 1 2\",\n\"aa c #000000\",\n\"aaaa\"\n"},
  };
  ExpectLikePillow(cases, 1);
}

std::string Sgi(unsigned storage, unsigned bpc, unsigned dimension, uint32_t w, uint32_t h,
                unsigned z, uint32_t seed, int64_t cut = 0) {
  std::string head = Be16(474) + std::string(1, static_cast<char>(storage)) +
                     std::string(1, static_cast<char>(bpc)) + Be16(dimension) + Be16(w) + Be16(h) +
                     Be16(z);
  head.resize(512, '\0');
  std::string out = head + Noise(static_cast<size_t>(w) * h * z * bpc, seed);
  if (cut) out.resize(out.size() - static_cast<size_t>(cut));
  return out;
}

TEST(PixelFormatsTest, SgiMatchesPillow) {
  std::vector<Case> cases = {
      {"l.sgi", Sgi(0, 1, 2, 7, 5, 1, 1)},
      {"l_dim1.sgi", Sgi(0, 1, 1, 7, 1, 1, 2)},
      {"rgb.sgi", Sgi(0, 1, 3, 6, 4, 3, 3)},
      {"rgba.rgb", Sgi(0, 1, 3, 6, 4, 4, 4)},
      {"l16.sgi", Sgi(0, 2, 2, 5, 3, 1, 5)},
      {"rgb16.sgi", Sgi(0, 2, 3, 5, 3, 3, 6)},
      {"rgba16.sgi", Sgi(0, 2, 3, 5, 3, 4, 7)},
      {"rgb_truncated.sgi", Sgi(0, 1, 3, 6, 4, 3, 8, 1)},
      {"rgb16_truncated.sgi", Sgi(0, 2, 3, 5, 3, 3, 9, 1)},
      {"rle.sgi", Sgi(1, 1, 3, 6, 4, 3, 10)},
  };
  ExpectLikePillow(cases, 3);
}

std::string FitsCard(const std::string& key, const std::string& value) {
  std::string card = key;
  card.resize(8, ' ');
  card += value.empty() ? "" : "= " + value;
  card.resize(80, ' ');
  return card;
}

std::string Fits(int bitpix, int naxis, uint32_t w, uint32_t h, uint32_t seed, int64_t cut = 0,
                 bool pad = true) {
  std::string head = FitsCard("SIMPLE", "T") + FitsCard("BITPIX", std::to_string(bitpix)) +
                     FitsCard("NAXIS", std::to_string(naxis)) +
                     FitsCard("NAXIS1", std::to_string(w));
  if (naxis > 1) head += FitsCard("NAXIS2", std::to_string(h));
  head += FitsCard("END", "");
  if (pad) head.resize((head.size() + 2879) / 2880 * 2880, ' ');
  size_t bytes = static_cast<size_t>(w) * (naxis > 1 ? h : 1) * (std::abs(bitpix) / 8);
  std::string out = head + Noise(bytes, seed) + std::string(4 * w * h, '\x11');
  if (cut) out.resize(head.size() + static_cast<size_t>(cut));
  return out;
}

TEST(PixelFormatsTest, FitsMatchesPillow) {
  std::vector<Case> cases = {
      {"b8.fits", Fits(8, 2, 7, 5, 1)},
      {"b16.fits", Fits(16, 2, 6, 4, 2)},
      {"b32.fits", Fits(32, 2, 6, 4, 3)},
      {"bm32.fits", Fits(-32, 2, 6, 4, 4)},
      {"bm64.fits", Fits(-64, 2, 6, 4, 5)},
      {"naxis1.fits", Fits(8, 1, 9, 1, 6)},
      {"naxis3.fits", Fits(8, 3, 4, 3, 7)},
      {"unpadded_header.fits", Fits(8, 2, 7, 5, 8, 0, false)},
      {"b8_truncated.fits", Fits(8, 2, 7, 5, 9, 34)},
      {"bm32_truncated.fits", Fits(-32, 2, 6, 4, 10, 95)},
  };
  ExpectLikePillow(cases, 3);
}

// An icon of `images` (each with the directory's width and height bytes and bpp).
struct IconImage {
  uint8_t w, h;
  uint16_t bpp;
  std::string bytes;
};

std::string Ico(const std::vector<IconImage>& images) {
  std::string out = Le16(0) + Le16(1) + Le16(static_cast<uint32_t>(images.size()));
  uint32_t offset = 6 + 16 * static_cast<uint32_t>(images.size());
  std::string data;
  for (const IconImage& i : images) {
    out += std::string{static_cast<char>(i.w), static_cast<char>(i.h), 0, 0} + Le16(1) +
           Le16(i.bpp) + Le32(static_cast<uint32_t>(i.bytes.size())) + Le32(offset);
    offset += static_cast<uint32_t>(i.bytes.size());
    data += i.bytes;
  }
  return out + data;
}

TEST(PixelFormatsTest, IcoMatchesPillow) {
  using ingest::testing::WritePng;
  std::string bmp = ingest::testing::WriteBmp(8, 8, ingest::testing::BmpHeader::kInfo40);
  std::string dib = bmp.substr(14);  // without the file header
  dib.replace(8, 4, Le32(16));       // height counts the AND mask
  dib += std::string(8 * 4, '\0');   // the AND mask: 8 rows of 4 bytes
  std::vector<Case> cases = {
      {"one_png.ico", Ico({{16, 16, 32, WritePng(16, 16, {.noise = true, .seed = 1})}})},
      {"two_png.ico", Ico({{16, 16, 32, WritePng(16, 16, {.noise = true, .seed = 2})},
                           {32, 32, 32, WritePng(32, 32, {.noise = true, .seed = 3})},
                           {8, 8, 32, WritePng(8, 8, {.noise = true, .seed = 4})}})},
      {"png_size_differs.ico", Ico({{16, 16, 32, WritePng(12, 10, {.noise = true, .seed = 5})}})},
      {"dib.ico", Ico({{8, 8, 24, dib}})},
      {"png_beside_dib.ico", Ico({{8, 8, 24, dib}, {16, 16, 32, WritePng(16, 16)}})},
  };
  ExpectLikePillow(cases, 1);
}

// Each new decoder refuses an image over Pillow's decompression bomb limit before reading a
// pixel (Pillow refuses to open it).
TEST(PixelFormatsTest, NewDecodersRefuseBombs) {
  std::string fits = FitsCard("SIMPLE", "T") + FitsCard("BITPIX", "8") + FitsCard("NAXIS", "2") +
                     FitsCard("NAXIS1", "20000") + FitsCard("NAXIS2", "20000") +
                     FitsCard("END", "");
  const std::vector<std::string> files = {
      "P5\n20000 20000\n255\n",
      "P1\n20000 20000\n0 1",
      Sun(1, 1, 8, 1, 0, 1).replace(4, 8, Be32(20000) + Be32(20000)),
      Sun(1, 1, 8, 2, 0, 1).replace(4, 8, Be32(20000) + Be32(20000)),  // RLE
      Sgi(1, 1, 2, 1, 1, 1, 1).replace(6, 4, Be16(65535) + Be16(65535)) + Noise(4096, 2),
      // JPEG 2000 codestream: SIZ of 20000 x 20000, one 8-bit component.
      std::string("\xFF\x4F\xFF\x51\x00\x29\x00\x00", 8) + Be32(20000) + Be32(20000) +
          std::string(24, '\0') + Be16(1) + std::string("\x07\x01\x01", 3),
      // PSD: RGB, raw, no sections.
      "8BPS" + Be16(1) + std::string(6, '\0') + Be16(3) + Be32(20000) + Be32(20000) + Be16(8) +
          Be16(3) + std::string(12, '\0') + Be16(0),
      Ico({{0, 0, 24, Le32(40) + Le32(20000) + Le32(40000) + Le16(1) + Le16(24) +
                          std::string(24, '\0')}}),  // a DIB
      "#define a_width 20000\n#define a_height 20000\nstatic char a_bits[] = { 0x00 };\n",
      "/* XPM */\n\"20000 20000 1 1\",\n\"a c #000000\",\n",
      fits,
  };
  for (const std::string& f : files) {
    Result<PixelMd5> ours =
        ComputePixelChecksum({reinterpret_cast<const std::byte*>(f.data()), f.size()});
    ASSERT_FALSE(ours.has_value()) << f.substr(0, 12);
    EXPECT_EQ(ours.error().code(), Status::Code::kUnsupported) << ours.error().ToString();
    EXPECT_NE(ours.error().message().find("decompression bomb"), std::string::npos)
        << ours.error().ToString();
  }
}

}  // namespace
}  // namespace ingest
