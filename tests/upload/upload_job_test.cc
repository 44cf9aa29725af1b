// Integration tests of whole uploads against the local receiver (server/, in process, on
// 127.0.0.1 and a port the OS picks): what arrives must be byte-identical to the sources, in
// the planned frame order, with nothing duplicated, whatever faults the receiver injects.
#include "upload/upload_job.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <iostream>
#include <thread>
#include <map>
#include <memory>
#include <mutex>

#include "engine/hasher.h"
#include "tests/testing/archive_writer.h"
#include "tests/testing/http_client.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/video_writer.h"
#include "tests/upload/job_fixture.h"
#include "tests/upload/upload_job_fixture.h"

namespace ingest::upload {
namespace {

namespace fs = std::filesystem;
using ingest::testing::ReadFile;
using ingest::testing::WriteFile;

TEST_F(UploadJobTest, SmallFilesInBatchesAndLargeOnesThroughTusArriveIntact) {
  auto files = MakeCorpus(work_.Join("src"), 40, 3);
  UploadJob job = MakeJob({work_.Join("src")});
  job.plan.tus_threshold = 1 << 20;
  job.plan.batch_bytes = 4 << 10;  // several batches
  job.transfer.tus_chunk = 1 << 20;  // several PATCHes per large file
  UploadOutcome out = Run(job);
  ExpectIntact(out, files);
  size_t tus = 0;
  for (const PlannedFile& f : out.plan->files) tus += f.route == Route::kTus;
  EXPECT_EQ(tus, 3u);
  EXPECT_GT(out.plan->batches.size(), 2u);
}

TEST_F(UploadJobTest, EachSortingMethodGivesTheServerOurOrder) {
  std::string src = work_.Join("src");
  std::string png = ingest::testing::WritePng(4, 4);
  for (const char* name : {"f_1.png", "f_10.png", "f_2.png", "F_3.png", "g.png", "f_100.png"}) {
    WriteFile(src + "/" + name, png);
  }
  for (const char* method : {"lexicographical", "natural", "random", "predefined"}) {
    for (const char* manifest : {"auto", "none"}) {
      UploadJob job = MakeJob({src}, std::string(method) + "-" + manifest);
      job.plan.sorting = *ParseSortingMethod(method);
      job.plan.seed = 11;
      job.manifest_mode = manifest;
      UploadOutcome out = Run(job);
      ASSERT_TRUE(out.status.ok()) << method << " " << manifest << ": " << out.status.ToString();
      EXPECT_TRUE(out.order.ok()) << method << " " << manifest << ": " << out.order.ToString();
      EXPECT_EQ(out.task.size, 6);
      if (std::string(method) == "natural") {
        EXPECT_EQ(out.plan->frame_order,
                  (std::vector<std::string_view>{"f_1.png", "f_2.png", "F_3.png", "f_10.png",
                                            "f_100.png", "g.png"}));
      }
    }
  }
}

TEST_F(UploadJobTest, UnicodeAndAwkwardNames) {
  std::string src = work_.Join("src");
  std::map<std::string, std::string> files;
  std::string png = ingest::testing::WritePng(3, 3);
  for (const char* name : {"caf\xC3\xA9.png", "\xE6\x97\xA5\xE6\x9C\xAC.png",
                           "emoji \xF0\x9F\x98\x80.png", "semi;colon.png", "amp&amp;.png",
                           "nbsp\xC2\xA0.png", "quote\"d.png", "back\\slash.png",
                           "tab\there.png"}) {
    files[name] = png + name;  // distinct bytes
    WriteFile(src + "/" + name, files[name]);
  }
  UploadJob job = MakeJob({src});
  ExpectIntact(Run(job), files);
}

TEST_F(UploadJobTest, OneVideoBecomesOneTaskWithItsFrames) {
  std::string video = work_.Join("src/clip.mp4");
  fs::create_directories(work_.Join("src"));
  ASSERT_TRUE(ingest::testing::WriteVideo(video, {.width = 64, .height = 48, .frames = 12}));
  UploadJob job = MakeJob({video});
  job.plan.tus_threshold = 1024;  // through TUS, in several PATCHes
  UploadOutcome out = Run(job);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.plan->kind, TaskKind::kVideo);
  EXPECT_EQ(out.task.size, 12);
  EXPECT_EQ(ReadFile(data_dir_ + "/tasks/" + std::to_string(*out.task_id) + "/raw/clip.mp4"),
            ReadFile(video));
}

TEST_F(UploadJobTest, ArchiveGoesUpWholeWithAManifestOfItsMembers) {
  std::string zip = work_.Join("data.zip");
  std::string png = ingest::testing::WritePng(5, 4);
  ingest::testing::WriteArchive(zip, ingest::testing::ArchiveFormat::kZip,
                                {{"x/img_2.png", png}, {"x/img_10.png", png}, {"img_1.png", png}});
  UploadJob job = MakeJob({zip});
  job.plan.sorting = SortingMethod::kNatural;
  UploadOutcome out = Run(job);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.plan->kind, TaskKind::kArchive);
  EXPECT_EQ(out.plan->frame_order,
            (std::vector<std::string_view>{"img_1.png", "x/img_2.png", "x/img_10.png"}));
  EXPECT_EQ(out.task.size, 3);
  EXPECT_TRUE(out.order.ok()) << out.order.ToString();
  std::string stored = ReadFile(data_dir_ + "/tasks/" + std::to_string(*out.task_id) + "/raw/data.zip");
  EXPECT_EQ(stored, ReadFile(zip));
}

TEST_F(UploadJobTest, RefusalsComeBeforeAnyByteAndCreateNoTask) {
  std::string png = ingest::testing::WritePng(2, 2);
  std::string video_dir = work_.Join("refuse_mixed");
  fs::create_directories(video_dir);
  ASSERT_TRUE(ingest::testing::WriteVideo(video_dir + "/v.mp4", {}));
  struct Case {
    const char* what;
    std::vector<std::pair<std::string, std::string>> files;
    const char* reason;
  } cases[] = {
      {"empty", {{"a.png", png}, {"empty.png", ""}}, "empty"},
      {"duplicate", {{"a/x.png", png}, {"b/x.png", png}}, "base names"},
      {"mixed", {{"a.png", png}}, "exactly one video"},
      {"broken", {{"a.png", png}, {"broken.png", "not a png"}}, "broken.png"},
  };
  for (const Case& c : cases) {
    std::string src = work_.Join(std::string("refuse_") + c.what);
    for (const auto& [name, bytes] : c.files) WriteFile(src + "/" + name, bytes);
    UploadJob job = MakeJob({src}, c.what);
    job.plan.pack = PackMode::kNone;  // else clashing base names go up packed in a zip
    UploadOutcome out = Run(job);
    EXPECT_FALSE(out.status.ok()) << c.what;
    EXPECT_FALSE(out.task_id.has_value()) << c.what;
    std::string said = out.status.message();
    for (const Refusal& r : out.refusals) said += "\n" + r.path + ": " + r.reason;
    for (const ScanProblem& p : out.scan_errors) said += "\n" + p.status.message();
    EXPECT_NE(said.find(c.reason), std::string::npos) << c.what << ": " << said;
  }
  ingest::testing::HttpReply tasks = Get("/api/tasks");
  EXPECT_EQ(ingest::testing::JsonField(tasks.body, "count"), "0") << tasks.body;
}

// The server's Tus-Max-Size is learned from the run's own task right after it exists, never
// from a task the run neither created nor was given (on CVAT, OPTIONS on /data/ makes the
// Data row of a task that has none): a file over it deletes the new task again.
TEST_F(UploadJobTest, TheServersSizeLimitIsLearnedFromTheRunsOwnTask) {
  struct Log {
    std::mutex mu;
    std::vector<std::string> lines;
  };
  auto log = std::make_shared<Log>();
  StartServer([log](server::ServerOptions& o) {
    o.max_file_size = 4000;
    o.on_request = [log](std::string_view line) {
      std::lock_guard lock(log->mu);
      log->lines.emplace_back(line);
    };
  });
  const std::string other = std::to_string(CreateTask("someone else's"));
  WriteFile(work_.Join("src/small.png"), ingest::testing::WritePng(4, 4));
  WriteFile(work_.Join("src/big.png"), ingest::testing::WritePng(300, 300, {.noise = true}));
  UploadOutcome out = Run(MakeJob({work_.Join("src")}));
  std::vector<std::string> run_requests;
  {
    std::lock_guard lock(log->mu);
    run_requests = log->lines;
  }
  ASSERT_FALSE(out.status.ok());
  EXPECT_NE(out.status.message().find("4000"), std::string::npos) << out.status.message();
  EXPECT_NE(out.status.message().find("deleted"), std::string::npos) << out.status.message();
  ASSERT_EQ(out.refusals.size(), 1u);
  EXPECT_NE(out.refusals[0].path.find("big.png"), std::string::npos);
  EXPECT_NE(out.refusals[0].reason.find("4000"), std::string::npos) << out.refusals[0].reason;
  // Only the other task is left, and nothing of the run touched it.
  EXPECT_EQ(ingest::testing::JsonField(Get("/api/tasks").body, "count"), "1");
  EXPECT_EQ(ingest::testing::JsonField(Get("/api/tasks/" + other).body, "data"), "null");
  bool options_seen = false;
  for (const std::string& line : run_requests) {
    std::string path = line.substr(line.find(' ') + 1);
    EXPECT_FALSE(path == "/api/tasks/" + other || path.starts_with("/api/tasks/" + other + "/") ||
                 path.starts_with("/api/tasks/" + other + "?"))
        << line;
    options_seen |= line.starts_with("OPTIONS ");
  }
  EXPECT_TRUE(options_seen);  // the limit was asked, of the run's own task
}

// CVAT before 2.16.0 answers Upload-Finish without an rq_id: the task's status is polled.
TEST_F(UploadJobTest, ACvatBeforeTheRequestsApiIsPolledThroughTheTaskStatus) {
  StartServer([](server::ServerOptions& o) { o.cvat_version = "2.10.0"; });
  auto files = MakeCorpus(work_.Join("src"), 5, 0);
  UploadOutcome out = Run(MakeJob({work_.Join("src")}));
  ExpectIntact(out, files);
}

// From 2.4.6 until kCvatManifestAnySorting CVAT takes an uploaded manifest only with use_cache
// or predefined sorting: a lexicographical run (loose or packed) sends predefined, in the same
// order, so it needs no use_cache there (nor on later releases, which take either).
TEST_F(UploadJobTest, AManifestGoesWithPredefinedSortingOnEveryVersion) {
  for (const char* version : {"2.4.6", "2.19.9", "2.20.0"}) {
    StartServer([&](server::ServerOptions& o) { o.cvat_version = version; });
    std::string src = work_.Join(std::string("src-") + version);
    std::string png = ingest::testing::WritePng(4, 4);
    for (const char* name : {"b/f_10.png", "a/f_2.png", "a/f_1.png"})
      WriteFile(src + "/" + name, png);
    for (PackMode pack : {PackMode::kNone, PackMode::kZip}) {
      UploadJob job = MakeJob({src}, std::string("lex-") + version);
      job.plan.sorting = SortingMethod::kLexicographical;
      job.plan.pack = pack;
      job.manifest_mode = "auto";
      UploadOutcome out = Run(job);
      ASSERT_TRUE(out.status.ok()) << version << ": " << out.status.ToString();
      EXPECT_TRUE(out.order.ok()) << version << ": " << out.order.ToString();
      EXPECT_EQ(out.task.size, 3);
      EXPECT_EQ(out.plan->sorting_method, "predefined") << version;
    }
  }
}

// CVAT before 2.4.6 has no upload_file_order: refused before anything is created.
TEST_F(UploadJobTest, ACvatBeforeUploadFileOrderIsRefusedClearly) {
  StartServer([](server::ServerOptions& o) { o.cvat_version = "2.4.5"; });
  MakeCorpus(work_.Join("src"), 2, 0);
  UploadOutcome out = Run(MakeJob({work_.Join("src")}));
  ASSERT_FALSE(out.status.ok());
  EXPECT_NE(out.status.message().find("CVAT 2.4.5"), std::string::npos) << out.status.message();
  EXPECT_NE(out.status.message().find("2.4.6 or later"), std::string::npos);
  EXPECT_EQ(ingest::testing::JsonField(Get("/api/tasks").body, "count"), "0");
}

TEST_F(UploadJobTest, IntoAnExistingEmptyTask) {
  auto files = MakeCorpus(work_.Join("src"), 5, 0);
  int64_t task = CreateTask("existing");
  UploadJob job = MakeJob({work_.Join("src")});
  job.task_id = task;
  UploadOutcome out = Run(job);
  ExpectIntact(out, files);
  EXPECT_EQ(*out.task_id, task);
  // A second upload into it is refused: CVAT does not add data to a task.
  UploadOutcome again = Run(job);
  EXPECT_FALSE(again.status.ok());
  EXPECT_NE(again.status.message().find("already has data"), std::string::npos);
}

TEST_F(UploadJobTest, BadCredentialsSayWhatToCheck) {
  auto files = MakeCorpus(work_.Join("src"), 2, 0);
  UploadJob job = MakeJob({work_.Join("src")});
  job.auth_headers = {"Authorization: Bearer wrong-token"};
  UploadOutcome out = Run(job);
  ASSERT_FALSE(out.status.ok());
  EXPECT_NE(out.status.message().find("401"), std::string::npos) << out.status.message();
  EXPECT_NE(out.status.message().find("CVAT_ACCESS_TOKEN"), std::string::npos);
  EXPECT_EQ(out.status.message().find("wrong-token"), std::string::npos);  // never echoed
}

// --extract: an archive's images go up as individual files streamed out of it (members of
// subfolders by base name, in archive order), non-images and context images left out.
TEST_F(UploadJobTest, ExtractSendsAnArchivesImagesAsFiles) {
  for (auto format : {ingest::testing::ArchiveFormat::kZip, ingest::testing::ArchiveFormat::kTarGz}) {
    std::map<std::string, std::string> want;
    std::vector<ingest::testing::ArchiveEntry> entries;
    for (int i = 0; i < 25; ++i) {
      std::string name = "img_" + std::to_string(i) + ".png";
      std::string bytes = ingest::testing::WritePng(6 + i, 5);
      want[name] = bytes;
      entries.push_back({(i % 2 ? "x/" : "y/z/") + name, bytes});
    }
    std::string big = ingest::testing::WritePng(700, 700, {.noise = true});
    want["big.png"] = big;
    entries.push_back({"big.png", big});
    entries.push_back({"notes.txt", "not an image"});
    entries.push_back({"x/related_images/img_1_png/ctx.png", ingest::testing::WritePng(3, 3)});
    std::string archive = work_.Join(format == ingest::testing::ArchiveFormat::kZip ? "d.zip" : "d.tar.gz");
    ingest::testing::WriteArchive(archive, format, entries);
    UploadJob job = MakeJob({archive}, "extract");
    job.extract = true;
    job.plan.sorting = SortingMethod::kNatural;
    job.plan.tus_threshold = 512 << 10;
    job.plan.batch_bytes = 2 << 10;
    job.transfer.tus_chunk = 256 << 10;
    job.journal_path = work_.Join(archive + ".journal");
    UploadOutcome out = Run(job);
    ExpectIntact(out, want);
    EXPECT_EQ(out.plan->kind, TaskKind::kImages);
    ASSERT_EQ(out.plan->frame_order.size(), 26u);
    EXPECT_EQ(out.plan->frame_order[0], "big.png");
    EXPECT_EQ(out.plan->frame_order[1], "img_0.png");
    EXPECT_EQ(out.plan->frame_order[3], "img_2.png");  // natural order on base names
    EXPECT_EQ(out.plan->skipped_files, 2u);
  }
}

TEST_F(UploadJobTest, ExtractRefusesBaseNamesThatCollide) {
  std::string png = ingest::testing::WritePng(5, 4);
  std::string zip = work_.Join("d.zip");
  ingest::testing::WriteArchive(zip, ingest::testing::ArchiveFormat::kZip,
                                {{"a/1.png", png}, {"b/1.png", png}, {"c/2.png", png}});
  UploadJob job = MakeJob({zip});
  job.extract = true;
  job.plan.pack = PackMode::kNone;
  UploadOutcome out = Run(job);
  ASSERT_FALSE(out.status.ok());
  ASSERT_EQ(out.refusals.size(), 1u);  // one line per clashing name
  EXPECT_EQ(out.refusals[0].path, "1.png");
  EXPECT_NE(out.refusals[0].reason.find("d.zip:a/1.png"), std::string::npos)
      << out.refusals[0].reason;
  EXPECT_FALSE(out.task_id.has_value());
  // --pack auto: the members go up in a zip generated from the archive's stream.
  job.plan.pack = PackMode::kAuto;
  UploadOutcome packed = Run(job);
  ASSERT_TRUE(packed.status.ok()) << packed.status.ToString();
  ASSERT_TRUE(packed.plan->zip);
  EXPECT_TRUE(packed.order.ok()) << packed.order.ToString();
  EXPECT_EQ(std::vector<std::string>(packed.plan->frame_order.begin(),
                                     packed.plan->frame_order.end()),
            (std::vector<std::string>{"a/1.png", "b/1.png", "c/2.png"}));
}

// Every fault kind of the receiver: the upload still completes, byte for byte, once.
class UploadFaultTest : public UploadJobTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(UploadFaultTest, CompletesIntactDespiteFaults) {
  StartServer([](server::ServerOptions& o) { o.faults = GetParam(); });
  auto files = MakeCorpus(work_.Join("src"), 30, 2);
  UploadJob job = MakeJob({work_.Join("src")});
  job.plan.tus_threshold = 1 << 20;
  job.plan.batch_bytes = 8 << 10;
  job.transfer.tus_chunk = 1 << 20;
  job.transfer.connection.low_speed_time_s = 1;  // stalls are cut after a second
  job.transfer.connection.low_speed_bytes = 1;
  if (std::string(GetParam()).starts_with("proxy-413")) {
    // Bodies over 1.5 MiB are refused: 4 MiB chunks must come down to 1 MiB, and batches
    // over the limit must be split.
    job.transfer.tus_chunk = 4 << 20;
    job.plan.batch_bytes = 3 << 20;
  }
  UploadOutcome out = Run(job);
  for (const FileFailure& f : out.failures) ADD_FAILURE() << f.status.ToString();
  ExpectIntact(out, files);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, UploadFaultTest,
    ::testing::Values("reset-after=256KiB@p=0.3,seed=1", "status=503@p=0.2,seed=2",
                      "offset-409@p=0.3,seed=3", "gateway-504@p=0.2,seed=4",
                      "proxy-413-over=1536KiB,seed=5", "slow=50MiB/s,seed=6",
                      "stall=3s@every=15,seed=7"));

}  // namespace
}  // namespace ingest::upload
