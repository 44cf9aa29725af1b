// Benchmarks for server/: the receiver's multipart parser against a plain copy of the same
// bytes (the floor for any parser that hands the body out). The body is what `cvat-ingest
// upload` sends for small files: 100 KiB parts of random bytes. Reads of 4 KiB are what
// cpp-httplib hands a content receiver.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "server/multipart_parser.h"
#include "tests/testing/temp_dir.h"

namespace ingest::server {
namespace {

const std::string kBoundary = "----cvatingest0123456789abcdef";

std::string Body(int parts, size_t part_size) {
  std::string body;
  for (int i = 0; i < parts; ++i) {
    body += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"client_files[" +
            std::to_string(i) + "]\"; filename=\"img_" + std::to_string(i) +
            ".jpg\"\r\nContent-Type: application/octet-stream\r\n\r\n";
    body += testing::PseudoRandomBytes(part_size, static_cast<uint32_t>(i + 1));
    body += "\r\n";
  }
  return body + "--" + kBoundary + "--\r\n";
}

void BM_MultipartParse(benchmark::State& state) {
  const size_t read = static_cast<size_t>(state.range(0));
  const std::string body = Body(64, 100 << 10);
  uint64_t sink = 0;
  for (auto _ : state) {
    MultipartParser parser(
        kBoundary, [&](const MultipartPartHeader& h) { return (sink += h.name.size()), true; },
        [&](const char* data, size_t n) { return (sink += n + static_cast<uint8_t>(data[0])), true; });
    for (size_t at = 0; at < body.size(); at += read) {
      if (!parser.Feed(body.data() + at, std::min(read, body.size() - at))) break;
    }
    if (!parser.Finish()) state.SkipWithError(parser.error().c_str());
  }
  benchmark::DoNotOptimize(sink);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_MultipartParse)->Arg(4 << 10)->Arg(64 << 10);

// The floor: copying the body out in the same reads.
void BM_CopyInReads(benchmark::State& state) {
  const size_t read = static_cast<size_t>(state.range(0));
  const std::string body = Body(64, 100 << 10);
  std::vector<char> out(read);
  for (auto _ : state) {
    for (size_t at = 0; at < body.size(); at += read) {
      size_t n = std::min(read, body.size() - at);
      std::memcpy(out.data(), body.data() + at, n);
      benchmark::ClobberMemory();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_CopyInReads)->Arg(4 << 10)->Arg(64 << 10);

}  // namespace
}  // namespace ingest::server
