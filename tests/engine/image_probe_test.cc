#include "engine/image_probe.h"

#include <cstdint>
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
