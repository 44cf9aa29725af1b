#include "upload/multipart.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/testing/temp_dir.h"

namespace ingest::upload {
namespace {

using ingest::testing::ScopedTempDir;
using ingest::testing::WriteFile;

std::string ReadAll(MultipartBody& body, size_t piece, Status* status) {
  std::string out;
  std::string buf(piece, '\0');
  for (;;) {
    Result<size_t> n = body.Read(buf.data(), buf.size());
    if (!n) {
      *status = n.error();
      return out;
    }
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

TEST(MultipartBodyTest, StreamsPartsWithIndexedNamesAndExactLength) {
  ScopedTempDir dir;
  WriteFile(dir.Join("a"), "AAAA");
  WriteFile(dir.Join("b"), "");
  WriteFile(dir.Join("c"), std::string(70000, 'c'));
  std::vector<std::string> paths = {dir.Join("a"), dir.Join("b"), dir.Join("c")};
  MultipartBody body({{"a.png", 4}, {"q\"uote\\.png", 0}, {"c.jpg", 70000}}, 70,
                     [&](size_t i) { return OpenFileReader(paths[i]); });
  const std::string b = body.boundary();
  std::string want = "--" + b +
                     "\r\nContent-Disposition: form-data; name=\"client_files[0]\"; "
                     "filename=\"a.png\"\r\nContent-Type: application/octet-stream\r\n\r\nAAAA\r\n"
                     "--" + b +
                     "\r\nContent-Disposition: form-data; name=\"client_files[1]\"; "
                     "filename=\"q\\\"uote\\\\.png\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                     "\r\n--" + b +
                     "\r\nContent-Disposition: form-data; name=\"client_files[2]\"; "
                     "filename=\"c.jpg\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
                     std::string(70000, 'c') + "\r\n--" + b +
                     "\r\nContent-Disposition: form-data; name=\"image_quality\"\r\n\r\n70\r\n--" +
                     b + "--\r\n";
  for (size_t piece : {size_t{1}, size_t{13}, size_t{65536}}) {
    body.Rewind();
    Status st;
    std::string got = ReadAll(body, piece, &st);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(got, want) << "piece " << piece;
    EXPECT_EQ(body.length(), want.size());
  }
}

TEST(MultipartBodyTest, AFileThatChangedSizeIsAnErrorNamingIt) {
  ScopedTempDir dir;
  WriteFile(dir.Join("short"), "abc");
  MultipartBody body({{"short.png", 10}}, 70,
                     [&](size_t) { return OpenFileReader(dir.Join("short")); });
  Status st;
  ReadAll(body, 4096, &st);
  EXPECT_NE(st.message().find("short.png"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("shorter"), std::string::npos);
  EXPECT_EQ(body.part(), 0u);
}

}  // namespace
}  // namespace ingest::upload
