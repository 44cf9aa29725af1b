#include "manifest/jsonl_encoder.h"

#include <gtest/gtest.h>

#include <string>

namespace ingest::manifest {
namespace {

std::string Enc(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

// Expected values are what Python 3.11 prints for json.dumps(s) where s is the name decoded
// with os.fsdecode (UTF-8 + surrogateescape).
TEST(JsonlEncoderTest, EscapesLikePythonJsonDumps) {
  EXPECT_EQ(Enc("plain/name_01"), "\"plain/name_01\"");
  EXPECT_EQ(Enc("q\"b\\s"), "\"q\\\"b\\\\s\"");
  EXPECT_EQ(Enc("t\tn\nr\rb\bf\f"), "\"t\\tn\\nr\\rb\\bf\\f\"");
  EXPECT_EQ(Enc(std::string_view("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(Enc("caf\xC3\xA9"), "\"caf\\u00e9\"");
  EXPECT_EQ(Enc("\xE6\x97\xA5"), "\"\\u65e5\"");
  EXPECT_EQ(Enc("\xF0\x9F\x98\x80"), "\"\\ud83d\\ude00\"");
  EXPECT_EQ(Enc("bad\xFF"), "\"bad\\udcff\"");
  EXPECT_EQ(Enc("\xC3("), "\"\\udcc3(\"");
  EXPECT_EQ(Enc("/"), "\"/\"");  // Python does not escape '/'
  EXPECT_EQ(Enc(""), "\"\"");
}

TEST(JsonlEncoderTest, Integers) {
  std::string out;
  AppendJsonInt(0, &out);
  out += ',';
  AppendJsonInt(-12, &out);
  out += ',';
  AppendJsonInt(1920, &out);
  EXPECT_EQ(out, "0,-12,1920");
}

}  // namespace
}  // namespace ingest::manifest
