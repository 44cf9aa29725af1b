// Engine micro-benchmarks. Inputs are generated in-process (tests/testing/image_writer).
//
// BM_Probe<Format> probe an in-memory file (parsing cost only); the *File variants probe a
// file through FdByteSource, which adds the pread a scan pays per file (page cache warm).
#include <string>

#include <benchmark/benchmark.h>
#include <fcntl.h>

#include "engine/image_probe.h"
#include "engine/unique_fd.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"

namespace ingest {
namespace {

using testing::BmpHeader;
using testing::WebpKind;

testing::ScopedTempDir& BenchDir() {
  static testing::ScopedTempDir dir;
  return dir;
}

void ProbeMemory(benchmark::State& state, const std::string& bytes) {
  for (auto _ : state) {
    SpanByteSource src(bytes);
    Result<ImageInfo> r = ProbeImage(src);
    if (!r.has_value()) {
      state.SkipWithError(r.error().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(r->width);
  }
  state.SetItemsProcessed(state.iterations());
}

void ProbeFile(benchmark::State& state, const std::string& name, const std::string& bytes) {
  std::string path = BenchDir().Join(name);
  testing::WriteFile(path, bytes);
  for (auto _ : state) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    FdByteSource src(fd.get(), bytes.size());
    Result<ImageInfo> r = ProbeImage(src);
    if (!r.has_value()) {
      state.SkipWithError(r.error().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(r->width);
  }
  state.SetItemsProcessed(state.iterations());
}

const std::string& Jpeg1080p() {
  static const std::string bytes = testing::WriteJpeg(1920, 1080, {.exif_orientation = 6});
  return bytes;
}
const std::string& Png1080p() {  // no EXIF: the probe walks every chunk to IEND
  static const std::string bytes = testing::WritePng(1920, 1080, {.noise = true});
  return bytes;
}

void BM_ProbeJpeg(benchmark::State& state) { ProbeMemory(state, Jpeg1080p()); }
void BM_ProbeJpegFile(benchmark::State& state) { ProbeFile(state, "a.jpg", Jpeg1080p()); }
void BM_ProbePng(benchmark::State& state) { ProbeMemory(state, Png1080p()); }
void BM_ProbePngFile(benchmark::State& state) { ProbeFile(state, "a.png", Png1080p()); }
void BM_ProbeGif(benchmark::State& state) {
  static const std::string bytes = testing::WriteGif(640, 480, 0, 0, 640, 480);
  ProbeMemory(state, bytes);
}
void BM_ProbeBmp(benchmark::State& state) {
  static const std::string bytes = testing::WriteBmp(640, 480, BmpHeader::kV5_124, true);
  ProbeMemory(state, bytes);
}
void BM_ProbeTiff(benchmark::State& state) {
  static const std::string bytes =
      testing::WriteTiff(BenchDir().path(), 640, 480, {.orientation = 6});
  ProbeMemory(state, bytes);
}
void BM_ProbeWebp(benchmark::State& state) {
  static const std::string bytes = testing::WriteWebp(640, 480, WebpKind::kExtended, 6);
  ProbeMemory(state, bytes);
}

BENCHMARK(BM_ProbeJpeg);
BENCHMARK(BM_ProbeJpegFile);
BENCHMARK(BM_ProbePng);
BENCHMARK(BM_ProbePngFile);
BENCHMARK(BM_ProbeGif);
BENCHMARK(BM_ProbeBmp);
BENCHMARK(BM_ProbeTiff);
BENCHMARK(BM_ProbeWebp);

}  // namespace
}  // namespace ingest
