#include "cli/upload_progress.h"

#include <algorithm>
#include <cstdio>

#include "cli/options.h"
#include "cli/problems.h"
#include "manifest/jsonl_encoder.h"

namespace ingest::cli {
namespace {

using upload::UploadPlan;

// The notes on the files the plan leaves behind: files CVAT takes no data from, and context
// images, which CVAT keeps only inside an archive (--pack zip builds one).
void PrintLeftBehind(const UploadPlan& plan) {
  const uint64_t context = plan.skipped_context_images;
  const uint64_t other = plan.skipped_files - std::min(context, plan.skipped_files);
  if (other) {
    std::fprintf(stderr, "note: %s file%s not an image, video or archive and stay%s behind\n",
                 WithCommas(other).c_str(), other == 1 ? " is" : "s are", other == 1 ? "s" : "");
  }
  if (context) {
    std::fprintf(stderr,
                 "note: %s context image%s (related_images folders) stay%s behind: CVAT keeps "
                 "related images only inside an archive; add --pack zip to send the images as "
                 "one zip that keeps them with their frames\n",
                 WithCommas(context).c_str(), context == 1 ? "" : "s", context == 1 ? "s" : "");
  }
}

}  // namespace

uint64_t UserFiles(const UploadPlan& plan) {
  return static_cast<uint64_t>(std::count_if(
      plan.files.begin(), plan.files.end(),
      [](const upload::PlannedFile& f) { return f.record != upload::kGeneratedManifest; }));
}

UploadProgress::UploadProgress(std::string mode, const upload::TransferCounters& counters,
                               std::string task_name)
    : mode_(std::move(mode)),
      counters_(counters),
      task_name_(std::move(task_name)),
      t0_(std::chrono::steady_clock::now()),
      annotations_(mode_) {}

upload::UploadEvents UploadProgress::Events() {
  upload::UploadEvents events;
  events.on_plan = [this](const UploadPlan& plan) { OnPlan(plan); };
  events.on_task_created = [this](int64_t id) {
    std::fprintf(stderr, "created task %lld '%s'\n", static_cast<long long>(id),
                 task_name_.c_str());
  };
  events.on_transfer_start = [this] { OnTransferStart(); };
  events.on_request = [this](const upload::RequestState& s) { OnRequest(s); };
  events.on_annotation_bytes = [this](uint64_t done, uint64_t total) {
    annotations_.Update("", done, total);
  };
  return events;
}

void UploadProgress::Stop() {
  StopTransferDisplay();
  annotations_.Stop();
}

void UploadProgress::OnPlan(const UploadPlan& plan) {
  total_bytes_ = plan.total_bytes;
  total_files_ = plan.files.size();
  size_t tus_files = 0;
  for (const upload::PlannedFile& f : plan.files) tus_files += f.route == upload::Route::kTus;
  const char* kind = plan.kind == upload::TaskKind::kImages
                         ? "images"
                         : (plan.kind == upload::TaskKind::kVideo ? "video" : "archive");
  const uint64_t user_files = UserFiles(plan);
  std::fprintf(stderr,
               "plan: %llu file%s (%s, %s), %zu batch%s, %zu TUS upload%s, sorting %s%s%s\n",
               static_cast<unsigned long long>(user_files), user_files == 1 ? "" : "s", kind,
               FormatBytes(plan.total_bytes).c_str(), plan.batches.size(),
               plan.batches.size() == 1 ? "" : "es", tus_files, tus_files == 1 ? "" : "s",
               plan.sorting_method.c_str(),
               plan.send_upload_file_order ? " with upload_file_order" : "",
               plan.manifest_path.empty() ? "" : ", with a manifest");
  if (plan.zip) {
    std::fprintf(stderr,
                 "pack: one zip '%s' of %zu member%s, %s, generated while it is sent (%s)\n",
                 plan.zip->name.c_str(), plan.zip->layout.member_count(),
                 plan.zip->layout.member_count() == 1 ? "" : "s",
                 FormatBytes(plan.zip->layout.total_size()).c_str(), plan.zip->reason.c_str());
  }
  PrintLeftBehind(plan);
}

void UploadProgress::OnTransferStart() {
  t0_ = std::chrono::steady_clock::now();
  if (mode_ == "auto" || mode_ == "bar") {
    bar_.emplace(true, [this] { return BarText(); });
  } else if (mode_ == "json") {
    json_events_ = std::jthread([this](std::stop_token stop) {
      while (!stop.stop_requested()) {
        PrintJsonProgress();
        for (int i = 0; i < 10 && !stop.stop_requested(); ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      }
    });
  }
}

void UploadProgress::OnRequest(const upload::RequestState& s) {
  StopTransferDisplay();
  if (mode_ != "json") return;
  std::string msg;
  manifest::AppendJsonString(s.message, &msg);
  std::fprintf(stderr,
               "{\"event\":\"request\",\"status\":\"%s\",\"progress\":%.2f,"
               "\"message\":%s}\n",
               s.status.c_str(), s.progress, msg.c_str());
}

void UploadProgress::StopTransferDisplay() {
  bar_.reset();
  if (json_events_.joinable()) {
    json_events_.request_stop();
    json_events_.join();
  }
}

double UploadProgress::Seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

std::string UploadProgress::BarText() const {
  const double secs = Seconds();
  const uint64_t sent = counters_.bytes_sent.load() + counters_.bytes_resent.load();
  const double rate = secs > 0 ? static_cast<double>(sent) / secs : 0;
  // Bytes the server confirmed, never more than the plan's (what was sent again after a
  // failure counts in the rate only).
  std::string line = "uploading: " +
                     TransferProgressText(counters_.files_done.load(), total_files_,
                                          counters_.bytes_done.load(), total_bytes_, rate,
                                          counters_.in_flight.load(), /*with_eta=*/true);
  const uint64_t retries = counters_.retries.load();
  if (retries) line += ", " + RetriesText(retries, counters_.bytes_resent.load());
  return line;
}

void UploadProgress::PrintJsonProgress() const {
  std::fprintf(stderr,
               "{\"event\":\"progress\",\"seconds\":%.1f,\"files_done\":%llu,"
               "\"files\":%zu,\"bytes_done\":%llu,\"bytes_sent\":%llu,\"bytes_resent\":%llu,"
               "\"bytes\":%llu,\"in_flight\":%u,\"retries\":%llu}\n",
               Seconds(), static_cast<unsigned long long>(counters_.files_done.load()),
               total_files_, static_cast<unsigned long long>(counters_.bytes_done.load()),
               static_cast<unsigned long long>(counters_.bytes_sent.load()),
               static_cast<unsigned long long>(counters_.bytes_resent.load()),
               static_cast<unsigned long long>(total_bytes_), counters_.in_flight.load(),
               static_cast<unsigned long long>(counters_.retries.load()));
}

}  // namespace ingest::cli
