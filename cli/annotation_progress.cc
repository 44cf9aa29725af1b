#include "cli/annotation_progress.h"

#include <cstdio>

#include "cli/options.h"
#include "cli/report.h"
#include "manifest/jsonl_encoder.h"

namespace ingest::cli {
namespace {

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void AnnotationProgress::Update(const std::string& what, uint64_t done, uint64_t total) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = Now();
  if (done == 0 || total_.load() != total) t0_ns_ = now;  // a new file (or its first bytes)
  done_ = done;
  total_ = total;
  const double secs = static_cast<double>(now - t0_ns_.load()) / 1e9;
  if (mode_ == "json") {
    std::string name;
    manifest::AppendJsonString(what, &name);
    std::fprintf(stderr,
                 "{\"event\":\"annotations\",\"task\":%s,\"seconds\":%.1f,\"bytes_done\":%llu,"
                 "\"bytes\":%llu}\n",
                 name.c_str(), secs, static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total));
    return;
  }
  if ((mode_ != "auto" && mode_ != "bar") || line_) return;
  line_.emplace(true, [this] {
    const double s = static_cast<double>(Now() - t0_ns_.load()) / 1e9;
    const uint64_t d = done_.load();
    return "annotations: " + FormatBytes(d) + " / " + FormatBytes(total_.load()) + ", " +
           Rate(s > 0 ? static_cast<double>(d) / s : 0);
  });
}

void AnnotationProgress::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  line_.reset();
}

}  // namespace ingest::cli
