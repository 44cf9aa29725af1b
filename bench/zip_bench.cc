// upload/zip_stream benchmarks (issue 14): is generating the zip of N members as fast as
// reading the members? Three figures on the same files, hot in the page cache:
// - BM_ReadFiles: each file pread in 1 MiB blocks (what `cat` does; the yardstick);
// - BM_ZipStream: the stored zip of the same files read by ZipStream::ReadAt in 1 MiB blocks
//   (what the transfer engine would send), which hashes every byte with zlib's crc32;
// - BM_Crc32: zlib's crc32 alone over a 1 MiB buffer in memory; BM_Crc32Libdeflate: the same
//   with libdeflate's (PCLMULQDQ); BM_Crc32Isal: ISA-L's (AVX-512 VPCLMULQDQ where the CPU has
//   it), the one ZipStream uses.
// Corpora: Arg(0) 2,000 x 100 KiB (images), Arg(1) 8 x 16 MiB (video-sized), made at start
// in a temp dir. Compare bytes_per_second.
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <isa-l/crc.h>
#include <libdeflate.h>
#include <unistd.h>
#include <zlib.h>

#include "engine/unique_fd.h"
#include "tests/testing/temp_dir.h"
#include "upload/file_reader.h"
#include "upload/zip_layout.h"
#include "upload/zip_stream.h"

namespace ingest::upload {
namespace {

constexpr size_t kBlock = 1 << 20;

struct Corpus {
  ingest::testing::ScopedTempDir dir;
  std::vector<std::string> paths;
  std::vector<ZipMember> members;
  uint64_t bytes = 0;
  Corpus(size_t files, size_t size) {
    const std::string content = ingest::testing::PseudoRandomBytes(size, 7);
    for (size_t i = 0; i < files; ++i) {
      const std::string name = "cam" + std::to_string(i % 20) + "/" + std::to_string(i) + ".jpg";
      paths.push_back(dir.Join(name));
      ingest::testing::WriteFile(paths.back(), content);
      members.push_back({name, size});
      bytes += size;
    }
  }
};

Corpus& TheCorpus(int64_t which) {
  static Corpus images(2000, 100 << 10);
  static Corpus videos(8, 16 << 20);
  return which == 0 ? images : videos;
}

void BM_ReadFiles(benchmark::State& state) {
  Corpus& corpus = TheCorpus(state.range(0));
  std::vector<char> buf(kBlock);
  for (auto _ : state) {
    for (const std::string& path : corpus.paths) {
      UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      off_t at = 0;
      ssize_t r;
      while ((r = ::pread(fd.get(), buf.data(), buf.size(), at)) > 0) at += r;
      if (r < 0) state.SkipWithError("read");
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus.bytes));
}
BENCHMARK(BM_ReadFiles)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ZipStream(benchmark::State& state) {
  Corpus& corpus = TheCorpus(state.range(0));
  std::vector<char> buf(kBlock);
  uint64_t total = 0;
  for (auto _ : state) {
    auto layout = ZipLayout::Plan(corpus.members);
    if (!layout) {
      state.SkipWithError(layout.error().ToString().c_str());
      return;
    }
    ZipSource source;
    source.open = [&corpus](size_t i) { return OpenFileReader(corpus.paths[i]); };
    ZipStream stream(std::move(*layout), source);
    total = stream.total_size();
    for (uint64_t at = 0; at < total;) {
      auto got = stream.ReadAt(at, buf.data(), buf.size());
      if (!got || *got == 0) {
        state.SkipWithError("zip read");
        return;
      }
      at += *got;
    }
  }
  // Counted as the members' bytes, so the rate compares with BM_ReadFiles directly.
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus.bytes));
  state.counters["zip_overhead_bytes"] = static_cast<double>(total - corpus.bytes);
}
BENCHMARK(BM_ZipStream)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Crc32(benchmark::State& state) {
  const std::string data = ingest::testing::PseudoRandomBytes(kBlock, 3);
  uLong crc = 0;
  for (auto _ : state) {
    crc = crc32_z(crc, reinterpret_cast<const Bytef*>(data.data()), data.size());
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Crc32);

void BM_Crc32Libdeflate(benchmark::State& state) {
  const std::string data = ingest::testing::PseudoRandomBytes(kBlock, 3);
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = libdeflate_crc32(crc, data.data(), data.size());
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Crc32Libdeflate);

void BM_Crc32Isal(benchmark::State& state) {
  const std::string data = ingest::testing::PseudoRandomBytes(kBlock, 3);
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = crc32_gzip_refl(crc, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Crc32Isal);

}  // namespace
}  // namespace ingest::upload
