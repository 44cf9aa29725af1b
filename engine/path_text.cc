#include "engine/path_text.h"

#include <cstring>

namespace ingest {

SplitName SplitExt(std::string_view path) {
  size_t sep = path.rfind('/');
  size_t name_start = sep == std::string_view::npos ? 0 : sep + 1;
  size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || dot < name_start) return {path, {}};
  for (size_t i = name_start; i < dot; ++i) {
    if (path[i] != '.') return {path.substr(0, dot), path.substr(dot)};
  }
  return {path, {}};
}

std::string_view BaseName(std::string_view path) {
  size_t sep = path.rfind('/');
  return sep == std::string_view::npos ? path : path.substr(sep + 1);
}

std::string_view DirName(std::string_view path) {
  size_t sep = path.rfind('/');
  return sep == std::string_view::npos ? std::string_view() : path.substr(0, sep);
}

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
size_t ValidSequenceLength(std::string_view s, size_t i, char32_t* cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n;
  char32_t v;
  char32_t min;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, v = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, v = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(i + k) & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

}  // namespace

char32_t Utf8Decoder::Next() {
  char32_t cp;
  size_t n = ValidSequenceLength(s_, pos_, &cp);
  if (n == 0) {
    return 0xDC00 + static_cast<unsigned char>(s_[pos_++]);
  }
  pos_ += n;
  return cp;
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    char32_t cp;
    size_t n = ValidSequenceLength(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

int CompareCodePoints(std::string_view a, std::string_view b) {
  // Skip the common prefix as bytes, then compare from the first difference.
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  if (i == n) {
    if (a.size() == b.size()) return 0;
    // A proper prefix sorts first, unless it ends inside a multi-byte sequence that the longer
    // string completes (then the escaped byte U+DCxx compares with the decoded character).
    if (n == 0 || static_cast<unsigned char>(a[n - 1]) < 0x80) return a.size() < b.size() ? -1 : 1;
  } else {
    unsigned char ca = static_cast<unsigned char>(a[i]), cb = static_cast<unsigned char>(b[i]);
    if (ca < 0x80 && cb < 0x80) return ca < cb ? -1 : 1;
  }
  // Decode from just after the last ASCII byte of the common prefix: an ASCII byte ends any
  // sequence in both strings alike, so decoding from there is exact.
  size_t start = i;
  while (start > 0 && static_cast<unsigned char>(a[start - 1]) >= 0x80) --start;
  Utf8Decoder da(a.substr(start)), db(b.substr(start));
  while (!da.done() && !db.done()) {
    char32_t ca = da.Next(), cb = db.Next();
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  if (da.done() && db.done()) return 0;
  return da.done() ? -1 : 1;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace ingest
