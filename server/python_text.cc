#include "server/python_text.h"

#include <limits>
#include <vector>

#include "engine/path_text.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

// str.strip()'s whitespace among Latin-1 characters (a header value is Latin-1 text).
bool IsPythonSpace(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f) || c == 0x85 ||
         c == 0xa0;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    size_t at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

constexpr char kBase64Chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kBase64Chars[(v >> shift) & 63]);
  }
  if (size_t rest = in.size() - i) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(kBase64Chars[(v >> 18) & 63]);
    out.push_back(kBase64Chars[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64Chars[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// email.quoprimime's header map: letters, digits and "-!*+/" as themselves, space as '_',
// every other byte as =XX.
bool IsQpSafe(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '!' || c == '*' || c == '+' || c == '/';
}

}  // namespace

std::optional<int64_t> PythonInt(std::string_view s) {
  while (!s.empty() && IsPythonSpace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && IsPythonSpace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.front() == '_' || s.back() == '_') return std::nullopt;
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  uint64_t v = 0;
  char prev = 0;
  for (char c : s) {
    if (c == '_') {
      if (prev == '_') return std::nullopt;
    } else if (c >= '0' && c <= '9') {
      v = v > (kMax - 9) / 10 ? kMax : v * 10 + static_cast<uint64_t>(c - '0');
    } else {
      return std::nullopt;
    }
    prev = c;
  }
  int64_t out = static_cast<int64_t>(v > kMax ? kMax : v);
  return negative ? -out : out;
}

std::optional<std::string> PythonB64Decode(std::string_view s) {
  // binascii.a2b_base64(strict_mode=False), quad by quad.
  std::string out;
  int quad = 0, pads = 0;
  unsigned left = 0;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) return std::nullopt;  // str.encode("ascii") raises first
    if (c == '=') {
      if (quad >= 2 && quad + ++pads >= 4) return out;
      continue;
    }
    int v = Base64Value(c);
    if (v < 0) continue;
    pads = 0;
    auto u = static_cast<unsigned>(v);
    switch (quad) {
      case 0: left = u; break;
      case 1: out.push_back(static_cast<char>((left << 2) | (u >> 4))); left = u & 0x0f; break;
      case 2: out.push_back(static_cast<char>((left << 4) | (u >> 2))); left = u & 0x03; break;
      default: out.push_back(static_cast<char>((left << 6) | u)); left = 0; break;
    }
    quad = (quad + 1) % 4;
  }
  if (quad != 0) return std::nullopt;
  return out;
}

std::optional<std::map<std::string, std::string>> CvatTusMetadata(std::string_view header) {
  std::map<std::string, std::string> out;
  for (std::string_view pair : Split(header, ',')) {
    std::vector<std::string_view> kv = Split(pair, ' ');
    if (kv.size() != 2) {
      out[std::string(kv[0])] = "";
      continue;
    }
    std::optional<std::string> value = PythonB64Decode(kv[1]);
    if (!value || !IsValidUtf8(*value)) return std::nullopt;
    out[std::string(kv[0])] = std::move(*value);
  }
  // TusMeta(file_size=..., offset=...) with a str: its validators raise.
  if (out.count("file_size") || out.count("offset")) return std::nullopt;
  return out;
}

std::string PythonNormPath(std::string_view path) {
  if (path.empty()) return ".";
  size_t slashes = 0;
  while (slashes < path.size() && path[slashes] == '/') ++slashes;
  // POSIX keeps exactly two leading slashes; one, or three and more, become one.
  std::string prefix = slashes == 0 ? "" : slashes == 2 ? "//" : "/";
  std::vector<std::string_view> kept;
  for (std::string_view comp : Split(path, '/')) {
    if (comp.empty() || comp == ".") continue;
    if (comp == ".." && ((prefix.empty() && kept.empty()) || (!kept.empty() && kept.back() == ".."))) {
      kept.push_back(comp);
    } else if (comp == "..") {
      if (!kept.empty()) kept.pop_back();
    } else {
      kept.push_back(comp);
    }
  }
  std::string out = prefix;
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i) out.push_back('/');
    out.append(kept[i]);
  }
  return out.empty() ? "." : out;
}

std::string PathlibRelative(std::string_view name) {
  std::string out = !name.empty() && name.front() == '/' ? "/" : "";
  for (std::string_view comp : Split(name, '/')) {
    if (comp.empty() || comp == ".") continue;
    if (!out.empty() && out.back() != '/') out.push_back('/');
    out.append(comp);
  }
  return out;
}

std::optional<std::string> DjangoHeaderValue(std::string_view utf8) {
  if (utf8.find_first_of("\r\n") != std::string_view::npos) return std::nullopt;
  std::string latin1;
  bool fits = true;
  for (Utf8Decoder d(utf8); !d.done();) {
    char32_t c = d.Next();
    if (c > 0xff) {
      fits = false;
      break;
    }
    latin1.push_back(static_cast<char>(c));
  }
  if (fits) return latin1;
  // email.charset's SHORTEST: base64 only when strictly shorter than quoted-printable.
  size_t qp_len = 0;
  for (char ch : utf8) {
    auto c = static_cast<unsigned char>(ch);
    qp_len += IsQpSafe(c) || c == ' ' ? 1 : 3;
  }
  size_t b64_len = (utf8.size() + 2) / 3 * 4;
  if (b64_len < qp_len) return "=?utf-8?b?" + Base64Encode(utf8) + "?=";
  std::string out = "=?utf-8?q?";
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : utf8) {
    auto c = static_cast<unsigned char>(ch);
    if (IsQpSafe(c)) {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('_');
    } else {
      out.push_back('=');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out + "?=";
}

}  // namespace ingest::server
