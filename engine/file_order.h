// File order: CVAT's sorting_method values, computed on the client.
//
// CVAT orders the files of a task by the data request's `sorting_method`. We compute the same
// order here, so that the manifest can be written in the final order and the upload can send
// `predefined` with `upload_file_order` (the server then keeps our order as it is):
// - lexicographical: Python sorted() on str, i.e. code-point order (CompareCodePoints).
// - natural: natsort.os_sorted as the server runs it (see natural_key.h for the details and the
//   few known deviations). Names natsort finds equal are ordered by code point.
// - predefined: the input order.
// - random: a shuffle that depends only on the seed and the set of names: the names are put in
//   lexicographical order, then shuffled with Fisher-Yates driven by SplitMix64(seed), so any
//   machine and compiler gives the same order. (CVAT's own random is unseeded.)
// Every order is deterministic and stable: identical names keep their input order.
#ifndef INGEST_ENGINE_FILE_ORDER_H_
#define INGEST_ENGINE_FILE_ORDER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace ingest {

enum class SortingMethod : uint8_t {
  kLexicographical,
  kNatural,
  kPredefined,
  kRandom,
};

// Parses CVAT's spelling ("lexicographical", "natural", "predefined", "random").
// InvalidArgument for anything else.
Result<SortingMethod> ParseSortingMethod(std::string_view name);

// CVAT's spelling of `method`.
std::string_view SortingMethodName(SortingMethod method);

// Returns the order of `names` under `method`: element k of the result is the index (into
// `names`) of the k-th name. `seed` is used by kRandom only. REQUIRES: names.size() < 2^32.
// Time O(n log n) with one key per name built up front; memory O(n) plus the keys (about the
// names' total length).
std::vector<uint32_t> OrderNames(std::span<const std::string_view> names, SortingMethod method,
                                 uint64_t seed);

// OrderNames over any collection: name_of(i) returns the std::string_view name of item i
// (i < count), e.g. [&](size_t i) { return std::string_view(records[i].rel_path); }.
template <class NameOf>
std::vector<uint32_t> OrderBy(size_t count, NameOf&& name_of, SortingMethod method,
                              uint64_t seed) {
  std::vector<std::string_view> names;
  names.reserve(count);
  for (size_t i = 0; i < count; ++i) names.push_back(name_of(i));
  return OrderNames(names, method, seed);
}

// Sorts `names` in place under `method`.
void SortNames(std::span<std::string_view> names, SortingMethod method, uint64_t seed);

// SplitMix64 (Steele, Lea and Flood, 2014), the fixed PRNG behind kRandom:
//   state += 0x9E3779B97F4A7C15; z = state;
//   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
//   return z ^ (z >> 31);
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // A uniform draw in [0, bound) without modulo bias: draws below 2^64 mod bound are
  // rejected, then the draw is taken mod bound. REQUIRES: bound > 0.
  uint64_t Below(uint64_t bound);

 private:
  uint64_t state_;
};

// Fisher-Yates: for i = n-1 down to 1, swap order[i] with order[Below(i + 1)].
void Shuffle(std::span<uint32_t> order, uint64_t seed);

}  // namespace ingest

#endif  // INGEST_ENGINE_FILE_ORDER_H_
