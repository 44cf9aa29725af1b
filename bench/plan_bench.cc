// upload/ plan file (issue 17): writing and reading a run's plan of N synthetic files
// (realistic names: "cam<k>/<date>/frame_<n>.jpg", probe fields filled, batch-sized files
// hashed), grouped into units of 100 files. Issue 17 asks for a read well under a second
// per 100,000 files.
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include <benchmark/benchmark.h>

#include "tests/testing/temp_dir.h"
#include "upload/run_plan.h"

namespace ingest::upload {
namespace {

struct Corpus {
  ScanResult scan;
  std::vector<TaskUnit> units;
  PlanInfo info;
};

Corpus MakeCorpus(size_t files) {
  Corpus c;
  std::mt19937_64 rng(1);
  c.scan.sources.push_back({"/mnt/shared/corpus", ScanSource::Type::kDirectory, std::nullopt});
  c.scan.names.push_back(std::make_unique<NameArena>());
  c.info.tool = "cvat-ingest bench";
  c.info.options = {
      {"create", "run {name}"}, {"task-per", "folder"}, {"labels", "[{\"name\":\"car\"}]"}};
  for (size_t i = 0; i < files; ++i) {
    char name[96];
    std::snprintf(name, sizeof name, "cam%02zu/2026-12-%02zu/frame_%06zu.jpg", i / 100 % 50,
                  1 + i / 5000 % 28, i);
    FileRecord f;
    f.rel_path = c.scan.names.back()->Add(name);
    f.kind = MediaKind::kImage;
    f.size = 200000 + rng() % 800000;
    f.mtime_ns = 1765000000000000000 + static_cast<int64_t>(rng() % 1000000000000);
    f.inode = 1000000 + i;
    f.hash = Hash128{rng(), rng()};
    f.width = 1920;
    f.height = 1080;
    c.scan.files.push_back(f);
    if (i % 100 == 0) {
      c.units.emplace_back();
      c.units.back().name = "run unit " + std::to_string(i / 100);
    }
    c.units.back().records.push_back(static_cast<uint32_t>(i));
    c.units.back().bytes += f.size;
    c.units.back().frames += 1;
  }
  return c;
}

void BM_WritePlan(benchmark::State& state) {
  Corpus c = MakeCorpus(static_cast<size_t>(state.range(0)));
  testing::ScopedTempDir dir;
  std::string path = dir.Join("run.plan");
  for (auto _ : state) {
    Status s = WritePlanFile(path, c.info, c.scan.sources, c.scan.files, c.units);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.counters["files"] = static_cast<double>(state.range(0));
  state.counters["file_bytes"] = static_cast<double>(std::filesystem::file_size(path));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_WritePlan)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_ReadPlan(benchmark::State& state) {
  Corpus c = MakeCorpus(static_cast<size_t>(state.range(0)));
  testing::ScopedTempDir dir;
  std::string path = dir.Join("run.plan");
  if (Status s = WritePlanFile(path, c.info, c.scan.sources, c.scan.files, c.units); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  for (auto _ : state) {
    Result<RunPlan> plan = ReadPlanFile(path);
    if (!plan) state.SkipWithError(plan.error().ToString().c_str());
    benchmark::DoNotOptimize(plan);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ReadPlan)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ingest::upload
