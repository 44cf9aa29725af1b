// md5 of several byte strings at once.
//
// md5 is one long dependency chain per message (about 5 cycles a byte on x86-64, OpenSSL's
// assembly included), so one message cannot go faster; eight can share the work. With AVX2
// each 32-bit lane of a 256-bit register carries one message's state through the same
// compression steps (the RFC 1321 algorithm, written here from the RFC), so eight
// equal-length messages cost about what one costs in scalar code. Messages of different
// lengths share the lanes for the blocks they have in common; what remains of each one
// (and everything, on CPUs without AVX2) is finished in scalar code. The digests are md5's,
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

// Whether Md5Many uses SIMD lanes on this CPU (AVX2); false means one message at a time.
bool Md5ManyUsesSimd();

}  // namespace ingest

#endif  // INGEST_ENGINE_MD5_LANES_H_
