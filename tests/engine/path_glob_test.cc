#include "engine/path_glob.h"

#include <string>

#include <gtest/gtest.h>

namespace ingest {
namespace {

bool M(std::string_view pattern, std::string_view path) {
  Result<PathGlob> g = PathGlob::Parse(pattern);
  EXPECT_TRUE(g.has_value()) << pattern << ": " << (g ? "" : g.error().message());
  return g && g->Matches(path);
}

std::string ParseError(std::string_view pattern) {
  Result<PathGlob> g = PathGlob::Parse(pattern);
  return g ? "" : g.error().message();
}

// The examples of rclone's filtering documentation, path by path.
TEST(PathGlobTest, RcloneDocumentationExamples) {
  EXPECT_TRUE(M("file.jpg", "file.jpg"));
  EXPECT_TRUE(M("file.jpg", "directory/file.jpg"));
  EXPECT_FALSE(M("file.jpg", "afile.jpg"));
  EXPECT_FALSE(M("file.jpg", "directory/afile.jpg"));
  EXPECT_TRUE(M("/file.jpg", "file.jpg"));
  EXPECT_FALSE(M("/file.jpg", "afile.jpg"));
  EXPECT_FALSE(M("/file.jpg", "directory/file.jpg"));
  EXPECT_TRUE(M("*.jpg", "file.jpg"));
  EXPECT_TRUE(M("*.jpg", "dir/file.jpg"));
  EXPECT_FALSE(M("*.jpg", "dir/file.png"));
  EXPECT_TRUE(M("/*.jpg", "file2.jpg"));
  EXPECT_FALSE(M("/*.jpg", "dir/file.jpg"));
  EXPECT_TRUE(M("*.{jpg,png}", "dir/file.png"));
  EXPECT_FALSE(M("*.{jpg,png}", "dir/file.gif"));
  EXPECT_TRUE(M("dir/**", "dir/anyfile"));
  EXPECT_TRUE(M("dir/**", "subdir/dir/subsubdir/anyfile"));
  EXPECT_FALSE(M("dir/**", "subdir/file.png"));
  EXPECT_TRUE(M("*.t?t", "dir/file.tzt"));
  EXPECT_FALSE(M("*.t?t", "file.qxt"));
  EXPECT_TRUE(M("*.[a-z]", "dir/file.b"));
  EXPECT_FALSE(M("*.[a-z]", "file.0"));
  EXPECT_TRUE(M("*.\\?\\?\\?", "file.???"));
  EXPECT_FALSE(M("*.\\?\\?\\?", "file.abc"));
  EXPECT_TRUE(M("/excl/**", "excl/123.jpg"));
  EXPECT_FALSE(M("/excl/**", "data/excl/123.jpg"));
}

TEST(PathGlobTest, StarStaysInOneElementDoubleStarCrosses) {
  EXPECT_FALSE(M("/a/*.jpg", "a/b/c.jpg"));
  EXPECT_TRUE(M("/a/**.jpg", "a/b/c.jpg"));
  EXPECT_TRUE(M("/a/**/c.jpg", "a/b/x/c.jpg"));
  EXPECT_FALSE(M("/a/**/c.jpg", "a/c.jpg"));  // as rclone: "**/" needs a folder
  EXPECT_TRUE(M("a*", "x/abc"));
  EXPECT_FALSE(M("a*", "xabc"));
  EXPECT_TRUE(M("*", "deep/er/file"));  // unanchored: the last element
  EXPECT_FALSE(M("/*", "deep/file"));
  EXPECT_TRUE(M("b/*", "a/b/c"));
  EXPECT_FALSE(M("b/*", "a/bb/c"));
  EXPECT_FALSE(M("?", "/"));
}

TEST(PathGlobTest, TrickyNames) {
  EXPECT_TRUE(M("*.jpg", "dir with spaces/ä ö.jpg"));
  EXPECT_TRUE(M("?.jpg", "ü.jpg"));  // ? is one code point, not one byte
  EXPECT_TRUE(M("[ä-ü]*", "x/öl.png"));
  EXPECT_FALSE(M("[!ä]*", "äpfel"));
  EXPECT_TRUE(M("\\[1\\]*", "[1] x.png"));
  EXPECT_TRUE(M("*\\{a,b\\}*", "x{a,b}y"));
  EXPECT_TRUE(M("{a,b{c,d}}.png", "bd.png"));
  EXPECT_FALSE(M("{a,b{c,d}}.png", "bc.jpg"));
  EXPECT_TRUE(M("[]]x", "]x"));
  EXPECT_TRUE(M("*-*", "a-b"));
  EXPECT_TRUE(M("*.jpg", std::string("bad\xff name.jpg")));
  EXPECT_TRUE(M("?", std::string("\xff")));  // a stray byte is one character
  EXPECT_TRUE(M("*.JPG", "a.JPG"));
  EXPECT_FALSE(M("*.jpg", "a.JPG"));  // case-sensitive
  EXPECT_TRUE(M(".*", ".hidden"));
}

TEST(PathGlobTest, ManyStarsStayLinear) {
  std::string path(4000, 'a');
  EXPECT_FALSE(M("*a*a*a*a*a*a*a*a*a*a*a*a*a*b", path));
  EXPECT_TRUE(M("**a**a**a**a**a**a**a", path));
}

TEST(PathGlobTest, RefusesWhatItDoesNotSupport) {
  EXPECT_NE(ParseError("{{.*}}").find("regular expressions"), std::string::npos);
  EXPECT_NE(ParseError("[[:alpha:]]").find("named character classes"), std::string::npos);
  EXPECT_NE(ParseError("*.\\d").find("\\d is not supported"), std::string::npos);
  EXPECT_NE(ParseError("photos/").find("'photos/**'"), std::string::npos);
  EXPECT_NE(ParseError("[abc").find("without its ']'"), std::string::npos);
  EXPECT_NE(ParseError("{a,b").find("without its '}'"), std::string::npos);
  EXPECT_NE(ParseError("a}").find("'}'"), std::string::npos);
  EXPECT_NE(ParseError("a\\").find("at the end"), std::string::npos);
  EXPECT_NE(ParseError("[z-a]").find("backwards"), std::string::npos);
  EXPECT_NE(ParseError("").find("empty"), std::string::npos);
  EXPECT_EQ(ParseError("{a,b}c"), "");
}

}  // namespace
}  // namespace ingest
