#include "upload/shard_split.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace ingest::upload {
namespace {

std::vector<TaskUnit> Units(const std::vector<uint64_t>& bytes) {
  std::vector<TaskUnit> units(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) {
    units[i].name = "unit " + std::to_string(i);
    units[i].bytes = bytes[i];
  }
  return units;
}

std::vector<uint64_t> ShardBytes(const std::vector<uint64_t>& bytes, uint32_t n) {
  std::vector<uint64_t> load(n, 0);
  std::vector<uint32_t> of = AssignShards(bytes, n);
  for (size_t i = 0; i < bytes.size(); ++i) load[of[i]] += bytes[i];
  return load;
}

TEST(ShardSplitTest, EveryUnitIsInExactlyOneShardInPlanOrder) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> bytes(500);
  for (uint64_t& b : bytes) b = 1 + rng() % 1000;
  std::vector<TaskUnit> units = Units(bytes);
  for (uint32_t n : {1u, 2u, 3u, 7u, 64u, 600u}) {
    std::vector<int> seen(units.size(), 0);
    for (uint32_t k = 0; k < n; ++k) {
      std::vector<size_t> mine = ShardUnits(units, Shard{k, n});
      EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end())) << k << "/" << n;
      for (size_t i : mine) ++seen[i];
    }
    EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; })) << n;
  }
}

TEST(ShardSplitTest, TheSplitIsAPureFunctionOfTheUnitsAndN) {
  std::mt19937_64 rng(11);
  std::vector<uint64_t> bytes(1000);
  for (uint64_t& b : bytes) b = rng() % 5;  // many ties: the tie rules decide
  std::vector<uint32_t> first = AssignShards(bytes, 8);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(AssignShards(bytes, 8), first);
  // Known answer for a small case: largest first, into the lightest shard, ties by index.
  EXPECT_EQ(AssignShards({10, 30, 20, 20, 5}, 2), (std::vector<uint32_t>{0, 0, 1, 1, 0}));
}

TEST(ShardSplitTest, NoShardGetsAllTheBigUnits) {
  // Four videos of 1 GB among 400 images of 2.5 MB (one GB of images): by count the videos
  // could all land together; by bytes each shard gets one.
  std::vector<uint64_t> bytes(400, 2500000);
  for (size_t i : {3u, 150u, 151u, 399u}) bytes.insert(bytes.begin() + i, 1000000000);
  std::vector<uint32_t> of = AssignShards(bytes, 4);
  std::map<uint32_t, int> videos;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == 1000000000) ++videos[of[i]];
  }
  EXPECT_EQ(videos.size(), 4u);
  std::vector<uint64_t> load = ShardBytes(bytes, 4);
  uint64_t max = *std::max_element(load.begin(), load.end());
  uint64_t min = *std::min_element(load.begin(), load.end());
  EXPECT_LE(max - min, 2500000u);  // within one image
}

TEST(ShardSplitTest, LargestShardIsWithinOneUnitOfTheMeanForSizesVarying100Fold) {
  std::mt19937_64 rng(3);
  for (uint32_t n : {2u, 4u, 16u}) {
    std::vector<uint64_t> bytes(200);
    for (uint64_t& b : bytes) b = (1 + rng() % 100) * 1000000;
    std::vector<uint64_t> load = ShardBytes(bytes, n);
    uint64_t total = 0;
    for (uint64_t b : bytes) total += b;
    uint64_t max = *std::max_element(load.begin(), load.end());
    uint64_t biggest = *std::max_element(bytes.begin(), bytes.end());
    EXPECT_LE(max, total / n + biggest) << n;
    EXPECT_LT(static_cast<double>(max) / (static_cast<double>(total) / n), 1.05) << n;
  }
}

TEST(ShardSplitTest, EqualUnitsAreDealtEvenly) {
  std::vector<uint32_t> of = AssignShards(std::vector<uint64_t>(10, 100), 4);
  std::map<uint32_t, int> count;
  for (uint32_t s : of) ++count[s];
  for (auto [shard, n] : count) EXPECT_TRUE(n == 2 || n == 3) << shard;
  // More shards than units: the extra shards are empty, and that is no error.
  EXPECT_TRUE(ShardUnits(Units({5, 6}), Shard{2, 3}).empty());
}

// An environment made by the test.
EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

std::string Error(const Result<Shard>& r) {
  return r ? "ok " + std::to_string(r->index) + "/" + std::to_string(r->count)
           : r.error().message();
}

TEST(ShardSplitTest, ExplicitShard) {
  EXPECT_EQ(*ResolveShard("2/8", 0, Env({})), (Shard{1, 8}));
  EXPECT_EQ(*ResolveShard("1/1", 1, Env({})), (Shard{0, 1}));
  for (const char* bad : {"0/4", "5/4", "a/b", "4", "1/0", "", "1/", "/4", "-1/4", "1/4x"}) {
    Result<Shard> r = ResolveShard(bad, 0, Env({}));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(r.error().message().find("K/N"), std::string::npos) << Error(r);
  }
  EXPECT_NE(Error(ResolveShard("1/4", 3, Env({}))).find("disagrees"), std::string::npos);
}

TEST(ShardSplitTest, AutoFromASlurmArray) {
  // --array=0-3: ids 0..3, count 4.
  EXPECT_EQ(*ResolveShard("auto", 0,
                          Env({{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "4"}})),
            (Shard{3, 4}));
  // --array=1-4: the minimum is the first shard.
  EXPECT_EQ(*ResolveShard("auto", 0,
                          Env({{"SLURM_ARRAY_TASK_ID", "1"},
                               {"SLURM_ARRAY_TASK_MIN", "1"},
                               {"SLURM_ARRAY_TASK_MAX", "4"}})),
            (Shard{0, 4}));
  EXPECT_EQ(*ResolveShard("auto", 4,
                          Env({{"SLURM_ARRAY_TASK_ID", "4"},
                               {"SLURM_ARRAY_TASK_MIN", "1"},
                               {"SLURM_ARRAY_TASK_MAX", "4"},
                               {"SLURM_ARRAY_TASK_COUNT", "4"}})),
            (Shard{3, 4}));
  // Element 2 of --array=0-3 resubmitted alone (--array=2, an array of one) with --shards 4:
  // still shard 3 of 4, not the whole plan as shard 1 of 1.
  EXPECT_EQ(*ResolveShard("auto", 4,
                          Env({{"SLURM_ARRAY_TASK_ID", "2"},
                               {"SLURM_ARRAY_TASK_MIN", "2"},
                               {"SLURM_ARRAY_TASK_MAX", "2"},
                               {"SLURM_ARRAY_TASK_COUNT", "1"}})),
            (Shard{2, 4}));
  auto fails = [](std::map<std::string, std::string> env, const char* expect, uint32_t n = 0) {
    Result<Shard> r = ResolveShard("auto", n, Env(env));
    ASSERT_FALSE(r) << Error(r);
    EXPECT_EQ(r.error().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(r.error().message().find(expect), std::string::npos) << Error(r);
  };
  fails({{"SLURM_ARRAY_TASK_ID", "4"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}, "outside the array 0-3");
  fails(
      {{"SLURM_ARRAY_TASK_ID", "0"}, {"SLURM_ARRAY_TASK_MIN", "1"}, {"SLURM_ARRAY_TASK_MAX", "4"}},
      "outside the array 1-4");
  fails({{"SLURM_ARRAY_TASK_ID", "x"}, {"SLURM_ARRAY_TASK_COUNT", "4"}},
        "SLURM_ARRAY_TASK_ID='x' is not a number");
  fails({{"SLURM_ARRAY_TASK_ID", "1"}}, "neither SLURM_ARRAY_TASK_COUNT");
  fails({{"SLURM_ARRAY_TASK_ID", "4"},
         {"SLURM_ARRAY_TASK_MIN", "0"},
         {"SLURM_ARRAY_TASK_MAX", "12"},
         {"SLURM_ARRAY_TASK_COUNT", "4"}},
        "stepped");
  fails({{"SLURM_ARRAY_TASK_ID", "4"}, {"SLURM_ARRAY_TASK_COUNT", "1"}}, "not below --shards 4", 4);
  fails({{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_COUNT", "0"}}, "has no tasks");
}

TEST(ShardSplitTest, AutoFromAKubernetesIndexedJob) {
  EXPECT_EQ(*ResolveShard("auto", 4, Env({{"JOB_COMPLETION_INDEX", "0"}})), (Shard{0, 4}));
  EXPECT_EQ(*ResolveShard("auto", 4, Env({{"JOB_COMPLETION_INDEX", "3"}})), (Shard{3, 4}));
  EXPECT_NE(Error(ResolveShard("auto", 0, Env({{"JOB_COMPLETION_INDEX", "0"}}))).find("--shards N"),
            std::string::npos);
  EXPECT_NE(Error(ResolveShard("auto", 4, Env({{"JOB_COMPLETION_INDEX", "4"}})))
                .find("JOB_COMPLETION_INDEX 4 is not below --shards 4"),
            std::string::npos);
  EXPECT_NE(
      Error(ResolveShard("auto", 4, Env({{"JOB_COMPLETION_INDEX", ""}}))).find("not a number"),
      std::string::npos);
  EXPECT_NE(Error(ResolveShard("auto", 4, Env({}))).find("neither SLURM_ARRAY_TASK_ID"),
            std::string::npos);
  EXPECT_NE(Error(ResolveShard("auto", 4,
                               Env({{"JOB_COMPLETION_INDEX", "1"}, {"SLURM_ARRAY_TASK_ID", "1"}})))
                .find("both"),
            std::string::npos);
}

}  // namespace
}  // namespace ingest::upload
