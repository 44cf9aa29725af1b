// md5 (RFC 1321) in scalar code and in eight AVX2 lanes; see the header.
//
// The AVX2 code lives in functions compiled with the target("avx2") attribute and is called
// only when the CPU has AVX2; its helpers are static (internal linkage), so no AVX2 code can
// be picked by the linker for callers elsewhere.
#include "engine/md5_lanes.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstring>

#include <openssl/evp.h>

namespace ingest {
namespace {

// The RFC's table: floor(abs(sin(i + 1)) * 2^32).
constexpr uint32_t kK[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

// Left-rotation amounts, four per round.
constexpr int kShift[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

constexpr uint32_t kInit[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

// Which message word step i reads.
constexpr int WordIndex(int i) {
  return i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16;
}

uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);  // md5 words are little-endian, as x86-64 and arm64 are
  return v;
}

void CompressScalar(uint32_t st[4], const uint8_t* block) {
  uint32_t m[16];
  for (int i = 0; i < 16; ++i) m[i] = Load32(block + 4 * i);
  uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
  for (int i = 0; i < 64; ++i) {
    uint32_t f;
    if (i < 16) {
      f = (b & c) | (~b & d);
    } else if (i < 32) {
      f = (d & b) | (~d & c);
    } else if (i < 48) {
      f = b ^ c ^ d;
    } else {
      f = c ^ (b | ~d);
    }
    f += a + kK[i] + m[WordIndex(i)];
    const int s = kShift[i / 16][i % 4];
    a = d;
    d = c;
    c = b;
    b += (f << s) | (f >> (32 - s));
  }
  st[0] += a;
  st[1] += b;
  st[2] += c;
  st[3] += d;
}

// Finishes a message whose first `done` bytes (a multiple of 64) are in `st`.
Md5Digest FinishScalar(uint32_t st[4], std::span<const uint8_t> msg, size_t done) {
  size_t pos = done;
  for (; msg.size() - pos >= 64; pos += 64) CompressScalar(st, msg.data() + pos);
  uint8_t tail[128] = {};
  const size_t rest = msg.size() - pos;
  if (rest) std::memcpy(tail, msg.data() + pos, rest);
  tail[rest] = 0x80;
  const size_t tail_len = rest + 1 + 8 <= 64 ? 64 : 128;
  const uint64_t bits = static_cast<uint64_t>(msg.size()) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_len - 8 + i] = static_cast<uint8_t>(bits >> (8 * i));
  for (size_t off = 0; off < tail_len; off += 64) CompressScalar(st, tail + off);
  Md5Digest out;
  for (int i = 0; i < 4; ++i) std::memcpy(out.data() + 4 * i, &st[i], 4);
  return out;
}

#if defined(__x86_64__)

#define INGEST_AVX2 __attribute__((target("avx2"), always_inline))

static inline INGEST_AVX2 __m256i Rotl(__m256i x, int s) {
  return _mm256_or_si256(_mm256_slli_epi32(x, s), _mm256_srli_epi32(x, 32 - s));
}

// r[l] holds words 0..7 of lane l; afterwards m[w] holds word w of lanes 0..7.
static inline INGEST_AVX2 void Transpose8(const __m256i r[8], __m256i m[8]) {
  __m256i t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);      // w0 w0 w1 w1 | w4 w4 w5 w5
    t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);  // w2 w2 w3 w3 | w6 w6 w7 w7
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);          // w0 x4 | w4 x4
    u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);      // w1 | w5
    u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);  // w2 | w6
    u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);  // w3 | w7
  }
  for (int w = 0; w < 4; ++w) {
    m[w] = _mm256_permute2x128_si256(u[w], u[w + 4], 0x20);
    m[w + 4] = _mm256_permute2x128_si256(u[w], u[w + 4], 0x31);
  }
}

#define INGEST_VL __attribute__((target("avx2,avx512f,avx512vl"), always_inline))

static inline INGEST_AVX2 void LoadMessage(const uint8_t* const ptr[8], size_t off,
                                           __m256i m[16]) {
  for (int half = 0; half < 2; ++half) {
    __m256i r[8];
    for (int l = 0; l < 8; ++l) {
      r[l] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ptr[l] + off + 32 * half));
    }
    Transpose8(r, m + 8 * half);
  }
}

// a + K[i] + m[word of step i]: does not depend on b, so it stays off the critical path.
static inline INGEST_AVX2 __m256i AddKm(__m256i a, int i, const __m256i m[16]) {
  return _mm256_add_epi32(
      a, _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(kK[i])), m[WordIndex(i)]));
}

// Step i's round function in AVX2: (b & c) | (~b & d); (d & b) | (~d & c); b ^ c ^ d;
// c ^ (b | ~d).
static inline INGEST_AVX2 __m256i RoundF(int i, __m256i b, __m256i c, __m256i d) {
  const __m256i ones = _mm256_set1_epi32(-1);
  return i < 16   ? _mm256_or_si256(_mm256_and_si256(b, c), _mm256_andnot_si256(b, d))
         : i < 32 ? _mm256_or_si256(_mm256_and_si256(d, b), _mm256_andnot_si256(d, c))
         : i < 48 ? _mm256_xor_si256(_mm256_xor_si256(b, c), d)
                  : _mm256_xor_si256(c, _mm256_or_si256(b, _mm256_xor_si256(d, ones)));
}

// The same as AVX-512VL three-input truth tables over (b, c, d), one instruction each.
static inline INGEST_VL __m256i RoundFVl(int i, __m256i b, __m256i c, __m256i d) {
  return i < 16   ? _mm256_ternarylogic_epi32(b, c, d, 0xCA)
         : i < 32 ? _mm256_ternarylogic_epi32(b, c, d, 0xE4)
         : i < 48 ? _mm256_ternarylogic_epi32(b, c, d, 0x96)
                  : _mm256_ternarylogic_epi32(b, c, d, 0x39);
}

static inline INGEST_VL __m256i RotlVl(__m256i x, int s) {
  return _mm256_rolv_epi32(x, _mm256_set1_epi32(s));
}

// The body of a lane kernel: runs `blocks` blocks of each of eight messages through the
// compression, lane l reading ptr[l] + 64 * k for block k; st[j][l] is state word j of lane
// l. ROUND_F(i, b, c, d) and ROTL(x, s) are the kernel's own operations.
#define INGEST_MD5_LANES_BODY(ROUND_F, ROTL)                                                  \
  __m256i s[4];                                                                               \
  for (int j = 0; j < 4; ++j) s[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(st[j])); \
  for (size_t k = 0; k < blocks; ++k) {                                                       \
    __m256i m[16];                                                                            \
    LoadMessage(ptr, 64 * k, m);                                                              \
    __m256i a = s[0], b = s[1], c = s[2], d = s[3];                                           \
    _Pragma("GCC unroll 64") for (int i = 0; i < 64; ++i) {                                   \
      const __m256i f = _mm256_add_epi32(ROUND_F(i, b, c, d), AddKm(a, i, m));                \
      a = d;                                                                                  \
      d = c;                                                                                  \
      c = b;                                                                                  \
      b = _mm256_add_epi32(b, ROTL(f, kShift[i / 16][i % 4]));                                \
    }                                                                                         \
    s[0] = _mm256_add_epi32(s[0], a);                                                         \
    s[1] = _mm256_add_epi32(s[1], b);                                                         \
    s[2] = _mm256_add_epi32(s[2], c);                                                         \
    s[3] = _mm256_add_epi32(s[3], d);                                                         \
  }                                                                                           \
  for (int j = 0; j < 4; ++j) _mm256_storeu_si256(reinterpret_cast<__m256i*>(st[j]), s[j]);

__attribute__((target("avx2"))) void Compress8(uint32_t st[4][8], const uint8_t* const ptr[8],
                                               size_t blocks) {
  INGEST_MD5_LANES_BODY(RoundF, Rotl)
}

// With AVX-512VL on the same 256-bit registers: each step's dependency chain on b shrinks from
// six operations to four.
__attribute__((target("avx2,avx512f,avx512vl"))) void Compress8Vl(uint32_t st[4][8],
                                                                  const uint8_t* const ptr[8],
                                                                  size_t blocks) {
  INGEST_MD5_LANES_BODY(RoundFVl, RotlVl)
}

#undef INGEST_MD5_LANES_BODY
#undef INGEST_VL
#undef INGEST_AVX2

bool HaveAvx2() {
  static const bool have = __builtin_cpu_supports("avx2");
  return have;
}

bool HaveAvx512Vl() {
  static const bool have = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  return have;
}

#else

bool HaveAvx2() { return false; }
bool HaveAvx512Vl() { return false; }

#endif

// One group of at most kMd5Lanes messages, with `kernel` (supported here).
void Md5Group(Md5Kernel kernel, std::span<const std::span<const uint8_t>> in,
              std::span<Md5Digest> out) {
  const size_t n = in.size();
  if (kernel == Md5Kernel::kOpenssl) {
    for (size_t l = 0; l < n; ++l) {
      unsigned len = 0;
      EVP_Digest(in[l].data(), in[l].size(), out[l].data(), &len, EVP_md5(), nullptr);
    }
    return;
  }
  uint32_t st[4][8];
  size_t done[8] = {};
  for (int j = 0; j < 4; ++j) std::fill(st[j], st[j] + 8, kInit[j]);
#if defined(__x86_64__)
  if (kernel != Md5Kernel::kScalar) {
    // Shared blocks, as long as at least two messages have whole blocks left. A lane without
    // any reads a zero block in place and has its state put back afterwards.
    static const uint8_t kZeros[64] = {};
    for (;;) {
      size_t active = 0, blocks = SIZE_MAX;
      for (size_t l = 0; l < n; ++l) {
        size_t left = (in[l].size() - done[l]) / 64;
        if (left == 0) continue;
        ++active;
        blocks = std::min(blocks, left);
      }
      if (active < 2) break;
      const uint8_t* ptr[8];
      uint32_t saved[4][8];
      for (int j = 0; j < 4; ++j) std::copy(st[j], st[j] + 8, saved[j]);
      bool idle[8] = {};
      for (size_t l = 0; l < 8; ++l) {
        idle[l] = l >= n || (in[l].size() - done[l]) / 64 == 0;
        ptr[l] = idle[l] ? kZeros : in[l].data() + done[l];
      }
      // An idle lane would read past its zero block after the first: run block by block.
      const size_t step = std::any_of(idle, idle + 8, [](bool b) { return b; }) ? 1 : blocks;
      for (size_t k = 0; k < blocks; k += step) {
        for (size_t l = 0; l < n; ++l) {
          if (!idle[l]) ptr[l] = in[l].data() + done[l] + 64 * k;
        }
        if (kernel == Md5Kernel::kAvx512Vl) {
          Compress8Vl(st, ptr, step);
        } else {
          Compress8(st, ptr, step);
        }
      }
      for (size_t l = 0; l < 8; ++l) {
        if (idle[l]) {
          for (int j = 0; j < 4; ++j) st[j][l] = saved[j][l];
        } else {
          done[l] += 64 * blocks;
        }
      }
    }
  }
#endif
  for (size_t l = 0; l < n; ++l) {
    uint32_t lane[4] = {st[0][l], st[1][l], st[2][l], st[3][l]};
    out[l] = FinishScalar(lane, in[l], done[l]);
  }
}

}  // namespace

bool Md5KernelSupported(Md5Kernel kernel) {
  switch (kernel) {
    case Md5Kernel::kOpenssl:
    case Md5Kernel::kScalar:
      return true;
    case Md5Kernel::kAvx2:
      return HaveAvx2();
    case Md5Kernel::kAvx512Vl:
      return HaveAvx2() && HaveAvx512Vl();
  }
  return false;
}

static Md5Kernel BestMd5Kernel() {
  return Md5KernelSupported(Md5Kernel::kAvx512Vl) ? Md5Kernel::kAvx512Vl
         : Md5KernelSupported(Md5Kernel::kAvx2)   ? Md5Kernel::kAvx2
                                                  : Md5Kernel::kOpenssl;
}

void Md5ManyWith(Md5Kernel kernel, std::span<const std::span<const uint8_t>> inputs,
                 std::span<Md5Digest> out) {
  if (!Md5KernelSupported(kernel)) kernel = Md5Kernel::kOpenssl;
  for (size_t i = 0; i < inputs.size(); i += kMd5Lanes) {
    const size_t n = std::min(kMd5Lanes, inputs.size() - i);
    Md5Group(kernel, inputs.subspan(i, n), out.subspan(i, n));
  }
}

void Md5Many(std::span<const std::span<const uint8_t>> inputs, std::span<Md5Digest> out) {
  static const Md5Kernel best = BestMd5Kernel();
  for (size_t i = 0; i < inputs.size(); i += kMd5Lanes) {
    const size_t n = std::min(kMd5Lanes, inputs.size() - i);
    // Eight lanes cost the same however many carry a message: with AVX-512VL they beat
    // OpenSSL's assembly from two messages on, with AVX2 alone from three (engine_bench).
    const size_t min_shared = best == Md5Kernel::kAvx512Vl ? 2 : 3;
    Md5Group(n < min_shared ? Md5Kernel::kOpenssl : best, inputs.subspan(i, n), out.subspan(i, n));
  }
}

}  // namespace ingest
