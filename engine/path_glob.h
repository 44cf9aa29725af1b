// Glob patterns over '/'-separated relative paths, read as rclone's filter rules read them
// (rclone docs, "Filtering, includes and excludes", pattern syntax):
//   *        any run of characters other than '/'
//   **       any run of characters, '/' included
//   ?        one character (one UTF-8 code point) other than '/'
//   [abc] [a-z] [!a-z] [^a-z]   one code point (never '/') in / not in the class
//   {a,b}    one of the comma-separated alternatives (which may hold any of the above)
//   \c       the character c itself
// A pattern starting with '/' matches the whole path ("/a.jpg": only "a.jpg" at the top);
// any other pattern matches a tail of the path that starts at a path element
// ("a.jpg": "a.jpg" and "x/y/a.jpg", not "xa.jpg"). Matching is case-sensitive, on bytes
// (so on code points for valid UTF-8; a byte that is not valid UTF-8 counts as one character).
//
// Not supported, refused when parsed: rclone's {{regexp}}, named and Perl character classes
// ([[:alpha:]], \d), and directory rules ("dir/", which match no file; "dir/**" does).
#ifndef INGEST_ENGINE_PATH_GLOB_H_
#define INGEST_ENGINE_PATH_GLOB_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace ingest {

class PathGlob {
 public:
  // Parses `pattern`; InvalidArgument naming the pattern and the problem on bad syntax.
  static Result<PathGlob> Parse(std::string_view pattern);

  // True when `rel_path` (no leading '/') matches. Thread-safe (const).
  bool Matches(std::string_view rel_path) const;

  const std::string& pattern() const { return pattern_; }

  // One element of a compiled alternative (public for the matcher in path_glob.cc).
  struct Token {
    enum class Kind : uint8_t { kLiteral, kAny, kStar, kDoubleStar, kClass };
    Kind kind = Kind::kLiteral;
    char byte = 0;                                      // kLiteral
    bool negated = false;                               // kClass
    std::vector<std::pair<char32_t, char32_t>> ranges;  // kClass, inclusive
  };

 private:
  std::string pattern_;
  bool anchored_ = false;
  std::vector<std::vector<Token>> alternatives_;  // braces expanded
};

}  // namespace ingest

#endif  // INGEST_ENGINE_PATH_GLOB_H_
