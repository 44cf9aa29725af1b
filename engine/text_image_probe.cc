// Sizes of the image formats with a text header: X11 bitmaps (.xbm), X11 pixmaps (.xpm) and
// FITS (.fit .fits), read as Pillow 9.4's plugins read them when it opens a file. Outcomes
// follow Pillow's: a file its plugin does not identify is Unsupported, one it raises on
// (ValueError, OSError) is Corruption; CVAT's manifest tool fails on both.
#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/image_probe_internal.h"
#include "engine/status.h"

namespace ingest::probe_internal {
namespace {

constexpr std::string_view kPySpace = " \t\n\r\v\f";  // bytes.strip() and split()

std::string_view Strip(std::string_view s) {
  size_t b = s.find_first_not_of(kPySpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kPySpace) - b + 1);
}

Result<std::string> ReadPrefix(ByteSource& src, size_t n) {
  std::string out(n, '\0');
  size_t have = 0;
  while (have < n) {
    INGEST_ASSIGN_OR_RETURN(size_t got, src.ReadAt(have, out.data() + have, n - have));
    if (got == 0) break;
    have += got;
  }
  out.resize(have);
  return out;
}

Result<ImageInfo> Sized(ImageFormat format, int64_t width, int64_t height, const char* name) {
  if (width <= 0 || height <= 0) {
    return Status::Unsupported(std::string(name) + ": width or height is not positive");
  }
  if (width > UINT32_MAX || height > UINT32_MAX) {
    return Status::Unsupported(std::string(name) + ": width or height too large");
  }
  ImageInfo info;
  info.format = format;
  info.width = static_cast<uint32_t>(width);
  info.height = static_cast<uint32_t>(height);
  return info;
}

// Python's int() on a run of ASCII digits (as the XBM and XPM patterns capture them).
bool Digits(std::string_view s, int64_t* v) {
  if (s.empty()) return false;
  *v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    if (*v > (INT64_MAX - 9) / 10) return false;
    *v = *v * 10 + (c - '0');
  }
  return true;
}

// Python's int(s, 16) after split(): [+-]?(0x)?hex(_?hex)*. Only validity matters here.
bool PythonHexInt(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  bool prefix = s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (prefix) s.remove_prefix(2);
  bool need_digit = true;  // after the prefix an underscore may come first
  bool first = true;
  for (char c : s) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (c == '_' && (!need_digit || (prefix && first))) {
      need_digit = true;
    } else if (hex) {
      need_digit = false;
    } else {
      return false;
    }
    first = false;
  }
  return !s.empty() && !need_digit;
}

}  // namespace

// XBM: Pillow matches its header pattern against the first 512 bytes: two #define lines
// ending in _width and _height with decimal values, an optional hotspot pair, then "_bits[]"
// somewhere later within those bytes.
Result<ImageInfo> ProbeXbm(ByteSource& src, uint64_t* data_offset) {
  // Python's pattern with `.` spelt [^\n] and [\000-\377] spelt [\s\S] (same meaning).
  static const std::regex kHead(
      "[ \\t\\n\\r\\f\\v]*#define[ \\t]+[^\\n]*_width[ \\t]+([0-9]+)[\\r\\n]+"
      "#define[ \\t]+[^\\n]*_height[ \\t]+([0-9]+)[\\r\\n]+"
      "(#define[ \\t]+[^_]*_x_hot[ \\t]+[0-9]+[\\r\\n]+"
      "#define[ \\t]+[^_]*_y_hot[ \\t]+[0-9]+[\\r\\n]+)?"
      "[\\s\\S]*_bits\\[\\]",
      std::regex::ECMAScript | std::regex::optimize);
  INGEST_ASSIGN_OR_RETURN(std::string head, ReadPrefix(src, 512));
  std::smatch m;
  if (!std::regex_search(head, m, kHead, std::regex_constants::match_continuous)) {
    return Status::Unsupported("XBM: not an XBM file");
  }
  int64_t w = 0, h = 0;
  if (!Digits(m.str(1), &w) || !Digits(m.str(2), &h)) {
    return Status::Unsupported("XBM: width or height too large");
  }
  if (data_offset) *data_offset = static_cast<uint64_t>(m.position(0) + m.length(0));
  return Sized(ImageFormat::kXbm, w, h, "XBM");
}

// XPM: after "/* XPM */", the first line that starts with '"W H NCOLORS CPP' gives the
// size; Pillow then reads the colour lines and refuses more than 256 colours, more than one
// character per pixel, and colours other than "None" or "#hex".
Result<ImageInfo> ProbeXpm(ByteSource& src, uint64_t* data_offset) {
  ByteCursor in(src, 9);
  auto read_line = [&in](std::string* line) {  // Python's readline(): up to and with '\n'
    line->clear();
    for (int c = in.Next(); c >= 0; c = in.Next()) {
      line->push_back(static_cast<char>(c));
      if (c == '\n') break;
    }
  };
  static const std::regex kSize("\"([0-9]*) ([0-9]*) ([0-9]*) ([0-9]*)");
  std::string line;
  std::smatch m;
  for (;;) {
    read_line(&line);
    if (!in.status().ok()) return in.status();
    if (line.empty()) return Status::Unsupported("XPM: broken XPM file (no size line)");
    if (std::regex_search(line, m, kSize, std::regex_constants::match_continuous)) break;
  }
  int64_t v[4];
  for (int k = 0; k < 4; ++k) {
    if (!Digits(m.str(k + 1), &v[k])) return Status::Corruption("XPM: bad size line");
  }
  if (v[2] > 256 || v[3] != 1) return Status::Corruption("XPM: cannot read this XPM file");
  for (int64_t i = 0; i < v[2]; ++i) {
    read_line(&line);
    if (!in.status().ok()) return in.status();
    std::string_view s(line);
    if (s.ends_with("\r\n")) {
      s.remove_suffix(2);
    } else if (s.empty() || s.back() == '\r' || s.back() == '\n') {
      if (!s.empty()) s.remove_suffix(1);
    }
    if (s.size() < 2) return Status::Unsupported("XPM: truncated colour line");
    std::vector<std::string_view> words;
    std::string_view rest = s.size() >= 4 ? s.substr(2, s.size() - 4) : std::string_view();
    while (!(rest = Strip(rest)).empty()) {
      size_t end = rest.find_first_of(kPySpace);
      words.push_back(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    }
    bool found = false;
    for (size_t k = 0; k < words.size() && !found; k += 2) {
      if (words[k] != "c") continue;
      if (k + 1 >= words.size()) return Status::Unsupported("XPM: truncated colour line");
      std::string_view rgb = words[k + 1];
      if (rgb != "None" && !(rgb.starts_with("#") && PythonHexInt(rgb.substr(1)))) {
        return Status::Corruption("XPM: cannot read this XPM file (colour)");
      }
      found = true;
    }
    if (!found) return Status::Corruption("XPM: cannot read this XPM file (no colour)");
  }
  if (data_offset) *data_offset = in.pos();
  return Sized(ImageFormat::kXpm, v[0], v[1], "XPM");
}

namespace {

// Python's int() on a stripped bytes value: [+-]?digit(_?digit)*; false when it is not one
// or does not fit in 18 digits.
bool PythonInt(std::string_view s, int64_t* value) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int64_t v = 0;
  int digits = 0;
  bool last_digit = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_' && last_digit && i + 1 < s.size()) {
      last_digit = false;
      continue;
    }
    if (c < '0' || c > '9' || ++digits > 18) return false;
    v = v * 10 + (c - '0');
    last_digit = true;
  }
  if (!last_digit) return false;
  *value = negative ? -v : v;
  return true;
}

}  // namespace

// FITS: 80-byte cards up to END; the first must be SIMPLE with the value exactly "T" (so a
// card with a comment after T is not a FITS file for Pillow); NAXIS, NAXIS1, NAXIS2 and
// BITPIX are read with int() (no comments allowed either); NAXIS 0 is refused and NAXIS 1
// gives the size (1, NAXIS1); BITPIX must be 8, 16, 32, -32 or -64.
Result<ImageInfo> ProbeFits(ByteSource& src, uint64_t* data_offset, int* bitpix_out) {
  ByteCursor in(src, 0);
  std::string naxis, naxis1, naxis2, bitpix;
  uint64_t end_of_header = 0;
  bool first = true;
  char card[80];
  for (;;) {
    size_t n = 0;
    for (int c; n < sizeof card && (c = in.Next()) >= 0;) card[n++] = static_cast<char>(c);
    if (!in.status().ok()) return in.status();
    if (n == 0) return Status::Corruption("FITS: truncated FITS file (no END card)");
    std::string_view keyword = Strip(std::string_view(card, n < 8 ? n : 8));
    if (keyword == "END") {
      end_of_header = in.pos();
      break;
    }
    std::string_view value = n > 8 ? Strip(std::string_view(card + 8, n - 8)) : "";
    if (value.starts_with("=")) value = Strip(value.substr(1));
    if (first && (!keyword.starts_with("SIMPLE") || value != "T")) {
      return Status::Unsupported("FITS: not a FITS file");
    }
    first = false;
    if (keyword == "NAXIS") naxis = value;
    if (keyword == "NAXIS1") naxis1 = value;
    if (keyword == "NAXIS2") naxis2 = value;
    if (keyword == "BITPIX") bitpix = value;
  }
  if (first) return Status::Unsupported("FITS: not a FITS file");
  // A missing keyword is a KeyError, which Pillow turns into "cannot identify".
  int64_t axes = 0, w = 1, h = 0, bits = 0;
  if (naxis.empty()) return Status::Unsupported("FITS: no NAXIS");
  if (!PythonInt(naxis, &axes)) return Status::Corruption("FITS: bad NAXIS");
  if (axes == 0) return Status::Corruption("FITS: no image data (NAXIS 0)");
  if (naxis1.empty() || (axes != 1 && naxis2.empty()))
    return Status::Unsupported("FITS: no NAXISn");
  if (!PythonInt(naxis1, axes == 1 ? &h : &w) || (axes != 1 && !PythonInt(naxis2, &h))) {
    return Status::Corruption("FITS: bad NAXISn");
  }
  if (bitpix.empty()) return Status::Unsupported("FITS: no BITPIX");
  if (!PythonInt(bitpix, &bits)) return Status::Corruption("FITS: bad BITPIX");
  if (bits != 8 && bits != 16 && bits != 32 && bits != -32 && bits != -64) {
    return Status::Unsupported("FITS: unsupported BITPIX " + std::to_string(bits));
  }
  if (data_offset) *data_offset = (end_of_header + 2879) / 2880 * 2880;
  if (bitpix_out) *bitpix_out = static_cast<int>(bits);
  return Sized(ImageFormat::kFits, w, h, "FITS");
}

}  // namespace ingest::probe_internal
