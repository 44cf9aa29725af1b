#include "server/multipart_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace ingest::server {
namespace {

struct Part {
  std::string name, filename, data;
  bool operator==(const Part&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Part& p) {
  return os << "{" << p.name << ", " << p.filename << ", " << p.data.size() << " bytes}";
}

const std::string kBoundary = "----b0undaryXyZ";

struct ParseResult {
  bool ok = false;
  std::string error;
  std::vector<Part> parts;
};

// Feeds `body` in pieces whose sizes come from `sizes` (cycled), then Finish().
ParseResult Parse(const std::string& body, const std::vector<size_t>& sizes,
                  const std::string& boundary = kBoundary) {
  ParseResult r;
  MultipartParser parser(
      boundary,
      [&](const MultipartPartHeader& h) {
        r.parts.push_back({h.name, h.filename, ""});
        return true;
      },
      [&](const char* data, size_t n) {
        EXPECT_FALSE(r.parts.empty());
        if (!r.parts.empty()) r.parts.back().data.append(data, n);
        return true;
      });
  size_t at = 0, i = 0;
  r.ok = true;
  while (at < body.size() && r.ok) {
    size_t n = std::min(sizes[i++ % sizes.size()], body.size() - at);
    r.ok = parser.Feed(body.data() + at, n);
    at += n;
  }
  r.ok = r.ok && parser.Finish();
  r.error = parser.error();
  return r;
}

std::string FilePart(const std::string& name, const std::string& filename,
                     const std::string& data) {
  return "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name +
         "\"; filename=\"" + filename + "\"\r\nContent-Type: image/png\r\n\r\n" + data + "\r\n";
}

std::string FieldPart(const std::string& name, const std::string& value) {
  return "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
         value + "\r\n";
}

std::string Close() { return "--" + kBoundary + "--\r\n"; }

TEST(MultipartParserTest, PartsComeOutWhateverTheReadSizes) {
  // Bodies that hold pieces of the delimiter: a CR, CRLF, CRLF--, and all but its last byte.
  std::string tricky = "a\rb\r\nc\r\n-d\r\n--e\r\n--" + kBoundary.substr(0, kBoundary.size() - 1) +
                       "!\r\n--" + kBoundary.substr(0, 5) + "\r";
  std::string body = FieldPart("image_quality", "70") + FilePart("client_files[0]", "a.png", tricky) +
                     FilePart("client_files[1]", "empty.png", "") +
                     FilePart("client_files[2]", "b.png", "\r\n") + Close();
  std::vector<Part> want = {{"image_quality", "", "70"},
                            {"client_files[0]", "a.png", tricky},
                            {"client_files[1]", "empty.png", ""},
                            {"client_files[2]", "b.png", "\r\n"}};
  for (size_t step = 1; step <= body.size(); ++step) {
    ParseResult r = Parse(body, {step});
    ASSERT_TRUE(r.ok) << "step " << step << ": " << r.error;
    ASSERT_EQ(r.parts, want) << "step " << step;
  }
  // Two pieces, cut at every position.
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    ParseResult r = Parse(body, {cut == 0 ? body.size() : cut, body.size()});
    ASSERT_TRUE(r.ok) << "cut " << cut << ": " << r.error;
    ASSERT_EQ(r.parts, want) << "cut " << cut;
  }
}

TEST(MultipartParserTest, LargeBinaryPartsInRandomReads) {
  std::mt19937 rng(11);
  std::string body;
  std::vector<Part> want;
  for (int i = 0; i < 20; ++i) {
    std::string data = testing::PseudoRandomBytes(1000 + rng() % 200000, rng());
    std::string name = "client_files[" + std::to_string(i) + "]";
    std::string file = "f" + std::to_string(i) + ".jpg";
    body += FilePart(name, file, data);
    want.push_back({name, file, std::move(data)});
  }
  body += Close();
  std::vector<size_t> sizes;
  for (int i = 0; i < 64; ++i) sizes.push_back(1 + rng() % 70000);
  ParseResult r = Parse(body, sizes);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.parts, want);
}

TEST(MultipartParserTest, PreambleEpilogueAndPaddingAreSkipped) {
  std::string body = "this is a preamble\r\n--" + kBoundary + " \t\r\n" +
                     "Content-Disposition: form-data; name=\"x\"\r\n\r\nvalue\r\n" + "--" +
                     kBoundary + "--\r\nan epilogue with --" + kBoundary + " in it";
  ParseResult r = Parse(body, {7});
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.parts.size(), 1u);
  EXPECT_EQ(r.parts[0].name, "x");
  EXPECT_EQ(r.parts[0].data, "value");
}

TEST(MultipartParserTest, DispositionParametersAsDjangoReadsThem) {
  std::string body =
      "--" + kBoundary + "\r\ncontent-disposition: Form-Data; filename=\"a\\\"b.png\"; name=f\r\n" +
      "X-Other: 1\r\nno colon here\r\n\r\nA\r\n" + "--" + kBoundary +
      "\r\nContent-Disposition: form-data; name=\"g\"; filename=\"plain.png\"; "
      "filename*=UTF-8''%C3%A9t%C3%A9.png\r\n\r\nB\r\n" +
      "--" + kBoundary + "\r\nContent-Disposition: attachment; name=\"h\"\r\n\r\nC\r\n" +
      "--" + kBoundary + "\r\n\r\nD\r\n" + Close();
  ParseResult r = Parse(body, {body.size()});
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.parts.size(), 4u);
  EXPECT_EQ(r.parts[0].name, "f");
  EXPECT_EQ(r.parts[0].filename, "a\"b.png");  // unescaped as Django does
  EXPECT_EQ(r.parts[1].name, "g");
  EXPECT_EQ(r.parts[1].filename, "\xC3\xA9t\xC3\xA9.png");  // filename* wins
  EXPECT_EQ(r.parts[2].name, "");  // not form-data: no field name
  EXPECT_EQ(r.parts[3].name, "");  // no headers at all
  EXPECT_EQ(r.parts[3].data, "D");
}

TEST(MultipartParserTest, MalformedBodiesAreErrors) {
  struct Case {
    std::string body, error;
  } cases[] = {
      {FieldPart("x", "1"), "ends before its closing boundary"},
      {FieldPart("x", "1").substr(0, 30), "ends before its closing boundary"},
      {"no boundary here at all", "no multipart boundary"},
      {"", "no multipart boundary"},
      {"--" + kBoundary + "xx\r\n\r\n" + Close(), "malformed multipart boundary line"},
      {"--" + kBoundary + "\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n" + Close(),
       "part headers are over 16384 bytes"},
  };
  for (const Case& c : cases) {
    for (size_t step : {size_t{1}, size_t{4096}}) {
      ParseResult r = Parse(c.body, {step});
      EXPECT_FALSE(r.ok) << c.body.substr(0, 60);
      EXPECT_NE(r.error.find(c.error), std::string::npos) << r.error << " / " << c.error;
    }
  }
}

// Found by tests/fuzz/multipart_fuzz.cc: transport padding of more than 256 bytes after a
// boundary was accepted when it arrived in one read and refused when it arrived in small
// ones, so the same body passed or failed with the TCP segmentation. It is refused always.
TEST(MultipartParserTest, LongPaddingIsRefusedWhateverTheReadSizes) {
  for (size_t pad : {size_t{256}, size_t{300}}) {
    std::string body = "--" + kBoundary + std::string(pad, ' ') +
                       "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n" + Close();
    for (size_t step : {size_t{1}, size_t{7}, body.size()}) {
      ParseResult r = Parse(body, {step});
      EXPECT_EQ(r.ok, pad <= 256) << pad << " bytes of padding in reads of " << step;
      if (pad > 256) {
        EXPECT_NE(r.error.find("malformed multipart boundary line"), std::string::npos);
      }
    }
  }
}

TEST(MultipartParserTest, ACallbackCanStopTheParse) {
  std::string body = FieldPart("a", "1") + FieldPart("b", "2") + Close();
  int parts = 0;
  MultipartParser parser(
      kBoundary, [&](const MultipartPartHeader&) { return ++parts < 2; },
      [](const char*, size_t) { return true; });
  EXPECT_FALSE(parser.Feed(body.data(), body.size()));
  EXPECT_EQ(parts, 2);
  EXPECT_EQ(parser.error(), "");
  EXPECT_FALSE(parser.Feed("x", 1));  // stays stopped
}

TEST(MultipartParserTest, BoundaryFromContentType) {
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(MultipartBoundary("multipart/form-data;charset=utf-8; BOUNDARY=\"a b\\\"c\""),
            "a b\"c");
  EXPECT_EQ(MultipartBoundary("multipart/form-data"), std::nullopt);
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary="), std::nullopt);
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=" + std::string(71, 'x')),
            std::nullopt);
}

}  // namespace
}  // namespace ingest::server
