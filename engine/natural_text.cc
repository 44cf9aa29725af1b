// Unicode normalisation and case mapping for natural keys, from generated tables.
//
// natsort (LOCALE | IGNORECASE, C collation) turns an element's text into
// NFC(casefold(swapcase(NFD(text)))). Both case maps work one code point at a time (swapcase's
// only context rule, final sigma, is undone by casefold: "σ" either way), so the transform is:
// 1. canonical decomposition of every code point (tables; Hangul syllables by arithmetic) and
//    canonical reordering of each run of combining marks by combining class (stable);
// 2. the per-code-point case map (swapcase then casefold);
// 3. NFC of the result: decomposition and reordering again (a case map can output a
//    precomposed letter or change a mark's class: U+0345 becomes U+03B9), then canonical
//    composition (UAX #15: a mark composes with the last starter unless a character between
//    them has class 0 or a class not below its own).
// tools/gen_natural_tables.py writes the tables from Python's unicodedata, so the result is
// Python's own; tools/natural_diff.py checks the order against natsort.
#include "engine/natural_text.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <utility>

namespace ingest {
namespace {

struct DigitChar {
  char32_t cp;
  unsigned char value;
};

struct FoldEntry {
  char32_t cp;
  char32_t out[3];  // zero-padded
};

struct Decomposition {
  char32_t cp;
  uint16_t offset;  // into kDecompositionData
  uint8_t length;
};

struct CombiningRange {
  char32_t first;
  char32_t last;
  uint8_t ccc;
};

struct Composition {
  char32_t first;
  char32_t second;
  char32_t composite;
};

#include "engine/natural_tables.inc"

// Hangul syllables (Unicode ch. 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr char32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

template <class Entry, size_t N>
const Entry* FindEntry(const Entry (&table)[N], char32_t c) {
  const Entry* it = std::lower_bound(std::begin(table), std::end(table), c,
                                     [](const Entry& e, char32_t v) { return e.cp < v; });
  return it != std::end(table) && it->cp == c ? it : nullptr;
}

int CombiningClass(char32_t c) {
  if (c < 0x300) return 0;
  const CombiningRange* it =
      std::upper_bound(std::begin(kCombiningRanges), std::end(kCombiningRanges), c,
                       [](char32_t v, const CombiningRange& r) { return v < r.first; });
  if (it == std::begin(kCombiningRanges)) return 0;
  --it;
  return c <= it->last ? it->ccc : 0;
}

// Appends the full canonical decomposition of c.
void AppendDecomposed(char32_t c, std::u32string* out) {
  if (c < 0xC0) {
    out->push_back(c);
  } else if (c >= kSBase && c < kSBase + kSCount) {
    char32_t s = c - kSBase;
    out->push_back(kLBase + s / kNCount);
    out->push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out->push_back(kTBase + s % kTCount);
  } else if (const Decomposition* d = FindEntry(kDecompositions, c)) {
    out->append(kDecompositionData + d->offset, d->length);
  } else {
    out->push_back(c);
  }
}

// Canonical ordering: a stable sort of every run of non-starters by combining class.
void ReorderMarks(std::u32string* s) {
  size_t i = 0;
  while (i < s->size()) {
    if (CombiningClass((*s)[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s->size() && CombiningClass((*s)[j]) != 0) ++j;
    if (j - i > 1) {
      std::stable_sort(
          s->begin() + static_cast<std::ptrdiff_t>(i), s->begin() + static_cast<std::ptrdiff_t>(j),
          [](char32_t a, char32_t b) { return CombiningClass(a) < CombiningClass(b); });
    }
    i = j;
  }
}

// The primary composite of (a, b), or 0.
char32_t Compose(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  }
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount) {
    return a + (b - kTBase);
  }
  const Composition* it =
      std::lower_bound(std::begin(kCompositions), std::end(kCompositions), std::pair(a, b),
                       [](const Composition& e, std::pair<char32_t, char32_t> v) {
                         return e.first != v.first ? e.first < v.first : e.second < v.second;
                       });
  return it != std::end(kCompositions) && it->first == a && it->second == b ? it->composite : 0;
}

// Canonical composition of a string in canonical (NFD) order, in place.
void ComposeInPlace(std::u32string* s) {
  size_t starter = std::u32string::npos;
  int last_class = 0;  // class of the last character kept after the starter
  size_t kept = 0;
  for (size_t i = 0; i < s->size(); ++i) {
    char32_t c = (*s)[i];
    int cc = CombiningClass(c);
    // Every second code point of a composition is U+0300 or above.
    if (starter != std::u32string::npos && c >= 0x300) {
      bool adjacent = kept == starter + 1;
      if (adjacent || (last_class != 0 && last_class < cc)) {
        if (char32_t composite = Compose((*s)[starter], c)) {
          (*s)[starter] = composite;
          continue;
        }
      }
    }
    if (cc == 0) starter = kept;
    last_class = cc;
    (*s)[kept++] = c;
  }
  s->resize(kept);
}

}  // namespace

int DecimalValue(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9' ? static_cast<int>(c - '0') : -1;
  const char32_t* it = std::upper_bound(std::begin(kDecimalZeros), std::end(kDecimalZeros), c);
  if (it == std::begin(kDecimalZeros)) return -1;
  char32_t zero = *(it - 1);
  return c - zero < 10 ? static_cast<int>(c - zero) : -1;
}

int DigitCharValue(char32_t c) {
  if (c < std::begin(kDigitChars)->cp) return -1;
  const DigitChar* it = FindEntry(kDigitChars, c);
  return it != nullptr ? it->value : -1;
}

void FoldElementText(std::u32string_view in, std::u32string* out) {
  thread_local std::u32string decomposed;
  decomposed.clear();
  for (char32_t c : in) AppendDecomposed(c, &decomposed);
  ReorderMarks(&decomposed);
  out->clear();
  for (char32_t c : decomposed) {
    if (c < 0x80) {  // ASCII: swapcase + casefold is lower-casing
      out->push_back(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
      continue;
    }
    const FoldEntry* map = FindEntry(kCaseMaps, c);
    if (map == nullptr) {
      AppendDecomposed(c, out);
      continue;
    }
    for (char32_t y : map->out) {
      if (y != 0) AppendDecomposed(y, out);
    }
  }
  ReorderMarks(out);
  ComposeInPlace(out);
}

const char32_t* GroupletterFold(char32_t c) {
  if (c < 0x80) return nullptr;
  const FoldEntry* e = FindEntry(kExpandingFolds, c);
  return e != nullptr ? e->out : nullptr;
}

}  // namespace ingest
