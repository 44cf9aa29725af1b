// Engine micro-benchmarks. Inputs are generated in-process (tests/testing/image_writer).
//
// BM_Probe<Format> probe an in-memory file (parsing cost only); the *File variants probe a
// file through FdByteSource, which adds the pread a scan pays per file (page cache warm).
#include <string>

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <fcntl.h>

#include "engine/image_probe.h"
#include "engine/md5_lanes.h"
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

// md5 of decoded 1080p RGB frames (what --checksum pixels hashes): OpenSSL one frame at a
// time against Md5Many over eight. Bytes/s are per thread of work.
std::vector<std::vector<uint8_t>> Frames1080p(size_t n) {
  std::vector<std::vector<uint8_t>> frames(n, std::vector<uint8_t>(1920 * 1080 * 3));
  for (size_t f = 0; f < n; ++f) {
    for (size_t i = 0; i < frames[f].size(); ++i) frames[f][i] = static_cast<uint8_t>(i * 7 + f);
  }
  return frames;
}

void BM_Md5OpensslFrame(benchmark::State& state) {
  static const auto frames = Frames1080p(1);
  Md5Digest d{};
  for (auto _ : state) {
    unsigned len = 0;
    EVP_Digest(frames[0].data(), frames[0].size(), d.data(), &len, EVP_md5(), nullptr);
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * frames[0].size()));
}

// Arg: the Md5Kernel (1 scalar, 2 AVX2, 3 AVX-512VL); skipped where the CPU lacks it.
void BM_Md5ManyFrames8(benchmark::State& state) {
  static const auto frames = Frames1080p(8);
  const auto kernel = static_cast<Md5Kernel>(state.range(0));
  if (!Md5KernelSupported(kernel)) {
    state.SkipWithError("kernel not supported on this CPU");
    return;
  }
  std::vector<std::span<const uint8_t>> in(frames.begin(), frames.end());
  std::vector<Md5Digest> out(8);
  for (auto _ : state) {
    Md5ManyWith(kernel, in, out);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * 8 * frames[0].size()));
}

BENCHMARK(BM_Md5OpensslFrame)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Md5ManyFrames8)->Arg(1)->Arg(2)->Arg(3)->Unit(benchmark::kMillisecond);
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
