// engine/hasher against xxhsum, the xxHash project's own tool (Debian's xxhash package): the
// hashes that journals, scan caches and manifests keep must stay XXH3-128 exactly, whichever
// of libxxhash's functions computes them (engine/xxh3.h picks the dispatched AVX2/AVX-512
// ones). Inputs of every length class of XXH3 (short, mid, the long loop with its stripes
// and blocks), in one call and streamed in uneven pieces.
#include "engine/hasher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

#include "tests/testing/temp_dir.h"

namespace ingest {
namespace {

std::string Xxhsum128(const std::string& path) {
  std::string cmd = "xxhsum -H2 '" + path + "' 2>/dev/null";  // (its stderr pads with spaces)
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return "";
  char line[512] = {};
  std::string out = std::fgets(line, sizeof(line), p) ? line : "";
  ::pclose(p);
  return out.substr(0, out.find(' '));
}

TEST(HasherTest, MatchesXxhsumInOneCallAndStreamed) {
  testing::ScopedTempDir dir;
  for (size_t size : {size_t{0}, size_t{3}, size_t{17}, size_t{129}, size_t{240}, size_t{241},
                      size_t{1024}, size_t{1 << 20} + 7, size_t{3 << 20} + 123}) {
    SCOPED_TRACE("size " + std::to_string(size));
    std::string bytes(size, '\0');
    uint64_t x = 0x9e3779b97f4a7c15ull ^ size;
    for (char& c : bytes) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      c = static_cast<char>(x >> 56);
    }
    const std::string path = dir.Join("f" + std::to_string(size));
    testing::WriteFile(path, bytes);
    const std::string want = Xxhsum128(path);
    ASSERT_EQ(want.size(), 32u) << "xxhsum -H2 gave \"" << want << "\" (is xxhash installed?)";

    EXPECT_EQ(ToHex(HashBytes(bytes.data(), bytes.size())), want);
    Hasher streamed;
    size_t at = 0, piece = 1;
    while (at < size) {
      const size_t n = std::min(piece, size - at);
      streamed.Update(bytes.data() + at, n);
      at += n;
      piece = piece * 3 + 5;  // 1, 8, 29, 92, ...: pieces across the stripe and block bounds
    }
    EXPECT_EQ(ToHex(streamed.Digest()), want);
  }
}

}  // namespace
}  // namespace ingest
