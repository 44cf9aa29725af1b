#include "upload/upload_plan.h"

#include <sys/stat.h>

#include <algorithm>

#include "engine/hasher.h"
#include "engine/path_text.h"
#include "manifest/manifest_check.h"
#include "manifest/manifest_writer.h"
#include "manifest/related_images.h"

namespace ingest::upload {
namespace {

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// A plan whose data carries a manifest sends `predefined` sorting (loose images with their
// upload_file_order): CVAT 2.4.6 up to 2.19 refuses a manifest with any other sorting unless
// use_cache is on, and every release from 2.4.6 takes it (engine/cvat_version.h). The frame
// order is the plan's own either way, so a lexicographical plan loses nothing.
void SortPredefinedWithManifest(UploadPlan* plan) {
  if (plan->manifest_path.empty() || plan->sorting_method != "lexicographical") return;
  plan->sorting_method = "predefined";
  if (plan->kind == TaskKind::kImages) plan->send_upload_file_order = true;
}

// Writes an image manifest for `frames` (records of `scan`, in order) named by `name_of`;
// with `related`, frame k's line carries meta.related_images = (*related)[k].
template <class NameOf>
Status WriteManifest(const std::string& path, const ScanResult& scan,
                     const std::vector<uint32_t>& frames, NameOf&& name_of,
                     const std::vector<std::vector<std::string>>* related = nullptr) {
  INGEST_ASSIGN_OR_RETURN(auto writer, manifest::ImageManifestWriter::Open(path));
  std::vector<std::string_view> context;
  for (size_t k = 0; k < frames.size(); ++k) {
    const uint32_t idx = frames[k];
    const FileRecord& f = scan.files[idx];
    std::string_view name = name_of(idx);
    SplitName split = SplitExt(name);
    manifest::ImageLine line;
    line.name = split.stem;
    line.extension = split.extension;
    bool swap = f.orientation > 4;
    line.width = swap ? f.height : f.width;
    line.height = swap ? f.width : f.height;
    if (related) {
      context.assign((*related)[k].begin(), (*related)[k].end());
      line.related_images = std::span<const std::string_view>(context);
    }
    INGEST_RETURN_IF_ERROR(writer->Append(line));
  }
  return writer->Close();
}

// Groups of `media` records that share a base name (two or more), sorted by that name, each
// in record order (found by sorting indices by name: a map of a million names would cost a
// hundred bytes each).
std::vector<std::vector<uint32_t>> ClashGroups(const ScanResult& scan,
                                               const std::vector<uint32_t>& media) {
  std::vector<uint32_t> by_name = media;
  auto base = [&](uint32_t idx) { return BaseName(scan.files[idx].rel_path); };
  std::sort(by_name.begin(), by_name.end(), [&](uint32_t a, uint32_t b) {
    return base(a) != base(b) ? base(a) < base(b) : a < b;
  });
  std::vector<std::vector<uint32_t>> groups;
  for (size_t i = 0; i < by_name.size();) {
    size_t j = i + 1;
    while (j < by_name.size() && base(by_name[j]) == base(by_name[i])) ++j;
    if (j - i >= 2) {
      groups.emplace_back(by_name.begin() + static_cast<long>(i),
                          by_name.begin() + static_cast<long>(j));
    }
    i = j;
  }
  return groups;
}

// "'x.png' occurs 4 times: a/x.png, b/x.png, c/x.png and 1 more" (paths sorted, capped).
std::string ClashText(const ScanResult& scan, const std::vector<uint32_t>& group) {
  constexpr size_t kShown = 3;
  std::vector<std::string> paths;
  for (uint32_t idx : group) paths.push_back(DisplayPath(scan, scan.files[idx]));
  std::sort(paths.begin(), paths.end());
  std::string text = "'" + std::string(BaseName(scan.files[group[0]].rel_path)) + "' occurs " +
                     std::to_string(group.size()) + " times: ";
  for (size_t k = 0; k < paths.size() && k < kShown; ++k) text += (k ? ", " : "") + paths[k];
  if (paths.size() > kShown) text += " and " + std::to_string(paths.size() - kShown) + " more";
  return text;
}

// Writes the manifest of packed `zip`, whose first `frames` members are the frames (`names`:
// member names by record). It is the manifest CVAT writes for the extracted zip, and it
// becomes the task's: every frame with meta.related_images, its context images as paths
// from the zip's root (CVAT's 2D rule, manifest/related_images.h), an empty list for none.
Status WritePackedManifest(const std::string& path, const ScanResult& scan, const ZipPlan& zip,
                           size_t frames, const std::vector<std::string>& names) {
  std::vector<uint32_t> ordered(zip.records.begin(),
                                zip.records.begin() + static_cast<long>(frames));
  std::vector<std::string_view> all_members, frame_members;
  for (uint32_t idx : zip.records) all_members.push_back(names[idx]);
  for (uint32_t idx : ordered) frame_members.push_back(names[idx]);
  std::vector<std::vector<std::string>> related =
      manifest::DetectRelatedImages(all_members, frame_members);
  return WriteManifest(
      path, scan, ordered, [&](uint32_t idx) { return std::string_view(names[idx]); },
      &related);
}

// The plan of a packed task (see ZipPlan): `images` (records of `scan`, related images not
// included) are ordered on their member names, the related images follow them in the zip.
Result<UploadPlan> PlanZip(const ScanResult& scan, const std::vector<uint32_t>& images,
                           const UploadPlanOptions& options, std::string reason,
                           UploadPlan plan, std::vector<Refusal>* refusals) {
  std::vector<std::string> names(scan.files.size());
  std::vector<uint32_t> related;
  for (uint32_t i = 0; i < scan.files.size(); ++i) {
    const FileRecord& f = scan.files[i];
    if (f.kind == MediaKind::kImage && IsInRelatedImagesFolder(f.rel_path)) related.push_back(i);
  }
  for (uint32_t idx : images) names[idx] = ZipMemberName(scan, scan.files[idx]);
  for (uint32_t idx : related) names[idx] = ZipMemberName(scan, scan.files[idx]);
  for (uint32_t idx : images) {
    if (std::string why = ZipNameProblem(names[idx]); !why.empty()) {
      refusals->push_back({DisplayPath(scan, scan.files[idx]), "cannot be packed: " + why});
    }
  }
  if (!refusals->empty()) {
    return Status::InvalidArgument(Plural(refusals->size(), "problem", "problems") +
                                   " found before sending anything; nothing was uploaded");
  }
  std::vector<uint32_t> order = OrderBy(
      images.size(), [&](size_t i) { return std::string_view(names[images[i]]); },
      options.sorting, options.seed);
  std::sort(related.begin(), related.end(),
            [&](uint32_t a, uint32_t b) { return CompareCodePoints(names[a], names[b]) < 0; });
  std::vector<ZipMember> members;
  members.reserve(images.size() + related.size());
  std::vector<uint32_t> records;
  records.reserve(members.capacity());
  for (uint32_t k : order) records.push_back(images[k]);
  records.insert(records.end(), related.begin(), related.end());
  for (uint32_t idx : records) members.push_back({names[idx], scan.files[idx].size});
  Result<ZipLayout> layout = ZipLayout::Plan(std::move(members), options.max_file_size);
  if (!layout) return layout.error();
  auto zip = std::make_shared<ZipPlan>(std::move(*layout));
  zip->name = options.zip_name;
  zip->reason = std::move(reason);
  zip->records = std::move(records);
  zip->identity = ZipIdentity(zip->layout.members(), zip->layout.total_size());
  plan.kind = TaskKind::kArchive;
  plan.skipped_files -= related.size();  // they travel inside the zip
  plan.skipped_context_images -= related.size();
  plan.sorting_method =
      options.sorting == SortingMethod::kLexicographical ? "lexicographical" : "predefined";
  for (size_t i = 0; i < order.size(); ++i) plan.frame_order.push_back(zip->layout.member(i).name);
  std::string path = !options.given_manifest.empty() ? options.given_manifest
                                                     : options.generated_manifest_path;
  if (path.empty()) {
    return Status::InvalidArgument(
        "a packed zip needs a manifest of its members (CVAT requires one for its order); "
        "use --manifest auto or --manifest FILE");
  }
  if (options.given_manifest.empty()) {
    INGEST_RETURN_IF_ERROR(WritePackedManifest(path, scan, *zip, order.size(), names));
  }
  plan.manifest_path = path;
  SortPredefinedWithManifest(&plan);
  PlannedFile zf;
  zf.record = kGeneratedZip;
  zf.name = zip->name;
  zf.size = zip->layout.total_size();
  zf.route = Route::kTus;
  plan.total_bytes = zf.size;
  plan.files.push_back(zf);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return FromErrno("stat " + path, errno);
  PlannedFile mf;
  mf.record = kGeneratedManifest;
  mf.name = "manifest.jsonl";
  mf.size = static_cast<uint64_t>(st.st_size);
  mf.route = mf.size >= options.tus_threshold ? Route::kTus : Route::kBatch;
  if (mf.route == Route::kBatch) plan.batches.push_back({1});
  plan.total_bytes += mf.size;
  plan.files.push_back(mf);
  plan.zip = std::move(zip);
  return plan;
}

}  // namespace

std::string ZipMemberName(const ScanResult& scan, const FileRecord& f) {
  if (scan.sources.size() <= 1) return std::string(f.rel_path);
  std::string_view source = scan.sources[f.source].path;
  return std::string(BaseName(source)) + "/" + std::string(f.rel_path);
}

std::string ZipIdentity(const std::vector<ZipMember>& members, uint64_t total_size) {
  Hasher hasher;
  for (const ZipMember& m : members) {
    hasher.Update(m.name.data(), m.name.size() + 1);  // with the NUL: names cannot hold one
    hasher.Update(&m.size, sizeof m.size);
  }
  return std::to_string(total_size) + ":" + ToHex(hasher.Digest());
}

bool SurvivesMultipartName(std::string_view name) {
  // Django's multipart parser (sanitize_file_name) html-unescapes the name, keeps what
  // follows the last '/' or '\\', and drops characters Python finds not printable; a TUS
  // creation carries the name in base64 and keeps it exactly.
  for (Utf8Decoder dec(name); !dec.done();) {
    char32_t c = dec.Next();
    if (c < 0x20 || c == 0x7F || c == '\\' || c == '/' || c == '&') return false;
    if ((c >= 0x80 && c <= 0xA0) || c == 0xAD || c == 0x1680 || c == 0x180E ||
        (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
        (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF ||
        (c >= 0xD800 && c <= 0xDFFF) || (c >= 0xE000 && c <= 0xF8FF) ||
        (c >= 0xFFF0 && c <= 0xFFFF)) {
      return false;
    }
  }
  return true;
}

Result<UploadPlan> PlanUpload(const ScanResult& scan, const ScanResult* archive_members,
                              const UploadPlanOptions& options, std::vector<Refusal>* refusals) {
  UploadPlan plan;
  std::vector<uint32_t> images, videos, archives;
  for (uint32_t i = 0; i < scan.files.size(); ++i) {
    const FileRecord& f = scan.files[i];
    switch (f.kind) {
      case MediaKind::kImage:
        if (IsInRelatedImagesFolder(f.rel_path)) {
          ++plan.skipped_files;  // context images only travel inside an archive
          ++plan.skipped_context_images;
        } else {
          images.push_back(i);
        }
        break;
      case MediaKind::kVideo: videos.push_back(i); break;
      case MediaKind::kArchive: archives.push_back(i); break;
      default: ++plan.skipped_files; break;
    }
  }
  size_t singles = videos.size() + archives.size();
  if (images.empty() && singles == 0) {
    return Status::NotFound("no images, video or archive found in the sources");
  }
  if (singles > 1 || (singles == 1 && !images.empty())) {
    std::vector<uint32_t> all = videos;
    all.insert(all.end(), archives.begin(), archives.end());
    for (uint32_t idx : all) {
      refusals->push_back({DisplayPath(scan, scan.files[idx]),
                           "a task takes any number of images, or exactly one video or archive"});
    }
    return Status::InvalidArgument(
        "cannot put these sources in one CVAT task: found " +
        Plural(images.size(), "image", "images") + ", " +
        Plural(videos.size(), "video", "videos") + " and " +
        Plural(archives.size(), "archive", "archives") +
        " (one task takes any number of images, or exactly one video or archive; " +
        (videos.size() > 1 ? std::string("--task-per video gives each video its own task")
                           : std::string("--task-per archive, video or file makes a task of each")) +
        ")");
  }
  std::vector<uint32_t> media = !images.empty() ? images : (!videos.empty() ? videos : archives);
  plan.kind = !images.empty() ? TaskKind::kImages
                              : (!videos.empty() ? TaskKind::kVideo : TaskKind::kArchive);

  // Per-file checks, then base-name collisions (found by sorting indices by name: a map of a
  // million names would cost a hundred bytes each).
  for (uint32_t idx : media) {
    const FileRecord& f = scan.files[idx];
    std::string path = DisplayPath(scan, f);
    std::string_view name = BaseName(f.rel_path);
    if (f.size == 0) {
      refusals->push_back({path, "empty file (0 bytes): CVAT cannot take it; remove it"});
    } else if (f.size > options.max_file_size) {
      refusals->push_back({path, "larger than the server's limit of " +
                                     std::to_string(options.max_file_size) + " bytes"});
    }
    if (!IsValidUtf8(name)) {
      refusals->push_back({path, "the name is not valid UTF-8: rename the file"});
    }
  }
  std::vector<std::vector<uint32_t>> clashes;
  if (plan.kind == TaskKind::kImages) clashes = ClashGroups(scan, media);
  bool pack = plan.kind == TaskKind::kImages &&
              (options.pack == PackMode::kZip ||
               (options.pack == PackMode::kAuto && !clashes.empty()));
  if (!pack) {
    for (const std::vector<uint32_t>& group : clashes) {
      // Members of an archive source (--extract): the archive itself keeps its folders.
      const bool members = std::all_of(group.begin(), group.end(), [&](uint32_t i) {
        return scan.files[i].in_archive;
      });
      refusals->push_back(
          {std::string(BaseName(scan.files[group[0]].rel_path)),
           ClashText(scan, group) +
               (members ? ": CVAT keeps base names only; drop --extract to send the archive "
                          "whole (CVAT extracts it and keeps its folders), or upload with "
                          "--pack zip (or auto)"
                        : ": CVAT keeps base names only; upload with --pack zip (or auto) "
                          "to keep the folders, or rename them")});
    }
  }
  if (!refusals->empty()) {
    return Status::InvalidArgument(Plural(refusals->size(), "problem", "problems") +
                                   " found before sending anything; nothing was uploaded");
  }
  if (pack) {
    std::string reason =
        options.pack == PackMode::kZip
            ? std::string("--pack zip")
            : Plural(clashes.size(), "base name occurs", "base names occur") +
                  " more than once (CVAT keeps only base names of loose files; "
                  "first: " + ClashText(scan, clashes[0]) + ")";
    return PlanZip(scan, images, options, std::move(reason), std::move(plan), refusals);
  }

  // The final order, on the names the server sees.
  std::vector<uint32_t> order = OrderBy(
      media.size(), [&](size_t i) { return BaseName(scan.files[media[i]].rel_path); },
      options.sorting, options.seed);
  std::vector<uint32_t> ordered;
  ordered.reserve(order.size());
  plan.files.reserve(media.size() + 1);
  for (uint32_t k : order) ordered.push_back(media[k]);
  bool lexicographical = options.sorting == SortingMethod::kLexicographical;
  plan.sorting_method = lexicographical || plan.kind == TaskKind::kVideo ? "lexicographical"
                                                                          : "predefined";

  // The manifest: frames in the final order.
  if (plan.kind == TaskKind::kImages) {
    plan.frame_order.reserve(ordered.size());
    for (uint32_t idx : ordered) plan.frame_order.emplace_back(BaseName(scan.files[idx].rel_path));
    plan.send_upload_file_order = !lexicographical;
    if (!options.given_manifest.empty()) {
      std::vector<std::string> names(plan.frame_order.begin(), plan.frame_order.end());
      INGEST_ASSIGN_OR_RETURN(manifest::CheckReport report,
                              manifest::CheckImageManifest(options.given_manifest, names, 3));
      if (!report.ok()) {
        std::string why = report.structure_error;
        if (why.empty() && !report.mismatches.empty()) {
          const auto& m = report.mismatches.front();
          why = "frame " + std::to_string(m.index) + " is '" + m.file +
                "' but the manifest line says '" + m.expected_suffix + "'";
        }
        return Status::InvalidArgument(options.given_manifest +
                                       " does not match the files in the final order (" + why +
                                       "); CVAT would refuse it");
      }
      plan.manifest_path = options.given_manifest;
    } else if (!options.generated_manifest_path.empty()) {
      INGEST_RETURN_IF_ERROR(WriteManifest(options.generated_manifest_path, scan, ordered,
                                           [&](uint32_t idx) {
                                             return BaseName(scan.files[idx].rel_path);
                                           }));
      plan.manifest_path = options.generated_manifest_path;
    }
  } else if (plan.kind == TaskKind::kArchive) {
    if (archive_members == nullptr) {
      return Status::Internal("the archive's members were not scanned");
    }
    std::vector<uint32_t> members;
    for (uint32_t i = 0; i < archive_members->files.size(); ++i) {
      const FileRecord& f = archive_members->files[i];
      if (f.kind == MediaKind::kImage && !IsInRelatedImagesFolder(f.rel_path)) members.push_back(i);
    }
    std::sort(members.begin(), members.end(), [&](uint32_t a, uint32_t b) {
      return CompareCodePoints(archive_members->files[a].rel_path,
                               archive_members->files[b].rel_path) < 0;
    });
    std::vector<uint32_t> member_order = OrderBy(
        members.size(),
        [&](size_t i) { return std::string_view(archive_members->files[members[i]].rel_path); },
        options.sorting, options.seed);
    std::vector<uint32_t> ordered_members;
    for (uint32_t k : member_order) {
      ordered_members.push_back(members[k]);
      plan.frame_order.push_back(archive_members->files[members[k]].rel_path);
    }
    std::string path = !options.given_manifest.empty() ? options.given_manifest
                                                       : options.generated_manifest_path;
    if (path.empty()) {
      return Status::InvalidArgument(
          "an archive needs a manifest of its members (CVAT requires one for its order); "
          "use --manifest auto or --manifest FILE");
    }
    if (options.given_manifest.empty()) {
      INGEST_RETURN_IF_ERROR(WriteManifest(path, *archive_members, ordered_members,
                                           [&](uint32_t idx) -> std::string_view {
                                             return archive_members->files[idx].rel_path;
                                           }));
    }
    plan.manifest_path = path;
  }

  SortPredefinedWithManifest(&plan);

  // Routes and batches: big files through TUS, small ones packed in frame order.
  auto add_file = [&](uint32_t record, std::string_view name, uint64_t size) {
    PlannedFile pf;
    pf.record = record;
    pf.name = name;
    pf.size = size;
    plan.total_bytes += size;
    plan.files.push_back(std::move(pf));
  };
  // Files go up in frame order, except archive members (--extract): they go in the order of
  // the archive, so one pass over it streams them all (the server's order is set by the
  // finish request, not by the order of arrival).
  std::vector<uint32_t> upload_order = ordered;
  std::stable_sort(upload_order.begin(), upload_order.end(), [&](uint32_t a, uint32_t b) {
    const FileRecord& x = scan.files[a];
    const FileRecord& y = scan.files[b];
    if (x.in_archive != y.in_archive) return !x.in_archive;
    if (!x.in_archive) return false;
    return x.source != y.source ? x.source < y.source : x.inode < y.inode;
  });
  for (uint32_t idx : upload_order) {
    add_file(idx, BaseName(scan.files[idx].rel_path), scan.files[idx].size);
  }
  if (!plan.manifest_path.empty()) {
    struct stat st;
    if (::stat(plan.manifest_path.c_str(), &st) != 0) {
      return FromErrno("stat " + plan.manifest_path, errno);
    }
    add_file(kGeneratedManifest, "manifest.jsonl", static_cast<uint64_t>(st.st_size));
  }
  uint64_t batch_bytes = 0;
  for (uint32_t i = 0; i < plan.files.size(); ++i) {
    PlannedFile& pf = plan.files[i];
    if (pf.size >= options.tus_threshold || !SurvivesMultipartName(pf.name)) {
      pf.route = Route::kTus;
      continue;
    }
    pf.route = Route::kBatch;
    if (plan.batches.empty() || plan.batches.back().size() >= options.batch_files ||
        batch_bytes + pf.size > options.batch_bytes) {
      plan.batches.emplace_back();
      batch_bytes = 0;
    }
    pf.batch = static_cast<uint32_t>(plan.batches.size() - 1);
    plan.batches.back().push_back(i);
    batch_bytes += pf.size;
  }
  return plan;
}

}  // namespace ingest::upload
