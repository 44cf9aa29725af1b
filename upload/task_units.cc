#include "upload/task_units.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "engine/media_kind.h"
#include "engine/path_text.h"

namespace ingest::upload {
namespace {

// The name a source goes by in templates: its base name ("photos" for "data/photos/"), the
// stem for a file or archive given as a source, the directory's own name for ".".
std::string SourceName(const ScanResult& scan, uint32_t source) {
  const ScanSource& s = scan.sources[source];
  std::string_view base = BaseName(s.path);
  if (base.empty() || base == "." || base == "..") {
    std::error_code ec;
    std::filesystem::path abs = std::filesystem::weakly_canonical(s.path, ec);
    return ec ? std::string(s.path) : abs.filename().string();
  }
  if (s.type != ScanSource::Type::kDirectory) return std::string(SplitExt(base).stem);
  return std::string(base);
}

// Frames a media file gives: an image one, a video as many as the scan's probe counted, an
// archive none that are known before the server extracts it.
uint32_t FramesOf(const FileRecord& f) {
  if (f.kind == MediaKind::kVideo) return f.frame_count;
  return f.kind == MediaKind::kImage ? 1 : 0;
}

// A unit before it is ordered and named; `key` orders units within a source.
struct Draft {
  uint32_t source = 0;
  std::string key;
  TaskUnit unit;
  bool images = false;  // may be split
};

class Grouper {
 public:
  Grouper(const ScanResult& scan, const UnitOptions& options) : scan_(scan), opt_(options) {}

  Result<std::vector<TaskUnit>> Run();

 private:
  std::string FolderOf(const FileRecord& f) const {
    std::string_view dir = DirName(f.rel_path);
    return dir.empty() ? SourceName(scan_, f.source) : std::string(dir);
  }
  void AddFileUnit(uint32_t record);
  void AddToFolder(uint32_t record);
  void AddToImages(uint32_t record);
  void Add(Draft* d, uint32_t record) {
    const FileRecord& f = scan_.files[record];
    d->unit.records.push_back(record);
    d->unit.bytes += f.size;
    d->unit.frames += FramesOf(f);
  }
  bool Packs(const std::vector<uint32_t>& records) const;
  Status Split(std::vector<TaskUnit>* out);
  Status Name(std::vector<TaskUnit>* units) const;

  const ScanResult& scan_;
  const UnitOptions& opt_;
  std::vector<Draft> drafts_;
  std::map<std::pair<uint32_t, std::string_view>, size_t> folders_;  // (source, dir) -> draft
  std::optional<size_t> images_;                                     // the one image draft
};

void Grouper::AddFileUnit(uint32_t record) {
  const FileRecord& f = scan_.files[record];
  Draft d;
  d.source = f.source;
  d.key = std::string(f.rel_path);
  d.unit.stem = std::string(SplitExt(BaseName(f.rel_path)).stem);
  d.unit.group = d.unit.stem;
  d.unit.folder = FolderOf(f);
  d.images = f.kind == MediaKind::kImage;
  Add(&d, record);
  drafts_.push_back(std::move(d));
}

void Grouper::AddToFolder(uint32_t record) {
  const FileRecord& f = scan_.files[record];
  auto key = std::make_pair(f.source, DirName(f.rel_path));
  auto [it, fresh] = folders_.try_emplace(key, drafts_.size());
  if (fresh) {
    Draft d;
    d.source = f.source;
    d.key = std::string(key.second);
    d.unit.group = FolderOf(f);
    d.unit.folder = d.unit.group;
    d.unit.stem = std::string(BaseName(d.unit.group));
    d.images = true;
    drafts_.push_back(std::move(d));
  }
  Add(&drafts_[it->second], record);
}

void Grouper::AddToImages(uint32_t record) {
  if (!images_) {
    const FileRecord& f = scan_.files[record];
    Draft d;
    d.source = f.source;
    d.unit.group = SourceName(scan_, f.source);
    d.unit.folder = d.unit.group;
    d.unit.stem = d.unit.group;
    d.images = true;
    images_ = drafts_.size();
    drafts_.push_back(std::move(d));
  }
  Add(&drafts_[*images_], record);
}

Result<std::vector<TaskUnit>> Grouper::Run() {
  if (opt_.per == TaskPer::kNone && opt_.split_every == 0) {
    // One unit: every record, so the plan sees (and reports) all of them.
    TaskUnit unit;
    unit.name = opt_.name_template;
    for (uint32_t i = 0; i < scan_.files.size(); ++i) {
      unit.records.push_back(i);
      const FileRecord& f = scan_.files[i];
      if (f.kind == MediaKind::kImage || f.kind == MediaKind::kVideo ||
          f.kind == MediaKind::kArchive) {
        unit.bytes += f.size;
        unit.frames += FramesOf(f);
      }
    }
    std::vector<TaskUnit> one;
    one.push_back(std::move(unit));
    return one;
  }
  size_t singles = 0;
  for (uint32_t i = 0; i < scan_.files.size(); ++i) {
    const FileRecord& f = scan_.files[i];
    bool image = f.kind == MediaKind::kImage && !IsInRelatedImagesFolder(f.rel_path);
    if (!image && f.kind != MediaKind::kVideo && f.kind != MediaKind::kArchive) continue;
    if (!image) ++singles;
    if (opt_.per == TaskPer::kFile || !image) {
      AddFileUnit(i);
    } else if (opt_.per == TaskPer::kFolder) {
      AddToFolder(i);
    } else {
      AddToImages(i);
    }
  }
  if (drafts_.empty()) return Status::NotFound("no images, videos or archives in the sources");
  if (opt_.per == TaskPer::kNone && singles > 0) {
    return Status::InvalidArgument(
        "--split-every cuts images into tasks, but the sources also hold " +
        std::to_string(singles) +
        (singles == 1 ? " video or archive" : " videos or archives") +
        ": add --task-per video, archive or file to give each its own task");
  }
  std::stable_sort(drafts_.begin(), drafts_.end(), [](const Draft& a, const Draft& b) {
    if (a.source != b.source) return a.source < b.source;
    return CompareCodePoints(a.key, b.key) < 0;
  });
  std::vector<TaskUnit> units;
  INGEST_RETURN_IF_ERROR(Split(&units));
  INGEST_RETURN_IF_ERROR(Name(&units));
  return units;
}

// Whether a unit of these image records goes up packed: --pack zip, or --pack auto and two
// of them share a base name (as PlanUpload decides).
bool Grouper::Packs(const std::vector<uint32_t>& records) const {
  if (opt_.pack != PackMode::kAuto) return opt_.pack == PackMode::kZip;
  std::vector<std::string_view> names;
  names.reserve(records.size());
  for (uint32_t record : records) names.push_back(BaseName(scan_.files[record].rel_path));
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) != names.end();
}

// Cuts image units into parts of at most split_every frames, in the final order.
Status Grouper::Split(std::vector<TaskUnit>* out) {
  bool keeps_order = opt_.sorting == SortingMethod::kRandom ||
                     opt_.sorting == SortingMethod::kPredefined;
  for (Draft& d : drafts_) {
    TaskUnit& u = d.unit;
    if (!d.images || opt_.split_every == 0 || u.records.size() <= opt_.split_every) {
      out->push_back(std::move(u));
      continue;
    }
    // A unit that packs is ordered on its member names, as its zip will be.
    const bool packs = Packs(u.records);
    std::vector<std::string> keys;
    keys.reserve(u.records.size());
    for (uint32_t record : u.records) {
      const FileRecord& f = scan_.files[record];
      keys.push_back(packs ? ZipMemberName(scan_, f) : std::string(BaseName(f.rel_path)));
    }
    std::vector<uint32_t> order = OrderBy(
        keys.size(), [&](size_t i) { return std::string_view(keys[i]); }, opt_.sorting,
        opt_.seed);
    uint64_t parts = (order.size() + opt_.split_every - 1) / opt_.split_every;
    for (uint64_t p = 0; p < parts; ++p) {
      TaskUnit part;
      part.group = u.group;
      part.folder = u.folder;
      part.stem = u.stem;
      part.part = static_cast<uint32_t>(p + 1);
      part.parts = static_cast<uint32_t>(parts);
      part.ordered = keeps_order;
      part.packed = packs;
      uint64_t end = std::min<uint64_t>(order.size(), (p + 1) * opt_.split_every);
      for (uint64_t k = p * opt_.split_every; k < end; ++k) {
        uint32_t record = u.records[order[k]];
        part.records.push_back(record);
        part.bytes += scan_.files[record].size;
        part.frames += FramesOf(scan_.files[record]);
      }
      out->push_back(std::move(part));
    }
  }
  return Status();
}

Status Grouper::Name(std::vector<TaskUnit>* units) const {
  std::vector<uint32_t> by_name;
  for (size_t i = 0; i < units->size(); ++i) {
    TaskUnit& u = (*units)[i];
    INGEST_ASSIGN_OR_RETURN(u.name, ExpandTemplate(opt_.name_template, u, i, units->size()));
    if (u.name.empty()) {
      return Status::InvalidArgument("the task name template '" + opt_.name_template +
                                     "' gives an empty name for task " + std::to_string(i + 1));
    }
    by_name.push_back(static_cast<uint32_t>(i));
  }
  std::stable_sort(by_name.begin(), by_name.end(), [&](uint32_t a, uint32_t b) {
    return (*units)[a].name < (*units)[b].name;
  });
  std::string clashes;
  size_t clash_count = 0;
  bool parts = false;
  for (size_t i = 1; i < by_name.size(); ++i) {
    const TaskUnit& a = (*units)[by_name[i - 1]];
    const TaskUnit& b = (*units)[by_name[i]];
    if (a.name != b.name) continue;
    parts = parts || a.parts > 1 || b.parts > 1;
    if (++clash_count <= 3) {
      clashes += (clash_count > 1 ? "; " : "") + std::string("'") + a.name + "' (tasks " +
                 std::to_string(by_name[i - 1] + 1) + " and " + std::to_string(by_name[i] + 1) +
                 ")";
    }
  }
  if (clash_count == 0) return Status();
  if (clash_count > 3) clashes += " and " + std::to_string(clash_count - 3) + " more";
  return Status::InvalidArgument(
      "the task name template '" + opt_.name_template + "' gives " +
      std::to_string(clash_count) + (clash_count == 1 ? " name" : " names") +
      " to more than one task: " + clashes + "; add a field that tells them apart (" +
      (parts ? "{part} or {index}" : "{name} or {index}") + ")");
}

std::string Padded(uint64_t value, uint64_t of) {
  std::string v = std::to_string(value);
  size_t width = std::to_string(of).size();
  return v.size() < width ? std::string(width - v.size(), '0') + v : v;
}

}  // namespace

Result<TaskPer> ParseTaskPer(std::string_view text) {
  if (text == "video") return TaskPer::kVideo;
  if (text == "folder") return TaskPer::kFolder;
  if (text == "archive") return TaskPer::kArchive;
  if (text == "file") return TaskPer::kFile;
  return Status::InvalidArgument("--task-per: video, folder, archive or file (not '" +
                                 std::string(text) + "')");
}

std::string_view TaskPerName(TaskPer per) {
  switch (per) {
    case TaskPer::kNone: return "none";
    case TaskPer::kVideo: return "video";
    case TaskPer::kFolder: return "folder";
    case TaskPer::kArchive: return "archive";
    case TaskPer::kFile: return "file";
  }
  return "none";
}

Result<std::string> ExpandTemplate(std::string_view tmpl, const TaskUnit& unit, size_t index,
                                   size_t count) {
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] != '{') {
      out += tmpl[i++];
      continue;
    }
    size_t close = tmpl.find('}', i);
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("the task name template '" + std::string(tmpl) +
                                     "' has a '{' without its '}'");
    }
    std::string_view field = tmpl.substr(i + 1, close - i - 1);
    if (field == "name") {
      out += unit.group;
    } else if (field == "folder") {
      out += unit.folder;
    } else if (field == "stem") {
      out += unit.stem;
    } else if (field == "index") {
      out += Padded(index + 1, count);
    } else if (field == "part") {
      out += unit.part == 0 ? "1" : Padded(unit.part, unit.parts);
    } else if (field == "count") {
      out += std::to_string(count);
    } else {
      return Status::InvalidArgument("the task name template '" + std::string(tmpl) +
                                     "' has an unknown field {" + std::string(field) +
                                     "} (fields: {name} {folder} {stem} {index} {part} {count})");
    }
    i = close + 1;
  }
  return out;
}

Result<std::vector<TaskUnit>> GroupIntoUnits(const ScanResult& scan, const UnitOptions& options) {
  return Grouper(scan, options).Run();
}

ScanResult SubScan(const ScanResult& scan, const std::vector<uint32_t>& records) {
  ScanResult sub;
  sub.sources = scan.sources;
  for (uint32_t r : records) sub.files.push_back(scan.files[r]);
  return sub;
}

}  // namespace ingest::upload
