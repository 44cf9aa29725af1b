#include "tests/engine/pillow_cases.h"

#include <cstdio>
#include <cstdlib>
#include <set>
#include <span>

#include <gtest/gtest.h>

#include "engine/pixel_checksum.h"
#include "tests/testing/temp_dir.h"

namespace ingest::testing {

std::map<std::string, PillowResult> RunPillow(const std::string& dir,
                                              const std::vector<std::string>& names) {
  std::string script = dir + "/pillow_md5.py";
  WriteFile(script,
            "import hashlib, sys\n"
            "from PIL import Image\n"
            "for name in sys.stdin.read().split('\\n'):\n"
            "    if not name: continue\n"
            "    try:\n"
            "        im = Image.open(sys.argv[1] + '/' + name)\n"
            "        print(name, 'OK', hashlib.md5(im.tobytes()).hexdigest(), im.mode)\n"
            "    except Exception as e:\n"
            "        print(name, 'ERR', type(e).__name__, str(e).replace('\\n', ' ')[:100])\n");
  std::string list = dir + "/names.txt";
  std::string text;
  for (const std::string& n : names) text += n + "\n";
  WriteFile(list, text);
  std::string cmd = "/usr/bin/python3 '" + script + "' '" + dir + "' < '" + list + "'";
  std::map<std::string, PillowResult> out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char line[4096];
  while (fgets(line, sizeof line, p)) {
    std::string s(line);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    size_t a = s.find(' ');
    size_t b = s.find(' ', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    PillowResult r;
    r.ok = s.substr(a + 1, b - a - 1) == "OK";
    std::string rest = s.substr(b + 1);
    if (r.ok) {
      r.md5 = rest.substr(0, rest.find(' '));
      r.mode = rest.substr(rest.find(' ') + 1);
    } else {
      r.error = rest;
    }
    out[s.substr(0, a)] = r;
  }
  pclose(p);
  return out;
}

std::vector<std::string> ExpectLikePillow(const std::vector<PillowCase>& cases, size_t min_modes) {
  ScopedTempDir dir;
  std::vector<std::string> names;
  for (const PillowCase& c : cases) {
    WriteFile(dir.Join(c.name), c.bytes);
    names.push_back(c.name);
  }
  std::map<std::string, PillowResult> pillow = RunPillow(dir.path(), names);
  EXPECT_EQ(pillow.size(), cases.size()) << "python3 with PIL did not answer for every file";
  std::set<std::string> modes;
  for (const PillowCase& c : cases) {
    SCOPED_TRACE(c.name);
    const PillowResult& want = pillow[c.name];
    if (std::getenv("PILLOW_CASES_VERBOSE")) {  // what Pillow said, when writing a test
      std::printf("%s: %s %s\n", c.name.c_str(), want.ok ? want.mode.c_str() : "ERR",
                  want.ok ? want.md5.c_str() : want.error.c_str());
    }
    Result<PixelMd5> ours =
        ComputePixelChecksum({reinterpret_cast<const std::byte*>(c.bytes.data()), c.bytes.size()});
    if (!want.ok) {
      EXPECT_FALSE(ours.has_value())
          << "Pillow fails (" << want.error << "), we gave " << ours->Hex();
      continue;
    }
    modes.insert(want.mode);
    if (!ours.has_value()) {
      EXPECT_TRUE(c.may_refuse && ours.error().code() == Status::Code::kUnsupported)
          << "Pillow: " << want.md5 << " (" << want.mode << "); ours: " << ours.error().ToString();
      continue;
    }
    EXPECT_EQ(ours->Hex(), want.md5) << "mode " << want.mode;
  }
  EXPECT_GE(modes.size(), min_modes);
  return {modes.begin(), modes.end()};
}

std::string Noise(size_t n, uint32_t seed, uint32_t modulo) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (char& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x % modulo);
  }
  return s;
}

std::string Le16(uint32_t v) { return {static_cast<char>(v & 255), static_cast<char>(v >> 8)}; }
std::string Le32(uint32_t v) { return Le16(v & 0xFFFF) + Le16(v >> 16); }
std::string Be16(uint32_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 255)}; }
std::string Be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

}  // namespace ingest::testing
