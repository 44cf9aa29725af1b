// The throughput harness behind `cvat-ingest bench` (bench/harness/): generated corpora are
// real media of the sizes asked for; runs against the receiver (in process, 127.0.0.1, port
// 0) measure every stage with figures that add up; the JSON and the report hold them; a
// sweep gives one point per setting; a cancel leaves a partial run. No timing assertions.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "bench/harness/bench_output.h"
#include "bench/harness/bench_run.h"
#include "bench/harness/corpus.h"
#include "bench/harness/local_receiver.h"
#include "bench/harness/stats.h"
#include "engine/scanner.h"
#include "tests/testing/http_client.h"
#include "tests/testing/temp_dir.h"

namespace ingest::bench {
namespace {

namespace fs = std::filesystem;
using ingest::testing::ReadFile;
using ingest::testing::ScopedTempDir;

ScanResult ScanOrDie(const std::string& dir) {
  ScanOptions o;
  o.hash = false;
  Result<ScanResult> scan = Scan(std::vector<std::string>{dir}, o);
  EXPECT_TRUE(scan.has_value()) << scan.error().ToString();
  return scan ? std::move(*scan) : ScanResult();
}

// True when every '<tag ...>' is closed by '</tag>' in order (or self-closed), skipping
// '<?...?>' and '<!...>': enough to catch a broken or truncated SVG.
bool TagsBalance(const std::string& xml, std::string* why) {
  std::vector<std::string> open;
  for (size_t at = xml.find('<'); at != std::string::npos; at = xml.find('<', at + 1)) {
    size_t end = xml.find('>', at);
    if (end == std::string::npos) {
      *why = "unterminated tag at " + std::to_string(at);
      return false;
    }
    std::string tag = xml.substr(at + 1, end - at - 1);
    if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;
    if (tag[0] == '/') {
      std::string name = tag.substr(1);
      if (open.empty() || open.back() != name) {
        *why = "</" + name + "> closes " + (open.empty() ? "nothing" : "<" + open.back() + ">");
        return false;
      }
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(tag.substr(0, tag.find_first_of(" \n\t")));
    }
  }
  if (!open.empty()) *why = "<" + open.back() + "> never closed";
  return open.empty();
}

TEST(StatsTest, PercentilesInterpolateAndStayOrdered) {
  std::vector<double> v = {5, 1, 4, 2, 3};
  EXPECT_DOUBLE_EQ(Percentile(v, 50), 3);
  EXPECT_DOUBLE_EQ(Percentile(v, 0), 1);
  EXPECT_DOUBLE_EQ(Percentile(v, 100), 5);
  EXPECT_DOUBLE_EQ(Percentile(v, 90), 4.6);
  LatencyStats l = LatencyOf({0.3, 0.1, 0.2, 9.0});
  EXPECT_EQ(l.count, 4u);
  EXPECT_LE(l.p50, l.p90);
  EXPECT_LE(l.p90, l.p99);
  EXPECT_LE(l.p99, l.max);
  EXPECT_DOUBLE_EQ(l.max, 9.0);
  Spread s = SpreadOf({});
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(SpreadOf({2, 7, 4}).median, 4);
}

TEST(CorpusTest, ImageProfilesAreRealImagesOfTheSizesAsked) {
  ScopedTempDir dir;
  CorpusSpec spec;
  spec.profile = Profile::kMixed;
  spec.files = 100;
  spec.size = 4096;
  std::atomic<uint64_t> written{0};
  Result<CorpusInfo> info = GenerateCorpus(dir.path(), spec, nullptr, &written);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->files, 100u);
  EXPECT_EQ(info->bytes, PlannedBytes(spec));
  EXPECT_EQ(info->bytes, 90u * 4096 + 9u * 4096 * 16 + 4096 * 256);
  EXPECT_EQ(written.load(), info->bytes);
  ScanResult scan = ScanOrDie(dir.path());
  EXPECT_TRUE(scan.problems.empty()) << scan.problems.front().status.ToString();
  ASSERT_EQ(scan.files.size(), 100u);
  std::set<std::string> base_names;
  size_t pngs = 0;
  for (const FileRecord& f : scan.files) {
    EXPECT_EQ(f.kind, MediaKind::kImage) << f.rel_path;
    EXPECT_GT(f.width, 0u) << f.rel_path;
    EXPECT_GT(f.height, 0u) << f.rel_path;
    std::string name(f.rel_path.substr(f.rel_path.rfind('/') + 1));
    base_names.insert(name);
    pngs += name.ends_with(".png");
  }
  EXPECT_EQ(base_names.size(), 100u);  // CVAT keeps base names: all distinct
  EXPECT_EQ(pngs, 25u);
  EXPECT_TRUE(DuplicateBaseNames(scan).empty());
}

TEST(CorpusTest, SameSeedSameBytesOtherSeedOtherBytes) {
  ScopedTempDir a, b, c;
  CorpusSpec spec;
  spec.files = 3;
  spec.size = 20000;
  ASSERT_TRUE(GenerateCorpus(a.path(), spec, nullptr, nullptr).has_value());
  ASSERT_TRUE(GenerateCorpus(b.path(), spec, nullptr, nullptr).has_value());
  spec.seed = 2;
  ASSERT_TRUE(GenerateCorpus(c.path(), spec, nullptr, nullptr).has_value());
  std::string rel = "/part_1/img_2.jpg";
  EXPECT_EQ(ReadFile(a.path() + rel), ReadFile(b.path() + rel));
  EXPECT_NE(ReadFile(a.path() + rel), ReadFile(c.path() + rel));
  EXPECT_EQ(ReadFile(a.path() + rel).size(), 20000u);
}

TEST(CorpusTest, VideoProfileIsOneVideoWithItsFrames) {
  ScopedTempDir dir;
  CorpusSpec spec;
  spec.profile = Profile::kVideo;
  spec.video_frames = 12;
  Result<CorpusInfo> info = GenerateCorpus(dir.path(), spec, nullptr, nullptr);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  ScanResult scan = ScanOrDie(dir.path());
  ASSERT_EQ(scan.files.size(), 1u);
  EXPECT_EQ(scan.files[0].kind, MediaKind::kVideo);
  EXPECT_EQ(scan.files[0].frame_count, 12u);
  EXPECT_EQ(scan.files[0].width, 640u);
  EXPECT_EQ(info->bytes, scan.files[0].size);
}

TEST(CorpusTest, CancelStopsGeneration) {
  ScopedTempDir dir;
  std::atomic<bool> cancel{true};
  Result<CorpusInfo> info = GenerateCorpus(dir.path(), CorpusSpec{}, &cancel, nullptr);
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code(), Status::Code::kCancelled);
  EXPECT_FALSE(ParseProfile("huge").has_value());
  EXPECT_EQ(*ParseProfile("video"), Profile::kVideo);
}

class BenchRunTest : public ingest::testing::ServerTest {
 protected:
  // 100 files: 90 x 8 KiB, 9 x 128 KiB and one 2 MiB file that goes through TUS in 1 MiB
  // PATCHes (tus_threshold 256 KiB; the engine's smallest chunk is 1 MiB).
  void SetUp() override {
    ServerTest::SetUp();
    corpus_ = work_.Join("corpus");
    CorpusSpec spec;
    spec.profile = Profile::kMixed;
    spec.files = 100;
    spec.size = 8192;
    Result<CorpusInfo> info = GenerateCorpus(corpus_, spec, nullptr, nullptr);
    ASSERT_TRUE(info.has_value()) << info.error().ToString();
    corpus_bytes_ = info->bytes;
    options_.sources = {corpus_};
    options_.tus_threshold = 256 << 10;
    options_.tus_chunks = {1 << 20};
    options_.batches = {128 << 10};
    options_.work_dir = work_.Join("work");
    fs::create_directories(options_.work_dir);
    target_.url = server_->url();
    target_.headers = {std::string("Authorization: Token ") + kToken};
  }

  BenchRecord Record(std::vector<RunResult> runs) {
    BenchRecord rec;
    rec.environment = CurrentEnvironment("test");
    rec.options = {{"connections", "1,2,4"}};
    rec.corpus = "generated mixed";
    rec.target = target_.url;
    rec.points = SweepPoints(options_);
    rec.runs = std::move(runs);
    rec.summary = SummarizePoints(rec.points, rec.runs);
    return rec;
  }

  ScopedTempDir work_;
  std::string corpus_;
  uint64_t corpus_bytes_ = 0;
  BenchOptions options_;
  Target target_;
};

TEST_F(BenchRunTest, SweepMeasuresEveryStageAndTheFiguresAddUp) {
  options_.connections = {1, 2, 4};
  std::vector<std::string> started;
  BenchEvents events;
  events.on_run_start = [&](int run, int runs, const PointSettings& s) {
    started.push_back(std::to_string(run) + "/" + std::to_string(runs) + ":" +
                      std::to_string(s.connections));
  };
  LiveStatus live;
  std::vector<RunResult> runs = RunBench(options_, target_, &live, events, nullptr);
  EXPECT_EQ(started, (std::vector<std::string>{"1/3:1", "2/3:2", "3/3:4"}));
  ASSERT_EQ(runs.size(), 3u);
  for (const RunResult& r : runs) {
    SCOPED_TRACE("connections " + std::to_string(r.settings.connections));
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    for (const auto* stage : {&r.scan_seconds, &r.hash_seconds, &r.manifest_seconds,
                              &r.upload_seconds, &r.finish_seconds}) {
      ASSERT_TRUE(stage->has_value());
      EXPECT_GE(**stage, 0);
    }
    EXPECT_EQ(r.files, 100u);
    EXPECT_EQ(r.corpus_bytes, corpus_bytes_);
    EXPECT_GT(r.manifest_bytes, 0u);
    EXPECT_EQ(r.planned_files, 101u);  // the manifest goes too
    EXPECT_EQ(r.planned_bytes, corpus_bytes_ + r.manifest_bytes);
    EXPECT_EQ(r.bytes_done, corpus_bytes_ + r.manifest_bytes);
    EXPECT_EQ(r.files_done, 101u);
    EXPECT_GE(r.bytes_sent, r.bytes_done);
    EXPECT_EQ(r.tus_uploads, 1u);
    EXPECT_GT(r.batches, 1u);
    EXPECT_EQ(r.frames, 100);
    EXPECT_EQ(r.retries, 0u);
    EXPECT_EQ(r.failed_requests, 0u);
    // One creation, two PATCHes, the batches: every request timed.
    EXPECT_EQ(r.latency.count, r.requests);
    EXPECT_EQ(r.latency_by_kind[static_cast<size_t>(upload::RequestTiming::Kind::kPatch)].count,
              2u);
    EXPECT_EQ(r.latency_by_kind[static_cast<size_t>(upload::RequestTiming::Kind::kBatch)].count,
              r.batches);
    EXPECT_LE(r.latency.p50, r.latency.p90);
    EXPECT_LE(r.latency.p90, r.latency.p99);
    EXPECT_LE(r.latency.p99, r.latency.max);
    EXPECT_GT(r.UploadBytesPerSecond(), 0);
    ASSERT_GE(r.timeline.size(), 2u);
    EXPECT_EQ(r.timeline.front().bytes, 0u);
    EXPECT_EQ(r.timeline.back().bytes, r.bytes_sent);
    EXPECT_GT(r.peak_rss_mib, 0);
    EXPECT_GE(r.cpu_user + r.cpu_system, 0);
    // The throwaway task is gone.
    EXPECT_EQ(Get("/api/tasks/" + std::to_string(r.task_id)).status, 404);
  }
  std::vector<PointSummary> points = SummarizePoints(SweepPoints(options_), runs);
  ASSERT_EQ(points.size(), 3u);
  for (size_t i = 0; i < points.size(); ++i) {
    EXPECT_EQ(points[i].settings.connections, std::vector<int>({1, 2, 4})[i]);
    EXPECT_EQ(points[i].completed, 1u);
    EXPECT_EQ(points[i].upload_bytes_per_second.count, 1u);
  }
}

TEST_F(BenchRunTest, RepeatsGiveMediansAndRangesPerPoint) {
  options_.tus_chunks = {1 << 20, 2 << 20};
  options_.repeat = 2;
  std::vector<RunResult> runs = RunBench(options_, target_, nullptr, {}, nullptr);
  ASSERT_EQ(runs.size(), 4u);
  // Round by round: point 0, point 1, point 0, point 1.
  EXPECT_EQ(runs[0].point, 0);
  EXPECT_EQ(runs[1].point, 1);
  EXPECT_EQ(runs[2].repeat, 1);
  std::vector<PointSummary> points = SummarizePoints(SweepPoints(options_), runs);
  ASSERT_EQ(points.size(), 2u);
  for (const PointSummary& p : points) {
    EXPECT_EQ(p.runs, 2u);
    EXPECT_EQ(p.completed, 2u);
    EXPECT_LE(p.upload_bytes_per_second.min, p.upload_bytes_per_second.median);
    EXPECT_LE(p.upload_bytes_per_second.median, p.upload_bytes_per_second.max);
  }
  EXPECT_EQ(runs[1].latency_by_kind[static_cast<size_t>(upload::RequestTiming::Kind::kPatch)]
                .count,
            1u);  // 2 MiB in one PATCH
}

TEST_F(BenchRunTest, JsonHoldsEveryStageAndTheEnvironment) {
  options_.connections = {1, 2};
  BenchRecord rec = Record(RunBench(options_, target_, nullptr, {}, nullptr));
  std::string path = work_.Join("bench.json");
  ASSERT_TRUE(WriteBenchJson(path, rec).ok());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.load(path).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(doc["tool"]), "cvat-ingest bench");
  EXPECT_GT(uint64_t(doc["environment"]["cores"]), 0u);
  EXPECT_TRUE(std::string_view(doc["environment"]["libcurl"]).starts_with("libcurl/"));
  EXPECT_FALSE(bool(doc["interrupted"]));
  simdjson::dom::array points = doc["points"];
  EXPECT_EQ(points.size(), 2u);
  simdjson::dom::array runs = doc["runs"];
  ASSERT_EQ(runs.size(), 2u);
  for (simdjson::dom::element run : runs) {
    EXPECT_EQ(std::string_view(run["status"]), "ok");
    for (const char* stage : {"scan_probe", "hashing", "manifest", "upload", "finish_to_ready"}) {
      double seconds = -1;
      EXPECT_EQ(run["stages"][stage].get(seconds), simdjson::SUCCESS) << stage;
      EXPECT_GE(seconds, 0) << stage;
    }
    uint64_t corpus = run["corpus"]["bytes"], manifest = run["upload"]["manifest_bytes"];
    EXPECT_EQ(corpus, corpus_bytes_);
    EXPECT_EQ(uint64_t(run["upload"]["bytes_done"]), corpus + manifest);
    EXPECT_EQ(uint64_t(run["corpus"]["files"]), 100u);
    double p50 = run["latency"]["p50"], p90 = run["latency"]["p90"], p99 = run["latency"]["p99"];
    EXPECT_LE(p50, p90);
    EXPECT_LE(p90, p99);
    EXPECT_GT(simdjson::dom::array(run["timeline"]).size(), 0u);
  }
  // Never a credential.
  EXPECT_EQ(ReadFile(path).find(kToken), std::string::npos);
}

TEST_F(BenchRunTest, ReportHasWellFormedChartsThatRenderOffline) {
  options_.connections = {1, 2};
  BenchRecord rec = Record(RunBench(options_, target_, nullptr, {}, nullptr));
  std::string dir = work_.Join("report");
  ASSERT_TRUE(WriteBenchReport(dir, rec).ok());
  std::string html = ReadFile(dir + "/index.html");
  EXPECT_NE(html.find("<img src=\"sweep-connections.svg\""), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  for (const char* remote : {"src=\"http", "href=\"http", "src=\"//", "@import"}) {
    EXPECT_EQ(html.find(remote), std::string::npos) << remote;  // nothing from a network
  }
  for (const char* svg : {"sweep-connections.svg", "run-1.svg", "run-2.svg"}) {
    SCOPED_TRACE(svg);
    std::string text = ReadFile(dir + "/" + svg);
    EXPECT_TRUE(text.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    std::string why;
    EXPECT_TRUE(TagsBalance(text, &why)) << why;
    EXPECT_NE(text.find("<path d=\"M"), std::string::npos);  // a line was drawn
    EXPECT_NE(html.find(svg), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(dir + "/sweep-tus-chunk.svg"));  // not swept
}

TEST_F(BenchRunTest, CancelDuringTheUploadLeavesAPartialRunAndNoTask) {
  target_.connection.limit_rate = 256 << 10;  // ~5 s for the corpus: time to cancel
  options_.connections = {1};
  options_.repeat = 3;
  std::atomic<bool> cancel{false};
  LiveStatus live;
  std::jthread canceller([&](std::stop_token stop) {
    while (!stop.stop_requested() &&
           !(live.stage.load() == Stage::kUpload && live.transfer.bytes_sent.load() > 0)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    cancel = true;
  });
  std::vector<RunResult> runs = RunBench(options_, target_, &live, {}, &cancel);
  canceller.request_stop();
  ASSERT_EQ(runs.size(), 1u);  // no run starts after the cancel
  const RunResult& r = runs[0];
  EXPECT_EQ(r.status.code(), Status::Code::kCancelled) << r.status.ToString();
  EXPECT_TRUE(r.scan_seconds && r.hash_seconds && r.manifest_seconds);
  EXPECT_FALSE(r.upload_seconds.has_value());
  EXPECT_FALSE(r.finish_seconds.has_value());
  EXPECT_GT(r.bytes_sent, 0u);
  EXPECT_LT(r.bytes_done, r.planned_bytes);
  EXPECT_EQ(Get("/api/tasks/" + std::to_string(r.task_id)).status, 404);
  BenchRecord rec = Record(runs);
  rec.interrupted = true;
  std::string json = BenchJson(rec);
  EXPECT_NE(json.find("\"interrupted\":true"), std::string::npos);
  EXPECT_NE(json.find("\"status\":\"interrupted\""), std::string::npos);
  EXPECT_NE(json.find("\"upload\":null"), std::string::npos);
}

TEST_F(BenchRunTest, VideoRunMakesATaskOfItsFrames) {
  CorpusSpec spec;
  spec.profile = Profile::kVideo;
  spec.video_frames = 15;
  std::string dir = work_.Join("video");
  Result<CorpusInfo> info = GenerateCorpus(dir, spec, nullptr, nullptr);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  options_.sources = {dir};
  std::vector<RunResult> runs = RunBench(options_, target_, nullptr, {}, nullptr);
  ASSERT_EQ(runs.size(), 1u);
  const RunResult& r = runs[0];
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.files, 1u);
  EXPECT_EQ(r.manifest_bytes, 0u);  // a video goes without an image manifest
  EXPECT_EQ(r.bytes_done, info->bytes);
  EXPECT_EQ(r.tus_uploads, 1u);  // over the 256 KiB TUS threshold
  EXPECT_EQ(r.frames, 15);
}

TEST(LocalReceiverTest, StartsAChildServeOnAPortTheOsPicksAndStopsIt) {
  ScopedTempDir dir;
  LocalReceiverOptions o;
  o.executable = CVAT_INGEST_BIN;
  o.data_dir = dir.Join("receiver");
  o.discard = true;
  Result<std::unique_ptr<LocalReceiver>> r = LocalReceiver::Start(o);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_TRUE((*r)->url().starts_with("http://127.0.0.1:"));
  EXPECT_TRUE((*r)->auth_header().starts_with("Authorization: Token "));
  int pid = (*r)->pid();
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(ProcessCpuSeconds(pid).has_value());
  ingest::testing::HttpReply about = ingest::testing::Send(
      {"GET", (*r)->url() + "/api/server/about", {(*r)->auth_header()}});
  EXPECT_EQ(about.status, 200);
  (*r)->Stop();
  EXPECT_FALSE(ProcessCpuSeconds(pid).has_value());  // reaped

  o.executable = dir.Join("no-such-binary");
  Result<std::unique_ptr<LocalReceiver>> missing = LocalReceiver::Start(o);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("no-such-binary"), std::string::npos);
}

}  // namespace
}  // namespace ingest::bench
