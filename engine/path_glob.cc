// Parsing: braces are expanded first (each alternative becomes its own token list, as
// "{a,b}c" reads "ac" or "bc"), then each alternative is tokenised. Matching is a set-of-
// positions walk over the path (one pass per token, no backtracking), so a pattern with many
// stars costs O(tokens x path length), never exponential time.
#include "engine/path_glob.h"

#include <utility>

namespace ingest {
namespace {

using Token = PathGlob::Token;

constexpr size_t kMaxAlternatives = 1024;

Status Bad(std::string_view pattern, std::string_view why) {
  return Status::InvalidArgument("pattern '" + std::string(pattern) + "': " + std::string(why));
}

// The code point at s[i] and its length in bytes; a byte that does not start a valid UTF-8
// sequence is one character of its own (U+DC80 + byte, as Python's surrogateescape reads it).
char32_t CodePointAt(std::string_view s, size_t i, size_t* len) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 1) {
    *len = 1;
    return b;
  }
  if (n == 0 || i + n > s.size()) {
    *len = 1;
    return 0xDC00 + b;
  }
  char32_t c = b & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto cb = static_cast<unsigned char>(s[i + k]);
    if ((cb & 0xC0) != 0x80) {
      *len = 1;
      return 0xDC00 + b;
    }
    c = (c << 6) | (cb & 0x3F);
  }
  *len = n;
  return c;
}

// Index just past the class that starts with '[' at text[i] (escapes honoured), or npos.
size_t SkipClass(std::string_view text, size_t i) {
  size_t j = i + 1;
  if (j < text.size() && (text[j] == '!' || text[j] == '^')) ++j;
  if (j < text.size() && text[j] == ']') ++j;  // a leading ']' is a member
  for (; j < text.size(); ++j) {
    if (text[j] == '\\') {
      ++j;
    } else if (text[j] == ']') {
      return j + 1;
    }
  }
  return std::string_view::npos;
}

// Expands the first top-level {a,b,...} of `text`, recursively, into `out`.
Status Expand(std::string_view pattern, const std::string& text, std::vector<std::string>* out) {
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '[') {
      size_t end = SkipClass(text, i);
      if (end == std::string_view::npos) return Bad(pattern, "'[' without its ']'");
      i = end - 1;
      continue;
    }
    if (c == '}') return Bad(pattern, "'}' without its '{'");
    if (c != '{') continue;
    if (i + 1 < text.size() && text[i + 1] == '{') {
      return Bad(pattern, "{{regular expressions}} are not supported");
    }
    std::vector<std::string> alternatives(1);
    int depth = 0;
    size_t j = i + 1;
    for (; j < text.size(); ++j) {
      const char d = text[j];
      if (d == '\\' && j + 1 < text.size()) {
        alternatives.back() += text.substr(j, 2);
        ++j;
        continue;
      }
      if (d == '[') {
        size_t end = SkipClass(text, j);
        if (end == std::string_view::npos) return Bad(pattern, "'[' without its ']'");
        alternatives.back() += text.substr(j, end - j);
        j = end - 1;
        continue;
      }
      if (d == '}' && depth == 0) break;
      if (d == ',' && depth == 0) {
        alternatives.emplace_back();
        continue;
      }
      depth += d == '{';
      depth -= d == '}';
      alternatives.back() += d;
    }
    if (j >= text.size()) return Bad(pattern, "'{' without its '}'");
    const std::string prefix = text.substr(0, i), suffix = text.substr(j + 1);
    for (const std::string& alt : alternatives) {
      INGEST_RETURN_IF_ERROR(Expand(pattern, prefix + alt + suffix, out));
      if (out->size() > kMaxAlternatives) return Bad(pattern, "too many {,} alternatives");
    }
    return Status();
  }
  out->push_back(text);
  return Status();
}

// Reads one class member (an escaped or plain code point) at text[*i], advancing *i.
Result<char32_t> ClassChar(std::string_view pattern, std::string_view text, size_t* i) {
  if (text[*i] == '\\') {
    if (++*i >= text.size()) return Bad(pattern, "'\\' at the end");
  }
  size_t len = 1;
  char32_t c = CodePointAt(text, *i, &len);
  *i += len;
  return c;
}

// Parses the class at text[*i] == '[' into `t`, advancing *i past its ']'.
Status ParseClass(std::string_view pattern, std::string_view text, size_t* i, Token* t) {
  t->kind = Token::Kind::kClass;
  size_t j = *i + 1;
  if (j < text.size() && (text[j] == '!' || text[j] == '^')) {
    t->negated = true;
    ++j;
  }
  if (j < text.size() && (text[j] == '[' || text[j] == ':')) {
    if (j + 1 < text.size() && text[j + 1] == ':') {
      return Bad(pattern, "named character classes ([[:alpha:]]) are not supported");
    }
  }
  bool first = true;
  while (j < text.size() && (text[j] != ']' || first)) {
    first = false;
    INGEST_ASSIGN_OR_RETURN(char32_t lo, ClassChar(pattern, text, &j));
    char32_t hi = lo;
    if (j + 1 < text.size() && text[j] == '-' && text[j + 1] != ']') {
      ++j;
      INGEST_ASSIGN_OR_RETURN(hi, ClassChar(pattern, text, &j));
      if (hi < lo) return Bad(pattern, "a class range runs backwards");
    }
    t->ranges.emplace_back(lo, hi);
  }
  if (j >= text.size()) return Bad(pattern, "'[' without its ']'");
  if (t->ranges.empty()) return Bad(pattern, "an empty class []");
  *i = j + 1;
  return Status();
}

Result<std::vector<Token>> Tokenize(std::string_view pattern, std::string_view text) {
  std::vector<Token> tokens;
  for (size_t i = 0; i < text.size();) {
    Token t;
    const char c = text[i];
    if (c == '\\') {
      if (i + 1 >= text.size()) return Bad(pattern, "'\\' at the end");
      const char e = text[i + 1];
      if (std::string_view("dDsSwWpP").find(e) != std::string_view::npos) {
        return Bad(pattern, std::string("character class \\") + e + " is not supported");
      }
      t.byte = e;
      i += 2;
    } else if (c == '*') {
      size_t j = i;
      while (j < text.size() && text[j] == '*') ++j;
      t.kind = j - i > 1 ? Token::Kind::kDoubleStar : Token::Kind::kStar;
      i = j;
    } else if (c == '?') {
      t.kind = Token::Kind::kAny;
      ++i;
    } else if (c == '[') {
      INGEST_RETURN_IF_ERROR(ParseClass(pattern, text, &i, &t));
    } else if (c == '{' || c == '}') {
      return Bad(pattern, "unbalanced '{' and '}'");
    } else {
      t.byte = c;
      ++i;
    }
    tokens.push_back(std::move(t));
  }
  return tokens;
}

bool InClass(const Token& t, char32_t c) {
  bool in = false;
  for (const auto& [lo, hi] : t.ranges) in = in || (c >= lo && c <= hi);
  return in != t.negated;
}

// The set-of-positions walk: reach[i] says the tokens so far can end at s[i].
bool MatchTokens(const std::vector<Token>& tokens, std::string_view s, bool anchored) {
  const size_t n = s.size();
  std::vector<char> reach(n + 1, 0), next(n + 1, 0);
  reach[0] = 1;
  if (!anchored) {
    for (size_t i = 0; i < n; ++i) reach[i + 1] = s[i] == '/';
  }
  for (const Token& t : tokens) {
    std::fill(next.begin(), next.end(), 0);
    bool carry = false;
    for (size_t i = 0; i <= n; ++i) {
      switch (t.kind) {
        case Token::Kind::kLiteral:
          if (reach[i] && i < n && s[i] == t.byte) next[i + 1] = 1;
          break;
        case Token::Kind::kAny:
        case Token::Kind::kClass:
          if (reach[i] && i < n && s[i] != '/') {
            size_t len = 1;
            char32_t c = CodePointAt(s, i, &len);
            if (t.kind == Token::Kind::kAny || InClass(t, c)) next[i + len] = 1;
          }
          break;
        case Token::Kind::kStar:
        case Token::Kind::kDoubleStar:
          carry = carry || reach[i];
          if (carry) next[i] = 1;
          if (t.kind == Token::Kind::kStar && i < n && s[i] == '/') carry = false;
          break;
      }
    }
    reach.swap(next);
  }
  return reach[n] != 0;
}

}  // namespace

Result<PathGlob> PathGlob::Parse(std::string_view pattern) {
  PathGlob glob;
  glob.pattern_ = std::string(pattern);
  std::string_view body = pattern;
  if (body.empty()) return Bad(pattern, "empty");
  if (body.front() == '/') {
    glob.anchored_ = true;
    body.remove_prefix(1);
  }
  if (!body.empty() && body.back() == '/' && (body.size() < 2 || body[body.size() - 2] != '\\')) {
    return Bad(pattern, "a directory rule matches no file (to take a folder's files, write '" +
                            std::string(pattern) + "**')");
  }
  std::vector<std::string> expanded;
  INGEST_RETURN_IF_ERROR(Expand(pattern, std::string(body), &expanded));
  for (const std::string& alt : expanded) {
    INGEST_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(pattern, alt));
    glob.alternatives_.push_back(std::move(tokens));
  }
  return glob;
}

bool PathGlob::Matches(std::string_view rel_path) const {
  for (const std::vector<Token>& tokens : alternatives_) {
    if (MatchTokens(tokens, rel_path, anchored_)) return true;
  }
  return false;
}

}  // namespace ingest
