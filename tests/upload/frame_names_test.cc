#include "upload/frame_names.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ingest::upload {
namespace {

std::vector<std::string> Parse(std::string_view json, size_t piece, Status* status) {
  std::vector<std::string> names;
  FrameNameStream s([&](size_t i, std::string_view name) {
    EXPECT_EQ(i, names.size());
    names.emplace_back(name);
    return Status();
  });
  for (size_t at = 0; at < json.size(); at += piece) {
    *status = s.Feed(json.substr(at, piece));
    if (!status->ok()) return names;
  }
  *status = s.Finish();
  return names;
}

TEST(FrameNameStreamTest, NamesOfTheFramesListOnlyInAnyPieces) {
  const std::string json =
      R"({"name":"not a frame","chunk_size":72,"frames":[)"
      R"({"width":4,"height":3,"name":"a\/b.png","related":{"name":"nested, not a frame"}},)"
      R"({"name":"caf\u00e9 \"q\" \\ \ud83d\ude00.jpg","width":1},)"
      R"({"height":2, "name" : "x[1]{2}.png"}],)"
      R"("deleted_frames":[],"other":{"frames":[{"name":"no"}]}})";
  for (size_t piece : {size_t{1}, size_t{3}, size_t{7}, json.size()}) {
    Status st;
    std::vector<std::string> names = Parse(json, piece, &st);
    ASSERT_TRUE(st.ok()) << piece << ": " << st.ToString();
    EXPECT_EQ(names, (std::vector<std::string>{"a/b.png",
                                               "caf\xC3\xA9 \"q\" \\ \xF0\x9F\x98\x80.jpg",
                                               "x[1]{2}.png"}))
        << "piece " << piece;
  }
}

TEST(FrameNameStreamTest, BrokenRepliesAreErrors) {
  Status st;
  Parse(R"({"frames":[{"name":"a"})", 4, &st);
  EXPECT_EQ(st.code(), Status::Code::kCorruption);
  Parse(R"({"size":3})", 4, &st);
  EXPECT_NE(st.message().find("no frames list"), std::string::npos);
  Parse(R"({"frames":[}])", 4, &st);
  EXPECT_FALSE(st.ok());
  Parse(R"({"frames":[{"name":"\q"}]})", 4, &st);
  EXPECT_FALSE(st.ok());
}

// Review of issue 15: a reply of nothing but '[' grew the container stack by 40 bytes a byte
// (100 MB of reply: 4 GB), and one string of any length was buffered whole.
TEST(FrameNameStreamTest, NestingAndStringsAreBounded) {
  Status st;
  const size_t deep = FrameNameStream::kMaxDepth;
  // At the limit: accepted (the top object and the frames list are two of the levels).
  std::string ok =
      R"({"frames":[)" + std::string(deep - 2, '[') + std::string(deep - 2, ']') + "]}";
  Parse(ok, 64, &st);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::string nested = R"({"frames":[)" + std::string(1 << 20, '[');
  Parse(nested, 4096, &st);
  EXPECT_EQ(st.code(), Status::Code::kCorruption);
  EXPECT_NE(st.message().find("nested more than 64 deep"), std::string::npos) << st.message();

  std::string name(FrameNameStream::kMaxString - 1, 'n');
  std::vector<std::string> names = Parse(R"({"frames":[{"name":")" + name + R"("}]})", 4096, &st);
  EXPECT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0], name);
  for (const std::string& piece : {std::string("n"), std::string("\\n"), std::string("\\u00e9")}) {
    std::string huge;
    while (huge.size() < (FrameNameStream::kMaxString + 16) * 4) huge += piece;
    Parse(R"({"frames":[{"name":")" + huge + R"("}]})", 4096, &st);
    EXPECT_NE(st.message().find("longer than 64 KiB"), std::string::npos) << piece;
  }
}

TEST(FrameNameStreamTest, VisitorErrorStops) {
  FrameNameStream s([](size_t i, std::string_view) {
    return i == 1 ? Status::Remote("frame 1 differs") : Status();
  });
  Status st = s.Feed(R"({"frames":[{"name":"a"},{"name":"b"},{"name":"c"}]})");
  EXPECT_EQ(st.message(), "frame 1 differs");
}

}  // namespace
}  // namespace ingest::upload
