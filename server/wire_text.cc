#include "server/wire_text.h"

#include <sys/random.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "manifest/jsonl_encoder.h"

namespace ingest::server {
namespace {

void FillRandom(unsigned char* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::getrandom(buf + done, n - done, 0);
    if (got > 0) done += static_cast<size_t>(got);
  }
}

}  // namespace

int Base64Value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = Base64Value(static_cast<unsigned char>(c));
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string RandomHex(size_t n) {
  std::vector<unsigned char> buf(n);
  FillRandom(buf.data(), n);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (unsigned char b : buf) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string NewUuid4() {
  unsigned char b[16];
  FillRandom(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                b[14], b[15]);
  return out;
}

std::optional<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

bool IsAllowedFileName(std::string_view name) {
  if (name.empty() || name.size() > 1024 || name == "." || name == "..") return false;
  // CVAT only refuses names that leave the upload directory once joined and resolved; on
  // Linux a backslash or a tab is an ordinary character of a file name.
  for (char c : name) {
    if (c == '\0' || c == '/') return false;
  }
  return true;
}

bool IsValidUploadId(std::string_view id, int* user_id) {
  size_t us = id.find('_');
  if (us == std::string_view::npos || us == 0 || id.size() - us - 1 != 36) return false;
  std::optional<uint64_t> uid = ParseDecimal(id.substr(0, us));
  if (!uid || *uid > 1u << 30) return false;
  // CVAT's route: 8-4-4-4-12 lowercase hex digits.
  for (size_t i = us + 1; i < id.size(); ++i) {
    char c = id[i];
    size_t at = i - us - 1;
    bool dash = at == 8 || at == 13 || at == 18 || at == 23;
    bool ok = dash ? c == '-' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!ok) return false;
  }
  *user_id = static_cast<int>(*uid);
  return true;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i], b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && StartsWithNoCase(a, b);
}

std::string UnquoteHeaderValue(std::string_view quoted) {
  std::string out;
  for (size_t i = 0; i < quoted.size(); ++i) {
    if (quoted[i] == '\\' && i + 1 < quoted.size() &&
        (quoted[i + 1] == '\\' || quoted[i + 1] == '"')) {
      ++i;
    }
    out += quoted[i];
  }
  return out;
}

std::string DjangoMultipartFileName(std::string_view filename) {
  std::string name(filename);
  // MultiPartParser.sanitize_file_name: the part after the last '/' or '\\', without the
  // characters Python finds not printable (here: ASCII controls).
  size_t cut = name.find_last_of("/\\");
  if (cut != std::string::npos) name.erase(0, cut + 1);
  std::string out;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) out += c;
  }
  return out;
}

void AppendKey(std::string_view key, std::string* out) {
  if (!out->empty() && out->back() != '{' && out->back() != '[') out->push_back(',');
  manifest::AppendJsonString(key, out);
  out->push_back(':');
}

void AppendStringField(std::string_view key, std::string_view value, std::string* out) {
  AppendKey(key, out);
  manifest::AppendJsonString(value, out);
}

void AppendIntField(std::string_view key, int64_t value, std::string* out) {
  AppendKey(key, out);
  manifest::AppendJsonInt(value, out);
}

void AppendRawField(std::string_view key, std::string_view raw, std::string* out) {
  AppendKey(key, out);
  out->append(raw);
}

std::string DetailJson(std::string_view msg) {
  std::string out = "{";
  AppendStringField("detail", msg, &out);
  out.push_back('}');
  return out;
}

std::string FieldErrorJson(std::string_view field, std::string_view msg) {
  std::string out = "{";
  AppendKey(field, &out);
  out += JsonStringArray({std::string(msg)});
  out.push_back('}');
  return out;
}

std::string JsonStringArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    manifest::AppendJsonString(items[i], &out);
  }
  out.push_back(']');
  return out;
}

int64_t UnixMicrosNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string IsoTime(int64_t unix_micros) {
  time_t secs = static_cast<time_t>(unix_micros / 1000000);
  struct tm tm_utc;
  gmtime_r(&secs, &tm_utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm_utc.tm_year + 1900,
                tm_utc.tm_mon + 1, tm_utc.tm_mday, tm_utc.tm_hour, tm_utc.tm_min, tm_utc.tm_sec,
                static_cast<int>(unix_micros % 1000000));
  return buf;
}

std::string IsoTimeNow() { return IsoTime(UnixMicrosNow()); }

}  // namespace ingest::server
