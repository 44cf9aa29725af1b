#include "manifest/jsonl_encoder.h"

#include <charconv>

#include "engine/path_text.h"

namespace ingest::manifest {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendU16(char32_t u, std::string* out) {
  char buf[6] = {'\\', 'u', kHex[(u >> 12) & 0xF], kHex[(u >> 8) & 0xF], kHex[(u >> 4) & 0xF],
                 kHex[u & 0xF]};
  out->append(buf, 6);
}

// True for bytes Python's ensure_ascii encoder copies as they are.
bool IsPlain(unsigned char c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; }

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run of plain ASCII at once.
    size_t run = i;
    while (run < s.size() && IsPlain(static_cast<unsigned char>(s[run]))) ++run;
    out->append(s.data() + i, run - i);
    i = run;
    if (i >= s.size()) break;
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out->append("\\\""); break;
        case '\\': out->append("\\\\"); break;
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        case '\b': out->append("\\b"); break;
        case '\f': out->append("\\f"); break;
        default: AppendU16(c, out); break;  // other controls and DEL
      }
      ++i;
      continue;
    }
    // Decode one non-ASCII character (or one escaped byte) from here.
    size_t end = i;
    while (end < s.size() && static_cast<unsigned char>(s[end]) >= 0x80) ++end;
    Utf8Decoder dec(s.substr(i, end - i));
    while (!dec.done()) {
      char32_t cp = dec.Next();
      if (cp >= 0x10000) {
        char32_t v = cp - 0x10000;
        AppendU16(0xD800 + (v >> 10), out);
        AppendU16(0xDC00 + (v & 0x3FF), out);
      } else {
        AppendU16(cp, out);
      }
    }
    i = end;
  }
  out->push_back('"');
}

void AppendJsonInt(int64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<size_t>(end - buf));
}

}  // namespace ingest::manifest
