// Natural keys, following natsort 8.0.x's os_sorted on Linux without PyICU.
//
// natsort's key for a path, with alg = LOCALE | PATH | IGNORECASE in the C collation:
//
// 1. Path split (PurePath): the path is split at '/' into parts; empty parts and "." are
//    dropped. The last part (the base) loses its suffixes: PurePath.suffixes is empty when the
//    base ends with '.', else the base without its leading dots is split at '.' and every piece
//    after the first is a suffix (".tar", ".gz"; "a..b" gives "." and ".b"). Suffixes up to and
//    including the last one that starts with '.' and a decimal digit are not suffixes after
//    all ("img.001.png" keeps only ".png"). The kept suffixes are joined and every occurrence
//    of that string is removed from the base (str.replace, so "x.png.1.png" gives the base
//    "x.1", not "x.png.1"). The key is one tuple per element: parts, base (if not empty),
//    suffixes.
// 2. Each element is put in NFD, swapcase()d (the C locale is "dumb": strxfrm("A") <
//    strxfrm("a"), so natsort swaps case), casefold()ed and put back in NFC, all over the
//    whole element (natural_text.cc). Net effect: case-insensitive ("é", "É" and "e" followed
//    by U+0301 are one letter; "ß" is "ss"; "İ" is "i" followed by U+0307).
// 3. The element is split into text and numbers. A number is a maximal run of Unicode decimal
//    digits (re's \d: ASCII, Arabic-Indic, fullwidth, ...), read with int(), so leading zeros
//    do not count ("a01" equals "a1"), or a single non-decimal digit (superscript "²",
//    circled "①") read as its digit value. Empty texts are dropped and "" is inserted before a
//    leading number and between two numbers, so every tuple reads text, number, text, ...
// 4. Each text goes through groupletters (every character c becomes casefold(c) + c) and
//    strxfrm, which is the identity in the C collation. Python compares the tuples element by
//    element; str compares by code point; a shorter tuple that is a prefix sorts first.
//
// The encoding. Every element is a sequence of tokens followed by kEndElement; the key ends
// with kEndName. A text token is its folded code points in (generalised) UTF-8, whose byte
// order is code-point order, with bytes below 0x04 escaped as kEscape + byte, then
// kEndText. A number token is its digit count without leading zeros (one byte 0x02 + n for
// n < 0xFD, else 0xFF and four big-endian bytes) and then its digits as '0'..'9'. Because the
// tuples alternate text and number, two keys that agree up to some byte are at the same kind
// of token there, and the marker values (kEndName < kEndElement < kEndText < kEscape <
// content) make memcmp agree with Python's tuple comparison everywhere.
//
// groupletters doubles every code point (casefold(c) == c once folded), which does not change
// the order, so kCompact leaves it out. About twenty precomposed letters (ǰ, ẖ, ΐ, ...) can be
// left by step 2 (NFC composes them again) but casefold to several code points; with them
// only kExact, which writes casefold(c) + c, is exact. AppendNaturalKey reports them and the sort switches to
// kExact for all names.
//
// Where we knowingly differ from natsort (all rare in file names; documented, not fixed):
// - Python's int() refuses runs of more than 4300 digits, and natsort 8.0's table of digits
//   lacks Tangsa (U+16AC0..U+16AC9), so natsort keeps such runs (of 2 or more) as text, which
//   can make os_sorted raise TypeError. We read them as numbers.
// - Thousands separators: natsort (LOCALENUM) deletes the locale's thousands separator
//   between digits. In the C numeric locale it is "", except that natsort falls back to ","
//   when locale.getlocale() fails, which happens when Python runs with LC_ALL=C (not with
//   LANG/LC_ALL unset or C.UTF-8, which Python coerces). We follow the usual case: no
//   separator, so "1,000" is 1 then ",", then 0.
// - Ties: names that natsort finds equal keep their input order in Python's stable sort; we
//   order them by code point so our order never depends on the scan order.
#include "engine/natural_key.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <type_traits>
#include <vector>

#include "engine/natural_text.h"
#include "engine/path_text.h"

namespace ingest {
namespace {

constexpr char kEndName = 0x00;
constexpr char kEndElement = 0x01;
constexpr char kEndText = 0x02;
constexpr char kEscape = 0x03;
constexpr unsigned char kShortCountBase = 0x02;
constexpr uint32_t kShortCountLimit = 0xFD;
constexpr char kLongCount = static_cast<char>(0xFF);

// Appends one code point of text, in UTF-8 (surrogates too), escaping the marker bytes.
void AppendTextCodePoint(char32_t c, std::string* out) {
  if (c < 0x04) {
    out->push_back(kEscape);
    out->push_back(static_cast<char>(c));
  } else {
    AppendUtf8(c, out);
  }
}

class KeyBuilder {
 public:
  KeyBuilder(NaturalKeyMode mode, std::string* out) : mode_(mode), out_(out) {}
  bool exact_enough() const { return exact_enough_; }

  // Appends the tokens of one path element and kEndElement. View is std::string_view for
  // all-ASCII names (the fast path) and std::u32string_view otherwise.
  template <class View>
  void AppendElement(View e) {
    if constexpr (std::is_same_v<View, std::u32string_view>) {
      thread_local std::u32string folded;  // reused: no allocation per name
      FoldElementText(e, &folded);
      AppendTokens(std::u32string_view(folded));
    } else {
      AppendTokens(e);
    }
  }

 private:
  // Appends the tokens of an element whose text is folded already (or is ASCII, which is
  // lower-cased here) and kEndElement.
  template <class View>
  void AppendTokens(View e) {
    bool last_number = false;
    size_t i = 0;
    while (i < e.size()) {
      char32_t c = e[i];
      if (DecimalValue(c) >= 0) {
        size_t j = i;
        while (j < e.size() && DecimalValue(e[j]) >= 0) ++j;
        out_->push_back(kEndText);
        AppendNumber(e.substr(i, j - i));
        last_number = true;
        i = j;
      } else if (int v = DigitCharValue(c); v >= 0) {
        out_->push_back(kEndText);
        char digit = static_cast<char>('0' + v);
        AppendNumber(std::string_view(&digit, 1));
        last_number = true;
        ++i;
      } else {
        // A run of plain ASCII text is lower-cased in one go (compact mode).
        size_t j = i;
        if (mode_ == NaturalKeyMode::kCompact) {
          while (j < e.size() && e[j] >= 0x04 && e[j] < 0x80 && (e[j] < '0' || e[j] > '9')) ++j;
        }
        if (j > i) {
          size_t old = out_->size();
          out_->resize(old + (j - i));
          char* p = out_->data() + old;
          for (size_t k = i; k < j; ++k) {
            char ch = static_cast<char>(e[k]);
            *p++ = ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + ('a' - 'A')) : ch;
          }
          i = j;
        } else {
          AppendText(static_cast<char32_t>(c));
          ++i;
        }
        last_number = false;
      }
    }
    if (!last_number) out_->push_back(kEndText);
    out_->push_back(kEndElement);
  }

  // Appends a number token for a run of decimal digits.
  template <class View>
  void AppendNumber(View run) {
    size_t first = 0;
    while (first < run.size() && DecimalValue(run[first]) == 0) ++first;
    size_t n = run.size() - first;
    if (n < kShortCountLimit) {
      out_->push_back(static_cast<char>(kShortCountBase + n));
    } else {
      out_->push_back(kLongCount);
      uint32_t n32 = static_cast<uint32_t>(n);
      for (int shift = 24; shift >= 0; shift -= 8) {
        out_->push_back(static_cast<char>((n32 >> shift) & 0xFF));
      }
    }
    for (size_t k = first; k < run.size(); ++k) {
      out_->push_back(static_cast<char>('0' + DecimalValue(run[k])));
    }
  }

  // Appends one code point of folded text (ASCII is lower-cased here), with groupletters'
  // casefold(c) in front of it in kExact mode.
  void AppendText(char32_t c) {
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    const char32_t* expanding = GroupletterFold(c);
    if (mode_ == NaturalKeyMode::kExact) {
      if (expanding != nullptr) {
        for (int k = 0; k < 3 && expanding[k] != 0; ++k) AppendTextCodePoint(expanding[k], out_);
      } else {
        AppendTextCodePoint(c, out_);
      }
    } else if (expanding != nullptr) {
      exact_enough_ = false;
    }
    AppendTextCodePoint(c, out_);
  }

  NaturalKeyMode mode_;
  std::string* out_;
  bool exact_enough_ = true;
};

// Python's str.replace(old, "") on code points.
template <class View, class String>
void RemoveAll(View s, View old, String* out) {
  out->clear();
  size_t i = 0;
  while (i < s.size()) {
    if (!old.empty() && s.substr(i, old.size()) == old) {
      i += old.size();
    } else {
      out->push_back(s[i++]);
    }
  }
}

// Appends the key of a name given as code points: View is std::string_view when the name is
// all ASCII, else std::u32string_view; String is the matching scratch string type.
template <class View, class String>
bool AppendKey(View all, NaturalKeyMode mode, String* base_buffer, std::vector<View>* parts,
               std::string* out) {
  using Char = typename View::value_type;
  constexpr Char kSlash = '/';
  constexpr Char kDot = '.';
  static constexpr Char kDotString[] = {kDot, 0};
  parts->clear();
  // PurePath's parts: a root ("/", or "//" exactly) then the non-empty parts other than ".".
  if (!all.empty() && all[0] == kSlash) {
    bool two = all.size() >= 2 && all[1] == kSlash && (all.size() == 2 || all[2] != kSlash);
    parts->push_back(all.substr(0, two ? 2 : 1));
  }
  for (size_t i = 0; i < all.size();) {
    size_t end = all.find(kSlash, i);
    if (end == View::npos) end = all.size();
    View part = all.substr(i, end - i);
    if (!part.empty() && part != View(kDotString)) parts->push_back(part);
    i = end + 1;
  }
  if (parts->empty()) parts->push_back(View(kDotString));  // str(PurePath("")) is "."

  KeyBuilder builder(mode, out);
  View base = parts->back();
  for (size_t p = 0; p + 1 < parts->size(); ++p) builder.AppendElement((*parts)[p]);

  // PurePath(base).suffixes, then natsort's cut at the last suffix that starts with a digit.
  size_t kept = base.size();  // where the kept suffixes start; base.size() when none
  if (base.back() != kDot) {
    size_t stripped = base.find_first_not_of(kDot);
    size_t dot = base.find(kDot, stripped);
    if (dot != View::npos) kept = dot;
    while (dot != View::npos) {
      if (dot + 1 < base.size() && DecimalValue(static_cast<char32_t>(base[dot + 1])) >= 0) {
        kept = base.find(kDot, dot + 1);
        if (kept == View::npos) kept = base.size();
      }
      dot = base.find(kDot, dot + 1);
    }
  }
  View suffixes = base.substr(kept);
  if (suffixes.empty()) {
    builder.AppendElement(base);
  } else {
    RemoveAll(base, suffixes, base_buffer);
    if (!base_buffer->empty()) builder.AppendElement(View(*base_buffer));
    while (!suffixes.empty()) {
      size_t next = suffixes.find(kDot, 1);
      if (next == View::npos) next = suffixes.size();
      builder.AppendElement(suffixes.substr(0, next));
      suffixes.remove_prefix(next);
    }
  }
  out->push_back(kEndName);
  return mode == NaturalKeyMode::kExact || builder.exact_enough();
}

}  // namespace

bool AppendNaturalKey(std::string_view name, NaturalKeyMode mode, std::string* out) {
  // Scratch buffers, reused across calls so that a sort of a million names does not allocate
  // per name.
  thread_local std::string ascii_base;
  thread_local std::vector<std::string_view> ascii_parts;
  thread_local std::u32string text;
  thread_local std::u32string text_base;
  thread_local std::vector<std::u32string_view> text_parts;
  bool ascii = true;
  for (char c : name) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return AppendKey(name, mode, &ascii_base, &ascii_parts, out);
  text.clear();
  for (Utf8Decoder dec(name); !dec.done();) text.push_back(dec.Next());
  return AppendKey(std::u32string_view(text), mode, &text_base, &text_parts, out);
}

int CompareNatural(std::string_view a, std::string_view b) {
  std::string ka, kb;
  bool exact = AppendNaturalKey(a, NaturalKeyMode::kCompact, &ka);
  exact = AppendNaturalKey(b, NaturalKeyMode::kCompact, &kb) && exact;
  if (!exact) {
    ka.clear();
    kb.clear();
    AppendNaturalKey(a, NaturalKeyMode::kExact, &ka);
    AppendNaturalKey(b, NaturalKeyMode::kExact, &kb);
  }
  int c = ka.compare(kb);
  if (c != 0) return c < 0 ? -1 : 1;
  return CompareCodePoints(a, b);
}

}  // namespace ingest
