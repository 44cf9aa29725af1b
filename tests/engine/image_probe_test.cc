#include "engine/image_probe.h"

#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>

#include "engine/unique_fd.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"

namespace ingest {
namespace {

using testing::BmpHeader;
using testing::WebpKind;

Result<ImageInfo> Probe(std::string_view bytes) {
  SpanByteSource src(bytes);
  return ProbeImage(src);
}

void ExpectImage(std::string_view bytes, ImageFormat format, uint32_t w, uint32_t h,
                 uint16_t orientation = 1) {
  Result<ImageInfo> r = Probe(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->format, format);
  EXPECT_EQ(r->width, w);
  EXPECT_EQ(r->height, h);
  EXPECT_EQ(r->orientation, orientation);
}

std::string Segment(uint8_t marker, std::string_view payload) {
  std::string s = {'\xFF', static_cast<char>(marker)};
  size_t len = payload.size() + 2;
  s.push_back(static_cast<char>(len >> 8));
  s.push_back(static_cast<char>(len));
  s.append(payload);
  return s;
}

TEST(ImageProbeTest, JpegBaselineProgressiveGray) {
  ExpectImage(testing::WriteJpeg(1920, 1080), ImageFormat::kJpeg, 1920, 1080);
  ExpectImage(testing::WriteJpeg(33, 17, {.progressive = true}), ImageFormat::kJpeg, 33, 17);
  ExpectImage(testing::WriteJpeg(5, 300, {.grayscale = true}), ImageFormat::kJpeg, 5, 300);
}

TEST(ImageProbeTest, JpegExifOrientationAllValues) {
  for (uint16_t o = 0; o <= 9; ++o) {
    SCOPED_TRACE(o);
    ExpectImage(testing::WriteJpeg(40, 30, {.exif_orientation = o}), ImageFormat::kJpeg, 40, 30, o);
    ExpectImage(testing::WriteJpeg(40, 30, {.progressive = true, .exif_orientation = o}),
                ImageFormat::kJpeg, 40, 30, o);
  }
}

TEST(ImageProbeTest, JpegFirstExifWinsAndExifAfterSofCounts) {
  std::string j = testing::WriteJpeg(31, 19);
  std::string two = j.substr(0, 2) + Segment(0xE1, testing::BuildExif(3)) +
                    Segment(0xE1, testing::BuildExif(6)) + j.substr(2);
  ExpectImage(two, ImageFormat::kJpeg, 31, 19, 3);
  size_t sos = j.find("\xFF\xDA");
  ASSERT_NE(sos, std::string::npos);
  std::string late = j.substr(0, sos) + Segment(0xE1, testing::BuildExif(8, true)) + j.substr(sos);
  ExpectImage(late, ImageFormat::kJpeg, 31, 19, 8);
}

TEST(ImageProbeTest, JpegFillBytesJunkAndStandaloneMarkers) {
  std::string j = testing::WriteJpeg(12, 7);
  std::string odd = j.substr(0, 2) + "\xFF\xFF\xFF" + Segment(0xE3, "x") + std::string("ab\0", 3) +
                    "\xFF\x00" + "\xFF\xD0" + j.substr(2);
  ExpectImage(odd, ImageFormat::kJpeg, 12, 7);
}

TEST(ImageProbeTest, JpegErrorsNameTheProblem) {
  std::string j = testing::WriteJpeg(12, 7);
  Result<ImageInfo> r = Probe(j.substr(0, j.find("\xFF\xC0")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Status::Code::kCorruption);
  EXPECT_EQ(r.error().message(), "JPEG: no SOF marker before end of file");
  std::string bad = j.substr(0, 2) + "\xFF\x05" + j.substr(2);
  EXPECT_EQ(Probe(bad).error().message(), "JPEG: invalid marker 0xFF05");
  size_t sof = j.find("\xFF\xC0");
  std::string twelve_bit = j;
  twelve_bit[sof + 4] = 12;
  EXPECT_EQ(Probe(twelve_bit).error().code(), Status::Code::kUnsupported);
}

TEST(ImageProbeTest, PngSizeAndExifBeforeOrAfterIdat) {
  ExpectImage(testing::WritePng(640, 480), ImageFormat::kPng, 640, 480);
  ExpectImage(testing::WritePng(64, 48, {.exif_before_idat = 6}), ImageFormat::kPng, 64, 48, 6);
  // Pillow's getexif() loads the image, so an eXIf after IDAT counts...
  ExpectImage(testing::WritePng(64, 48, {.exif_after_idat = 8}), ImageFormat::kPng, 64, 48, 8);
  // ...but only when none came before it.
  ExpectImage(testing::WritePng(64, 48, {.exif_before_idat = 3, .exif_after_idat = 8}),
              ImageFormat::kPng, 64, 48, 3);
}

TEST(ImageProbeTest, PngXmpFallbackAndRawProfile) {
  std::string png = testing::WritePng(20, 10);
  std::string xmp = "<x:xmpmeta><rdf:Description tiff:Orientation=\"7\"/></x:xmpmeta>";
  std::string itxt = std::string("XML:com.adobe.xmp\0\0\0\0\0", 22) + xmp;
  ExpectImage(testing::InsertPngChunk(png, "iTXt", itxt, true), ImageFormat::kPng, 20, 10, 7);
  // An EXIF block with tag 274 beats XMP.
  std::string both = testing::InsertPngChunk(testing::InsertPngChunk(png, "iTXt", itxt, true),
                                             "eXIf", testing::BuildExif(2, false, false), true);
  ExpectImage(both, ImageFormat::kPng, 20, 10, 2);
  // ImageMagick's hex dump, in a tEXt chunk after IDAT.
  std::string raw = testing::BuildExif(5);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = std::string("Raw profile type exif\0", 22) + "\nexif\n      " +
                     std::to_string(raw.size()) + "\n";
  for (size_t i = 0; i < raw.size(); ++i) {
    text += kHex[static_cast<uint8_t>(raw[i]) >> 4];
    text += kHex[static_cast<uint8_t>(raw[i]) & 15];
    if (i % 36 == 35) text += '\n';
  }
  ExpectImage(testing::InsertPngChunk(png, "tEXt", text, false), ImageFormat::kPng, 20, 10, 5);
}

TEST(ImageProbeTest, PngTruncatedIhdr) {
  std::string png = testing::WritePng(20, 10);
  Result<ImageInfo> r = Probe(png.substr(0, 20));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "PNG: truncated IHDR chunk");
  EXPECT_EQ(Probe(png.substr(0, 33)).error().message(), "PNG: no IDAT chunk before end of file");
}

TEST(ImageProbeTest, PngBadCrcBeforeIdatIsAnError) {
  std::string png = testing::WritePng(20, 10);
  png[29] ^= 1;  // IHDR's CRC
  Result<ImageInfo> r = Probe(png);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "PNG: bad CRC in IHDR chunk");
}

TEST(ImageProbeTest, JpegSofWithPartialComponentIsAnError) {
  std::string j = testing::WriteJpeg(12, 7, {.grayscale = true});
  size_t sof = j.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  // Grow the SOF by one byte: 1 component + 1 stray byte.
  std::string grown = j.substr(0, sof + 3) + static_cast<char>(j[sof + 3] + 1) +
                      j.substr(sof + 4, 9) + "X" + j.substr(sof + 13);
  EXPECT_EQ(Probe(grown).error().message(), "JPEG: bad SOF segment length");
}

TEST(ImageProbeTest, ExifHeaderQuirks) {
  std::string j = testing::WriteJpeg(12, 7);
  // "MM\0+" is read as classic big-endian TIFF, as Pillow reads it.
  std::string be = testing::BuildExif(6, true);
  be[6 + 3] = '+';
  ExpectImage(j.substr(0, 2) + Segment(0xE1, be) + j.substr(2), ImageFormat::kJpeg, 12, 7, 6);
  // "II+\0" makes Pillow fail outright.
  std::string le = testing::BuildExif(6);
  le[6 + 2] = '+';
  EXPECT_EQ(Probe(j.substr(0, 2) + Segment(0xE1, le) + j.substr(2)).error().code(),
            Status::Code::kCorruption);
  // A header that is not TIFF at all: no orientation.
  std::string junk = testing::BuildExif(6);
  junk[6] = 'X';
  ExpectImage(j.substr(0, 2) + Segment(0xE1, junk) + j.substr(2), ImageFormat::kJpeg, 12, 7, 1);
}

TEST(ImageProbeTest, WebpExifNeedsTheVp8xFlagAndCanvasMustMatch) {
  std::string w = testing::WriteWebp(45, 27, WebpKind::kExtended, 6);
  ASSERT_EQ(w.substr(12, 4), "VP8X");
  std::string no_flag = w;
  no_flag[20] = static_cast<char>(no_flag[20] & ~0x08);
  ExpectImage(no_flag, ImageFormat::kWebp, 45, 27, 1);
  std::string wider = w;
  wider[24] = static_cast<char>(wider[24] + 1);  // canvas 46 wide, bitstream 45
  EXPECT_EQ(Probe(wider).error().message(), "WEBP: image size differs from the VP8X canvas");
}

TEST(ImageProbeTest, TiffBothByteOrdersAndBigTiff) {
  testing::ScopedTempDir dir;
  ExpectImage(testing::WriteTiff(dir.path(), 70, 50), ImageFormat::kTiff, 70, 50);
  ExpectImage(testing::WriteTiff(dir.path(), 70, 50, {.big_endian = true, .orientation = 6}),
              ImageFormat::kTiff, 70, 50, 6);
  ExpectImage(testing::WriteTiff(dir.path(), 70, 50, {.orientation = 8}), ImageFormat::kTiff, 70,
              50, 8);
  ExpectImage(testing::WriteTiff(dir.path(), 70, 50, {.big_tiff = true, .orientation = 5}),
              ImageFormat::kTiff, 70, 50, 5);
  // Pillow 9.4 misreads big-endian BigTIFF headers: we refuse them.
  Result<ImageInfo> r =
      Probe(testing::WriteTiff(dir.path(), 70, 50, {.big_endian = true, .big_tiff = true}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Status::Code::kUnsupported);
}

TEST(ImageProbeTest, BmpAllHeadersAndTopDown) {
  ExpectImage(testing::WriteBmp(9, 6, BmpHeader::kCore12), ImageFormat::kBmp, 9, 6);
  ExpectImage(testing::WriteBmp(9, 6, BmpHeader::kInfo40), ImageFormat::kBmp, 9, 6);
  ExpectImage(testing::WriteBmp(9, 6, BmpHeader::kInfo40, true), ImageFormat::kBmp, 9, 6);
  ExpectImage(testing::WriteBmp(9, 6, BmpHeader::kV4_108), ImageFormat::kBmp, 9, 6);
  ExpectImage(testing::WriteBmp(9, 6, BmpHeader::kV5_124, true), ImageFormat::kBmp, 9, 6);
}

TEST(ImageProbeTest, GifSizeCoversFirstFrame) {
  ExpectImage(testing::WriteGif(40, 30, 0, 0, 40, 30), ImageFormat::kGif, 40, 30);
  // Pillow grows the logical screen to the first frame's extent.
  ExpectImage(testing::WriteGif(10, 10, 5, 3, 20, 8), ImageFormat::kGif, 25, 11);
}

TEST(ImageProbeTest, WebpLossyLosslessExtended) {
  ExpectImage(testing::WriteWebp(45, 27, WebpKind::kLossy), ImageFormat::kWebp, 45, 27);
  ExpectImage(testing::WriteWebp(45, 27, WebpKind::kLossless), ImageFormat::kWebp, 45, 27);
  ExpectImage(testing::WriteWebp(45, 27, WebpKind::kExtended), ImageFormat::kWebp, 45, 27);
  ExpectImage(testing::WriteWebp(45, 27, WebpKind::kExtended, 6), ImageFormat::kWebp, 45, 27, 6);
}

// Sizes and outcomes from Pillow 9.4's Image.open(f).size on the same bytes.
TEST(ImageProbeTest, PnmPlainAndRawWithComments) {
  using namespace std::string_view_literals;
  ExpectImage("P1\n3 2\n1 0 1\n0 1 0\n"sv, ImageFormat::kPpm, 3, 2);
  ExpectImage("P2 # comment\n# more\n 17\t9 255\n"sv, ImageFormat::kPpm, 17, 9);
  ExpectImage("P3\r\n4 5\r\n65535\r\n"sv, ImageFormat::kPpm, 4, 5);
  ExpectImage("P4\n1#in a token\n2 8\n"sv, ImageFormat::kPpm, 12, 8);  // "1" + "2"
  ExpectImage("P5 1_0 0012 255 "sv, ImageFormat::kPpm, 10, 12);          // Python int()
  ExpectImage("P6\n+640 480\n255\n"sv, ImageFormat::kPpm, 640, 480);
  ExpectImage("P6\v640\f480\r255\n\xFF\x00"sv, ImageFormat::kPpm, 640, 480);
  EXPECT_EQ(ImageFormatName(ImageFormat::kPpm), "PPM");
}

TEST(ImageProbeTest, PnmErrorsWherePillowFails) {
  using namespace std::string_view_literals;
  // Pillow: ValueError "Reached EOF while reading header".
  EXPECT_EQ(Probe("P6\n640 480\n#eof"sv).error().code(), Status::Code::kCorruption);
  EXPECT_EQ(Probe("P6 640"sv).error().code(), Status::Code::kCorruption);
  // Pillow: maxval must be greater than 0 and less than 65536.
  EXPECT_EQ(Probe("P5 3 3 0\n"sv).error().code(), Status::Code::kCorruption);
  EXPECT_EQ(Probe("P5 3 3 65536\n"sv).error().code(), Status::Code::kCorruption);
  // Pillow: "Token too long", and int() refusing "6x4".
  EXPECT_EQ(Probe("P6 12345678901 3 255\n"sv).error().code(), Status::Code::kCorruption);
  Result<ImageInfo> bad = Probe("P6 6x4 255\n"sv);
  EXPECT_NE(bad.error().message().find("6x4"), std::string::npos) << bad.error().ToString();
  // Pillow cannot identify these (UnidentifiedImageError).
  EXPECT_EQ(Probe("P6 0 5 255\n"sv).error().code(), Status::Code::kUnsupported);
  EXPECT_EQ(Probe("P7 3 3 255\n"sv).error().code(), Status::Code::kUnsupported);
  EXPECT_EQ(Probe("P612 3 255\n"sv).error().code(), Status::Code::kUnsupported);
}

std::string Be32Bytes(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string SunHeader(uint32_t w, uint32_t h, uint32_t depth) {
  return Be32Bytes(0x59A66A95) + Be32Bytes(w) + Be32Bytes(h) + Be32Bytes(depth) + Be32Bytes(0) +
         Be32Bytes(1) + Be32Bytes(0) + Be32Bytes(0);
}

// PCX header: version 5, window (x0, y0)-(x1, y1) inclusive, bits, planes.
std::string PcxHeader(uint16_t x0, uint16_t y0, uint16_t x1, uint16_t y1, int bits, int planes) {
  std::string h(128, '\0');
  h[0] = 10;
  h[1] = 5;
  h[2] = 1;
  h[3] = static_cast<char>(bits);
  uint16_t v[4] = {x0, y0, x1, y1};
  for (int k = 0; k < 4; ++k) {
    h[4 + 2 * k] = static_cast<char>(v[k] & 0xFF);
    h[5 + 2 * k] = static_cast<char>(v[k] >> 8);
  }
  h[65] = static_cast<char>(planes);
  return h;
}

std::string FitsCards(std::initializer_list<std::string> cards) {
  std::string out;
  for (const std::string& c : cards) out += c + std::string(80 - c.size(), ' ');
  return out;
}

// Sizes and outcomes from Pillow 9.4's Image.open(path).size on the same bytes.
TEST(ImageProbeTest, SunSgiPcxHeaders) {
  using namespace std::string_view_literals;
  ExpectImage(SunHeader(640, 480, 24), ImageFormat::kSun, 640, 480);
  EXPECT_EQ(Probe(SunHeader(640, 480, 2)).error().code(), Status::Code::kUnsupported);
  EXPECT_EQ(Probe(SunHeader(640, 480, 24).substr(0, 31)).error().code(),
            Status::Code::kUnsupported);
  ExpectImage("\x01\xDA\x00\x01\x00\x03\x00\x21\x00\x07\x00\x03"sv, ImageFormat::kSgi, 33, 7);
  ExpectImage("\x01\xDA\x07\x02\x00\x02\x00\x21\x00\x07\x00\x01"sv, ImageFormat::kSgi, 33, 7);
  EXPECT_EQ(Probe("\x01\xDA\x00\x01\x00\x03\x00\x21\x00\x07\x00\x02"sv).error().code(),
            Status::Code::kCorruption);  // Pillow: ValueError "Unsupported SGI image mode"
  ExpectImage(PcxHeader(5, 3, 44, 12, 8, 3), ImageFormat::kPcx, 40, 10);
  ExpectImage(PcxHeader(0, 0, 9, 9, 1, 1), ImageFormat::kPcx, 10, 10);
  // 8-bit single plane: Pillow seeks 769 bytes back from the end for a palette.
  EXPECT_EQ(Probe(PcxHeader(0, 0, 9, 9, 8, 1)).error().code(), Status::Code::kCorruption);
  ExpectImage(PcxHeader(0, 0, 9, 9, 8, 1) + std::string(700, '\0'), ImageFormat::kPcx, 10, 10);
  EXPECT_EQ(Probe(PcxHeader(0, 0, 9, 9, 4, 1)).error().code(), Status::Code::kCorruption);
  EXPECT_EQ(Probe(PcxHeader(9, 0, 3, 9, 1, 1)).error().code(), Status::Code::kUnsupported);
}

TEST(ImageProbeTest, XbmXpmFitsHeaders) {
  using namespace std::string_view_literals;
  ExpectImage("  #define my_icon_width 16\n#define my_icon_height 9\n"
              "static char my_icon_bits[] = { 0 };\n"sv,
              ImageFormat::kXbm, 16, 9);
  EXPECT_EQ(Probe("#define a_width 16\n#define a_height 9\nstatic char a_pix[] = {0};\n"sv)
                .error()
                .code(),
            Status::Code::kUnsupported);
  ExpectImage("/* XPM */\nstatic char *x[] = {\n\"4 3 2 1\",\n\"A c None\",\n\"B c #ff00ff\",\n"
              "\"AAAA\",\n};\n"sv,
              ImageFormat::kXpm, 4, 3);
  EXPECT_EQ(Probe("/* XPM */\nstatic char *x[] = {\n\"4 3 1 1\",\n\"A c red\",\n};\n"sv)
                .error()
                .code(),
            Status::Code::kCorruption);  // Pillow: "cannot read this XPM file"
  ExpectImage(FitsCards({"SIMPLE  = T", "BITPIX  = 16", "NAXIS   = 2", "NAXIS1  = 10",
                         "NAXIS2  = 20", "END"}),
              ImageFormat::kFits, 10, 20);
  ExpectImage(FitsCards({"SIMPLE  = T", "BITPIX  = -32", "NAXIS   = 1", "NAXIS1  = 7", "END"}),
              ImageFormat::kFits, 1, 7);
  // A comment after T: Pillow does not take it for a FITS file.
  EXPECT_EQ(Probe(FitsCards({"SIMPLE  =                    T / std", "BITPIX  = 16",
                             "NAXIS   = 2", "NAXIS1  = 10", "NAXIS2  = 20", "END"}))
                .error()
                .code(),
            Status::Code::kUnsupported);
}

std::string Box(std::string_view type, const std::string& payload) {
  return Be32Bytes(static_cast<uint32_t>(payload.size() + 8)) + std::string(type) + payload;
}

std::string Le(uint64_t v, int n) {
  std::string out;
  for (int k = 0; k < n; ++k) out.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
  return out;
}

TEST(ImageProbeTest, Jpeg2000CodestreamAndJp2Boxes) {
  const std::string sig("\0\0\0\x0CjP  \r\n\x87\n", 12);
  std::string ihdr = Be32Bytes(48) + Be32Bytes(64) + std::string("\0\x03\x07\x07\0\0", 6);
  ExpectImage(sig + Box("ftyp", "jp2 " + std::string(4, '\0')) + Box("jp2h", Box("ihdr", ihdr)) +
                  Box("jp2c", std::string(8, '\0')),
              ImageFormat::kJpeg2000, 64, 48);
  // Five components: no mode, Pillow cannot identify it.
  std::string ihdr5 = ihdr;
  ihdr5[9] = 5;
  EXPECT_EQ(Probe(sig + Box("jp2h", Box("ihdr", ihdr5))).error().code(),
            Status::Code::kUnsupported);
  // Ending inside a box header: Pillow's OSError.
  EXPECT_EQ(Probe(sig + Box("ftyp", "jp2 " + std::string(4, '\0')) + "\0\0").error().code(),
            Status::Code::kCorruption);
  // Codestream: (Xsiz - XOsiz, Ysiz - YOsiz) = (100 - 10, 60 - 5).
  std::string siz = std::string("\xFF\x4F\xFF\x51\0\x29\0\0", 8) + Be32Bytes(100) + Be32Bytes(60) +
                    Be32Bytes(10) + Be32Bytes(5) + std::string(16, '\0') + std::string("\0\x01\x07\x01\x01", 5);
  ExpectImage(siz, ImageFormat::kJpeg2000, 90, 55);
  EXPECT_EQ(ImageFormatName(ImageFormat::kJpeg2000), "JPEG2000");
}

TEST(ImageProbeTest, IcoLargestEntryAndDibHalfHeight) {
  // One 16x32 directory entry whose DIB is 16 x (32 / 2): Pillow keeps the decoded 16x16.
  std::string dib = Le(40, 4) + Le(16, 4) + Le(32, 4) + Le(1, 2) + Le(32, 2) + std::string(24, '\0') +
                    std::string(16 * 16 * 4 + 64, '\0');
  std::string ico = Le(0, 2) + Le(1, 2) + Le(1, 2) + std::string("\x10\x20\0\0", 4) + Le(1, 2) +
                    Le(32, 2) + Le(dib.size(), 4) + Le(22, 4) + dib;
  ExpectImage(ico, ImageFormat::kIco, 16, 16);
  // Two entries: the larger one (48x48) is loaded; its PNG gives the size.
  std::string png = testing::WritePng(48, 48, {});
  std::string two = Le(0, 2) + Le(1, 2) + Le(2, 2) + std::string("\x10\x10\0\0", 4) + Le(1, 2) +
                    Le(32, 2) + Le(dib.size(), 4) + Le(38, 4) + std::string("\x30\x30\0\0", 4) +
                    Le(1, 2) + Le(32, 2) + Le(png.size(), 4) + Le(38 + dib.size(), 4);
  std::string dib16 = dib;
  ExpectImage(two + dib16 + png, ImageFormat::kIco, 48, 48);
  EXPECT_EQ(Probe(Le(0, 2) + Le(1, 2) + Le(0, 2)).error().code(), Status::Code::kUnsupported);
}

TEST(ImageProbeTest, WmfAndEmfHeaders) {
  // Placeable WMF: (1000 - 0) * 72 // 1440 by (700 - 0) * 72 // 1440.
  std::string wmf = Le(0x9AC6CDD7, 4) + Le(0, 2) + Le(0, 2) + Le(0, 2) + Le(1000, 2) + Le(700, 2) +
                    Le(1440, 2) + Le(0, 4) + Le(0, 2) + std::string("\x01\0\x09\0", 4) +
                    std::string(60, '\0');
  ExpectImage(wmf, ImageFormat::kWmf, 50, 35);
  std::string emf = Le(1, 4) + Le(88, 4) + Le(10, 4) + Le(0, 4) + Le(640, 4) + Le(480, 4) + Le(0, 4) +
                    Le(0, 4) + Le(16933, 4) + Le(12700, 4) + " EMF" + std::string(40, '\0');
  ExpectImage(emf, ImageFormat::kWmf, 630, 480);
  std::string no_frame = emf;
  no_frame.replace(32, 4, Le(0, 4));  // frame width 0: Pillow divides by zero
  EXPECT_EQ(Probe(no_frame).error().code(), Status::Code::kCorruption);
}

TEST(ImageProbeTest, PsdWalksEverySectionPillowReads) {
  // RGB, 3 channels, 7 rows of 5; empty colour data, resources and layers; raw image data.
  auto header = [](int channels) {
    return std::string("8BPS\0\x01", 6) + std::string(6, '\0') +
           std::string{'\0', static_cast<char>(channels)} + Be32Bytes(7) + Be32Bytes(5) +
           std::string("\0\x08\0\x03", 4);
  };
  std::string sections = Be32Bytes(0) + Be32Bytes(0) + Be32Bytes(0);
  ExpectImage(header(3) + sections + std::string(2 + 105, '\0'), ImageFormat::kPsd, 5, 7);
  // Without the merged image's compression field Pillow cannot identify it.
  EXPECT_EQ(Probe(header(3) + sections).error().code(), Status::Code::kUnsupported);
  // RGB needs 3 channels: OSError "not enough channels".
  EXPECT_EQ(Probe(header(1) + sections + std::string(107, '\0')).error().code(),
            Status::Code::kCorruption);
}

TEST(ImageProbeTest, DetectsByContentNotName) {
  EXPECT_EQ(Probe("hello world, not an image").error().code(), Status::Code::kUnsupported);
  EXPECT_EQ(Probe("").error().code(), Status::Code::kUnsupported);
  EXPECT_EQ(ImageFormatName(ImageFormat::kWebp), "WEBP");
}

TEST(ImageProbeTest, FdSourceProbesAJpegWithOneRead) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("a.bin");  // the name says nothing
  testing::WriteFile(path, testing::WriteJpeg(1920, 1080, {.exif_orientation = 6}));
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  FdByteSource src(fd.get(), testing::ReadFile(path).size());
  Result<ImageInfo> r = ProbeImage(src);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->width, 1920u);
  EXPECT_EQ(r->orientation, 6);
  EXPECT_EQ(src.reads(), 1u);
}

// Truncations and byte flips of valid files: never a crash or an out-of-bounds read (this
// runs under ASan/UBSan in CI); every outcome is a value or an error.
TEST(ImageProbeTest, FuzzTruncationsAndFlips) {
  testing::ScopedTempDir dir;
  std::vector<std::string> seeds = {
      testing::WriteJpeg(30, 20, {.exif_orientation = 6}),
      testing::WriteJpeg(30, 20, {.progressive = true}),
      testing::WritePng(30, 20, {.exif_before_idat = 3, .exif_after_idat = 5}),
      testing::WriteGif(10, 10, 2, 2, 12, 12),
      testing::WriteBmp(9, 6, BmpHeader::kV5_124, true),
      testing::WriteBmp(9, 6, BmpHeader::kCore12),
      testing::WriteTiff(dir.path(), 30, 20, {.big_endian = true, .orientation = 6}),
      testing::WriteTiff(dir.path(), 30, 20, {.big_tiff = true, .orientation = 6}),
      testing::WriteWebp(30, 20, WebpKind::kExtended, 7),
      testing::WriteWebp(30, 20, WebpKind::kLossless),
      std::string("P6 # c\n30 20\n255\n") + std::string(1800, '\x7f'),
      SunHeader(30, 20, 8) + std::string(600, 'x'),
      PcxHeader(0, 0, 29, 19, 8, 1) + std::string(900, 'y'),
      std::string("#define i_width 30\n#define i_height 20\nstatic char i_bits[] = {0};\n"),
      std::string("/* XPM */\n\"30 20 1 1\",\n\"A c #fff\",\n\"AAA\",\n"),
      FitsCards({"SIMPLE  = T", "BITPIX  = 8", "NAXIS   = 2", "NAXIS1  = 30", "NAXIS2  = 20",
                 "END"}),
  };
  std::mt19937 rng(12345);
  size_t ok = 0, failed = 0;
  auto run = [&](std::string_view bytes) {
    Result<ImageInfo> r = Probe(bytes);
    if (r.has_value()) {
      ++ok;
      EXPECT_GT(r->width, 0u);
      EXPECT_GT(r->height, 0u);
    } else {
      ++failed;
      EXPECT_FALSE(r.error().message().empty());
    }
  };
  for (const std::string& seed : seeds) {
    size_t limit = seed.size() < 1024 ? seed.size() : 1024;
    for (size_t n = 0; n <= limit; ++n) run(std::string_view(seed).substr(0, n));
    for (int i = 0; i < 1500; ++i) {
      std::string m = seed;
      int flips = 1 + static_cast<int>(rng() % 4);
      size_t span = m.size() < 512 ? m.size() : 512;  // headers live at the front
      for (int f = 0; f < flips; ++f) {
        m[rng() % span] = static_cast<char>(rng());
      }
      run(m);
    }
  }
  EXPECT_GT(ok, 0u);
  EXPECT_GT(failed, 0u);
}

}  // namespace
}  // namespace ingest
