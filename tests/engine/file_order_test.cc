#include "engine/file_order.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ingest {
namespace {

std::vector<std::string> Sorted(std::vector<std::string> names, SortingMethod m,
                                uint64_t seed = 0) {
  std::vector<std::string_view> views(names.begin(), names.end());
  SortNames(views, m, seed);
  return std::vector<std::string>(views.begin(), views.end());
}

TEST(FileOrderTest, ParsesCvatNames) {
  for (SortingMethod m : {SortingMethod::kLexicographical, SortingMethod::kNatural,
                          SortingMethod::kPredefined, SortingMethod::kRandom}) {
    Result<SortingMethod> parsed = ParseSortingMethod(SortingMethodName(m));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, m);
  }
  Result<SortingMethod> bad = ParseSortingMethod("Natural");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("'Natural'"), std::string::npos);
}

TEST(FileOrderTest, LexicographicalIsCodePointOrder) {
  EXPECT_EQ(Sorted({"b", "a/b", "a.b", "B", "a", "a10", "a2"}, SortingMethod::kLexicographical),
            (std::vector<std::string>{"B", "a", "a.b", "a/b", "a10", "a2", "b"}));
  // An escaped byte (U+DCFF) sorts between U+D7FF and U+E000, unlike in byte order.
  EXPECT_EQ(Sorted({"\xEE\x80\x80", "\xFF", "\xED\x9F\xBF"}, SortingMethod::kLexicographical),
            (std::vector<std::string>{"\xED\x9F\xBF", "\xFF", "\xEE\x80\x80"}));
  // Past the 8-byte prefix.
  EXPECT_EQ(Sorted({"prefix__b", "prefix__a", "prefix__"}, SortingMethod::kLexicographical),
            (std::vector<std::string>{"prefix__", "prefix__a", "prefix__b"}));
}

TEST(FileOrderTest, OrderIsStableForEqualNames) {
  std::vector<std::string_view> names = {"b", "a", "b", "a"};
  std::vector<uint32_t> order = OrderNames(names, SortingMethod::kLexicographical, 0);
  EXPECT_EQ(order, (std::vector<uint32_t>{1, 3, 0, 2}));
  order = OrderNames(names, SortingMethod::kNatural, 0);
  EXPECT_EQ(order, (std::vector<uint32_t>{1, 3, 0, 2}));
}

TEST(FileOrderTest, PredefinedKeepsInputOrder) {
  EXPECT_EQ(Sorted({"c", "a", "b"}, SortingMethod::kPredefined),
            (std::vector<std::string>{"c", "a", "b"}));
}

TEST(FileOrderTest, OrderByUsesNameAccessor) {
  struct Rec {
    std::string path;
    int other;
  };
  std::vector<Rec> recs = {{"x10", 0}, {"x9", 1}, {"X1", 2}};
  std::vector<uint32_t> order = OrderBy(
      recs.size(), [&](size_t i) { return std::string_view(recs[i].path); },
      SortingMethod::kNatural, 0);
  EXPECT_EQ(order, (std::vector<uint32_t>{2, 1, 0}));
}

TEST(FileOrderTest, SplitMix64MatchesReference) {
  // First output for seed 0 in Vigna's reference splitmix64.c.
  SplitMix64 rng(0);
  EXPECT_EQ(rng.Next(), 0xE220A8397B1DCDAFull);
  SplitMix64 rng7(7);
  EXPECT_EQ(rng7.Next(), 0x63CBE1E459320DD7ull);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(rng.Below(3), 3u);
}

TEST(FileOrderTest, RandomWithSeed7IsFixed) {
  std::vector<std::string> names;
  for (int i = 0; i < 12; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "img%02d.jpg", i);
    names.push_back(buf);
  }
  // Computed independently with a Python transcription of the documented algorithm.
  const std::vector<std::string> expected = {
      "img10.jpg", "img11.jpg", "img05.jpg", "img01.jpg", "img07.jpg", "img04.jpg",
      "img08.jpg", "img02.jpg", "img09.jpg", "img06.jpg", "img00.jpg", "img03.jpg"};
  EXPECT_EQ(Sorted(names, SortingMethod::kRandom, 7), expected);
  // The input order does not matter, only the set of names.
  std::vector<std::string> reversed(names.rbegin(), names.rend());
  EXPECT_EQ(Sorted(reversed, SortingMethod::kRandom, 7), expected);
  EXPECT_NE(Sorted(names, SortingMethod::kRandom, 8), expected);
}

}  // namespace
}  // namespace ingest
