// Benchmarks for engine/file_order and engine/natural_key over generated names.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "engine/file_order.h"
#include "engine/natural_key.h"

namespace ingest {
namespace {

// `count` names shaped like real corpora: camera names, frame dumps, mixed case, dirs.
std::vector<std::string> MakeNames(size_t count) {
  static const char* const kStems[] = {"IMG_", "img_", "frame", "Frame ", "DSC0", "scan-",
                                       "photo.", "video1_frame_", "Straße_", "x"};
  SplitMix64 rng(42);
  std::vector<std::string> names;
  names.reserve(count);
  char buf[128];
  for (size_t i = 0; i < count; ++i) {
    unsigned dir = static_cast<unsigned>(rng.Below(50));
    const char* stem = kStems[rng.Below(std::size(kStems))];
    unsigned long long num = rng.Below(1000000);
    const char* ext = rng.Below(2) != 0 ? ".jpg" : ".PNG";
    std::snprintf(buf, sizeof(buf), "set%u/part_%u/%s%06llu%s", dir / 10, dir, stem, num, ext);
    names.push_back(buf);
  }
  return names;
}

void BM_NaturalCompare(benchmark::State& state) {
  std::vector<std::string> names = MakeNames(1024);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(CompareNatural(names[i & 1023], names[(i + 1) & 1023]));
    ++i;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_NaturalCompare);

void BM_NaturalKey(benchmark::State& state) {
  std::vector<std::string> names = MakeNames(1024);
  std::string key;
  size_t i = 0;
  for (auto _ : state) {
    key.clear();
    benchmark::DoNotOptimize(AppendNaturalKey(names[i++ & 1023], NaturalKeyMode::kCompact, &key));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_NaturalKey);

void SortBench(benchmark::State& state, SortingMethod method) {
  std::vector<std::string> names = MakeNames(static_cast<size_t>(state.range(0)));
  std::vector<std::string_view> views(names.begin(), names.end());
  for (auto _ : state) {
    std::vector<uint32_t> order = OrderNames(views, method, 7);
    benchmark::DoNotOptimize(order.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_SortNatural(benchmark::State& state) { SortBench(state, SortingMethod::kNatural); }
void BM_SortLexicographic(benchmark::State& state) {
  SortBench(state, SortingMethod::kLexicographical);
}
void BM_SortRandom(benchmark::State& state) { SortBench(state, SortingMethod::kRandom); }
BENCHMARK(BM_SortNatural)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SortLexicographic)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SortRandom)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ingest
