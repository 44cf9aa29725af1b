#include "engine/status.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "engine/result.h"

namespace ingest {
namespace {

TEST(StatusTest, OkIsCheapAndEmpty) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kOk);
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(s.message().empty());
}

TEST(StatusTest, FromErrnoNamesWhatFailed) {
  Status s = FromErrno("open /data/x", ENOENT);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_EQ(s.message(), "open /data/x: No such file or directory");
  Status io = FromErrno("read /data/y", EIO);
  EXPECT_EQ(io.code(), Status::Code::kIoError);
}

TEST(StatusTest, CopyAndPrefix) {
  Status a = Status::Corruption("bad header");
  Status b = a;
  EXPECT_EQ(b.ToString(), "Corruption: bad header");
  EXPECT_EQ(a.WithPrefix("x.jpg").message(), "x.jpg: bad header");
  EXPECT_TRUE(Status().WithPrefix("x").ok());
}

Result<int> Half(int v) {
  if (v % 2) return Status::InvalidArgument("odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  INGEST_ASSIGN_OR_RETURN(int h, Half(v));
  return Half(h);
}

TEST(ResultTest, ValueOrError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "odd");
}

}  // namespace
}  // namespace ingest
