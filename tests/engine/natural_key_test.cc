#include "engine/natural_key.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "engine/file_order.h"

namespace ingest {
namespace {

// Sorts with the full machinery (OrderNames), which is what callers use.
std::vector<std::string> Natural(std::vector<std::string> names) {
  std::vector<std::string_view> views(names.begin(), names.end());
  SortNames(views, SortingMethod::kNatural, 0);
  return std::vector<std::string>(views.begin(), views.end());
}

TEST(NaturalKeyTest, NumbersCompareByValue) {
  EXPECT_EQ(Natural({"img10.jpg", "img2.jpg", "img1.jpg"}),
            (std::vector<std::string>{"img1.jpg", "img2.jpg", "img10.jpg"}));
  EXPECT_LT(CompareNatural("a9", "a10"), 0);
  EXPECT_LT(CompareNatural("a99999999999999999999999", "a100000000000000000000000"), 0);
}

TEST(NaturalKeyTest, LeadingZerosAndCaseTieByCodePoint) {
  // natsort finds these equal; we order them by code point.
  EXPECT_EQ(Natural({"a1", "a01", "A1", "a001"}),
            (std::vector<std::string>{"A1", "a001", "a01", "a1"}));
  EXPECT_EQ(CompareNatural("x", "x"), 0);
}

TEST(NaturalKeyTest, IgnoresCase) {
  EXPECT_EQ(Natural({"b.png", "A.png", "a2.png", "B1.png"}),
            (std::vector<std::string>{"A.png", "a2.png", "b.png", "B1.png"}));
}

TEST(NaturalKeyTest, LeadingNumberSortsBeforeText) {
  // ("", 10) < ("a",): the empty text natsort puts before a leading number.
  EXPECT_EQ(Natural({"a.png", "10.png", "9.png"}),
            (std::vector<std::string>{"9.png", "10.png", "a.png"}));
}

TEST(NaturalKeyTest, PathsCompareComponentByComponent) {
  EXPECT_EQ(Natural({"b/1.png", "a/b/c.png", "a.png", "a/b.png", "a1/x.png"}),
            (std::vector<std::string>{"a.png", "a/b.png", "a/b/c.png", "a1/x.png", "b/1.png"}));
  EXPECT_LT(CompareNatural("dir2/z.png", "dir10/a.png"), 0);
}

TEST(NaturalKeyTest, ExtensionsAreSplitOff) {
  // "a" < "a b": the stem is compared before the extension.
  EXPECT_LT(CompareNatural("a.png", "a b.png"), 0);
  // A suffix that starts with a digit is not an extension: ".1" stays in the stem.
  EXPECT_EQ(Natural({"a.10.png", "a.2.png", "a.png", "a.1.png"}),
            (std::vector<std::string>{"a.png", "a.1.png", "a.2.png", "a.10.png"}));
  EXPECT_EQ(Natural({"x1.10.jpg", "x1.5.jpg"}),
            (std::vector<std::string>{"x1.5.jpg", "x1.10.jpg"}));
}

TEST(NaturalKeyTest, StrReplaceQuirk) {
  // natsort removes every occurrence of the joined suffixes: "x.png.1.png" has the stem "x.1".
  EXPECT_LT(CompareNatural("x.1.png", "x.png.1.png"), 0);
  EXPECT_LT(CompareNatural("x.png.1.png", "x.10.png"), 0);
}

TEST(NaturalKeyTest, UnicodeDigitsAndCase) {
  // Fullwidth digits are numbers; superscript two is the number 2.
  EXPECT_EQ(Natural({"\xEF\xBC\x91\xEF\xBC\x90.png", "9.png", "\xC2\xB2.png"}),
            (std::vector<std::string>{"\xC2\xB2.png", "9.png", "\xEF\xBC\x91\xEF\xBC\x90.png"}));
  // "É" folds to "é" (U+00E9), which sorts after "f".
  EXPECT_LT(CompareNatural("caff", "caf\xC3\x89"), 0);
  EXPECT_LT(CompareNatural("STRASSE", "Stra\xC3\x9F" "e"), 0);
}

TEST(NaturalKeyTest, NormalisesWholeElementsAsNatsort) {
  // "e" + U+0301 is "é" for natsort (NFD, then NFC over the whole element), so the letter
  // after it decides; code points alone would put "e" (0x65) before "é" (0xE9).
  EXPECT_EQ(Natural({"cafe\xCC\x81z.png", "caf\xC3\xA9" "a.png"}),
            (std::vector<std::string>{"caf\xC3\xA9" "a.png", "cafe\xCC\x81z.png"}));
  EXPECT_LT(CompareNatural("cafe\xCC\x81", "caf\xC3\xA9"), 0);  // natsort: equal; tie by code point
  // Marks in either canonical order are one letter: e + dot below + circumflex == U+1EC7.
  EXPECT_EQ(Natural({"\xE1\xBB\x87z", "e\xCC\x82\xCC\xA3y", "e\xCC\xA3\xCC\x82x"}),
            (std::vector<std::string>{"e\xCC\xA3\xCC\x82x", "e\xCC\x82\xCC\xA3y", "\xE1\xBB\x87z"}));
  // Conjoining jamo compose into the syllable (U+1100 U+1161 U+11A8 == U+AC01).
  EXPECT_EQ(Natural({"\xEA\xB0\x81" "b", "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8" "a"}),
            (std::vector<std::string>{"\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8" "a", "\xEA\xB0\x81" "b"}));
  // Case pairs beyond ASCII: Cyrillic Ё/ё and Е + U+0308; Greek final sigma; the Angstrom sign.
  EXPECT_EQ(Natural({"\xD0\x81z", "\xD1\x91y", "\xD0\x95\xCC\x88x"}),
            (std::vector<std::string>{"\xD0\x95\xCC\x88x", "\xD1\x91y", "\xD0\x81z"}));
  EXPECT_EQ(Natural({"\xCF\x83z", "\xCF\x82y", "\xCE\xA3x"}),
            (std::vector<std::string>{"\xCE\xA3x", "\xCF\x82y", "\xCF\x83z"}));
  EXPECT_EQ(Natural({"\xC3\xA5z", "\xE2\x84\xABy", "A\xCC\x8Ax"}),
            (std::vector<std::string>{"A\xCC\x8Ax", "\xE2\x84\xABy", "\xC3\xA5z"}));
  // Turkish: "İ" is "i" + U+0307 (after "i", before "j"); dotless "ı" swapcases to "I" and
  // casefolds to "i", so it ties with "i" (ties go by code point).
  EXPECT_EQ(Natural({"\xC4\xB1", "j", "\xC4\xB0", "i"}),
            (std::vector<std::string>{"i", "\xC4\xB1", "\xC4\xB0", "j"}));
  // "ǰ" comes back from NFC and needs exact keys; "j" + U+030C is the same letter.
  EXPECT_EQ(Natural({"\xC7\xB0z", "J\xCC\x8Cy"}),
            (std::vector<std::string>{"J\xCC\x8Cy", "\xC7\xB0z"}));
  std::string key;
  EXPECT_FALSE(AppendNaturalKey("j\xCC\x8C.png", NaturalKeyMode::kCompact, &key));
}

TEST(NaturalKeyTest, InvalidUtf8AndControlCharacters) {
  // Escaped bytes are U+DC80..U+DCFF; U+0001 sorts before every printable character.
  EXPECT_LT(CompareNatural("a\x01", "a "), 0);
  EXPECT_LT(CompareNatural("a\xED\x9F\xBF", "a\xFF"), 0);  // U+D7FF < U+DCFF
  EXPECT_LT(CompareNatural("a\xFF", "a\xEE\x80\x80"), 0);  // U+DCFF < U+E000
}

TEST(NaturalKeyTest, ExactModeOnlyForExpandingLetters) {
  std::string key;
  EXPECT_TRUE(AppendNaturalKey("Caf\xC3\xA9 12.png", NaturalKeyMode::kCompact, &key));
  key.clear();
  EXPECT_FALSE(AppendNaturalKey("\xC7\xB0.png", NaturalKeyMode::kCompact, &key));  // U+01F0
  key.clear();
  EXPECT_TRUE(AppendNaturalKey("\xC7\xB0.png", NaturalKeyMode::kExact, &key));
}

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 2, 2), nullptr, 16)));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// tests/data/natural_order_cases.txt was produced by python3-natsort 8.0.2 on Debian 12
// (tools/natural_diff.py --golden): expected = sorted(sorted(input), key=os_sort_key).
TEST(NaturalKeyTest, MatchesNatsortGolden) {
  std::ifstream in(std::string(INGEST_TEST_DATA_DIR) + "/natural_order_cases.txt");
  ASSERT_TRUE(in.is_open());
  struct Case {
    std::string name;
    std::vector<std::string> input, expected;
  };
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("case ", 0) == 0) {
      cases.push_back({line, {}, {}});
    } else if (line.rfind("in ", 0) == 0) {
      ASSERT_FALSE(cases.empty());
      cases.back().input.push_back(Unescape(line.substr(3)));
    } else if (line.rfind("out ", 0) == 0) {
      ASSERT_FALSE(cases.empty());
      cases.back().expected.push_back(Unescape(line.substr(4)));
    }
  }
  ASSERT_GE(cases.size(), 10u);
  for (const Case& c : cases) {
    EXPECT_EQ(Natural(c.input), c.expected) << c.name;
    std::vector<std::string> reversed(c.input.rbegin(), c.input.rend());
    EXPECT_EQ(Natural(reversed), c.expected) << c.name << " (input reversed)";
  }
}

}  // namespace
}  // namespace ingest
