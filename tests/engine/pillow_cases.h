// Pixel checksums against Pillow 9.4 run at test time (shared by the pixel format tests):
// the inputs are built by the test, written to a temporary folder, and Debian's
// /usr/bin/python3 with python3-pil prints, for each, hashlib.md5(Image.open(p).tobytes())
// (what CVAT's manifest tool writes) and the mode, or the error Pillow raised.
#ifndef INGEST_TESTS_ENGINE_PILLOW_CASES_H_
#define INGEST_TESTS_ENGINE_PILLOW_CASES_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ingest::testing {

struct PillowResult {
  bool ok = false;
  std::string md5;   // when ok
  std::string mode;  // when ok
  std::string error;
};

// Runs Pillow over every file of `dir` named in `names`; one result per name it answered for.
std::map<std::string, PillowResult> RunPillow(const std::string& dir,
                                              const std::vector<std::string>& names);

struct PillowCase {
  std::string name;
  std::string bytes;
  bool may_refuse = false;  // we answer Unsupported where Pillow has a checksum
};

// Checks every case against Pillow (adding gtest failures): where Pillow gives a checksum,
// ours is the same (or, for a `may_refuse` case, we answer Unsupported); where Pillow fails,
// we give no checksum either. `min_modes` is how many distinct Pillow modes the cases must
// cover (so a generator that drifts is noticed). Returns the modes seen. With
// PILLOW_CASES_VERBOSE set, prints Pillow's answer for each case.
std::vector<std::string> ExpectLikePillow(const std::vector<PillowCase>& cases, size_t min_modes);

// Deterministic sample bytes (values below `modulo`).
std::string Noise(size_t n, uint32_t seed, uint32_t modulo = 256);

// Integers as bytes, little- or big-endian.
std::string Le16(uint32_t v);
std::string Le32(uint32_t v);
std::string Be16(uint32_t v);
std::string Be32(uint32_t v);

}  // namespace ingest::testing

#endif  // INGEST_TESTS_ENGINE_PILLOW_CASES_H_
