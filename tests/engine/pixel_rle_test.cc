// Run-length coded Sun raster (type 2) and SGI (storage 1) pixel checksums against Pillow 9.4
// run at test time (tests/engine/pillow_cases.h), on files built here to reach each rule of
// engine/pixel_rle.cc: runs across rows, escapes, truncation, Pillow's silent stops, carried-over
// row buffers and its exact bounds checks.
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

// Sun RLE of `data`: runs of 3 or more equal bytes (up to 256) as 0x80 N-1 V, 0x80 as 0x80 0.
std::string SunRle(const std::string& data) {
  std::string out;
  for (size_t i = 0; i < data.size();) {
    size_t n = 1;
    while (i + n < data.size() && n < 256 && data[i + n] == data[i]) ++n;
    if (n >= 3 || (n == 2 && data[i] == '\x80')) {
      out += std::string{'\x80', static_cast<char>(n - 1), data[i]};
      i += n;
    } else if (data[i] == '\x80') {
      out += std::string("\x80\0", 2);
      ++i;
    } else {
      out += data[i++];
    }
  }
  return out;
}

// A type-2 Sun raster of `w` x `h` at `depth` whose stream is `stream` (already coded).
std::string SunFile(uint32_t w, uint32_t h, uint32_t depth, const std::string& stream,
                    uint32_t palette = 0) {
  return Be32(0x59a66a95) + Be32(w) + Be32(h) + Be32(depth) +
         Be32(static_cast<uint32_t>(stream.size())) + Be32(2) + Be32(palette ? 1 : 0) +
         Be32(palette) + Noise(palette, 99) + stream;
}

// Rows of (w * depth + 7) / 8 bytes, with runs, 0x80 bytes and noise, for `h` rows.
std::string SunRows(uint32_t w, uint32_t h, uint32_t depth, uint32_t seed, uint32_t modulo = 256) {
  const size_t row = (static_cast<size_t>(w) * depth + 7) / 8;
  std::string data = Noise(row * h, seed, modulo);
  for (size_t i = 0; i + 1 < data.size(); i += 7) data[i] = '\x80';
  // A run that crosses every row end, then one that fills whole rows.
  for (size_t i = row - 2; i < row + 3 && i < data.size(); ++i) data[i] = '\x21';
  for (size_t i = data.size() / 2; i < data.size() / 2 + 2 * row && i < data.size(); ++i) {
    data[i] = '\x80';
  }
  return data;
}

TEST(PixelRleTest, SunRleMatchesPillow) {
  auto coded = [](uint32_t w, uint32_t h, uint32_t depth, uint32_t seed, uint32_t palette = 0,
                  uint32_t modulo = 256) {
    return SunFile(w, h, depth, SunRle(SunRows(w, h, depth, seed, modulo)), palette);
  };
  const std::string l8 = coded(13, 9, 8, 1);
  std::vector<Case> cases = {
      {"d1.ras", coded(13, 5, 1, 2)},
      {"d4.ras", coded(9, 4, 4, 3)},
      {"d4_palette.ras", coded(9, 4, 4, 4, 48, 16)},
      {"d8.ras", l8},
      {"d8_palette.ras", coded(7, 3, 8, 5, 768)},
      {"d24.ras", coded(5, 3, 24, 6)},
      {"d32.ras", coded(5, 3, 32, 7)},
      {"long_runs.ras", SunFile(229, 4, 8,
                                std::string("\x80\xff\x05\x80\xff\x06\x80\x80\x07"
                                            "\x80\xff\x80\x80\x10\x09\x01\x02",
                                            17))},
      // Rows padded to 16 bits, as Sun's own writers do: Pillow reads no padding, so does this.
      {"padded_rows.ras", SunFile(5, 4, 8, SunRle(Noise(24, 8)))},
      {"run_past_the_end.ras", SunFile(4, 2, 8, std::string("\x80\x40\x33", 3))},
      {"trailing_bytes.ras", l8 + "garbage"},
      {"truncated.ras", l8.substr(0, l8.size() - 4)},
      {"ends_in_escape.ras", SunFile(3, 2, 8, std::string("\x01\x02\x03\x04\x05\x80", 6))},
      {"ends_in_run.ras", SunFile(3, 2, 8, std::string("\x01\x02\x03\x04\x80\x03", 6))},
      {"no_data.ras", SunFile(3, 2, 8, "")},
  };
  ExpectLikePillow(cases, 4);
}

// One band's row of `bpc`-byte samples coded as SGI RLE: runs of 3 or more as count + sample,
// the rest as copies of up to 127, then the 0 terminator (all opcodes `bpc` bytes wide).
std::string SgiRow(const std::string& samples, unsigned bpc, bool terminate = true) {
  auto op = [bpc](unsigned v) { return bpc == 1 ? std::string(1, static_cast<char>(v)) : Be16(v); };
  const size_t n = samples.size() / bpc;
  auto at = [&](size_t i) { return samples.substr(i * bpc, bpc); };
  std::string out;
  for (size_t i = 0; i < n;) {
    size_t run = 1;
    while (i + run < n && run < 127 && at(i + run) == at(i)) ++run;
    if (run >= 3) {
      out += op(static_cast<unsigned>(run)) + at(i);
      i += run;
      continue;
    }
    size_t copy = 0;
    while (i + copy < n && copy < 127) {
      size_t r = 1;
      while (i + copy + r < n && r < 3 && at(i + copy + r) == at(i + copy)) ++r;
      if (r >= 3) break;
      copy += 1;
    }
    out += op(0x80 | static_cast<unsigned>(copy)) + samples.substr(i * bpc, copy * bpc);
    i += copy;
  }
  return terminate ? out + op(0) : out;
}

// An SGI RLE file: `rows[r + c * h]` is band c's coded row r (bottom-up), lengths as given
// (else each row's byte count) and offsets as laid out (else as given).
struct SgiRle {
  uint32_t w, h;
  unsigned bands, bpc;
  std::vector<std::string> rows;
  std::vector<uint32_t> lengths;  // empty: byte counts
  std::vector<uint32_t> starts;   // empty: where the rows are written
  std::string Build() const {
    const unsigned dim = bands == 1 ? 2 : 3;
    std::string head = Be16(474) + std::string{'\x01', static_cast<char>(bpc)} + Be16(dim) +
                       Be16(w) + Be16(h) + Be16(bands);
    head.resize(512, '\0');
    std::string tables, data;
    const uint32_t base = static_cast<uint32_t>(512 + 8 * rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      tables += Be32(starts.empty() ? base + static_cast<uint32_t>(data.size()) : starts[i]);
      data += rows[i];
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      tables += Be32(lengths.empty() ? static_cast<uint32_t>(rows[i].size()) : lengths[i]);
    }
    return head + tables + data;
  }
};

// Coded rows of noise with runs for every band and row.
SgiRle SgiImage(uint32_t w, uint32_t h, unsigned bands, unsigned bpc, uint32_t seed) {
  SgiRle f{w, h, bands, bpc, {}, {}, {}};
  for (uint32_t i = 0; i < h * bands; ++i) {
    std::string samples = Noise(static_cast<size_t>(w) * bpc, seed + i, i % 2 ? 4 : 256);
    f.rows.push_back(SgiRow(samples, bpc));
  }
  return f;
}

TEST(PixelRleTest, SgiRleMatchesPillow) {
  std::vector<Case> cases = {
      {"l.sgi", SgiImage(9, 5, 1, 1, 1).Build()},
      {"rgb.sgi", SgiImage(140, 4, 3, 1, 2).Build()},
      {"rgba.sgi", SgiImage(7, 3, 4, 1, 3).Build()},
      {"l16.sgi", SgiImage(9, 5, 1, 2, 4).Build()},
      {"rgb16.sgi", SgiImage(130, 3, 3, 2, 5).Build()},
      {"rgba16.sgi", SgiImage(6, 3, 4, 2, 6).Build()},
  };
  // Rows shorter than the width keep the row below's samples; a length of 0 or over 2^31
  // (negative for Pillow) decodes nothing; two rows may share their data.
  SgiRle carry = SgiImage(6, 4, 3, 1, 7);
  carry.rows[1] = SgiRow("\x05\x06", 1);
  carry.rows[4 + 2] = SgiRow("", 1);
  carry.lengths.resize(12);
  for (size_t i = 0; i < 12; ++i) carry.lengths[i] = static_cast<uint32_t>(carry.rows[i].size());
  carry.lengths[8] = 0;
  carry.lengths[3] = 0x80000000u;
  cases.push_back({"carried_over.sgi", carry.Build()});
  SgiRle shared = SgiImage(6, 3, 1, 2, 8);
  shared.starts = {512 + 24, 512 + 24, 512 + 24};
  cases.push_back({"shared_rows.sgi", shared.Build()});
  // Lengths count opcodes: one short of the terminator stops the decoder without an error,
  // leaving this and later rows zero; exactly up to it is fine.
  SgiRle stop = SgiImage(6, 3, 1, 1, 9);
  stop.rows[1] = SgiRow("\x01\x02\x03\x04\x05\x06", 1);  // one copy opcode and the end
  stop.lengths = {static_cast<uint32_t>(stop.rows[0].size()), 1, 40};
  cases.push_back({"silent_stop.sgi", stop.Build()});
  stop.lengths[1] = 2;
  cases.push_back({"exact_length.sgi", stop.Build()});
  // Errors: a row wider than the image, an offset inside the header or past the file, tables
  // longer than the file, a copy that reaches the file's last byte (Pillow's bound).
  SgiRle wide = SgiImage(4, 2, 1, 1, 10);
  wide.rows[1] = SgiRow("\x01\x02\x03\x04\x05", 1);
  cases.push_back({"row_too_wide.sgi", wide.Build()});
  SgiRle inside = SgiImage(4, 2, 1, 1, 11);
  inside.starts = {520, 300};
  cases.push_back({"offset_in_header.sgi", inside.Build()});
  inside.starts = {520, 9000};
  cases.push_back({"offset_past_end.sgi", inside.Build()});
  cases.push_back({"tables_cut.sgi", SgiImage(4, 2, 3, 1, 12).Build().substr(0, 512 + 40)});
  for (unsigned bpc : {1u, 2u}) {
    auto op = [bpc](unsigned v) {
      return bpc == 1 ? std::string(1, static_cast<char>(v)) : Be16(v);
    };
    const std::string tag = std::to_string(bpc);
    const std::string copy = op(0x82) + std::string(2 * bpc, '\x07');
    cases.push_back(
        {"copy_to_last_byte_" + tag + ".sgi", SgiRle{2, 1, 1, bpc, {copy}, {}, {}}.Build()});
    cases.push_back(
        {"copy_then_end_" + tag + ".sgi", SgiRle{2, 1, 1, bpc, {copy + op(0)}, {}, {}}.Build()});
    const std::string run = op(0x03) + std::string(bpc, '\x07');
    cases.push_back(
        {"run_at_last_byte_" + tag + ".sgi", SgiRle{3, 1, 1, bpc, {run}, {}, {}}.Build()});
    cases.push_back(
        {"run_then_end_" + tag + ".sgi", SgiRle{3, 1, 1, bpc, {run + op(0)}, {}, {}}.Build()});
  }
  cases.push_back({"noise.sgi", SgiImage(5, 3, 3, 1, 13).Build().substr(0, 600) + Noise(99, 14)});
  ExpectLikePillow(cases, 3);
}

// The decoders' own messages, which the scanner prefixes with the file's name.
TEST(PixelRleTest, ErrorsSayWhatIsWrong) {
  const std::string sun = SunFile(3, 2, 8, std::string("\x01\x02\x03\x04", 4));
  Result<PixelMd5> ours =
      ComputePixelChecksum({reinterpret_cast<const std::byte*>(sun.data()), sun.size()});
  ASSERT_FALSE(ours.has_value());
  EXPECT_EQ(ours.error().code(), Status::Code::kCorruption);
  EXPECT_NE(ours.error().message().find("SUN: image file is truncated"), std::string::npos);
  SgiRle wide = SgiImage(4, 2, 1, 1, 10);
  wide.rows[1] = SgiRow("\x01\x02\x03\x04\x05", 1);
  const std::string sgi = wide.Build();
  ours = ComputePixelChecksum({reinterpret_cast<const std::byte*>(sgi.data()), sgi.size()});
  ASSERT_FALSE(ours.has_value());
  EXPECT_EQ(ours.error().code(), Status::Code::kCorruption);
  EXPECT_NE(ours.error().message().find("SGI: RLE row 1"), std::string::npos)
      << ours.error().message();
}

}  // namespace
}  // namespace ingest
