// Benchmarks for manifest/: encoding image lines and reading a manifest back.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include <unistd.h>

#include "manifest/manifest_reader.h"
#include "manifest/manifest_writer.h"

namespace ingest::manifest {
namespace {

void BM_EncodeImageLine(benchmark::State& state) {
  std::string out;
  int64_t i = 0;
  for (auto _ : state) {
    out.clear();
    AppendImageLine({"dataset/camera_03/IMG_20240101_000123", ".jpg", 1920 + (i & 7), 1080,
                     std::nullopt, {}},
                    &out);
    benchmark::DoNotOptimize(out.data());
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeImageLine);

void BM_ReadManifest(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::string path = "/tmp/ingest_manifest_bench_" + std::to_string(::getpid()) + ".jsonl";
  {
    auto w = ImageManifestWriter::Open(path);
    if (!w) {
      state.SkipWithError(w.error().ToString().c_str());
      return;
    }
    char name[64];
    for (int64_t i = 0; i < n; ++i) {
      std::snprintf(name, sizeof(name), "dataset/camera_%02d/IMG_%08lld", static_cast<int>(i % 16),
                    static_cast<long long>(i));
      if (!(*w)->Append({name, ".jpg", 1920, 1080, std::nullopt, {}}).ok()) return;
    }
    if (!(*w)->Close().ok()) return;
  }
  for (auto _ : state) {
    auto r = ManifestReader::Open(path);
    if (!r) {
      state.SkipWithError(r.error().ToString().c_str());
      break;
    }
    ImageItem item;
    int64_t count = 0;
    for (;;) {
      Result<bool> more = (*r)->Next(&item);
      if (!more || !*more) break;
      ++count;
    }
    benchmark::DoNotOptimize(count);
  }
  state.SetItemsProcessed(state.iterations() * n);
  ::unlink(path.c_str());
}
BENCHMARK(BM_ReadManifest)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ingest::manifest
