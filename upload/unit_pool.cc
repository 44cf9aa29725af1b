#include "upload/unit_pool.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "upload/journal.h"
#include "upload/uploader.h"

namespace ingest::upload {

void CreationTurns::Wait(size_t index, const std::atomic<bool>* cancel) {
  std::unique_lock<std::mutex> lock(mu_);
  while (next_ < index && !(cancel && cancel->load())) {
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

void CreationTurns::Pass(size_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  passed_[index] = true;
  while (next_ < passed_.size() && passed_[next_]) ++next_;
  cv_.notify_all();
}

void RunReporter::Emit(const UnitReport& r, std::string_view event, int building_delta) {
  std::lock_guard<std::mutex> lock(mu_);
  building_ += building_delta;
  if (events_.on_task) events_.on_task(r, event);
  if (building_delta != 0 && events_.on_phase) events_.on_phase(building_, finished_);
}

void RunReporter::AnnotationBytes(const UnitReport& r, uint64_t done, uint64_t total) {
  std::lock_guard<std::mutex> lock(mu_);
  if (events_.on_annotation_bytes) events_.on_annotation_bytes(r, done, total);
}

void RunReporter::End(const UnitReport& r, const UploadOutcome& out, bool building) {
  std::lock_guard<std::mutex> lock(mu_);
  if (building) --building_;
  ++finished_;
  const char* event = r.state == UnitReport::State::kFailed        ? "failed"
                      : r.state == UnitReport::State::kSkipped     ? "skipped"
                      : r.state == UnitReport::State::kInterrupted ? "interrupted"
                                                                   : "ready";
  if (!dry_run_ && events_.on_task) events_.on_task(r, event);
  if (events_.on_unit_end) events_.on_unit_end(r, out);
  if (events_.on_phase) events_.on_phase(building_, finished_);
}

UploadEvents UnitTurnEvents(CreationTurns& turns, RunReporter& reporter, size_t index,
                            UnitReport& r, bool* building, const std::atomic<bool>* cancel) {
  UploadEvents ev;
  ev.before_task = [&turns, index, cancel] { turns.Wait(index, cancel); };
  ev.after_task = [&turns, index] { turns.Pass(index); };
  ev.on_task_created = [&reporter, &r](int64_t id) {
    r.task_id = id;
    reporter.Emit(r, "created");
  };
  ev.on_finishing = [&reporter, &r, building] {
    *building = true;
    reporter.Emit(r, "finishing", +1);
  };
  ev.on_annotation_bytes = [&reporter, &r](uint64_t done, uint64_t total) {
    reporter.AnnotationBytes(r, done, total);
  };
  return ev;
}

void RunOnWorkers(const UploadJob& job, const std::vector<std::string>& headers, size_t n, int k,
                  const std::atomic<bool>* cancel,
                  const std::function<void(size_t, CvatApi&, HttpClient&)>& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    HttpClient http(job.transfer.connection, headers);
    CvatApi api(job.server, &http);
    for (;;) {
      if (cancel && cancel->load()) return;
      size_t index = next.fetch_add(1);
      if (index >= n) return;
      fn(index, api, http);
    }
  };
  const int workers = std::max(1, std::min<int>(k, static_cast<int>(n)));
  std::vector<std::jthread> threads;
  for (int i = 0; i < workers; ++i) threads.emplace_back(work);
}

std::string UnitJournalPath(const std::string& dir, const UploadJob& job, const std::string& name) {
  if (dir.empty()) return "";
  return dir + "/" + UploadKey(job.server, job.sources, name) + ".journal";
}

EarlierRun CheckEarlierRun(CvatApi& api, const std::string& journal_path, UploadOutcome& out) {
  if (journal_path.empty() || ::access(journal_path.c_str(), F_OK) != 0) return EarlierRun::kNone;
  int64_t done_task = 0;
  if (Result<std::unique_ptr<Journal>> j = Journal::Open(journal_path);
      j && (*j)->header().state == JobState::kDone) {
    done_task = (*j)->header().task_id;
  }
  if (done_task == 0) return EarlierRun::kUnfinished;
  Result<TaskInfo> task = api.GetTask(done_task);
  if (task && task->size > 0) {
    out.task_id = done_task;
    out.task = *task;
    out.skipped = true;  // done by an earlier run: nothing to do
    return EarlierRun::kFinished;
  }
  if (!task && task.error().code() != Status::Code::kNotFound) {
    out.status = task.error();
    return EarlierRun::kFinished;
  }
  RetireJournal(journal_path, ".gone");
  out.notes.push_back("task " + std::to_string(done_task) +
                      " of an earlier run is gone from the server: the task is made again");
  return EarlierRun::kGone;
}

namespace {

// The server could not build the unit's task: the task will never get data, so it is deleted
// and the unit's journal set aside, and a rerun makes the unit again from the start.
Status Retire(CvatApi& api, const std::string& journal_path, int64_t task_id, const Status& why) {
  std::string what = why.message();
  if (Status s = api.DeleteTask(task_id); s.ok()) {
    what += "; task " + std::to_string(task_id) + " was deleted, so a rerun makes it again";
  } else {
    what += "; task " + std::to_string(task_id) + " could not be deleted (" + s.message() +
            "): delete it before a rerun";
  }
  if (!journal_path.empty()) RetireJournal(journal_path, ".failed");
  return Status::Remote(what);
}

}  // namespace

void SettleUnit(CvatApi& api, const std::string& journal_path, const UploadOutcome& out,
                UnitReport& r) {
  if (out.task_id) r.task_id = *out.task_id;
  r.frames = out.task.size;
  if (out.status.ok()) {
    r.state = out.skipped ? UnitReport::State::kSkipped : UnitReport::State::kDone;
    r.order_ok = out.order.ok();
  } else if (out.status.code() == Status::Code::kCancelled) {
    r.state = UnitReport::State::kInterrupted;
  } else {
    r.state = UnitReport::State::kFailed;
    r.error = out.status;
    if (IsBuildFailure(out.status) && r.task_id != 0) {
      r.error = Retire(api, journal_path, r.task_id, r.error);
    }
  }
}

}  // namespace ingest::upload
