#include "server/multipart_parser.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "server/wire_text.h"

namespace ingest::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One `key=value` parameter of a header value; `rest` advances past it and its ';'.
// A quoted value is returned without its quotes but with its escapes.
struct Param {
  std::string_view key, value;
  bool quoted = false;
};

std::optional<Param> NextParam(std::string_view* rest) {
  std::string_view s = *rest;
  while (!s.empty() && (s.front() == ';' || s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  Param p;
  size_t eq = s.find_first_of("=;");
  if (eq == std::string_view::npos || s[eq] == ';') {  // a bare token: no value
    p.key = Trim(s.substr(0, eq));
    *rest = eq == std::string_view::npos ? std::string_view() : s.substr(eq);
    return p;
  }
  p.key = Trim(s.substr(0, eq));
  s.remove_prefix(eq + 1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  if (!s.empty() && s.front() == '"') {
    size_t i = 1;
    while (i < s.size() && s[i] != '"') i += s[i] == '\\' && i + 1 < s.size() ? 2 : 1;
    p.value = s.substr(1, std::min(i, s.size()) - 1);
    p.quoted = true;
    s.remove_prefix(std::min(i + 1, s.size()));
    size_t semi = s.find(';');
    *rest = semi == std::string_view::npos ? std::string_view() : s.substr(semi);
  } else {
    size_t semi = s.find(';');
    p.value = Trim(s.substr(0, semi));
    *rest = semi == std::string_view::npos ? std::string_view() : s.substr(semi);
  }
  return p;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A parameter's value: a quoted one with its escapes undone as Django undoes them.
std::string ValueOf(const Param& p) {
  return p.quoted ? UnquoteHeaderValue(p.value) : std::string(p.value);
}

// RFC 5987 ext-value "charset'language'pct-encoded" (UTF-8 or ASCII), decoded. nullopt for
// another charset or a bad escape.
std::optional<std::string> DecodeExtValue(std::string_view v) {
  size_t q1 = v.find('\'');
  if (q1 == std::string_view::npos) return std::nullopt;
  size_t q2 = v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return std::nullopt;
  std::string_view charset = v.substr(0, q1);
  if (!EqualsNoCase(charset, "utf-8") && !EqualsNoCase(charset, "us-ascii")) return std::nullopt;
  std::string out;
  for (size_t i = q2 + 1; i < v.size(); ++i) {
    char c = v[i];
    if (c == '%') {
      int hi = i + 1 < v.size() ? HexValue(v[i + 1]) : -1;
      int lo = i + 2 < v.size() ? HexValue(v[i + 2]) : -1;
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    out += c;
  }
  return out;
}

std::string HeadersTooLarge() {
  return "multipart part headers are over " +
         std::to_string(MultipartParser::kMaxPartHeaderBytes) + " bytes";
}

}  // namespace

std::optional<std::string> MultipartBoundary(std::string_view content_type) {
  size_t semi = content_type.find(';');
  if (semi == std::string_view::npos) return std::nullopt;
  std::string_view rest = content_type.substr(semi);
  while (std::optional<Param> p = NextParam(&rest)) {
    if (!EqualsNoCase(p->key, "boundary")) continue;
    std::string b = ValueOf(*p);
    if (b.empty() || b.size() > 70) return std::nullopt;
    return b;
  }
  return std::nullopt;
}

MultipartParser::MultipartParser(std::string_view boundary, PartFn on_part, DataFn on_data)
    : delimiter_("\r\n--" + std::string(boundary)),
      searcher_(delimiter_.cbegin(), delimiter_.cend()),
      on_part_(std::move(on_part)),
      on_data_(std::move(on_data)),
      // The first boundary may open the body with no CRLF before it.
      pending_("\r\n") {}

bool MultipartParser::Feed(const char* data, size_t n) {
  if (state_ == State::kFailed) return false;
  if (pending_.empty()) {
    size_t used = Process(data, n);
    if (state_ == State::kFailed) return false;
    pending_.assign(data + used, n - used);
  } else {
    pending_.append(data, n);
    size_t used = Process(pending_.data(), pending_.size());
    if (state_ == State::kFailed) return false;
    pending_.erase(0, used);
  }
  return true;
}

bool MultipartParser::Finish() {
  if (state_ == State::kFailed) return false;
  if (state_ == State::kEpilogue) return true;
  if (state_ == State::kPreamble) return Fail("no multipart boundary in the body");
  return Fail("the multipart body ends before its closing boundary");
}

bool MultipartParser::Fail(std::string message) {
  state_ = State::kFailed;
  error_ = std::move(message);
  return false;
}

size_t MultipartParser::Process(const char* p, size_t n) {
  size_t used = 0;
  while (used < n && state_ != State::kFailed) {
    size_t step = 0;
    switch (state_) {
      case State::kPreamble:
      case State::kBody:
        step = ScanBody(p + used, n - used);
        break;
      case State::kAfterDelimiter: {
        // "--" closes the body; else optional padding, then CRLF opens a part.
        const char* s = p + used;
        size_t m = n - used;
        if (m < 2) return used;
        if (s[0] == '-' && s[1] == '-') {
          state_ = State::kEpilogue;
          step = 2;
          break;
        }
        size_t i = 0;
        while (i < m && (s[i] == ' ' || s[i] == '\t')) ++i;
        // The padding is bounded whatever the reads (it is kept in pending_ until the CRLF).
        if (i > 256) {
          Fail("malformed multipart boundary line");
          return used;
        }
        if (i + 2 > m) return used;
        if (s[i] != '\r' || s[i + 1] != '\n') {
          Fail("malformed multipart boundary line");
          return used;
        }
        state_ = State::kHeaders;
        header_bytes_ = 0;
        part_ = MultipartPartHeader{};
        step = i + 2;
        break;
      }
      case State::kHeaders:
        step = ScanHeaders(p + used, n - used);
        break;
      case State::kEpilogue:
        return n;
      case State::kFailed:
        return used;
    }
    if (step == 0) break;  // needs more bytes
    used += step;
  }
  return used;
}

size_t MultipartParser::ScanBody(const char* p, size_t n) {
  auto [hit, hit_end] = searcher_(p, p + n);
  if (hit != p + n) {
    size_t at = static_cast<size_t>(hit - p);
    if (state_ == State::kBody && at > 0 && !on_data_(p, at)) {
      Fail("");
      return 0;
    }
    state_ = State::kAfterDelimiter;
    return at + delimiter_.size();
  }
  // Keep back a tail that could be the start of a delimiter split across reads.
  size_t keep = 0;
  size_t from = n > delimiter_.size() - 1 ? n - (delimiter_.size() - 1) : 0;
  for (size_t i = from; i < n; ++i) {
    if (p[i] == '\r' && std::memcmp(p + i, delimiter_.data(), n - i) == 0) {
      keep = n - i;
      break;
    }
  }
  size_t out = n - keep;
  if (state_ == State::kBody && out > 0 && !on_data_(p, out)) {
    Fail("");
    return 0;
  }
  return out;
}

size_t MultipartParser::ScanHeaders(const char* p, size_t n) {
  size_t used = 0;
  for (;;) {
    const char* s = p + used;
    size_t m = n - used;
    const void* cr = m >= 2 ? std::memchr(s, '\r', m - 1) : nullptr;
    while (cr != nullptr && static_cast<const char*>(cr)[1] != '\n') {
      const char* c = static_cast<const char*>(cr) + 1;
      cr = std::memchr(c, '\r', static_cast<size_t>(s + m - 1 - c));
    }
    if (cr == nullptr) {
      if (header_bytes_ + m > kMaxPartHeaderBytes) Fail(HeadersTooLarge());
      return used;
    }
    size_t len = static_cast<size_t>(static_cast<const char*>(cr) - s);
    header_bytes_ += len + 2;
    if (header_bytes_ > kMaxPartHeaderBytes) {
      Fail(HeadersTooLarge());
      return used;
    }
    used += len + 2;
    if (len == 0) {  // the blank line: the body follows
      state_ = State::kBody;
      if (!on_part_(part_)) Fail("");
      return used;
    }
    ParseHeaderLine(std::string_view(s, len));
  }
}

void MultipartParser::ParseHeaderLine(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;  // Django skips such lines too
  std::string_view name = Trim(line.substr(0, colon));
  std::string_view value = Trim(line.substr(colon + 1));
  if (!EqualsNoCase(name, "content-disposition")) return;
  size_t semi = value.find(';');
  if (!EqualsNoCase(Trim(value.substr(0, semi)), "form-data")) return;
  std::string_view rest = semi == std::string_view::npos ? std::string_view() : value.substr(semi);
  std::optional<std::string> ext_filename;
  while (std::optional<Param> p = NextParam(&rest)) {
    if (EqualsNoCase(p->key, "name")) {
      part_.name = ValueOf(*p);
    } else if (EqualsNoCase(p->key, "filename")) {
      part_.filename = ValueOf(*p);
    } else if (EqualsNoCase(p->key, "filename*")) {
      ext_filename = DecodeExtValue(p->value);
    }
  }
  if (ext_filename) part_.filename = std::move(*ext_filename);
}

}  // namespace ingest::server
