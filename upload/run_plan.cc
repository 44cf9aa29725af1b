#include "upload/run_plan.h"

#include "upload/plan_codec.h"

namespace ingest::upload {
namespace {

// The fewest payload bytes one item can take: bounds counts before anything is reserved.
constexpr uint64_t kMinOption = 8;
constexpr uint64_t kMinSource = 6;
constexpr uint64_t kMinFile = 4 + 1 + 1 + 4 + 8 + 8 + 8 + 8 + 8 + 4 + 4 + 2 + 4 + 4 + 16;
constexpr uint64_t kMinUnit = 4 * 4 + 1 + 4 + 4 + 8 + 8 + 4;

void PutFile(PlanSink& out, const FileRecord& f) {
  out.Put(f.source);
  out.Put(static_cast<uint8_t>(f.kind));
  out.Put(static_cast<uint8_t>(f.in_archive ? 1 : 0));
  out.String(f.rel_path);
  out.Put(f.size);
  out.Put(f.mtime_ns);
  out.Put(f.inode);
  out.Put(f.hash.low);
  out.Put(f.hash.high);
  out.Put(f.width);
  out.Put(f.height);
  out.Put(f.orientation);
  out.Put(f.frame_count);
  out.Put(f.duration);
  out.Put(f.pixel_md5.bytes);
}

void PutUnit(PlanSink& out, const TaskUnit& u) {
  out.String(u.name);
  out.String(u.group);
  out.String(u.folder);
  out.String(u.stem);
  out.Put(static_cast<uint8_t>(u.ordered ? 1 : 0));
  out.Put(u.part);
  out.Put(u.parts);
  out.Put(u.bytes);
  out.Put(u.frames);
  out.Put(static_cast<uint32_t>(u.records.size()));
  out.Bytes(std::string_view(reinterpret_cast<const char*>(u.records.data()),
                             u.records.size() * sizeof(uint32_t)));
}

// Reads a count of items of at least `min_size` bytes each, checked against what is left.
template <class T>
Status GetCount(PlanSource& in, T* n, uint64_t min_size, const char* what) {
  INGEST_RETURN_IF_ERROR(in.Get(n, what));
  if (*n > in.left() / min_size) {
    return in.Corrupt(std::to_string(*n) + " " + what + " cannot fit in the " +
                      std::to_string(in.left()) + " bytes left");
  }
  return Status();
}

Status ReadInfo(PlanSource& in, PlanInfo* info) {
  INGEST_RETURN_IF_ERROR(in.String(&info->tool, "the tool's version"));
  INGEST_RETURN_IF_ERROR(in.Get(&info->created_unix, "the creation time"));
  INGEST_RETURN_IF_ERROR(in.String(&info->selection, "the selection"));
  uint32_t n;
  INGEST_RETURN_IF_ERROR(GetCount(in, &n, kMinOption, "options"));
  info->options.resize(n);
  for (auto& [name, value] : info->options) {
    INGEST_RETURN_IF_ERROR(in.String(&name, "an option's name"));
    INGEST_RETURN_IF_ERROR(in.String(&value, "an option's value"));
  }
  return Status();
}

Status ReadSources(PlanSource& in, ScanResult* scan) {
  uint32_t n;
  INGEST_RETURN_IF_ERROR(GetCount(in, &n, kMinSource, "sources"));
  scan->sources.resize(n);
  for (ScanSource& s : scan->sources) {
    uint8_t type, stamped;
    INGEST_RETURN_IF_ERROR(in.String(&s.path, "a source's path"));
    INGEST_RETURN_IF_ERROR(in.Get(&type, "a source's type"));
    INGEST_RETURN_IF_ERROR(in.Get(&stamped, "a source's stamp flag"));
    if (type > static_cast<uint8_t>(ScanSource::Type::kFile) || stamped > 1) {
      return in.Corrupt("source type " + std::to_string(type) + ", stamp flag " +
                        std::to_string(stamped));
    }
    s.type = static_cast<ScanSource::Type>(type);
    if (stamped) {
      FileStamp stamp;
      INGEST_RETURN_IF_ERROR(in.Get(&stamp.size, "an archive's size"));
      INGEST_RETURN_IF_ERROR(in.Get(&stamp.mtime_ns, "an archive's mtime"));
      INGEST_RETURN_IF_ERROR(in.Get(&stamp.inode, "an archive's inode"));
      s.archive_stamp = stamp;
    }
  }
  return Status();
}

Status ReadFile(PlanSource& in, ScanResult* scan, NameArena* names, std::string* name, uint64_t i) {
  FileRecord f;
  uint8_t kind, in_archive;
  INGEST_RETURN_IF_ERROR(in.Get(&f.source, "a file's source"));
  INGEST_RETURN_IF_ERROR(in.Get(&kind, "a file's kind"));
  INGEST_RETURN_IF_ERROR(in.Get(&in_archive, "a file's archive flag"));
  if (f.source >= scan->sources.size() || kind >= kMediaKindCount || in_archive > 1) {
    return in.Corrupt("file " + std::to_string(i) + ": source " + std::to_string(f.source) +
                      ", kind " + std::to_string(kind) + ", archive flag " +
                      std::to_string(in_archive));
  }
  INGEST_RETURN_IF_ERROR(in.String(name, "a file's path"));
  f.rel_path = names->Add(*name);
  f.kind = static_cast<MediaKind>(kind);
  f.in_archive = in_archive == 1;
  INGEST_RETURN_IF_ERROR(in.Get(&f.size, "a file's size"));
  INGEST_RETURN_IF_ERROR(in.Get(&f.mtime_ns, "a file's mtime"));
  INGEST_RETURN_IF_ERROR(in.Get(&f.inode, "a file's inode"));
  INGEST_RETURN_IF_ERROR(in.Get(&f.hash.low, "a file's hash"));
  INGEST_RETURN_IF_ERROR(in.Get(&f.hash.high, "a file's hash"));
  INGEST_RETURN_IF_ERROR(in.Get(&f.width, "a file's width"));
  INGEST_RETURN_IF_ERROR(in.Get(&f.height, "a file's height"));
  INGEST_RETURN_IF_ERROR(in.Get(&f.orientation, "a file's orientation"));
  INGEST_RETURN_IF_ERROR(in.Get(&f.frame_count, "a file's frame count"));
  INGEST_RETURN_IF_ERROR(in.Get(&f.duration, "a file's duration"));
  INGEST_RETURN_IF_ERROR(in.Get(&f.pixel_md5.bytes, "a file's pixel md5"));
  scan->files.push_back(f);
  return Status();
}

Status ReadUnit(PlanSource& in, const ScanResult& scan, TaskUnit* u, size_t index) {
  uint8_t ordered;
  INGEST_RETURN_IF_ERROR(in.String(&u->name, "a unit's name"));
  INGEST_RETURN_IF_ERROR(in.String(&u->group, "a unit's {name}"));
  INGEST_RETURN_IF_ERROR(in.String(&u->folder, "a unit's {folder}"));
  INGEST_RETURN_IF_ERROR(in.String(&u->stem, "a unit's {stem}"));
  INGEST_RETURN_IF_ERROR(in.Get(&ordered, "a unit's order flag"));
  INGEST_RETURN_IF_ERROR(in.Get(&u->part, "a unit's part"));
  INGEST_RETURN_IF_ERROR(in.Get(&u->parts, "a unit's part count"));
  INGEST_RETURN_IF_ERROR(in.Get(&u->bytes, "a unit's bytes"));
  INGEST_RETURN_IF_ERROR(in.Get(&u->frames, "a unit's frames"));
  uint32_t n;
  INGEST_RETURN_IF_ERROR(GetCount(in, &n, sizeof(uint32_t), "file indices"));
  if (ordered > 1 || u->part > u->parts) {
    return in.Corrupt("unit " + std::to_string(index + 1) + ": order flag " +
                      std::to_string(ordered) + ", part " + std::to_string(u->part) + " of " +
                      std::to_string(u->parts));
  }
  u->ordered = ordered == 1;
  u->records.resize(n);
  INGEST_RETURN_IF_ERROR(in.Read(u->records.data(), n * sizeof(uint32_t), "a unit's files"));
  uint64_t bytes = 0, frames = 0;
  for (uint32_t r : u->records) {
    if (r >= scan.files.size()) {
      return in.Corrupt("unit " + std::to_string(index + 1) + " names file " + std::to_string(r) +
                        " of " + std::to_string(scan.files.size()));
    }
    const FileRecord& f = scan.files[r];
    if (f.kind != MediaKind::kImage && f.kind != MediaKind::kVideo &&
        f.kind != MediaKind::kArchive) {
      continue;  // not media: planned for the report, not counted
    }
    bytes += f.size;
    frames += f.kind == MediaKind::kVideo ? f.frame_count : f.kind == MediaKind::kImage;
  }
  if (bytes != u->bytes || frames != u->frames) {
    return in.Corrupt("unit " + std::to_string(index + 1) + " says " + std::to_string(u->bytes) +
                      " bytes and " + std::to_string(u->frames) + " frames; its files add up to " +
                      std::to_string(bytes) + " and " + std::to_string(frames));
  }
  return Status();
}

}  // namespace

Status WritePlanFile(const std::string& path, const PlanInfo& info,
                     const std::vector<ScanSource>& sources, const std::deque<FileRecord>& files,
                     const std::vector<TaskUnit>& units) {
  INGEST_ASSIGN_OR_RETURN(std::unique_ptr<PlanSink> out,
                          PlanSink::Create(path, kPlanFormatVersion));
  out->String(info.tool);
  out->Put(info.created_unix);
  out->String(info.selection);
  out->Put(static_cast<uint32_t>(info.options.size()));
  for (const auto& [name, value] : info.options) {
    out->String(name);
    out->String(value);
  }
  out->Put(static_cast<uint32_t>(sources.size()));
  for (const ScanSource& s : sources) {
    out->String(s.path);
    out->Put(static_cast<uint8_t>(s.type));
    out->Put(static_cast<uint8_t>(s.archive_stamp ? 1 : 0));
    if (s.archive_stamp) {
      out->Put(s.archive_stamp->size);
      out->Put(s.archive_stamp->mtime_ns);
      out->Put(s.archive_stamp->inode);
    }
  }
  out->Put(static_cast<uint64_t>(files.size()));
  for (const FileRecord& f : files) PutFile(*out, f);
  out->Put(static_cast<uint32_t>(units.size()));
  for (const TaskUnit& u : units) PutUnit(*out, u);
  return out->Finish();
}

Result<RunPlan> ReadPlanFile(const std::string& path) {
  INGEST_ASSIGN_OR_RETURN(std::unique_ptr<PlanSource> in,
                          PlanSource::Open(path, kPlanFormatVersion));
  RunPlan plan;
  INGEST_RETURN_IF_ERROR(ReadInfo(*in, &plan.info));
  INGEST_RETURN_IF_ERROR(ReadSources(*in, &plan.scan));
  uint64_t n_files;
  INGEST_RETURN_IF_ERROR(GetCount(*in, &n_files, kMinFile, "files"));
  plan.scan.names.push_back(std::make_unique<NameArena>());
  NameArena* names = plan.scan.names.back().get();
  std::string name;
  for (uint64_t i = 0; i < n_files; ++i) {
    INGEST_RETURN_IF_ERROR(ReadFile(*in, &plan.scan, names, &name, i));
  }
  uint32_t n_units;
  INGEST_RETURN_IF_ERROR(GetCount(*in, &n_units, kMinUnit, "units"));
  plan.units.resize(n_units);
  for (uint32_t i = 0; i < n_units; ++i) {
    INGEST_RETURN_IF_ERROR(ReadUnit(*in, plan.scan, &plan.units[i], i));
  }
  INGEST_RETURN_IF_ERROR(in->Finish());
  plan.id = in->payload_hash();
  return plan;
}

}  // namespace ingest::upload
