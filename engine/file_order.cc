#include "engine/file_order.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>

#include "engine/check.h"
#include "engine/natural_key.h"
#include "engine/path_text.h"

namespace ingest {
namespace {

// Sorting moves these 16-byte items, not names: most comparisons are decided by the first
// eight key bytes, read as one big-endian integer (zero-padded, which keeps the order: a key
// that ends early is a proper prefix and sorts first).
struct SortItem {
  uint64_t prefix;
  uint32_t index;
};

uint64_t LoadPrefix(const char* p, size_t n) {
  unsigned char buf[8] = {};
  std::memcpy(buf, p, std::min<size_t>(n, 8));
  uint64_t v = 0;
  for (unsigned char b : buf) v = (v << 8) | b;
  return v;
}

// The first eight bytes of `name` re-encoded so that byte order is code-point order: valid
// UTF-8 stays as it is; an escaped byte (U+DC80..U+DCFF) becomes its 3-byte UTF-8-style form.
uint64_t CodePointPrefix(std::string_view name) {
  size_t n = std::min<size_t>(name.size(), 8);
  bool ascii = true;
  for (size_t i = 0; i < n; ++i) ascii = ascii && static_cast<unsigned char>(name[i]) < 0x80;
  if (ascii) return LoadPrefix(name.data(), n);
  char buf[12];
  size_t len = 0;
  for (Utf8Decoder dec(name); !dec.done() && len < 8;) {
    char32_t c = dec.Next();
    if (c < 0x80) {
      buf[len++] = static_cast<char>(c);
    } else if (c < 0x800) {
      buf[len++] = static_cast<char>(0xC0 | (c >> 6));
      buf[len++] = static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      buf[len++] = static_cast<char>(0xE0 | (c >> 12));
      buf[len++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      buf[len++] = static_cast<char>(0x80 | (c & 0x3F));
    } else {
      buf[len++] = static_cast<char>(0xF0 | (c >> 18));
      buf[len++] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      buf[len++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      buf[len++] = static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return LoadPrefix(buf, len);
}

std::vector<uint32_t> Indices(const std::vector<SortItem>& items) {
  std::vector<uint32_t> order(items.size());
  for (size_t i = 0; i < items.size(); ++i) order[i] = items[i].index;
  return order;
}

std::vector<uint32_t> OrderLexicographical(std::span<const std::string_view> names) {
  std::vector<SortItem> items(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    items[i] = {CodePointPrefix(names[i]), static_cast<uint32_t>(i)};
  }
  std::sort(items.begin(), items.end(), [&](const SortItem& a, const SortItem& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    int c = CompareCodePoints(names[a.index], names[b.index]);
    return c != 0 ? c < 0 : a.index < b.index;
  });
  return Indices(items);
}

// All natural keys in one buffer: key i is keys[offsets[i], offsets[i + 1]).
struct KeyTable {
  std::string keys;
  std::vector<size_t> offsets;

  // Builds every key in `mode`; false when some name needs kExact.
  bool Build(std::span<const std::string_view> names, NaturalKeyMode mode) {
    keys.clear();
    offsets.assign(1, 0);
    offsets.reserve(names.size() + 1);
    bool exact = true;
    for (std::string_view name : names) {
      exact = AppendNaturalKey(name, mode, &keys) && exact;
      offsets.push_back(keys.size());
    }
    return exact;
  }
  std::string_view Key(uint32_t i) const {
    return std::string_view(keys).substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
};

std::vector<uint32_t> OrderNatural(std::span<const std::string_view> names) {
  KeyTable table;
  // Reserve roughly what compact keys need: the names plus a few marker bytes each.
  size_t total = 0;
  for (std::string_view name : names) total += name.size() + 8;
  table.keys.reserve(total);
  if (!table.Build(names, NaturalKeyMode::kCompact)) table.Build(names, NaturalKeyMode::kExact);

  std::vector<SortItem> items(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    std::string_view key = table.Key(static_cast<uint32_t>(i));
    items[i] = {LoadPrefix(key.data(), key.size()), static_cast<uint32_t>(i)};
  }
  std::sort(items.begin(), items.end(), [&](const SortItem& a, const SortItem& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    int c = table.Key(a.index).compare(table.Key(b.index));
    if (c == 0) c = CompareCodePoints(names[a.index], names[b.index]);
    return c != 0 ? c < 0 : a.index < b.index;
  });
  return Indices(items);
}

}  // namespace

Result<SortingMethod> ParseSortingMethod(std::string_view name) {
  for (SortingMethod m : {SortingMethod::kLexicographical, SortingMethod::kNatural,
                          SortingMethod::kPredefined, SortingMethod::kRandom}) {
    if (name == SortingMethodName(m)) return m;
  }
  return Status::InvalidArgument("unknown sorting method '" + std::string(name) +
                                 "' (expected lexicographical, natural, predefined or random)");
}

std::string_view SortingMethodName(SortingMethod method) {
  switch (method) {
    case SortingMethod::kLexicographical: return "lexicographical";
    case SortingMethod::kNatural: return "natural";
    case SortingMethod::kPredefined: return "predefined";
    case SortingMethod::kRandom: return "random";
  }
  return "?";
}

std::vector<uint32_t> OrderNames(std::span<const std::string_view> names, SortingMethod method,
                                 uint64_t seed) {
  INGEST_CHECK(names.size() < (uint64_t{1} << 32));
  switch (method) {
    case SortingMethod::kLexicographical: return OrderLexicographical(names);
    case SortingMethod::kNatural: return OrderNatural(names);
    case SortingMethod::kRandom: {
      std::vector<uint32_t> order = OrderLexicographical(names);
      Shuffle(order, seed);
      return order;
    }
    case SortingMethod::kPredefined: break;
  }
  std::vector<uint32_t> order(names.size());
  std::iota(order.begin(), order.end(), 0u);
  return order;
}

void SortNames(std::span<std::string_view> names, SortingMethod method, uint64_t seed) {
  std::vector<uint32_t> order = OrderNames(names, method, seed);
  std::vector<std::string_view> sorted(names.size());
  for (size_t k = 0; k < order.size(); ++k) sorted[k] = names[order[k]];
  std::copy(sorted.begin(), sorted.end(), names.begin());
}

uint64_t SplitMix64::Next() {
  state_ += 0x9E3779B97F4A7C15ull;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::Below(uint64_t bound) {
  INGEST_CHECK(bound > 0);
  uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
  for (;;) {
    uint64_t r = Next();
    if (r >= threshold) return r % bound;
  }
}

void Shuffle(std::span<uint32_t> order, uint64_t seed) {
  SplitMix64 rng(seed);
  for (size_t i = order.size(); i > 1; --i) {
    size_t j = static_cast<size_t>(rng.Below(i));
    std::swap(order[i - 1], order[j]);
  }
}

}  // namespace ingest
