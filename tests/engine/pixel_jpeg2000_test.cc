// JPEG 2000: pixel checksums against Pillow 9.4 run at test time (tests/engine/pillow_cases.h)
// on files Pillow itself writes here (OpenJPEG's encoder under it): every mode Pillow opens a
// JPEG 2000 file in (L, LA, RGB, RGBA, I;16), JP2 boxes and raw codestreams, lossless and
// lossy, one tile and many, an image offset, quality layers; then the same files cut short.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/pixel_checksum.h"
#include "tests/engine/pillow_cases.h"
#include "tests/testing/temp_dir.h"

namespace ingest {
namespace {

using ingest::testing::ExpectLikePillow;
using Case = ingest::testing::PillowCase;

// Writes the files with Pillow; each line of the script's output names one.
constexpr char kWriter[] = R"(import sys
from PIL import Image
out = sys.argv[1]
def image(mode, w, h, seed):
    size = {'L': 1, 'LA': 2, 'RGB': 3, 'RGBA': 4, 'I;16': 2}[mode] * w * h
    data = bytes((i * 37 + seed * 11 + (i // 7) * 5) % 256 for i in range(size))
    return Image.frombytes(mode, (w, h), data)
cases = [
    ('l.jp2', 'L', {}), ('la.jp2', 'LA', {}), ('rgb.jp2', 'RGB', {}),
    ('rgba.jp2', 'RGBA', {}), ('i16.jp2', 'I;16', {}),
    ('l.j2k', 'L', {'no_jp2': True}), ('rgb.j2c', 'RGB', {'no_jp2': True}),
    ('rgba.jpc', 'RGBA', {'no_jp2': True}), ('i16.j2k', 'I;16', {'no_jp2': True}),
    ('rgb_tiles.jpx', 'RGB', {'tile_size': (16, 16)}),
    ('l_tiles_offset.jpf', 'L', {'tile_size': (16, 8), 'tile_offset': (0, 0)}),
    ('rgb_lossy.jp2', 'RGB', {'irreversible': True, 'quality_mode': 'rates',
                              'quality_layers': [40, 10]}),
    ('l_lossy.j2k', 'L', {'irreversible': True, 'no_jp2': True, 'quality_layers': [20]}),
    ('rgb_no_mct.jp2', 'RGB', {'mct': 0}),
    ('rgb_offset.jp2', 'RGB', {'offset': (3, 5), 'tile_offset': (2, 4), 'tile_size': (16, 16)}),
    ('rgba_resolutions.jp2', 'RGBA', {'num_resolutions': 2, 'irreversible': True}),
    ('la_layers.jp2', 'LA', {'quality_layers': [50, 20, 5], 'quality_mode': 'rates'}),
]
for name, mode, opts in cases:
    try:
        image(mode, 37, 29, len(name)).save(out + '/' + name, 'JPEG2000', **opts)
        print(name)
    except Exception as e:
        print('#', name, type(e).__name__, e, file=sys.stderr)
)";

std::vector<Case> PillowWrittenFiles() {
  ingest::testing::ScopedTempDir dir;
  ingest::testing::WriteFile(dir.Join("write.py"), kWriter);
  const std::string cmd = "/usr/bin/python3 '" + dir.Join("write.py") + "' '" + dir.path() + "'";
  std::vector<Case> cases;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return cases;
  char line[256];
  while (fgets(line, sizeof line, p)) {
    std::string name(line);
    if (!name.empty() && name.back() == '\n') name.pop_back();
    cases.push_back({name, ingest::testing::ReadFile(dir.Join(name))});
  }
  pclose(p);
  return cases;
}

TEST(PixelJpeg2000Test, MatchesPillowInEveryMode) {
  std::vector<Case> cases = PillowWrittenFiles();
  ASSERT_EQ(cases.size(), 17u) << "Pillow did not write every JPEG 2000 file";
  const size_t whole = cases.size();
  // The same files cut: inside the codestream, and just before its end.
  for (size_t i = 0; i < whole; i += 3) {
    const Case& c = cases[i];
    cases.push_back({"half_" + c.name, c.bytes.substr(0, c.bytes.size() / 2)});
    cases.push_back({"end_" + c.name, c.bytes.substr(0, c.bytes.size() - 2)});
  }
  const std::vector<std::string> modes = ExpectLikePillow(cases, 5);
  EXPECT_EQ(modes, (std::vector<std::string>{"I;16", "L", "LA", "RGB", "RGBA"}));
}

// A damaged codestream: Pillow and we agree (ExpectLikePillow), and where we fail, the
// message says it is the JPEG 2000 decoder and why.
TEST(PixelJpeg2000Test, DamagedCodestreamLikePillowAndSaysWhy) {
  std::vector<Case> cases = PillowWrittenFiles();
  ASSERT_GT(cases.size(), 5u);
  ASSERT_EQ(cases[5].name, "l.j2k");
  std::string bytes = cases[5].bytes;
  for (size_t i = bytes.size() / 2; i < bytes.size(); i += 3) bytes[i] = '\xff';
  std::string header = cases[5].bytes;
  header[50] = '\x7f';  // inside the SIZ/COD segments
  ExpectLikePillow({{"damaged.j2k", bytes}, {"bad_header.j2k", header}}, 0);
  Result<PixelMd5> ours =
      ComputePixelChecksum({reinterpret_cast<const std::byte*>(header.data()), header.size()});
  ASSERT_FALSE(ours.has_value());
  EXPECT_EQ(ours.error().message().rfind("JPEG2000: ", 0), 0u) << ours.error().message();
}

}  // namespace
}  // namespace ingest
