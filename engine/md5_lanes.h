// md5 of several byte strings at once.
//
// md5 is one long dependency chain per message (about 5 cycles a byte on x86-64, OpenSSL's
// assembly included), so one message cannot go faster; eight can share the work. With AVX2
// each 32-bit lane of a 256-bit register carries one message's state through the same
// compression steps (the RFC 1321 algorithm, written here from the RFC; with AVX-512VL the
// same registers use its three-input logic and rotate), so eight equal-length messages cost
// about what one or two cost in scalar code. Messages of different
// lengths share the lanes for the blocks they have in common; what remains of each one is
// finished in scalar code. Groups too small to pay for the lanes, and every message on CPUs
// without AVX2, go to OpenSSL. The digests are md5's,
// bit for bit: the tests compare them with OpenSSL's on random and boundary-length inputs.
#ifndef INGEST_ENGINE_MD5_LANES_H_
#define INGEST_ENGINE_MD5_LANES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ingest {

using Md5Digest = std::array<uint8_t, 16>;

// How many messages Md5Many hashes together; more are taken in groups of this size.
inline constexpr size_t kMd5Lanes = 8;

// out[i] = md5(inputs[i]) for every i. REQUIRES: out.size() == inputs.size().
void Md5Many(std::span<const std::span<const uint8_t>> inputs, std::span<Md5Digest> out);

// How a group of messages is hashed. Md5Many picks the fastest this CPU has (and OpenSSL for
// groups too small for lanes); tests and benchmarks name one.
enum class Md5Kernel {
  kOpenssl,   // one message at a time, OpenSSL's assembly
  kScalar,    // this file's scalar code (the tails of the lane kernels)
  kAvx2,      // eight lanes, AVX2
  kAvx512Vl,  // eight lanes, AVX2 registers with AVX-512VL instructions
};
bool Md5KernelSupported(Md5Kernel kernel);

// Md5Many with `kernel` for every group (OpenSSL if the CPU lacks it).
void Md5ManyWith(Md5Kernel kernel, std::span<const std::span<const uint8_t>> inputs,
                 std::span<Md5Digest> out);

}  // namespace ingest

#endif  // INGEST_ENGINE_MD5_LANES_H_
