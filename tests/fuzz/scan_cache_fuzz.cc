// libFuzzer harness: the scan cache reader (engine/scan_cache.h), ScanCache::Load.
//
// Input: a flag byte, then bytes. Bits 1-3 of the flag are the options the scan asks for.
// Bit 0 clear: the bytes are the payload, wrapped here into a well-formed cache file (magic,
// version, sizes, XXH3-64 checksum, zstd frame), so the fuzzer reaches the payload decoder
// past the checksum that would stop almost every mutation. Bit 0 set: the bytes are the file.
// Load must never crash or allocate without bound, whatever the file holds.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <zstd.h>

#include "engine/scan_cache.h"
#include "engine/xxh3.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

std::string Wrap(std::string_view payload) {
  std::string out = "CVATSCAN";
  auto put = [&out](auto v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(uint32_t{ingest::kScanCacheVersion});
  put(uint32_t{ingest::kCacheHash | ingest::kCacheProbe | ingest::kCachePixels});
  put(uint64_t{payload.size()});
  put(uint64_t{XXH3_64bits(payload.data(), payload.size())});
  std::string frame(ZSTD_compressBound(payload.size()), '\0');
  size_t z = ZSTD_compress(frame.data(), frame.size(), payload.data(), payload.size(), 1);
  if (ZSTD_isError(z)) ingest::fuzz::Violated("zstd failed");
  out.append(frame.data(), z);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ingest::fuzz::AsText(data, size);
  if (in.empty()) return 0;
  const unsigned flags = static_cast<unsigned char>(in[0]);
  in.remove_prefix(1);
  const std::string path = ingest::fuzz::ScratchDir() + "/scan.cache";
  ingest::fuzz::WriteBytes(path, (flags & 1) ? std::string(in) : Wrap(in));

  std::string warning;
  ingest::ScanCache cache = ingest::ScanCache::Load(path, (flags >> 1) & 7, &warning);
  if (!warning.empty()) {
    INGEST_FUZZ_CHECK(cache.size() == 0);
    INGEST_FUZZ_CHECK(warning.find(path) != std::string::npos);
  }
  // Lookups on whatever loaded.
  ingest::FileStamp stamp;
  (void)cache.Find("/src", "a.jpg", stamp);
  (void)cache.Find("", "", stamp);
  (void)cache.FindArchive("/src", stamp);
  (void)cache.FindArchive("", stamp);
  return 0;
}
