// JPEG 2000 precisions Pillow cannot write: codestreams built here with OpenJPEG's encoder
// (4 to 20 bits, signed and unsigned, an image offset, subsampled components), checked
// against Pillow 9.4 run at test time (tests/engine/pillow_cases.h). They reach Pillow's
// precision shifts, its signed offsets and rounding, and its handling of subsampling.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openjpeg.h>

#include "engine/pixel_checksum.h"
#include "tests/engine/pillow_cases.h"
#include "tests/testing/temp_dir.h"

namespace ingest {
namespace {

using ingest::testing::ExpectLikePillow;
using Case = ingest::testing::PillowCase;

struct Component {
  uint32_t prec;
  bool sgnd = false;
  uint32_t dx = 1, dy = 1;
};

// A lossless codestream of `comps` over a w x h grid starting at (x0, y0), samples spread over
// each component's range; empty when OpenJPEG refuses.
std::string Encode(const std::vector<Component>& comps, uint32_t w, uint32_t h, uint32_t x0 = 0,
                   uint32_t y0 = 0) {
  std::vector<opj_image_cmptparm_t> params(comps.size());
  for (size_t i = 0; i < comps.size(); ++i) {
    opj_image_cmptparm_t& p = params[i];
    p = {};
    p.dx = comps[i].dx;
    p.dy = comps[i].dy;
    p.w = (w + comps[i].dx - 1) / comps[i].dx;
    p.h = (h + comps[i].dy - 1) / comps[i].dy;
    p.x0 = x0;
    p.y0 = y0;
    p.prec = comps[i].prec;
    p.sgnd = comps[i].sgnd;
  }
  const OPJ_COLOR_SPACE space = comps.size() >= 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY;
  opj_image_t* image =
      opj_image_create(static_cast<OPJ_UINT32>(comps.size()), params.data(), space);
  image->x0 = x0;
  image->y0 = y0;
  image->x1 = x0 + w;
  image->y1 = y0 + h;
  for (size_t c = 0; c < comps.size(); ++c) {
    const opj_image_comp_t& comp = image->comps[c];
    const int64_t lo = comps[c].sgnd ? -(int64_t{1} << (comp.prec - 1)) : 0;
    const int64_t span = int64_t{1} << comp.prec;
    for (uint32_t i = 0; i < comp.w * comp.h; ++i) {
      comp.data[i] = static_cast<OPJ_INT32>(lo + (int64_t{i} * 7919 + 31 * c) % span);
    }
  }
  opj_cparameters_t cp;
  opj_set_default_encoder_parameters(&cp);
  cp.tcp_numlayers = 1;
  cp.tcp_rates[0] = 0;  // lossless
  cp.cp_disto_alloc = 1;
  cp.tcp_mct = 0;
  cp.numresolution = 2;
  opj_codec_t* codec = opj_create_compress(OPJ_CODEC_J2K);
  ingest::testing::ScopedTempDir dir;
  const std::string path = dir.Join("out.j2k");
  opj_stream_t* stream = opj_stream_create_default_file_stream(path.c_str(), OPJ_FALSE);
  bool ok = opj_setup_encoder(codec, &cp, image) && opj_start_compress(codec, image, stream) &&
            opj_encode(codec, stream) && opj_end_compress(codec, stream);
  opj_stream_destroy(stream);
  opj_destroy_codec(codec);
  opj_image_destroy(image);
  return ok ? ingest::testing::ReadFile(path) : std::string();
}

TEST(PixelJpeg2000PrecisionTest, ShiftsOffsetsAndRoundingMatchPillow) {
  std::vector<Case> cases = {
      {"l4.j2k", Encode({{4}}, 19, 7)},
      {"l8_signed.j2k", Encode({{8, true}}, 19, 7)},
      {"l9.j2k", Encode({{9}}, 19, 7)},    // mode L (Pillow's I;16 starts at 10 bits)
      {"i10.j2k", Encode({{10}}, 19, 7)},  // I;16, shifted up by 6
      {"i12_signed.j2k", Encode({{12, true}}, 19, 7)},
      {"i16_signed.j2k", Encode({{16, true}}, 19, 7)},
      {"i20.j2k", Encode({{20}}, 19, 7)},  // 4-byte samples, shifted down
      {"la_10_6.j2k", Encode({{10}, {6, true}}, 11, 5)},
      {"rgb_12_signed.j2k", Encode({{12, true}, {12, true}, {12, true}}, 11, 5)},
      {"rgb_mixed.j2k", Encode({{5}, {8}, {11}}, 11, 5)},
      {"rgba_9.j2k", Encode({{9}, {9}, {9}, {9, true}}, 11, 5)},
      {"offset_origin.j2k", Encode({{8}, {8}, {8}}, 11, 5, 3, 2)},
      // Subsampling: Pillow's grey unpackers refuse it; subsampled chroma makes Pillow guess
      // YCC, and subsampled alpha keeps sRGB, both of which we refuse.
      {"subsampled_grey.j2k", Encode({{8, false, 2, 1}}, 12, 6)},
      {"subsampled_la.j2k", Encode({{8}, {8, false, 2, 2}}, 12, 6)},
      {"subsampled_chroma.j2k", Encode({{8}, {8, false, 2, 2}, {8, false, 2, 2}}, 12, 6), true},
      {"subsampled_alpha.j2k", Encode({{8}, {8}, {8}, {8, false, 2, 2}}, 12, 6), true},
  };
  for (const Case& c : cases) ASSERT_FALSE(c.bytes.empty()) << c.name << ": encoder failed";
  ExpectLikePillow(cases, 4);
}

}  // namespace
}  // namespace ingest
