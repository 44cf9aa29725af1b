#include "engine/cvat_version.h"

#include <charconv>

namespace ingest {

std::string CvatVersion::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::optional<CvatVersion> ParseCvatVersion(std::string_view text) {
  int parts[3] = {0, 0, 0};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 3; ++i) {
    if (i > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    auto [next, ec] = std::from_chars(p, end, parts[i]);
    if (ec != std::errc() || next == p || parts[i] < 0) return std::nullopt;
    p = next;
  }
  return CvatVersion{parts[0], parts[1], parts[2]};
}

}  // namespace ingest
