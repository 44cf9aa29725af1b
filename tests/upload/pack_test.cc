// End-to-end tests of packed uploads (--pack, issue 14) against the local receiver (in
// process, on 127.0.0.1 and a port the OS picks): a nested tree whose base names clash goes
// up as one zip generated on the fly; the task's frames (data/meta) are the relative paths in
// the planned order; the stored zip is byte-identical to a generation of the plan, and its
// members to the sources; an interrupted upload resumed from its journal stores the same zip.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "engine/archive_reader.h"
#include "tests/testing/http_client.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"
#include "tests/upload/job_fixture.h"
#include "tests/upload/zip_test_util.h"
#include "upload/plan_files.h"
#include "upload/upload_job.h"

namespace ingest::upload {
namespace {

namespace fs = std::filesystem;
using ingest::testing::WriteFile;

class PackTest : public ingest::testing::ServerTest {
 protected:
  UploadJob MakeJob(std::vector<std::string> sources, const std::string& name = "packed") {
    UploadJob job =
        testing::BaseJob(server_->url(), kToken, std::move(sources), name, work_.Join("tmp-" + name));
    job.transfer.retries = 8;
    return job;
  }

  UploadOutcome Run(const UploadJob& job) {
    UploadOutcome out = RunUploadJob(job, {}, nullptr, nullptr);
    for (const Refusal& r : out.refusals) {
      std::cerr << "refusal: " << r.path << ": " << r.reason << "\n";
    }
    return out;
  }

  // A nested tree whose base names clash across folders (relative path -> bytes), with a
  // related_images folder (context images travel inside the zip, not as frames).
  std::map<std::string, std::string> MakeTree(const std::string& root, int per_folder,
                                              bool big = false) {
    std::map<std::string, std::string> files;
    const char* folders[] = {"cam1", "cam2", "cam2/night", "z"};
    for (const char* folder : folders) {
      for (int i = 0; i < per_folder; ++i) {
        std::string name = "00000" + std::to_string(i) + (i % 2 ? ".png" : ".jpg");
        std::string bytes =
            i % 2 ? ingest::testing::WritePng(big ? 300 + i : 6 + i, 5, {.noise = big})
                  : ingest::testing::WriteJpeg(8 + i, 8);
        files[std::string(folder) + "/" + name] = bytes;
      }
    }
    for (const auto& [rel, bytes] : files) WriteFile(root + "/" + rel, bytes);
    return files;
  }

  // The task's frame names from data/meta, in frame order.
  std::vector<std::string> MetaNames(int64_t task) {
    ingest::testing::HttpReply meta = Get("/api/tasks/" + std::to_string(task) + "/data/meta");
    EXPECT_EQ(meta.status, 200) << meta.body;
    std::vector<std::string> names;
    for (size_t at = 0; (at = meta.body.find("\"name\":\"", at)) != std::string::npos;) {
      at += 8;
      names.push_back(meta.body.substr(at, meta.body.find('"', at) - at));
    }
    return names;
  }

  // The single zip the receiver stored for `task`.
  std::string StoredZip(int64_t task) {
    std::map<std::string, std::string> stored = ingest::testing::StoredTaskFiles(data_dir_, task);
    EXPECT_EQ(stored.size(), 1u);
    return stored.empty() ? std::string() : stored.begin()->second;
  }

  ingest::testing::ScopedTempDir work_;
};

// The members of the zip at `path` (name -> bytes), read with libarchive.
std::map<std::string, std::string> ZipMembers(const std::string& path) {
  std::map<std::string, std::string> out;
  Result<std::unique_ptr<ArchiveReader>> reader = ArchiveReader::Open(path);
  EXPECT_TRUE(reader.has_value()) << reader.error().ToString();
  if (!reader) return out;
  ArchiveMember m;
  char buf[65536];
  for (;;) {
    Result<bool> more = (*reader)->Next(&m);
    EXPECT_TRUE(more.has_value());
    if (!more || !*more) break;
    std::string& bytes = out[m.path];
    for (;;) {
      Result<size_t> n = (*reader)->Read(buf, sizeof buf);
      EXPECT_TRUE(n.has_value());
      if (!n || *n == 0) break;
      bytes.append(buf, *n);
    }
  }
  return out;
}

TEST_F(PackTest, ClashingTreeGoesUpAsOneZipWithRelativeNamesInOrder) {
  std::string src = work_.Join("tree");
  std::map<std::string, std::string> files = MakeTree(src, 5);
  WriteFile(src + "/cam1/related_images/000000_jpg/ctx.png", ingest::testing::WritePng(3, 3));
  for (SortingMethod sorting : {SortingMethod::kLexicographical, SortingMethod::kNatural}) {
    UploadJob job = MakeJob({src}, sorting == SortingMethod::kNatural ? "natural" : "lexical");
    job.plan.sorting = sorting;
    UploadOutcome out = Run(job);
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    ASSERT_TRUE(out.plan && out.plan->zip);
    EXPECT_NE(out.plan->zip->reason.find("'000000.jpg' occurs 4 times"), std::string::npos)
        << out.plan->zip->reason;
    EXPECT_TRUE(out.order.ok()) << out.order.ToString();
    // Frames: the relative paths, in the planned order (the context image is no frame).
    std::vector<std::string> want(out.plan->frame_order.begin(), out.plan->frame_order.end());
    ASSERT_EQ(want.size(), files.size());
    EXPECT_EQ(MetaNames(*out.task_id), want);
    if (sorting == SortingMethod::kLexicographical) {
      std::vector<std::string> sorted;
      for (const auto& [rel, bytes] : files) sorted.push_back(rel);
      EXPECT_EQ(want, sorted);  // std::map orders by bytes: code-point order
    }
    // The stored zip is the plan's zip, byte for byte, and its members are the sources.
    std::string stored = StoredZip(*out.task_id);
    ScanResult none;
    PlanFiles regenerate(*out.scan, *out.plan);
    PlannedFile zf = out.plan->files[0];
    ASSERT_EQ(zf.record, kGeneratedZip);
    Result<std::unique_ptr<FileReader>> zip = regenerate.Open(zf);
    ASSERT_TRUE(zip.has_value());
    std::string again = testing::ReadAll(static_cast<ZipStream&>(**zip));
    EXPECT_TRUE(stored == again) << "the stored zip differs from the plan's";
    std::string zip_path = work_.Join("stored.zip");
    WriteFile(zip_path, stored);
    std::map<std::string, std::string> members = ZipMembers(zip_path);
    EXPECT_EQ(members.size(), files.size() + 1);
    for (const auto& [rel, bytes] : files) {
      EXPECT_TRUE(members[rel] == bytes) << rel << " differs in the zip";
    }
  }
}

TEST_F(PackTest, PackNoneRefusesOneLinePerClashingName) {
  std::string src = work_.Join("tree");
  MakeTree(src, 4);
  UploadJob job = MakeJob({src});
  job.plan.pack = PackMode::kNone;
  UploadOutcome out = Run(job);
  EXPECT_FALSE(out.status.ok());
  ASSERT_EQ(out.refusals.size(), 4u);  // 000000.jpg .. 000003.png, each in 4 folders
  EXPECT_EQ(out.refusals[0].path, "000000.jpg");
  EXPECT_NE(out.refusals[0].reason.find("occurs 4 times"), std::string::npos);
  EXPECT_NE(out.refusals[0].reason.find("and 1 more"), std::string::npos)
      << out.refusals[0].reason;
  EXPECT_NE(out.refusals[0].reason.find("--pack"), std::string::npos);
  EXPECT_EQ(out.refusals[3].path, "000003.png");
}

TEST_F(PackTest, PackZipWithoutClashesAndDryRun) {
  std::string src = work_.Join("flat");
  WriteFile(src + "/a.png", ingest::testing::WritePng(4, 4));
  WriteFile(src + "/sub/b.png", ingest::testing::WritePng(5, 4));
  UploadJob job = MakeJob({src});
  job.plan.pack = PackMode::kAuto;
  job.dry_run = true;
  UploadOutcome auto_out = Run(job);
  ASSERT_TRUE(auto_out.status.ok()) << auto_out.status.ToString();
  EXPECT_FALSE(auto_out.plan->zip);  // no clash: sent as files
  job.plan.pack = PackMode::kZip;
  job.dry_run = false;
  UploadOutcome out = Run(job);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_TRUE(out.plan->zip);
  EXPECT_EQ(out.plan->zip->name, "packed.zip");
  EXPECT_EQ(MetaNames(*out.task_id), (std::vector<std::string>{"a.png", "sub/b.png"}));
}

// An upload interrupted at seeded points of its zip (cancelled mid-transfer), then resumed
// from its journal, stores the same zip as an uninterrupted one.
TEST_F(PackTest, ResumedZipIsIdenticalToAnUninterruptedOne) {
  std::string src = work_.Join("tree");
  MakeTree(src, 6, /*big=*/true);
  UploadJob plain = MakeJob({src}, "plain");
  plain.transfer.tus_chunk = 64 << 10;
  UploadOutcome whole = Run(plain);
  ASSERT_TRUE(whole.status.ok()) << whole.status.ToString();
  std::string want = StoredZip(*whole.task_id);
  uint64_t total = whole.plan->zip->layout.total_size();
  for (uint64_t cut : {total / 5, total / 2, total - total / 7}) {
    UploadJob job = MakeJob({src}, "cut" + std::to_string(cut));
    job.transfer.tus_chunk = 64 << 10;
    job.transfer.connections = 1;
    job.journal_path = work_.Join("j" + std::to_string(cut) + ".journal");
    TransferCounters counters;
    std::atomic<bool> cancel{false};
    std::jthread watcher([&](std::stop_token stop) {
      while (!stop.stop_requested() && counters.bytes_sent.load() < cut) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      cancel = true;
    });
    UploadOutcome first = RunUploadJob(job, {}, &counters, &cancel);
    watcher.request_stop();
    ASSERT_EQ(first.status.code(), Status::Code::kCancelled) << first.status.ToString();
    UploadOutcome second = ResumeUploadJob(job.journal_path, MakeJob({}), {}, nullptr, nullptr);
    ASSERT_TRUE(second.status.ok()) << second.status.ToString();
    EXPECT_TRUE(second.order.ok()) << second.order.ToString();
    EXPECT_TRUE(StoredZip(*second.task_id) == want) << "cut at " << cut;
  }
}

// A resume whose packed files changed since the plan is refused before any byte (the zip
// could not be regenerated as planned), naming them.
TEST_F(PackTest, ResumeRefusesChangedMembers) {
  std::string src = work_.Join("tree");
  MakeTree(src, 3);
  UploadJob job = MakeJob({src});
  job.journal_path = work_.Join("changed.journal");
  std::atomic<bool> cancel{false};
  UploadEvents events;
  events.on_transfer_start = [&] { cancel = true; };
  UploadOutcome first = RunUploadJob(job, events, nullptr, &cancel);
  ASSERT_EQ(first.status.code(), Status::Code::kCancelled) << first.status.ToString();
  WriteFile(src + "/cam2/000001.png", ingest::testing::WritePng(9, 9));
  UploadOutcome second = ResumeUploadJob(job.journal_path, MakeJob({}), {}, nullptr, nullptr);
  EXPECT_EQ(second.status.code(), Status::Code::kInvalidArgument) << second.status.ToString();
  EXPECT_NE(second.status.message().find("cam2/000001.png"), std::string::npos)
      << second.status.ToString();
  EXPECT_NE(second.status.message().find("packed in the zip changed"), std::string::npos);
}

}  // namespace
}  // namespace ingest::upload
