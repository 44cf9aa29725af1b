// ResumeUploadJob: an interrupted upload goes on from its journal. The journal's files are
// checked against the disk first (size, time, and the hash of what was sent), changed files
// stop the resume or, with --allow-changed, are planned again; then the shared task steps
// (ExecuteTask) send what the server does not have yet.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "engine/image_probe.h"
#include "manifest/manifest_reader.h"
#include "upload/cvat_api.h"
#include "upload/http_client.h"
#include "upload/journal.h"
#include "upload/plan_files.h"
#include "upload/server_unit.h"
#include "upload/unit_steps.h"
#include "upload/upload_job.h"

namespace ingest::upload {
namespace {

using Clock = std::chrono::steady_clock;

// Opens a resumed upload's files by their journal rows, read when the transfer reaches them
// (a million rows are not held in memory). The engine opens files in about plan order, so
// rows are read a window at a time (upload_bench BM_JournalFileLookup: 0.5 us a row in
// windows of 1,024, 14 us in windows of one).
class JournalSource final : public FileSource {
 public:
  explicit JournalSource(Journal& journal) : journal_(journal) {}
  // A packed task: the zip's row, layout and members (their CRCs as the journal has them).
  void SetZip(std::shared_ptr<const ZipPlan> zip, std::vector<JournalZipMember> members) {
    zip_ = std::move(zip);
    members_ = std::move(members);
    crcs_.crc.assign(members_.size(), std::nullopt);
    for (size_t i = 0; i < members_.size(); ++i) crcs_.crc[i] = members_[i].crc;
    crcs_.on_crc = [this](size_t i, uint32_t crc) { journal_.OnZipCrc(i, crc); };
  }
  Result<std::unique_ptr<FileReader>> Open(const PlannedFile& f) override {
    if (zip_ && static_cast<int64_t>(f.record) == journal_.header().zip_file) {
      return OpenZipStream(
          zip_->layout,
          [this](size_t i) -> Result<std::unique_ptr<FileReader>> {
            const JournalZipMember& m = members_[i];
            if (!m.member.empty()) return archives_.Open(m.path, m.ordinal, m.member);
            return OpenFileReader(m.path);
          },
          &crcs_);
    }
    if (f.record < first_ || f.record - first_ >= rows_.size()) {
      rows_.clear();
      first_ = f.record;
      INGEST_RETURN_IF_ERROR(journal_.ForEachFile(
          [&](uint32_t, const JournalFile& j) {
            rows_.push_back(j);
            return Status();
          },
          first_, first_ + std::min<uint32_t>(kWindow, UINT32_MAX - first_)));
      if (rows_.empty()) {
        return Status::Corruption("journal " + journal_.path() + ": no file " +
                                  std::to_string(f.record));
      }
    }
    const JournalFile& j = rows_[f.record - first_];
    if (!j.member.empty()) return archives_.Open(j.path, j.ordinal, j.member);
    return OpenFileReader(j.path);
  }

 private:
  static constexpr uint32_t kWindow = 1024;
  Journal& journal_;
  ArchiveFiles archives_;
  uint32_t first_ = 0;
  std::vector<JournalFile> rows_;  // ids [first_, first_ + size)
  std::shared_ptr<const ZipPlan> zip_;
  std::vector<JournalZipMember> members_;
  ZipCrcs crcs_;
};

std::string DisplayJournalPath(const JournalFile& f) {
  return f.member.empty() ? f.path : f.path + ":" + f.member;
}

// What the resume's change check reuses from file to file: the last path's stat (an archive's
// members are next to each other in the plan, so the archive is stat'ed once; plain files
// are not kept, a million of them would be), the archives' streams (members are checked in
// archive order, so one pass reads them all) and the hashing buffer.
struct SourceCheck {
  std::string path;
  struct stat st;
  ArchiveFiles archives;
  std::vector<char> buffer;

  Result<const struct stat*> Stat(const std::string& p) {
    if (p != path || path.empty()) {
      path.clear();
      if (::stat(p.c_str(), &st) != 0) return FromErrno(p, errno);
      path = p;
    }
    return &st;
  }
};

// What a resume finds of a planned source file.
enum class SourceChange {
  kNone,       // as planned (or only touched: the recorded hash says the bytes are the same)
  kSize,       // another size
  kBytes,      // the time moved and the bytes differ from the recorded hash
  kUnchecked,  // the time moved and no hash covers what matters (e.g. a run killed while
               // the file was half-sent records none)
};

// How the resume's refusal describes a change.
const char* Describe(SourceChange c) {
  switch (c) {
    case SourceChange::kSize: return " (size)";
    case SourceChange::kBytes: return " (content)";
    case SourceChange::kUnchecked:
      return " (modification time; no hash was recorded to tell a touch from a change)";
    case SourceChange::kNone: break;
  }
  return "";
}

// Whether a journal file is still what was planned: the same size, then the same
// modification time, and when that moved, the same XXH3 (a file touched but not changed is
// the same). Without a recorded hash a moved time counts as a change. For an archive member
// the archive's time is compared, then the member's bytes.
Result<SourceChange> CheckSource(const JournalFile& f, SourceCheck& check) {
  INGEST_ASSIGN_OR_RETURN(const struct stat* st, check.Stat(f.path));
  if (f.member.empty() && static_cast<uint64_t>(st->st_size) != f.size) return SourceChange::kSize;
  if (MtimeNs(*st) == f.mtime_ns) return SourceChange::kNone;
  // The recorded hash decides when it covers the whole file, or exactly what the server holds
  // of a TUS upload (the rest is sent as it is now).
  bool covers = f.hashed == f.size ||
                (f.state == JournalFileState::kTusCreated && f.hashed == f.offset);
  if (f.hash.empty() || f.hashed == 0 || !covers) return SourceChange::kUnchecked;
  Result<std::unique_ptr<FileReader>> reader =
      f.member.empty() ? OpenFileReader(f.path) : check.archives.Open(f.path, f.ordinal, f.member);
  if (!reader) {
    if (f.member.empty()) return reader.error();
    return SourceChange::kBytes;  // the archive no longer holds it where it was
  }
  INGEST_ASSIGN_OR_RETURN(std::string hash, HashPrefix(**reader, f.hashed, &check.buffer));
  if (hash != f.hash) return SourceChange::kBytes;
  char extra;
  INGEST_ASSIGN_OR_RETURN(size_t more, (*reader)->ReadAt(f.size, &extra, 1));
  return more == 0 ? SourceChange::kNone : SourceChange::kSize;
}

// A resumed packed task whose zip is not all on the server: the journal's zip members, each
// still of the size and modification time planned (the zip is regenerated from them; its
// bytes on the server are not re-read or hashed), and the zip they lay out, which must be
// the one planned (its identity: size and a hash of names and sizes).
Result<std::shared_ptr<const ZipPlan>> ResumeZip(Journal& journal, const PlannedFile& zf,
                                                 std::vector<JournalZipMember>* members) {
  INGEST_ASSIGN_OR_RETURN(*members, journal.ZipMembers());
  std::string list;
  size_t changed = 0;
  SourceCheck check;
  std::vector<ZipMember> layout_members;
  layout_members.reserve(members->size());
  for (const JournalZipMember& m : *members) {
    layout_members.push_back({m.name, m.size});
    Result<const struct stat*> st = check.Stat(m.path);
    bool same = st && MtimeNs(**st) == m.mtime_ns &&
                (!m.member.empty() || static_cast<uint64_t>((*st)->st_size) == m.size);
    if (same) continue;
    if (++changed <= 5) {
      list += (changed > 1 ? ", " : "") + (m.member.empty() ? m.path : m.path + ":" + m.member);
    }
  }
  if (changed > 5) list += " and " + std::to_string(changed - 5) + " more";
  if (changed > 0) {
    return Status::InvalidArgument(
        "resume: " + std::to_string(changed) +
        (changed == 1 ? " file packed in the zip changed" : " files packed in the zip changed") +
        " since the upload was planned (size or modification time): " + list +
        ". The zip cannot be regenerated as it was planned: restore them, or start a new upload");
  }
  Result<ZipLayout> layout = ZipLayout::Plan(std::move(layout_members));
  if (!layout) return layout.error().WithPrefix("journal " + journal.path());
  auto zip = std::make_shared<ZipPlan>(std::move(*layout));
  zip->name = std::string(zf.name);
  zip->identity = ZipIdentity(zip->layout.members(), zip->layout.total_size());
  if (zip->identity != journal.header().zip_identity || zip->layout.total_size() != zf.size) {
    return Status::Corruption("journal " + journal.path() +
                              ": its zip members do not make the zip that was planned");
  }
  return std::shared_ptr<const ZipPlan>(std::move(zip));
}

// --allow-changed: files that changed and are not on the server are sent as they are now,
// through TUS (which takes any size): the journal is updated first. Refused, with the reason:
// an archive member (the archive must be scanned again), and an image whose size in pixels
// no longer matches the manifest planned with it.
// `changed` holds the rows (id, file) that changed; `manifest` the generated manifest's row
// (null when the upload has none).
using JournalRow = std::pair<uint32_t, JournalFile>;
Status ReplanChanged(Journal& journal, std::vector<JournalRow>& changed,
                     const JournalRow* manifest, std::vector<std::string>* notes) {
  std::map<std::string, std::pair<int64_t, int64_t>> sizes;  // name -> new width x height
  for (auto& [i, f] : changed) {
    if (!f.member.empty()) {
      return Status::InvalidArgument("resume: the archive " + f.path +
                                     " changed since the upload was planned; its members "
                                     "cannot be planned again: start a new upload");
    }
    if (manifest != nullptr && i != manifest->first) {
      Result<ImageInfo> info = ProbeImageFile(f.path);
      if (!info) return info.error().WithPrefix("resume");
      bool swap = info->orientation > 4;
      sizes[f.name] = {swap ? info->height : info->width, swap ? info->width : info->height};
    }
  }
  if (!sizes.empty()) {
    INGEST_ASSIGN_OR_RETURN(auto reader, manifest::ManifestReader::Open(manifest->second.path));
    manifest::ImageItem item;
    for (;;) {
      INGEST_ASSIGN_OR_RETURN(bool more, reader->Next(&item));
      if (!more) break;
      auto it = sizes.find(item.name + item.extension);
      if (it == sizes.end()) continue;
      if (it->second != std::pair<int64_t, int64_t>(item.width, item.height)) {
        return Status::InvalidArgument(
            "resume: " + it->first + " is now " + std::to_string(it->second.first) + "x" +
            std::to_string(it->second.second) + " pixels, but the manifest planned with the "
            "upload says " + std::to_string(item.width) + "x" + std::to_string(item.height) +
            ": start a new upload");
      }
    }
  }
  for (auto& [i, f] : changed) {
    struct stat st;
    if (::stat(f.path.c_str(), &st) != 0) return FromErrno(f.path, errno);
    f.size = static_cast<uint64_t>(st.st_size);
    f.mtime_ns = MtimeNs(st);
    f.hash.clear();
    f.hashed = 0;
    f.route = Route::kTus;
    if (f.state == JournalFileState::kTusCreated) {
      // Its upload holds bytes of the old content: a new upload carries the new one (CVAT
      // cannot delete the old one; it stays unfinished and is never used).
      f.state = JournalFileState::kPending;
      f.location.clear();
      f.offset = 0;
    }
    INGEST_RETURN_IF_ERROR(journal.Replan(i, f));
    notes->push_back(f.path + " changed since the upload was planned: it is sent as it is now");
  }
  return Status();
}

}  // namespace

UploadOutcome ResumeUploadJob(const std::string& journal_path, UploadJob job,
                              const UploadEvents& events, TransferCounters* counters,
                              const std::atomic<bool>* cancel) {
  UploadOutcome out;
  TransferCounters own_counters;
  if (counters == nullptr) counters = &own_counters;
  auto t0 = Clock::now();
  Result<std::unique_ptr<Journal>> opened = Journal::Open(journal_path);
  if (!opened) {
    out.status = opened.error();
    return out;
  }
  Journal& journal = **opened;
  const JournalHeader& h = journal.header();
  if (!journal.GetValue(kServerSourcesJournalKey).empty()) {
    out.status = Status::InvalidArgument(
        "journal " + journal_path + " records a task of files CVAT reads itself: run its "
        "upload command again (or cvat-ingest resume on the run's folder) to go on");
    return out;
  }
  if (!job.server.empty() && job.server != h.server) {
    out.status = Status::InvalidArgument("journal " + journal_path + " is for " + h.server +
                                         ", not " + job.server);
    return out;
  }
  job.server = h.server;
  out.server = h.server;
  if (h.task_id) out.task_id = h.task_id;

  // The plan, rebuilt from the journal as it is streamed (names go to an arena the outcome
  // keeps), in the same pass as the change check; a second pass only after replanning.
  UploadPlan plan;
  plan.kind = static_cast<TaskKind>(h.kind);
  // The sorting method, for display: the data request holds it.
  if (size_t at = h.finish_json.find("\"sorting_method\":\""); at != std::string::npos) {
    size_t from = at + 18;
    plan.sorting_method = h.finish_json.substr(from, h.finish_json.find('"', from) - from);
  }
  plan.send_upload_file_order = h.finish_json.find("\"upload_file_order\"") != std::string::npos;
  std::shared_ptr<NameArena> names;
  std::vector<FileStart> start;
  auto reset_plan = [&] {
    names = std::make_shared<NameArena>();
    start.assign(journal.file_count(), FileStart{});
    plan.files.clear();
    plan.files.reserve(journal.file_count());
    plan.batches.clear();
    plan.total_bytes = 0;
  };
  auto add_to_plan = [&](uint32_t i, const JournalFile& f) -> Status {
    if (i != plan.files.size() || i >= start.size()) {
      return Status::Corruption("journal " + journal.path() + ": file ids are not 0.." +
                                std::to_string(start.size() - 1));
    }
    PlannedFile pf;
    pf.record = i;
    pf.name = names->Add(f.name);
    pf.size = f.size;
    pf.route = f.route;
    pf.batch = f.batch;
    plan.total_bytes += f.size;
    if (f.route == Route::kBatch) {
      if (plan.batches.size() <= f.batch) plan.batches.resize(f.batch + 1);
      plan.batches[f.batch].push_back(i);
    }
    plan.files.push_back(pf);
    switch (f.state) {
      case JournalFileState::kDone: start[i].kind = FileStart::Kind::kDone; break;
      case JournalFileState::kTusCreated:
        start[i].kind = FileStart::Kind::kTusAt;
        start[i].location = f.location;
        break;
      case JournalFileState::kBatchSending: start[i].kind = FileStart::Kind::kSettle; break;
      case JournalFileState::kPending: break;
    }
    return Status();
  };

  // Sources must be what was planned; with --allow-changed, a changed file that is not on
  // the server yet is planned again. Only the changed rows are kept.
  std::vector<JournalRow> changed;
  std::string changed_list;  // the first five, each with what changed
  std::optional<JournalRow> manifest;
  SourceCheck check;
  bool zip_pending = false;
  const std::string manifest_path = journal.path() + ".manifest.jsonl";
  reset_plan();
  Status checked = journal.ForEachFile([&](uint32_t id, const JournalFile& f) -> Status {
    INGEST_RETURN_IF_ERROR(add_to_plan(id, f));
    if (f.name == "manifest.jsonl" && f.path == manifest_path) manifest.emplace(id, f);
    if (f.state == JournalFileState::kDone) return Status();
    if (static_cast<int64_t>(id) == h.zip_file) {
      zip_pending = true;  // its members are checked below, not its bytes
      return Status();
    }
    Result<SourceChange> change = CheckSource(f, check);
    if (!change) return change.error().WithPrefix("resume");
    if (*change == SourceChange::kNone) return Status();
    if (changed.size() < 5) {
      changed_list += (changed.empty() ? "" : ", ") + DisplayJournalPath(f) + Describe(*change);
    }
    changed.emplace_back(id, f);
    return Status();
  });
  if (!checked.ok()) {
    out.status = checked;
    return out;
  }
  check = SourceCheck();  // its archive streams are not needed any more
  std::vector<JournalZipMember> zip_members;
  if (zip_pending) {
    Result<std::shared_ptr<const ZipPlan>> zip =
        ResumeZip(journal, plan.files[static_cast<size_t>(h.zip_file)], &zip_members);
    if (!zip) {
      out.status = zip.error();
      return out;
    }
    plan.zip = std::move(*zip);
  }
  if (!changed.empty()) {
    if (!job.allow_changed) {
      std::string list = changed_list;
      if (changed.size() > 5) list += " and " + std::to_string(changed.size() - 5) + " more";
      out.status = Status::InvalidArgument(
          "resume: " + std::to_string(changed.size()) +
          (changed.size() == 1 ? " file changed" : " files changed") +
          " since the upload was planned: " + list +
          ". Restore them, resume with --allow-changed to send them as they are now, or "
          "start a new upload");
      return out;
    }
    Status replanned =
        ReplanChanged(journal, changed, manifest ? &*manifest : nullptr, &out.notes);
    if (!replanned.ok()) {
      out.status = replanned;
      return out;
    }
    reset_plan();  // the replanned rows changed routes and sizes
    Status planned = journal.ForEachFile(add_to_plan);
    if (!planned.ok()) {
      out.status = planned;
      return out;
    }
  }
  out.plan_names = std::move(names);
  plan.frame_order = SplitFrameOrder(journal.frame_order());
  out.plan = std::move(plan);
  if (events.on_plan) events.on_plan(*out.plan);

  HttpClient http(job.transfer.connection, job.auth_headers);
  CvatApi api(job.server, &http);
  if (Status s = ConnectToServer(job, api, &http); !s.ok()) {
    out.status = s;
    return out;
  }
  if (h.task_id && h.state != JobState::kDone) {
    // A task deleted since (or of another --org) is said plainly (the CLI offers --fresh),
    // not through whatever later request meets its absence first (a failed request's poll).
    Result<TaskInfo> task = api.GetTask(h.task_id);
    if (!task && task.error().code() == Status::Code::kNotFound) {
      out.status = task.error();
      return out;
    }
  }
  if (h.state == JobState::kDone || h.state == JobState::kAnnotating) {
    Result<TaskInfo> task = api.GetTask(h.task_id);
    if (!task) {
      out.status = task.error();
      return out;
    }
    // Ready, its annotations not imported yet: the import continues.
    if (h.state == JobState::kAnnotating) {
      CompleteTask(api, &journal, job, events, cancel, *task, out, t0);
      return out;
    }
    out.task = *task;
    out.order = CheckFrameOrder(api, h.task_id, *out.plan);
    return out;
  }
  JournalSource source(journal);
  if (out.plan->zip) source.SetZip(out.plan->zip, std::move(zip_members));
  ExecuteTask(api, http, job, &journal, source, std::move(start), h.task_json, h.finish_json,
              h.rq_id, out, events, counters, cancel, t0);
  return out;
}
}  // namespace ingest::upload
