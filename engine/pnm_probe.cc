// PNM (Pillow's "PPM" plugin: .pbm .pgm .ppm .pnm, plain P1-P3 and raw P4-P6): the size from
// the text header, read token by token exactly as Pillow 9.4's PpmImageFile does:
//  - the magic is up to 6 bytes up to the first whitespace (" \t\n\v\f\r"): P1..P6, P0CMYK,
//    PyP, PyRGBA, PyCMYK; anything else is not a PPM file;
//  - a token is up to 10 bytes: leading whitespace is skipped, whitespace ends it, and a '#'
//    anywhere skips to the next CR or LF (or the end of the file) and the token goes on after
//    it, so "1#x\n2" is the token "12"; 11 bytes are an error ("Token too long");
//  - tokens are read with Python's int(): an optional sign, ASCII digits, single underscores
//    between digits;
//  - width and height, then (not for the bitmaps P1 and P4) maxval, which must be 1..65535;
//  - a width or height of 0 or less is an image Pillow does not identify.
// Pixel data is never read (Pillow does not either when it opens the file).
#include <string>
#include <string_view>

#include "engine/image_probe_internal.h"
#include "engine/status.h"

namespace ingest::probe_internal {
namespace {

bool IsPnmSpace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Python's int() on an ASCII token: [+-]?digit(_?digit)*. False when it is not one.
bool ParsePythonInt(std::string_view token, int64_t* value) {
  size_t i = 0;
  bool negative = false;
  if (i < token.size() && (token[i] == '+' || token[i] == '-')) negative = token[i++] == '-';
  if (i == token.size()) return false;
  int64_t v = 0;
  bool last_digit = false;
  for (; i < token.size(); ++i) {
    char c = token[i];
    if (c == '_' && last_digit && i + 1 < token.size()) {
      last_digit = false;
      continue;
    }
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');  // at most 10 digits: no overflow
    last_digit = true;
  }
  if (!last_digit) return false;
  *value = negative ? -v : v;
  return true;
}

// Pillow's _read_token into *token (at most 11 bytes: a fixed buffer, which also keeps g++
// -O2's -Wmaybe-uninitialized quiet about a moved-out std::string). Corruption at the end of
// the header or for a long token.
struct Token {
  char text[12] = {0};
  size_t size = 0;
  std::string_view view() const { return std::string_view(text, size); }
};

Status ReadToken(ByteCursor& in, Token* out) {
  Token& token = *out;
  token.size = 0;
  auto push = [&](int c) { token.text[token.size++] = static_cast<char>(c); };
  while (token.size <= 10) {
    int c = in.Next();
    if (c < 0) break;
    if (IsPnmSpace(c)) {
      if (token.size == 0) continue;
      break;
    }
    if (c == '#') {
      for (int d = in.Next(); d >= 0 && d != '\r' && d != '\n'; d = in.Next()) {
      }
      continue;
    }
    push(c);
  }
  if (!in.status().ok()) return in.status();
  if (token.size == 0) return Status::Corruption("PPM: reached the end of the file in the header");
  if (token.size > 10) return Status::Corruption("PPM: token too long in the header");
  return Status();
}

}  // namespace

Result<ImageInfo> ProbePnm(ByteSource& src) {
  ByteCursor in(src, 0);
  std::string magic;
  for (int i = 0; i < 6; ++i) {
    int c = in.Next();
    if (c < 0 || IsPnmSpace(c)) break;
    magic.push_back(static_cast<char>(c));
  }
  bool bitmap = magic == "P1" || magic == "P4";
  bool known = bitmap || magic == "P2" || magic == "P3" || magic == "P5" || magic == "P6" ||
               magic == "P0CMYK" || magic == "PyP" || magic == "PyRGBA" || magic == "PyCMYK";
  if (!known) return Status::Unsupported("PPM: not a PPM file (unknown magic number)");
  int64_t values[3] = {0, 0, 0};
  for (int ix = 0; ix < (bitmap ? 2 : 3); ++ix) {
    Token token;
    INGEST_RETURN_IF_ERROR(ReadToken(in, &token));
    if (!ParsePythonInt(token.view(), &values[ix])) {
      return Status::Corruption("PPM: non-decimal-ASCII found in the header: '" +
                                std::string(token.view()) + "'");
    }
  }
  if (!bitmap && (values[2] <= 0 || values[2] >= 65536)) {
    return Status::Corruption("PPM: maxval must be greater than 0 and less than 65536");
  }
  if (values[0] <= 0 || values[1] <= 0) {
    return Status::Unsupported("PPM: width or height is not positive (Pillow cannot open it)");
  }
  if (values[0] > UINT32_MAX || values[1] > UINT32_MAX) {
    return Status::Unsupported("PPM: width or height too large");
  }
  ImageInfo info;
  info.format = ImageFormat::kPpm;
  info.width = static_cast<uint32_t>(values[0]);
  info.height = static_cast<uint32_t>(values[1]);
  return info;
}

}  // namespace ingest::probe_internal
