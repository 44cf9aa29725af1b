// Path and name text rules shared by the scanner, the ordering and the manifest, each
// matching what CVAT's Python code does with the same name:
// - SplitExt: Python's os.path.splitext ("a/.hidden.png" -> "a/.hidden" + ".png").
// - Utf8Decoder: UTF-8 decoding with Python's "surrogateescape" error handler, which is how
//   Python sees file names whose bytes are not valid UTF-8 (each bad byte b -> U+DC00+b).
#ifndef INGEST_ENGINE_PATH_TEXT_H_
#define INGEST_ENGINE_PATH_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace ingest {

struct SplitName {
  std::string_view stem;       // everything before the extension
  std::string_view extension;  // from the last dot, with the dot; may be empty
};

// os.path.splitext on a '/'-separated path: the extension starts at the last dot of the last
// component unless everything before that dot in the component is dots.
SplitName SplitExt(std::string_view path);

// The last '/'-separated component.
std::string_view BaseName(std::string_view path);
// Everything before the last '/', or "" when there is none.
std::string_view DirName(std::string_view path);

// Iterates the code points of a byte string as Python decodes it with surrogateescape.
class Utf8Decoder {
 public:
  explicit Utf8Decoder(std::string_view s) : s_(s) {}
  bool done() const { return pos_ >= s_.size(); }
  // Returns the next code point; bytes that are not part of a valid UTF-8 sequence come out
  // one by one as U+DC80..U+DCFF. REQUIRES: !done().
  char32_t Next();

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

// True when `s` is valid UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Compares two names by code point as Python compares str (after surrogateescape decoding).
// For valid UTF-8 this equals byte order.
int CompareCodePoints(std::string_view a, std::string_view b);

// Appends `c` in UTF-8 form. Surrogates (U+D800..U+DFFF, e.g. escaped bytes) are encoded
// like any other code point (3 bytes), which keeps byte order equal to code-point order.
void AppendUtf8(char32_t c, std::string* out);

// Lower-cases ASCII letters only.
std::string AsciiLower(std::string_view s);

}  // namespace ingest

#endif  // INGEST_ENGINE_PATH_TEXT_H_
