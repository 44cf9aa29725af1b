// Pixel checksums against Pillow 9.4: every image of tests/testing/mode_images is hashed and
// compared with hashlib.md5(Image.open(p).tobytes()).hexdigest() as Debian 12's python3-pil
// 9.4 printed it for the same file. Set INGEST_KEEP_CORPUS=DIR to keep the images (to
// recompute the table with Pillow after changing the generator).
#include "engine/pixel_checksum.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <span>

#include <gtest/gtest.h>
#include <unistd.h>

#include "engine/byte_source.h"
#include "engine/image_probe.h"
#include "engine/scanner.h"
#include "tests/testing/archive_writer.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/mode_images.h"
#include "tests/testing/temp_dir.h"

namespace ingest {
namespace {

// name -> Pillow's md5 of tobytes() (mode in the comment, as Pillow reports it).
const std::map<std::string, std::string>& PillowMd5s() {
  static const auto* table = new std::map<std::string, std::string>{
#include "tests/engine/pixel_checksum_pillow.inc"
  };
  return *table;
}

std::span<const std::byte> Bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

TEST(PixelChecksumTest, EveryModeMatchesPillow) {
  ingest::testing::ScopedTempDir dir;
  const char* keep = std::getenv("INGEST_KEEP_CORPUS");
  std::vector<ingest::testing::ModeImage> images = ingest::testing::BuildModeImages(dir.path());
  ASSERT_FALSE(images.empty());
  for (const auto& image : images) {
    if (keep && *keep)
      ingest::testing::WriteFile(std::string(keep) + "/" + image.name, image.bytes);
    Result<PixelMd5> md5 = ComputePixelChecksum(Bytes(image.bytes));
    auto it = PillowMd5s().find(image.name);
    if (it == PillowMd5s().end()) {
      ADD_FAILURE() << image.name << ": no Pillow md5 in the table; ours is "
                    << (md5 ? md5->Hex() : md5.error().ToString());
      continue;
    }
    ASSERT_TRUE(md5.has_value()) << image.name << ": " << md5.error().ToString();
    EXPECT_EQ(md5->Hex(), it->second) << image.name;
  }
}

TEST(PixelChecksumTest, ScansHashDecodedImagesInBatchesWithTheSameResult) {
  // A scan decodes images on its workers and hashes them several at once (Md5Many), large
  // ones alone; every record must carry Pillow's checksum all the same: all the mode images
  // (mixed sizes in one batch), the same in a zip, and one image too large to batch.
  ingest::testing::ScopedTempDir dir;
  std::vector<ingest::testing::ModeImage> images = ingest::testing::BuildModeImages(dir.path());
  std::vector<ingest::testing::ArchiveEntry> members;
  for (const auto& image : images) {
    ingest::testing::WriteFile(dir.Join("tree/" + image.name), image.bytes);
    members.push_back({image.name, image.bytes});
  }
  ingest::testing::WriteArchive(dir.Join("modes.zip"), ingest::testing::ArchiveFormat::kZip,
                                members);
  const std::string big = ingest::testing::WriteJpeg(3000, 3000);  // 36 MB decoded guess
  ingest::testing::WriteFile(dir.Join("tree/big.jpg"), big);
  for (unsigned workers : {1u, 2u}) {
    SCOPED_TRACE(workers);
    ScanOptions options{.pixel_checksum = true};
    options.workers = workers;
    Result<ScanResult> scan =
        Scan(std::vector<std::string>{dir.Join("tree"), dir.Join("modes.zip")}, options);
    ASSERT_TRUE(scan.has_value()) << scan.error().ToString();
    size_t checked = 0;
    for (const FileRecord& f : scan->files) {
      std::string name(f.rel_path);
      std::string bytes = name == "big.jpg" ? big : "";
      for (const auto& image : images) {
        if (image.name == name) bytes = image.bytes;
      }
      Result<PixelMd5> alone = ComputePixelChecksum(Bytes(bytes));
      ASSERT_TRUE(alone.has_value()) << name;
      EXPECT_EQ(f.pixel_md5.Hex(), alone->Hex()) << name << (f.in_archive ? " in the zip" : "");
      ++checked;
    }
    EXPECT_EQ(checked, 2 * images.size() + 1 - scan->problems.size());
  }
}

// Issue 15 point 11: --checksum pixels read a whole image file into memory, whatever its
// size: a sparse 1 TiB ".jpg" (a real JPEG's header, then a hole) made the scan allocate 1 TiB
// (std::bad_alloc, the process aborted). Past the limit it is a problem naming the file, and
// the rest of the scan goes on.
TEST(PixelChecksumTest, AHugeSparseImageIsAProblemNotAnAllocation) {
  ingest::testing::ScopedTempDir dir;
  const std::string jpeg = ingest::testing::WriteJpeg(16, 8);
  ingest::testing::WriteFile(dir.Join("tree/small.jpg"), jpeg);
  const std::string huge = dir.Join("tree/huge.jpg");
  ingest::testing::WriteFile(huge, jpeg);
  ASSERT_EQ(::truncate(huge.c_str(), off_t{1} << 40), 0) << std::strerror(errno);
  ScanOptions options{.pixel_checksum = true};
  options.workers = 1;
  Result<ScanResult> scan = Scan(std::vector<std::string>{dir.Join("tree")}, options);
  ASSERT_TRUE(scan.has_value()) << scan.error().ToString();
  ASSERT_EQ(scan->problems.size(), 1u);
  EXPECT_EQ(scan->problems[0].path, huge);
  EXPECT_EQ(scan->problems[0].status.code(), Status::Code::kUnsupported);
  EXPECT_NE(scan->problems[0].status.message().find("too large for --checksum pixels"),
            std::string::npos)
      << scan->problems[0].status.message();
  ASSERT_EQ(scan->files.size(), 1u);
  EXPECT_EQ(std::string(scan->files[0].rel_path), "small.jpg");
  EXPECT_FALSE(scan->files[0].pixel_md5.empty());
}

TEST(PixelChecksumTest, TruncatedJpegIsAnError) {
  ingest::testing::ScopedTempDir dir;
  for (const auto& image : ingest::testing::BuildModeImages(dir.path())) {
    if (image.name != "jpeg_rgb420.jpg" && image.name != "png_rgb8.png") continue;
    std::string cut = image.bytes.substr(0, image.bytes.size() / 2);
    Result<PixelMd5> md5 = ComputePixelChecksum(Bytes(cut));
    EXPECT_FALSE(md5.has_value()) << image.name;  // Pillow: "image file is truncated"
  }
}

TEST(PixelChecksumTest, UnknownFormatIsUnsupported) {
  Result<PixelMd5> md5 = ComputePixelChecksum(Bytes(std::string("not an image at all")));
  ASSERT_FALSE(md5.has_value());
  EXPECT_EQ(md5.error().code(), Status::Code::kUnsupported);
}

// A GIF89a file, byte by byte: a logical screen of `screen_w` x `screen_h` with a two-colour
// table, and one frame of `frame_w` x `frame_h` at (`left`, 0) whose LZW data is only a clear
// code and the end code (no pixel).
std::string EmptyFrameGif(uint16_t screen_w, uint16_t screen_h, uint16_t left, uint16_t frame_w,
                          uint16_t frame_h) {
  auto le16 = [](uint16_t v) { return std::string{static_cast<char>(v & 0xff), static_cast<char>(v >> 8)}; };
  std::string gif = "GIF89a" + le16(screen_w) + le16(screen_h) + std::string("\x80\0\0", 3);
  gif += std::string("\0\0\0\xff\xff\xff", 6);  // global colour table
  gif += "," + le16(left) + le16(0) + le16(frame_w) + le16(frame_h) + std::string(1, '\0');
  gif += std::string("\x02\x01\x2c\x00", 4);  // LZW min code size 2: clear (4), end (5)
  gif += ";";
  return gif;
}

// Found by tests/fuzz/pixels_fuzz.cc: a first frame 0 pixels wide made the GIF decoder copy its
// empty row from a null pointer (UBSan), and into an empty canvas when the screen is 0 wide
// too (an out-of-range index: _GLIBCXX_ASSERTIONS aborts). Such a file decodes or fails
// cleanly.
TEST(PixelChecksumTest, GifFrameOfWidthZeroIsDecodedSafely) {
  for (const std::string& gif : {EmptyFrameGif(0, 0, 0, 0, 2), EmptyFrameGif(4, 4, 258, 0, 94)}) {
    Result<PixelMd5> md5 = ComputePixelChecksum(Bytes(gif));
    PixelBuffer pixels;
    Status decoded = DecodeChecksumPixels(Bytes(gif), &pixels);
    EXPECT_EQ(md5.has_value(), decoded.ok());
  }
}

// Found by tests/fuzz/pixels_fuzz.cc: a 2 KB GIF whose frame sits far off its 37x23 screen
// made the decoder allocate (and fill) a 4.3 GB canvas. Pillow refuses to open an image of
// more than 178,956,970 pixels (DecompressionBombError), so there is no checksum to compute:
// the file is Unsupported before anything is allocated, and one pixel less still decodes.
TEST(PixelChecksumTest, ImagesOverPillowsBombLimitAreRefused) {
  // 13001 x 13766 = 178,971,766 pixels: over the limit; 13001 x 13764 = 178,945,764: under.
  for (uint16_t top : {uint16_t{13765}, uint16_t{13763}}) {
    std::string gif = ingest::testing::WriteGif(1, 1, 13000, top, 1, 1);
    Result<PixelMd5> md5 = ComputePixelChecksum(Bytes(gif));
    if (top == 13765) {
      ASSERT_FALSE(md5.has_value());
      EXPECT_EQ(md5.error().code(), Status::Code::kUnsupported);
      EXPECT_NE(md5.error().message().find("decompression bomb"), std::string::npos)
          << md5.error().message();
    } else {
      EXPECT_TRUE(md5.has_value()) << md5.error().message();
    }
  }
}

// Found by the pixels fuzzer (CI, 2026-12-06): a 138-byte WebP whose VP8X canvas is
// 14,942,215 x 65 and which holds no image chunk. The header probe refuses it, so the check
// on the probed size never ran, and the WebP decoder allocated 3.9 GB before failing. Every
// decoder now checks the size it reads itself.
TEST(PixelChecksumTest, ADecoderRefusesABombTheProbeDidNotSee) {
  std::string webp("RIFF\x82\0\0\0WEBPVP8X\x0a\0\0\0\x18\0\0\0\x06\0\xe4\x40\0\0", 30);
  webp += std::string("EXIF\x32\0\0\0II*\0\x08\0\0\0", 16);
  webp.resize(138, '\0');
  SpanByteSource header(Bytes(webp));
  ASSERT_FALSE(ProbeImage(header).has_value());
  Result<PixelMd5> md5 = ComputePixelChecksum(Bytes(webp));
  ASSERT_FALSE(md5.has_value());
  EXPECT_EQ(md5.error().code(), Status::Code::kUnsupported) << md5.error().message();
  EXPECT_NE(md5.error().message().find("WebP: 14942215x65 pixels is over Pillow's"),
            std::string::npos)
      << md5.error().message();
  PixelBuffer pixels;
  EXPECT_FALSE(DecodeChecksumPixels(Bytes(webp), &pixels).ok());
  EXPECT_EQ(pixels.storage.capacity(), 0u);
}

// Pillow drops a zTXt whose zlib data is cut short (zlib.error) and hashes the pixels; so do
// we. (The pixels fuzzer found such a chunk keeping libpng busy 10-40 s under ASan; the
// decoder now skips text chunks. This test documents the parity; it passes without that
// change in a build without ASan, where the cost does not show.)
TEST(PixelChecksumTest, ADamagedTextChunkDoesNotStopThePixels) {
  std::string plain = ingest::testing::WritePng(3, 2);
  std::string text = ingest::testing::InsertPngChunk(
      plain, "zTXt", std::string("Raw profile type exif\0\0x", 24), /*before_idat=*/true);
  Result<PixelMd5> want = ComputePixelChecksum(Bytes(plain));
  Result<PixelMd5> got = ComputePixelChecksum(Bytes(text));
  ASSERT_TRUE(want.has_value());
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_EQ(*got, *want);
}

}  // namespace
}  // namespace ingest

namespace ingest {
namespace {

// A bilevel little-endian TIFF, 2 rows, whose ImageWidth tag comes twice: 16 first, then 8
// (a file the pixels fuzzer built in this shape: 37, then 1).
std::string TiffWithTwoWidths() {
  auto le16 = [](uint16_t v) { return std::string{static_cast<char>(v & 0xff), static_cast<char>(v >> 8)}; };
  auto le32 = [&](uint32_t v) { return le16(static_cast<uint16_t>(v)) + le16(static_cast<uint16_t>(v >> 16)); };
  auto entry = [&](uint16_t tag, uint16_t type, uint32_t value) {
    return le16(tag) + le16(type) + le32(1) + (type == 3 ? le16(static_cast<uint16_t>(value)) + le16(0) : le32(value));
  };
  const uint32_t data_at = 8 + 2 + 10 * 12 + 4;
  std::string t = "II*" + std::string(1, '\0') + le32(8) + le16(10);
  t += entry(256, 3, 16) + entry(257, 3, 2) + entry(258, 3, 1) + entry(259, 3, 1) +
       entry(262, 3, 0) + entry(273, 4, data_at) + entry(277, 3, 1) + entry(278, 3, 2) +
       entry(279, 4, 4) + entry(256, 3, 8);
  t += le32(0);
  t += std::string("\x0f\xf0\x33\xcc", 4);
  return t;
}

// Found by tests/fuzz/pixels_fuzz.cc: libtiff keeps the first of two ImageWidth entries and
// Pillow the last, so the checksum of libtiff's rows was not Pillow's (a 1x23 file got
// e592d536... where Pillow 9.4 gives 4b743f3b...). Now refused rather than wrong.
TEST(PixelChecksumTest, ATiffWhoseSizeLibtiffAndPillowReadApartIsRefused) {
  std::string tiff = TiffWithTwoWidths();
  SpanByteSource src(tiff);
  Result<ImageInfo> probed = ProbeImage(src);
  ASSERT_TRUE(probed.has_value()) << probed.error().ToString();
  EXPECT_EQ(probed->width, 8u);  // Pillow's reading: the last entry
  Result<PixelMd5> md5 = ComputePixelChecksum(Bytes(tiff));
  ASSERT_FALSE(md5.has_value());
  EXPECT_EQ(md5.error().code(), Status::Code::kUnsupported);
  EXPECT_NE(md5.error().message().find("repeated size tags"), std::string::npos)
      << md5.error().message();
}

}  // namespace
}  // namespace ingest
