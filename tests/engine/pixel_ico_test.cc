// Icons holding a DIB: pixel checksums against Pillow 9.4 run at test time
// (tests/engine/pillow_cases.h) on icons built here, for every bit count Pillow reads in a DIB,
// both alpha sources (the AND mask, the 32-bit entry's alpha bytes) and the ways such an icon
// can be cut short or point outside itself.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/pixel_checksum.h"
#include "tests/engine/pillow_cases.h"
#include "tests/testing/image_writer.h"

namespace ingest {
namespace {

using ingest::testing::ExpectLikePillow;
using ingest::testing::Le16;
using ingest::testing::Le32;
using ingest::testing::Noise;
using Case = ingest::testing::PillowCase;

struct Dib {
  uint32_t w = 8, h = 8;
  uint16_t bits = 8;
  uint32_t colors = 0;  // header's colour count (0: 1 << bits)
  int palette = 0;      // 0 noise, 1 grey ramp
  uint32_t compression = 0;
  std::vector<uint32_t> masks = {};  // written after a 40-byte header (bit fields)
  bool os2 = false;                  // 12-byte header
  bool v4 = false;                   // 108-byte header, the masks inside it
  bool top_down = false;
  uint32_t seed = 1;

  std::string Build() const {
    std::string out;
    const uint32_t stored_h = 2 * h;
    if (os2) {
      out = Le32(12) + Le16(w) + Le16(stored_h) + Le16(1) + Le16(bits);
    } else {
      out = Le32(v4 ? 108 : 40) + Le32(w) + Le32(top_down ? 0u - stored_h : stored_h) + Le16(1) +
            Le16(bits) + Le32(compression) + Le32(0) + Le32(0) + Le32(0) + Le32(colors) + Le32(0);
      for (uint32_t m : masks) out += Le32(m);
      if (v4) out.resize(108, '\0');
    }
    if (bits <= 8) {
      const uint32_t n = colors ? colors : 1u << bits;
      const size_t entry = os2 ? 3 : 4;
      std::string pal = Noise(n * entry, seed + 7);
      if (palette == 1) {
        for (uint32_t i = 0; i < n; ++i) {
          const char v = static_cast<char>(n == 2 ? (i ? 255 : 0) : i);
          pal.replace(i * entry, 3, std::string(3, v));
        }
      }
      out += pal;
    }
    const size_t stride = ((static_cast<size_t>(w) * bits + 31) >> 3) & ~size_t{3};
    out += Noise(stride * h, seed, bits == 4 && colors ? 16 : 256);
    const size_t mask_stride = (w + 31) / 32 * 4;
    return out + Noise(mask_stride * h, seed + 3);
  }
};

// One-entry (or more) icon: entries of {width byte, height byte, bpp field, image bytes}.
struct Entry {
  uint32_t w, h;
  uint16_t bpp;
  std::string bytes;
  int64_t size_delta = 0;  // added to the directory's byte count
};

std::string Icon(const std::vector<Entry>& entries) {
  std::string out = Le16(0) + Le16(1) + Le16(static_cast<uint32_t>(entries.size()));
  uint32_t offset = 6 + 16 * static_cast<uint32_t>(entries.size());
  std::string data;
  for (const Entry& e : entries) {
    out += std::string{static_cast<char>(e.w & 255), static_cast<char>(e.h & 255), 0, 0} + Le16(1) +
           Le16(e.bpp) +
           Le32(static_cast<uint32_t>(static_cast<int64_t>(e.bytes.size()) + e.size_delta)) +
           Le32(offset);
    offset += static_cast<uint32_t>(e.bytes.size());
    data += e.bytes;
  }
  return out + data;
}

Entry One(const Dib& d, uint16_t bpp) { return {d.w, d.h, bpp, d.Build(), 0}; }

TEST(PixelIcoTest, DibIconsMatchPillow) {
  std::vector<Case> cases = {
      {"p1.ico", Icon({One({.w = 13, .h = 13, .bits = 1, .seed = 1}, 1)})},
      {"one.ico", Icon({One({.w = 16, .h = 16, .bits = 1, .palette = 1, .seed = 2}, 1)})},
      {"p4.ico", Icon({One({.w = 9, .h = 9, .bits = 4, .seed = 3}, 4)})},
      {"p4_three_colours.ico", Icon({One({.w = 9, .h = 9, .bits = 4, .colors = 3, .seed = 4}, 4)})},
      {"p8.ico", Icon({One({.w = 33, .h = 33, .bits = 8, .seed = 5}, 8)})},
      {"l8.ico", Icon({One({.w = 8, .h = 8, .bits = 8, .palette = 1, .seed = 6}, 8)})},
      {"os2_p8.ico", Icon({One({.w = 7, .h = 7, .bits = 8, .os2 = true, .seed = 7}, 8)})},
      {"rgb15.ico", Icon({One({.w = 10, .h = 10, .bits = 16, .seed = 8}, 16)})},
      {"rgb16_565.ico", Icon({One({.w = 10,
                                   .h = 10,
                                   .bits = 16,
                                   .compression = 3,
                                   .masks = {0xF800, 0x7E0, 0x1F},
                                   .seed = 9},
                                  16)})},
      {"rgb24.ico", Icon({One({.w = 11, .h = 11, .bits = 24, .seed = 10}, 24)})},
      {"rgb32_alpha_bytes.ico", Icon({One({.w = 12, .h = 12, .bits = 32, .seed = 11}, 32)})},
      {"rgb32_and_mask.ico", Icon({One({.w = 12, .h = 12, .bits = 32, .seed = 12}, 0)})},
      {"rgba32_bitfields.ico", Icon({One({.w = 6,
                                          .h = 6,
                                          .bits = 32,
                                          .compression = 3,
                                          .masks = {0xFF, 0xFF00, 0xFF0000, 0xFF000000},
                                          .seed = 13},
                                         32)})},
      {"rgba32_v4.ico", Icon({One({.w = 6,
                                   .h = 6,
                                   .bits = 32,
                                   .compression = 3,
                                   .masks = {0xFF0000, 0xFF00, 0xFF, 0xFF000000},
                                   .v4 = true,
                                   .seed = 24},
                                  32)})},
      {"rgb24_entry_says_32.ico", Icon({One({.w = 8, .h = 8, .bits = 24, .seed = 14}, 32)})},
      {"rgb24_entry_says_32_long.ico",
       Icon({One({.w = 8, .h = 8, .bits = 24, .seed = 14}, 32)}) + Noise(64, 25)},
      {"top_down.ico", Icon({One({.w = 8, .h = 8, .bits = 8, .top_down = true, .seed = 15}, 8)})},
      {"w32.ico", Icon({One({.w = 32, .h = 32, .bits = 4, .seed = 16}, 4)})},
      {"largest_of_three.ico", Icon({One({.w = 8, .h = 8, .bits = 8, .seed = 17}, 8),
                                     One({.w = 24, .h = 24, .bits = 24, .seed = 18}, 24),
                                     One({.w = 16, .h = 16, .bits = 32, .seed = 19}, 32)})},
      {"dib_beside_png.ico",
       Icon({One({.w = 24, .h = 24, .bits = 8, .seed = 20}, 8),
             {16, 16, 32, ingest::testing::WritePng(16, 16, {.noise = true, .seed = 21}), 0}})},
  };
  // The byte count decides where the AND mask is: past the end of the file, before its
  // start, or just elsewhere inside the icon.
  const Dib d24{.w = 8, .h = 8, .bits = 24, .seed = 22};
  cases.push_back({"mask_past_end.ico", Icon({{8, 8, 24, d24.Build(), 40}})});
  cases.push_back({"mask_before_start.ico", Icon({{8, 8, 24, d24.Build(), -263}})});
  cases.push_back({"mask_in_header.ico", Icon({{8, 8, 24, d24.Build(), -250}})});
  cases.push_back({"mask_moved.ico", Icon({{8, 8, 24, d24.Build(), -9}})});
  const std::string whole = Icon({One(d24, 24)});
  cases.push_back({"mask_cut.ico", whole.substr(0, whole.size() - 5)});
  cases.push_back({"pixels_cut.ico", Icon({{8, 8, 24, d24.Build().substr(0, 100), 0}})});
  const std::string rgba = Icon({One({.w = 8, .h = 8, .bits = 32, .seed = 23}, 32)});
  // The 32-bit alpha bytes are the pixels themselves; the mask after them is not needed.
  cases.push_back({"alpha_without_mask.ico", rgba.substr(0, rgba.size() - 32)});
  cases.push_back({"alpha_cut.ico", rgba.substr(0, rgba.size() - 33)});
  ExpectLikePillow(cases, 1);
}

TEST(PixelIcoTest, TruncatedIconSaysSo) {
  const std::string ico = Icon({One({.w = 8, .h = 8, .bits = 24, .seed = 1}, 24)});
  const std::string cut = ico.substr(0, ico.size() - 5);
  Result<PixelMd5> ours =
      ComputePixelChecksum({reinterpret_cast<const std::byte*>(cut.data()), cut.size()});
  ASSERT_FALSE(ours.has_value());
  EXPECT_EQ(ours.error().code(), Status::Code::kCorruption);
  EXPECT_NE(ours.error().message().find("ICO: the AND mask runs past the end of the file"),
            std::string::npos)
      << ours.error().message();
}

}  // namespace
}  // namespace ingest
