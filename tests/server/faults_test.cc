// Fault injection: each fault of a --faults SPEC fires as described and is logged with the
// request it hit.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "server/fault_plan.h"
#include "tests/testing/http_client.h"

namespace ingest::testing {
namespace {

using server::FaultPlan;

TEST(FaultPlanTest, ParsesSizesDurationsAndRejectsNonsense) {
  EXPECT_EQ(*server::ParseByteSize("1MiB"), 1u << 20);
  EXPECT_EQ(*server::ParseByteSize("10MB/s"), 10000000u);
  EXPECT_EQ(*server::ParseByteSize("512"), 512u);
  EXPECT_EQ(*server::ParseDurationMs("30s"), 30000u);
  EXPECT_EQ(*server::ParseDurationMs("250ms"), 250u);
  EXPECT_TRUE(FaultPlan::Parse(
                  "reset-after=1MiB@p=0.05,status=503@p=0.02,stall=30s@every=100,offset-409@p=0.01,"
                  "slow=10MiB/s,proxy-413-over=1MiB,gateway-504@p=0.01,seed=7")
                  .has_value());
  EXPECT_FALSE(FaultPlan::Parse("status=503@p=2").has_value());
  EXPECT_FALSE(FaultPlan::Parse("bogus=1").has_value());
  EXPECT_FALSE(FaultPlan::Parse("stall=5s@every=0").has_value());
  EXPECT_FALSE(FaultPlan::Parse("offset-409=3").has_value());
  EXPECT_TRUE((*FaultPlan::Parse(""))->empty());
}

TEST(FaultPlanTest, DrawsAreDeterministicPerSeed) {
  auto draws = [](const char* spec) {
    std::unique_ptr<FaultPlan> plan = std::move(FaultPlan::Parse(spec)).value();
    std::string out;
    int code = 0;
    for (int i = 0; i < 64; ++i) out.push_back(plan->DrawStatus(&code) ? '1' : '0');
    return out;
  };
  EXPECT_EQ(draws("status=503@p=0.5,seed=7"), draws("status=503@p=0.5,seed=7"));
  EXPECT_NE(draws("status=503@p=0.5,seed=7"), draws("status=503@p=0.5,seed=8"));
  std::string some = draws("status=503@p=0.5,seed=7");
  EXPECT_NE(some.find('1'), std::string::npos);
  EXPECT_NE(some.find('0'), std::string::npos);
}

class FaultTest : public ServerTest {
 protected:
  // Restarts with `spec` after creating a task and an upload of `length` bytes.
  std::string PrepareUpload(const std::string& spec, uint64_t length) {
    task_ = CreateTask();
    std::string loc = CreateUpload(task_, "f.bin", length).Header("location");
    path_ = loc.substr(Origin().size());
    StartServer([&](server::ServerOptions& o) { o.faults = spec; });
    return Origin() + path_;
  }
  std::string OffsetAfterRestart() {
    StartServer();
    return Head(Origin() + path_).Header("upload-offset");
  }
  bool LogHas(const std::string& what) {
    for (const std::string& line : server_->FaultLog()) {
      if (line.find(what) != std::string::npos) return true;
    }
    return false;
  }
  int64_t task_ = 0;
  std::string path_;
};

TEST_F(FaultTest, StatusAnswersWithoutProcessing) {
  std::string loc = PrepareUpload("status=503@p=1", 10);
  EXPECT_EQ(Patch(loc, 0, "12345").status, 503);
  EXPECT_TRUE(LogHas("fault=status=503 request=1 PATCH " + path_));
  EXPECT_EQ(OffsetAfterRestart(), "0");
}

TEST_F(FaultTest, ResetAfterKeepsThePrefixAndBreaksTheConnection) {
  std::string loc = PrepareUpload("reset-after=1000@p=1", 100000);
  HttpReply r = Patch(loc, 0, std::string(100000, 'z'));
  EXPECT_EQ(r.status, 0);  // the transfer failed
  EXPECT_NE(r.curl_code, 0);
  EXPECT_TRUE(LogHas("fault=reset-after=1000"));
  EXPECT_EQ(OffsetAfterRestart(), "1000");
}

TEST_F(FaultTest, Offset409LooksLikeAMismatch) {
  std::string loc = PrepareUpload("offset-409@p=1", 10);
  HttpReply r = Patch(loc, 0, "12345");
  EXPECT_EQ(r.status, 409);
  EXPECT_FALSE(r.Has("upload-offset"));
  EXPECT_TRUE(LogHas("fault=offset-409"));
  EXPECT_EQ(Head(loc).Header("upload-offset"), "0");
}

TEST_F(FaultTest, StallDelaysEveryNthRequest) {
  std::string loc = PrepareUpload("stall=300ms@every=2", 10);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Head(loc).status, 200);
  auto t1 = std::chrono::steady_clock::now();
  EXPECT_EQ(Head(loc).status, 200);
  auto t2 = std::chrono::steady_clock::now();
  EXPECT_LT(t1 - t0, std::chrono::milliseconds(250));
  EXPECT_GE(t2 - t1, std::chrono::milliseconds(290));
  EXPECT_TRUE(LogHas("fault=stall request=2 HEAD"));
}

TEST_F(FaultTest, SlowThrottlesBodies) {
  std::string loc = PrepareUpload("slow=200KiB/s", 100 << 10);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Patch(loc, 0, std::string(100 << 10, 's')).status, 204);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(400));
}

TEST_F(FaultTest, Proxy413RefusesLargeBodies) {
  std::string loc = PrepareUpload("proxy-413-over=1KiB", 4096);
  HttpReply big = Patch(loc, 0, std::string(2048, 'b'));
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(big.body.find("nginx"), std::string::npos);
  EXPECT_EQ(Patch(loc, 0, std::string(1024, 'b')).status, 204);
  EXPECT_TRUE(LogHas("fault=proxy-413"));
}

TEST_F(FaultTest, Gateway504HidesWorkThatWasDone) {
  std::string loc = PrepareUpload("gateway-504@p=1", 10);
  EXPECT_EQ(Patch(loc, 0, "12345").status, 504);
  EXPECT_TRUE(LogHas("fault=gateway-504"));
  EXPECT_EQ(OffsetAfterRestart(), "5");  // the chunk was stored
}

TEST_F(FaultTest, SameSeedSameFaultsOnOneConnectionOrder) {
  auto run = [&](const std::string& spec) {
    StartServer();
    std::string loc = PrepareUpload(spec, 10);
    std::string seen;
    for (int i = 0; i < 24; ++i) seen.push_back(Head(loc).status == 503 ? 'x' : '.');
    return seen;
  };
  std::string a = run("status=503@p=0.5,seed=11");
  std::string b = run("status=503@p=0.5,seed=11");
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find('x'), std::string::npos);
}

}  // namespace
}  // namespace ingest::testing
