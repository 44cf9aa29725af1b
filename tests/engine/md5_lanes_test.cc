#include "engine/md5_lanes.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>

namespace ingest {
namespace {

Md5Digest OpensslMd5(const std::vector<uint8_t>& data) {
  Md5Digest out{};
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_md5(), nullptr);
  return out;
}

const Md5Kernel kKernels[] = {Md5Kernel::kScalar, Md5Kernel::kAvx2, Md5Kernel::kAvx512Vl};

// Hashes `sizes.size()` random messages with Md5Many and with each kernel this CPU has, and
// compares every digest with OpenSSL's.
void ExpectSameAsOpenssl(const std::vector<size_t>& sizes, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<uint8_t>> data;
  for (size_t n : sizes) {
    std::vector<uint8_t> bytes(n);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    data.push_back(std::move(bytes));
  }
  std::vector<std::span<const uint8_t>> spans(data.begin(), data.end());
  std::vector<Md5Digest> want;
  for (const auto& d : data) want.push_back(OpensslMd5(d));
  std::vector<Md5Digest> got(data.size());
  Md5Many(spans, got);
  EXPECT_EQ(got, want) << "Md5Many";
  for (Md5Kernel kernel : kKernels) {
    if (!Md5KernelSupported(kernel)) continue;
    std::fill(got.begin(), got.end(), Md5Digest{});
    Md5ManyWith(kernel, spans, got);
    for (size_t i = 0; i < data.size(); ++i) {
      EXPECT_EQ(got[i], want[i]) << "kernel " << static_cast<int>(kernel) << ", message " << i
                                 << " of " << data.size() << ", " << sizes[i] << " bytes";
    }
  }
}

TEST(Md5LanesTest, KnownDigests) {
  // RFC 1321's test suite: md5("") and md5("abc").
  std::vector<uint8_t> empty, abc = {'a', 'b', 'c'};
  std::vector<std::span<const uint8_t>> in = {empty, abc};
  std::vector<Md5Digest> out(2);
  Md5Many(in, out);
  const Md5Digest want_empty = {0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04,
                                0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42, 0x7e};
  const Md5Digest want_abc = {0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
                              0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72};
  EXPECT_EQ(out[0], want_empty);
  EXPECT_EQ(out[1], want_abc);
}

TEST(Md5LanesTest, EqualLengthsAroundBlockBoundaries) {
  std::printf("lane kernels on this CPU: AVX2 %s, AVX-512VL %s\n",
              Md5KernelSupported(Md5Kernel::kAvx2) ? "yes" : "no",
              Md5KernelSupported(Md5Kernel::kAvx512Vl) ? "yes" : "no");
  for (size_t n : {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 4096, 100003}) {
    SCOPED_TRACE(n);
    ExpectSameAsOpenssl(std::vector<size_t>(8, n), static_cast<uint32_t>(n));
  }
}

TEST(Md5LanesTest, MixedLengthsAndGroupSizes) {
  std::mt19937 rng(7);
  for (size_t count : {1, 2, 3, 7, 8, 9, 16, 17}) {
    SCOPED_TRACE(count);
    std::vector<size_t> sizes;
    for (size_t i = 0; i < count; ++i) sizes.push_back(rng() % 5000);
    ExpectSameAsOpenssl(sizes, static_cast<uint32_t>(count));
    // One long message among short ones, and the other way round.
    sizes.assign(count, 70);
    sizes[0] = 300000;
    ExpectSameAsOpenssl(sizes, 11);
    sizes.assign(count, 300000);
    sizes[count - 1] = 3;
    ExpectSameAsOpenssl(sizes, 12);
  }
}

}  // namespace
}  // namespace ingest
