// Pixel checksums against Pillow 9.4: every image of tests/testing/mode_images is hashed and
// compared with hashlib.md5(Image.open(p).tobytes()).hexdigest() as Debian 12's python3-pil
// 9.4 printed it for the same file. Set INGEST_KEEP_CORPUS=DIR to keep the images (to
// recompute the table with Pillow after changing the generator).
#include "engine/pixel_checksum.h"

#include <cstdlib>
#include <map>
#include <span>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ingest
