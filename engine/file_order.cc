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

// The sort. Both sorted methods reduce to ordering byte-string keys (memcmp order, a proper
// prefix first), with a tie-break for equal keys. Sorting moves 16-byte items, not names: an
// item caches eight key bytes (from `depth` on) as one big-endian integer, zero-padded, plus
// how many of those bytes exist (9 = the key goes on). A range is sorted by that pair; runs
// that still tie are refined eight bytes deeper, so most comparisons never touch the keys.
// Runs whose keys ended are equal keys and get the tie-break. Each item's key is read once
// per level it takes part in, so the cost is about n log n integer comparisons plus the bytes
// needed to tell names apart (an MSD radix sort with comparison-sorted buckets).
struct SortItem {
  uint64_t chunk;
  uint32_t index;
  uint32_t chunk_len;  // key bytes in chunk, 0..8, or 9 when the key continues
};

bool ChunkLess(const SortItem& a, const SortItem& b) {
  return a.chunk != b.chunk ? a.chunk < b.chunk : a.chunk_len < b.chunk_len;
}
bool ChunkEqual(const SortItem& a, const SortItem& b) {
  return a.chunk == b.chunk && a.chunk_len == b.chunk_len;
}

void LoadChunk(std::string_view key, size_t depth, SortItem* item) {
  unsigned char buf[8] = {};
  size_t rest = depth < key.size() ? key.size() - depth : 0;
  size_t n = std::min<size_t>(rest, 8);
  if (n > 0) std::memcpy(buf, key.data() + depth, n);
  uint64_t v = 0;
  for (unsigned char b : buf) v = (v << 8) | b;
  item->chunk = v;
  item->chunk_len = rest > 8 ? 9 : static_cast<uint32_t>(n);
}

// Sorts `items` by key_of(index), then by tie_less(index, index) for equal keys.
template <class KeyOf, class TieLess>
void SortByKeys(std::vector<SortItem>& items, KeyOf key_of, TieLess tie_less) {
  struct Range {
    size_t first, last, depth;
  };
  std::vector<Range> todo = {{0, items.size(), 0}};
  while (!todo.empty()) {
    Range r = todo.back();
    todo.pop_back();
    for (size_t i = r.first; i < r.last; ++i) LoadChunk(key_of(items[i].index), r.depth, &items[i]);
    std::sort(items.begin() + r.first, items.begin() + r.last, ChunkLess);
    for (size_t i = r.first; i < r.last;) {
      size_t j = i + 1;
      while (j < r.last && ChunkEqual(items[i], items[j])) ++j;
      if (j - i > 1) {
        if (items[i].chunk_len == 9) {
          todo.push_back({i, j, r.depth + 8});
        } else {
          std::sort(items.begin() + i, items.begin() + j,
                    [&](const SortItem& a, const SortItem& b) { return tie_less(a.index, b.index); });
        }
      }
      i = j;
    }
  }
}

std::vector<SortItem> Items(size_t n) {
  std::vector<SortItem> items(n);
  for (size_t i = 0; i < n; ++i) items[i].index = static_cast<uint32_t>(i);
  return items;
}

std::vector<uint32_t> Indices(const std::vector<SortItem>& items) {
  std::vector<uint32_t> order(items.size());
  for (size_t i = 0; i < items.size(); ++i) order[i] = items[i].index;
  return order;
}

// Re-encodes `name` so that byte order is code-point order: an escaped byte (U+DC80..U+DCFF)
// becomes its 3-byte UTF-8-style form; valid UTF-8 stays as it is.
void AppendCodePointKey(std::string_view name, std::string* out) {
  for (Utf8Decoder dec(name); !dec.done();) AppendUtf8(dec.Next(), out);
}

// Keys in one buffer: key i is keys[offsets[i], offsets[i + 1]).
struct KeyTable {
  std::string keys;
  std::vector<size_t> offsets;

  std::string_view Key(size_t i) const {
    return std::string_view(keys).substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
};

std::vector<uint32_t> OrderLexicographical(std::span<const std::string_view> names) {
  // Valid UTF-8 is its own key. The rare invalid names get a re-encoded copy.
  KeyTable invalid;
  std::vector<uint32_t> slot(names.size(), UINT32_MAX);
  invalid.offsets.push_back(0);
  for (size_t i = 0; i < names.size(); ++i) {
    if (IsValidUtf8(names[i])) continue;
    slot[i] = static_cast<uint32_t>(invalid.offsets.size() - 1);
    AppendCodePointKey(names[i], &invalid.keys);
    invalid.offsets.push_back(invalid.keys.size());
  }
  std::vector<SortItem> items = Items(names.size());
  SortByKeys(
      items,
      [&](uint32_t i) { return slot[i] == UINT32_MAX ? names[i] : invalid.Key(slot[i]); },
      [](uint32_t a, uint32_t b) { return a < b; });  // equal keys are equal names
  return Indices(items);
}

std::vector<uint32_t> OrderNatural(std::span<const std::string_view> names) {
  // Keys in kCompact mode unless some name needs kExact; then all keys in kExact mode.
  KeyTable table;
  size_t total = 0;
  for (std::string_view name : names) total += name.size() + 8;
  for (NaturalKeyMode mode : {NaturalKeyMode::kCompact, NaturalKeyMode::kExact}) {
    table.keys.clear();
    table.keys.reserve(total);
    table.offsets.assign(1, 0);
    table.offsets.reserve(names.size() + 1);
    bool exact = true;
    for (std::string_view name : names) {
      exact = AppendNaturalKey(name, mode, &table.keys) && exact;
      table.offsets.push_back(table.keys.size());
    }
    if (exact) break;
  }
  std::vector<SortItem> items = Items(names.size());
  SortByKeys(items, [&](uint32_t i) { return table.Key(i); },
             [&](uint32_t a, uint32_t b) {
               int c = CompareCodePoints(names[a], names[b]);
               return c != 0 ? c < 0 : a < b;
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
