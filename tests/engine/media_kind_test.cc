#include "engine/media_kind.h"

#include <gtest/gtest.h>

namespace ingest {
namespace {

TEST(MediaKindTest, ClassifiesLikePythonMimetypes) {
  EXPECT_EQ(ClassifyName("a.jpg"), MediaKind::kImage);
  EXPECT_EQ(ClassifyName("dir/A.JPEG"), MediaKind::kImage);
  EXPECT_EQ(ClassifyName("x.Tif"), MediaKind::kImage);
  EXPECT_EQ(ClassifyName("x.webp"), MediaKind::kImage);
  EXPECT_EQ(ClassifyName("x.jpe"), MediaKind::kImage);
  EXPECT_EQ(ClassifyName("x.svg"), MediaKind::kOther);
  EXPECT_EQ(ClassifyName("x.svgz"), MediaKind::kOther);
  EXPECT_EQ(ClassifyName("a.jpg.gz"), MediaKind::kImage);  // encoding suffix stripped
  EXPECT_EQ(ClassifyName("v.mp4"), MediaKind::kVideo);
  EXPECT_EQ(ClassifyName("v.WEBM"), MediaKind::kVideo);
  EXPECT_EQ(ClassifyName("a.zip"), MediaKind::kArchive);
  EXPECT_EQ(ClassifyName("a.tar.gz"), MediaKind::kArchive);
  EXPECT_EQ(ClassifyName("a.tgz"), MediaKind::kArchive);
  EXPECT_EQ(ClassifyName("a.tar.zst"), MediaKind::kArchive);
  EXPECT_EQ(ClassifyName("a.7z"), MediaKind::kArchive);
  EXPECT_EQ(ClassifyName("manifest.jsonl"), MediaKind::kManifest);
  EXPECT_EQ(ClassifyName("notes.txt"), MediaKind::kOther);
  EXPECT_EQ(ClassifyName(".png"), MediaKind::kOther);  // splitext: no extension
  EXPECT_EQ(ClassifyName("noext"), MediaKind::kOther);
}

}  // namespace
}  // namespace ingest
