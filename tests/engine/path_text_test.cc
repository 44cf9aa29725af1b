#include "engine/path_text.h"

#include <gtest/gtest.h>

#include <string>

namespace ingest {
namespace {

TEST(SplitExtTest, MatchesPythonSplitext) {
  struct Case {
    const char* in;
    const char* stem;
    const char* ext;
  } cases[] = {
      {"a.jpg", "a", ".jpg"},
      {"dir/a.tar.gz", "dir/a.tar", ".gz"},
      {".hidden.png", ".hidden", ".png"},
      {".hidden", ".hidden", ""},
      {"..png", "..png", ""},
      {"a.", "a", "."},
      {"d.x/file", "d.x/file", ""},
      {"d/..a.b", "d/..a", ".b"},
      {"noext", "noext", ""},
  };
  for (const Case& c : cases) {
    SplitName s = SplitExt(c.in);
    EXPECT_EQ(s.stem, c.stem) << c.in;
    EXPECT_EQ(s.extension, c.ext) << c.in;
  }
}

TEST(Utf8DecoderTest, EscapesBadBytesLikeSurrogateescape) {
  Utf8Decoder d("a\xC3\xA9\xFF\xED\xA0\x80\xF0\x9F\x98\x80");
  std::u32string got;
  while (!d.done()) got.push_back(d.Next());
  EXPECT_EQ(got, (std::u32string{U'a', 0xE9, 0xDCFF, 0xDCED, 0xDCA0, 0xDC80, 0x1F600}));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));  // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
}

TEST(CompareCodePointsTest, OrdersLikePythonStrings) {
  EXPECT_LT(CompareCodePoints("a", "b"), 0);
  EXPECT_LT(CompareCodePoints("a", "ab"), 0);
  EXPECT_EQ(CompareCodePoints("x\xC3\xA9", "x\xC3\xA9"), 0);
  // U+DCFF (escaped 0xFF) sorts before U+E000 and U+1F600 though its byte is larger.
  EXPECT_LT(CompareCodePoints("\xFF", "\xEE\x80\x80"), 0);
  EXPECT_LT(CompareCodePoints("\xFF", "\xF0\x9F\x98\x80"), 0);
  // A lone lead byte (U+DCC3) sorts after the character it would start (U+00E9).
  EXPECT_GT(CompareCodePoints("\xC3", "\xC3\xA9"), 0);
  EXPECT_LT(CompareCodePoints("/", "0"), 0);
}

}  // namespace
}  // namespace ingest
