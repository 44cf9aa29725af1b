// Whole-pipeline benchmarks: XXH3-128 hashing per buffer size (engine/hasher, which takes the
// run-time dispatched variant: engine/xxh3.h; BM_Xxh3_128Sse2 is libxxhash's plain function
// for comparison), and a complete `manifest` run
// (walk, header probe on the worker pool, order, write) over a generated tree of 1080p JPEGs
// with a warm page cache.
#include <benchmark/benchmark.h>
#include <xxhash.h>

#include <string>
#include <vector>

#include "engine/hasher.h"
#include "engine/scanner.h"
#include "manifest/image_manifest.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"

namespace ingest {
namespace {

void BM_Xxh3_128(benchmark::State& state) {
  std::string buf(static_cast<size_t>(state.range(0)), '\0');
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 2654435761u >> 24);
  for (auto _ : state) {
    Hash128 h = HashBytes(buf.data(), buf.size());
    benchmark::DoNotOptimize(h);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Xxh3_128)->Arg(4 << 10)->Arg(64 << 10)->Arg(1 << 20)->Arg(16 << 20);

void BM_Xxh3_128Sse2(benchmark::State& state) {
  std::string buf(static_cast<size_t>(state.range(0)), '\0');
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 2654435761u >> 24);
  for (auto _ : state) {
    XXH128_hash_t h = XXH3_128bits(buf.data(), buf.size());  // no engine/xxh3.h here
    benchmark::DoNotOptimize(h);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Xxh3_128Sse2)->Arg(1 << 20);

// Streaming, as a file is hashed while it is read or sent: engine's Hasher against the plain
// XXH3_128bits_update.
void BM_Xxh3_128Update(benchmark::State& state) {
  std::string buf(static_cast<size_t>(state.range(0)), '\0');
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 2654435761u >> 24);
  Hasher hasher;
  for (auto _ : state) hasher.Update(buf.data(), buf.size());
  benchmark::DoNotOptimize(hasher.Digest());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Xxh3_128Update)->Arg(1 << 20);

void BM_Xxh3_128UpdateSse2(benchmark::State& state) {
  std::string buf(static_cast<size_t>(state.range(0)), '\0');
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 2654435761u >> 24);
  XXH3_state_t* st = XXH3_createState();
  XXH3_128bits_reset(st);
  for (auto _ : state) XXH3_128bits_update(st, buf.data(), buf.size());
  benchmark::DoNotOptimize(XXH3_128bits_digest(st));
  XXH3_freeState(st);
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Xxh3_128UpdateSse2)->Arg(1 << 20);

// A tree of `n` 1080p JPEGs (one encoded image, each copy made distinct by a COM segment),
// 500 per folder, built once per process.
const std::string& JpegTree(int n) {
  static testing::ScopedTempDir dir;
  static int built = 0;
  if (built != n) {
    std::string jpeg = testing::WriteJpeg(1920, 1080);
    for (int i = 0; i < n; ++i) {
      std::string tag = "image " + std::to_string(i);
      std::string seg = std::string("\xFF\xFE") + static_cast<char>((tag.size() + 2) >> 8) +
                        static_cast<char>((tag.size() + 2) & 0xFF) + tag;
      testing::WriteFile(dir.Join("tree/d" + std::to_string(i / 500) + "/img_" +
                                  std::to_string(i) + ".jpg"),
                         jpeg.substr(0, 2) + seg + jpeg.substr(2));
    }
    built = n;
  }
  static std::string root = dir.Join("tree");
  return root;
}

void BM_ManifestRun(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  std::vector<std::string> sources = {JpegTree(n)};
  std::string out = sources[0] + "/../manifest.jsonl";
  for (auto _ : state) {
    ScanOptions options;
    options.hash = false;
    Result<ScanResult> scan = Scan(sources, options);
    if (!scan) {
      state.SkipWithError(scan.error().ToString().c_str());
      break;
    }
    Result<manifest::ImageManifestPlan> plan = manifest::PlanImageManifest(*scan, {});
    if (!plan || !manifest::WriteImageManifest(out, *scan, *plan).ok()) {
      state.SkipWithError("manifest failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_ManifestRun)->Arg(5000)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same tree scanned with hashing (every byte read): the cost of change detection.
void BM_ScanWithHash(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  std::vector<std::string> sources = {JpegTree(n)};
  int64_t bytes = 0;
  for (auto _ : state) {
    Result<ScanResult> scan = Scan(sources, {});
    if (!scan) {
      state.SkipWithError(scan.error().ToString().c_str());
      break;
    }
    for (const FileRecord& f : scan->files) bytes += static_cast<int64_t>(f.size);
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_ScanWithHash)->Arg(5000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace ingest
