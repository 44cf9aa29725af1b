// Photoshop files: pixel checksums against Pillow 9.4 run at test time
// (tests/engine/pillow_cases.h) on files built here, for every mode Pillow gives a PSD, raw and
// PackBits data, resources and a layer section before the merged image, and the ways the data
// can be cut short or overrun its rows.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/pixel_checksum.h"
#include "tests/engine/pillow_cases.h"

namespace ingest {
namespace {

using ingest::testing::Be16;
using ingest::testing::Be32;
using ingest::testing::ExpectLikePillow;
using ingest::testing::Noise;
using Case = ingest::testing::PillowCase;

// PackBits of one row: runs of 3 or more as 257 - n, the rest as literals (up to 128).
std::string PackBits(const std::string& row) {
  std::string out;
  for (size_t i = 0; i < row.size();) {
    size_t run = 1;
    while (i + run < row.size() && run < 128 && row[i + run] == row[i]) ++run;
    if (run >= 3) {
      out += std::string{static_cast<char>(257 - run), row[i]};
      i += run;
      continue;
    }
    size_t lit = 0;
    while (i + lit < row.size() && lit < 128 &&
           !(i + lit + 2 < row.size() && row[i + lit] == row[i + lit + 1] &&
             row[i + lit] == row[i + lit + 2])) {
      ++lit;
    }
    out += static_cast<char>(lit - 1) + row.substr(i, lit);
    i += lit;
  }
  return out;
}

struct Psd {
  unsigned mode = 3, bits = 8, channels = 3;
  uint32_t w = 7, h = 5;
  unsigned compression = 0;
  uint32_t seed = 1;
  std::string colour_data = {};  // colour mode data section
  std::string resources = {};    // image resources section
  std::string layers = {};       // layer and mask section

  std::string Build() const {
    std::string out = "8BPS" + Be16(1) + std::string(6, '\0') + Be16(channels) + Be32(h) + Be32(w) +
                      Be16(bits) + Be16(mode);
    out += Be32(static_cast<uint32_t>(colour_data.size())) + colour_data;
    out += Be32(static_cast<uint32_t>(resources.size())) + resources;
    out += Be32(static_cast<uint32_t>(layers.size())) + layers;
    out += Be16(compression);
    const size_t row = bits == 1 ? (w + 7) / 8 : w;
    std::vector<std::string> planes;
    for (unsigned c = 0; c < channels; ++c) {
      planes.push_back(Noise(row * h, seed + c, c % 2 ? 3 : 256));
    }
    if (compression == 0) {
      for (const std::string& p : planes) out += p;
      return out;
    }
    std::string counts, data;
    for (const std::string& p : planes) {
      for (uint32_t y = 0; y < h; ++y) {
        const std::string packed = PackBits(p.substr(y * row, row));
        counts += Be16(static_cast<uint32_t>(packed.size()));
        data += packed;
      }
    }
    return out + counts + data;
  }
};

// One image resource (8BIM, id, empty even-padded name, data padded to even).
std::string Resource(uint16_t id, const std::string& data) {
  std::string out =
      "8BIM" + Be16(id) + std::string(2, '\0') + Be32(static_cast<uint32_t>(data.size())) + data;
  return data.size() % 2 ? out + '\0' : out;
}

// A layer section with one RGB layer of `w` x `h`, raw channel data.
std::string OneLayer(uint32_t w, uint32_t h) {
  std::string info = Be16(1) + Be32(0) + Be32(0) + Be32(h) + Be32(w) + Be16(3);
  for (unsigned c = 0; c < 3; ++c) info += Be16(c) + Be32(2 + w * h);
  info += "8BIMnorm" + std::string{'\xff', 0, 0, 0};
  std::string extra = Be32(0) + Be32(0) + std::string("\x05layer\0\0", 8);
  info += Be32(static_cast<uint32_t>(extra.size())) + extra;
  for (unsigned c = 0; c < 3; ++c) info += Be16(0) + Noise(w * h, 40 + c);
  if (info.size() % 2) info += '\0';
  return Be32(static_cast<uint32_t>(info.size())) + info + Be32(0);  // + global mask info
}

// A layer section with one grey layer whose box is `w` x `h` and whose channel holds only
// its compression field (raw): Pillow still works out where the data would end.
std::string BoxOnlyLayer(uint32_t w, uint32_t h) {
  std::string info = Be16(1) + Be32(0) + Be32(0) + Be32(h) + Be32(w) + Be16(1) + Be16(0) + Be32(2) +
                     "8BIMnorm" + std::string{'\xff', 0, 0, 0} + Be32(0) + Be16(0);
  return Be32(static_cast<uint32_t>(info.size())) + info + Be32(0);
}

TEST(PixelPsdTest, PsdMatchesPillow) {
  std::vector<Case> cases;
  struct Mode {
    const char* name;
    unsigned mode, bits, channels;
  };
  const Mode modes[] = {{"bitmap", 0, 1, 1},       {"bitmap8", 0, 8, 1}, {"grey", 1, 8, 1},
                        {"indexed", 2, 8, 1},      {"rgb", 3, 8, 3},     {"rgba", 3, 8, 4},
                        {"rgb_extra", 3, 8, 5},    {"cmyk", 4, 8, 4},    {"cmyk_alpha", 4, 8, 5},
                        {"multichannel", 7, 8, 3}, {"duotone", 8, 8, 1}, {"lab", 9, 8, 3}};
  uint32_t seed = 1;
  for (const Mode& m : modes) {
    for (unsigned compression : {0u, 1u}) {
      Psd p{.mode = m.mode,
            .bits = m.bits,
            .channels = m.channels,
            .w = 13,
            .h = 6,
            .compression = compression,
            .seed = seed++};
      cases.push_back(
          {std::string(m.name) + (compression ? "_packbits" : "_raw") + ".psd", p.Build()});
    }
  }
  Psd indexed{.mode = 2, .channels = 1, .colour_data = Noise(768, 9)};
  cases.push_back({"indexed_palette.psd", indexed.Build()});
  Psd with_resources{.compression = 1,
                     .resources = Resource(1005, Noise(16, 3)) + Resource(1039, Noise(33, 4))};
  cases.push_back({"resources.psd", with_resources.Build()});
  Psd layered{.compression = 1, .layers = OneLayer(4, 3)};
  cases.push_back({"one_layer.psd", layered.Build()});
  // A layer box whose area passes 2^63: Python's seek raises OverflowError.
  cases.push_back(
      {"huge_layer_box.psd",
       Psd{.compression = 1, .layers = BoxOnlyLayer(0xFFFFFFFFu, 0xFFFFFFFFu)}.Build()});
  cases.push_back({"empty_layer_box.psd", Psd{.layers = BoxOnlyLayer(0, 0)}.Build()});
  Psd wide{.w = 300, .h = 2, .compression = 1};  // rows longer than a PackBits packet
  cases.push_back({"wide_packbits.psd", wide.Build()});
  // PackBits quirks: 0x80 skipped, a run past the row's end has the rest dropped (so the next
  // row's data comes up short), a literal likewise; trailing bytes ignored.
  const std::string head =
      Psd{.mode = 1, .channels = 1, .w = 3, .h = 2, .compression = 1}.Build().substr(0,
                                                                                     26 + 12 + 2);
  const std::string counts = Be16(4) + Be16(4);
  cases.push_back({"nop.psd", head + counts + std::string("\x80\x02\x01\x02\x03\xfe\x09", 7)});
  cases.push_back({"run_past_row.psd", head + counts + std::string("\xfb\x07\xfe\x08", 4)});
  cases.push_back({"literal_past_row.psd",
                   head + counts + std::string("\x04\x01\x02\x03\x04\x05\x00\x06\xfe\x07", 10)});
  cases.push_back({"trailing.psd", head + counts + std::string("\xfe\x01\xfe\x02xyz", 7)});
  // Errors: raw and PackBits data cut short, a short count table, ZIP data.
  const std::string raw = Psd{.compression = 0}.Build();
  cases.push_back({"raw_cut.psd", raw.substr(0, raw.size() - 1)});
  const std::string packed = Psd{.compression = 1}.Build();
  cases.push_back({"packbits_cut.psd", packed.substr(0, packed.size() - 1)});
  cases.push_back({"counts_cut.psd", packed.substr(0, 26 + 12 + 2 + 20)});
  cases.push_back({"zip.psd", Psd{.compression = 2}.Build()});
  ExpectLikePillow(cases, 7);
}

TEST(PixelPsdTest, TruncatedPsdSaysSo) {
  const std::string raw = Psd{}.Build();
  const std::string cut = raw.substr(0, raw.size() - 1);
  Result<PixelMd5> ours =
      ComputePixelChecksum({reinterpret_cast<const std::byte*>(cut.data()), cut.size()});
  ASSERT_FALSE(ours.has_value());
  EXPECT_EQ(ours.error().code(), Status::Code::kCorruption);
  EXPECT_EQ(ours.error().message(), "PSD: image file is truncated");
}

}  // namespace
}  // namespace ingest
