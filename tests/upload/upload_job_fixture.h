// The fixture of the whole-upload tests (upload_job_test.cc, upload_resume_test.cc): an
// in-process receiver on 127.0.0.1, corpora made at test time, runs, interruptions and the
// checks that what arrived is byte-identical to the sources.
#ifndef INGEST_TESTS_UPLOAD_UPLOAD_JOB_FIXTURE_H_
#define INGEST_TESTS_UPLOAD_UPLOAD_JOB_FIXTURE_H_

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "engine/hasher.h"
#include "tests/testing/http_client.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"
#include "tests/upload/job_fixture.h"
#include "upload/upload_job.h"

namespace ingest::upload {

class UploadJobTest : public ingest::testing::ServerTest {
 protected:
  UploadJob MakeJob(std::vector<std::string> sources, const std::string& name = "t") {
    UploadJob job =
        testing::BaseJob(server_->url(), kToken, std::move(sources), name, work_.Join("tmp"));
    job.transfer.retries = 8;
    return job;
  }

  UploadOutcome Run(const UploadJob& job) {
    UploadOutcome out = RunUploadJob(job, {}, nullptr, nullptr);
    for (const FileFailure& f : out.failures) std::cerr << "failure: " << f.status.ToString() << "\n";
    for (const Refusal& r : out.refusals) std::cerr << "refusal: " << r.path << ": " << r.reason << "\n";
    return out;
  }

  std::map<std::string, std::string> Stored(int64_t task) {
    return ingest::testing::StoredTaskFiles(data_dir_, task);
  }

  // A corpus: `small` PNGs/JPEGs in two folders and `large` noisy PNGs of a few MiB.
  std::map<std::string, std::string> MakeCorpus(const std::string& root, int small, int large) {
    std::map<std::string, std::string> files;
    for (int i = 0; i < small; ++i) {
      std::string name = "img_" + std::to_string(i) + (i % 3 ? ".png" : ".jpg");
      std::string bytes = i % 3 ? ingest::testing::WritePng(8 + i, 6)
                                : ingest::testing::WriteJpeg(16, 8 + i);
      files[name] = bytes;
      ingest::testing::WriteFile(root + "/" + (i % 2 ? "a/" : "b/") + name, bytes);
    }
    for (int i = 0; i < large; ++i) {
      std::string name = "big_" + std::to_string(i) + ".png";
      std::string bytes = ingest::testing::WritePng(900 + i, 900, {.noise = true});
      files[name] = bytes;
      ingest::testing::WriteFile(root + "/big/" + name, bytes);
    }
    return files;
  }

  void ExpectIntact(const UploadOutcome& out, const std::map<std::string, std::string>& want) {
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    ASSERT_TRUE(out.task_id.has_value());
    EXPECT_TRUE(out.order.ok()) << out.order.ToString();
    EXPECT_EQ(out.task.size, static_cast<int64_t>(want.size()));
    std::map<std::string, std::string> got = Stored(*out.task_id);
    ASSERT_EQ(got.size(), want.size());
    for (const auto& [name, bytes] : want) {
      auto it = got.find(name);
      ASSERT_NE(it, got.end()) << name << " is missing";
      EXPECT_EQ(HashBytes(it->second.data(), it->second.size()),
                HashBytes(bytes.data(), bytes.size()))
          << name << " differs (" << it->second.size() << " bytes stored, " << bytes.size()
          << " sent)";
    }
  }

  ingest::testing::ScopedTempDir work_;
};

// Runs `job` and cancels it once `stop_when(counters)` holds, or, without `stop_when`, as
// the transfer starts (before any byte); the run must end cancelled.
inline void Interrupt(const UploadJob& job,
                      const std::function<bool(const TransferCounters&)>& stop_when = {}) {
  TransferCounters counters;
  std::atomic<bool> cancel{false};
  UploadEvents events;
  if (!stop_when) events.on_transfer_start = [&] { cancel = true; };
  std::jthread watcher([&](std::stop_token stop) {
    if (!stop_when) return;
    while (!stop.stop_requested() && !stop_when(counters)) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    cancel = true;
  });
  UploadOutcome first = RunUploadJob(job, events, &counters, &cancel);
  watcher.request_stop();
  ASSERT_EQ(first.status.code(), Status::Code::kCancelled) << first.status.ToString();
}

inline std::function<bool(const TransferCounters&)> FilesDone(uint64_t n) {
  return [n](const TransferCounters& c) { return c.files_done.load() >= n; };
}

inline void SetMtime(const std::string& path, int64_t seconds_ahead) {
  std::filesystem::last_write_time(path, std::filesystem::last_write_time(path) + std::chrono::seconds(seconds_ahead));
}

}  // namespace ingest::upload

#endif  // INGEST_TESTS_UPLOAD_UPLOAD_JOB_FIXTURE_H_
