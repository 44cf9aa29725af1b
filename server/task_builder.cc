#include "server/task_builder.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "engine/file_order.h"
#include "engine/media_kind.h"
#include "engine/path_text.h"

namespace ingest::server {
namespace {

struct ManifestItem {
  std::string name;  // name + extension
  int64_t width = 0;
  int64_t height = 0;
};

struct Manifest {
  bool video = false;
  std::vector<ManifestItem> items;  // images
  int64_t video_length = 0;
  int64_t video_width = 0;
  int64_t video_height = 0;
};

Status InvalidManifest() { return Status::InvalidArgument("Invalid manifest was uploaded"); }

// CVAT stores a frame's width and height in PostgreSQL integer columns, so a manifest size
// outside 0..2^31-1 fails its task creation ("integer out of range"). Checked here, it also
// bounds width * height well inside int64.
Status CheckFrameSize(int64_t width, int64_t height, size_t line_no) {
  constexpr int64_t kMax = INT32_MAX;
  if (width >= 0 && width <= kMax && height >= 0 && height <= kMax) return Status::Ok();
  return Status::InvalidArgument("Invalid manifest was uploaded: line " + std::to_string(line_no) +
                                 ": width and height must be integers from 0 to 2147483647 "
                                 "(integer out of range)");
}

// is_manifest + the image items, as core.py reads them (only the first lines are structural).
Result<Manifest> ReadManifest(const std::string& path) {
  simdjson::padded_string text;
  if (simdjson::padded_string::load(path).get(text) != simdjson::SUCCESS) {
    return Status::NotFound("Can't find upload manifest file");
  }
  std::string_view all(text.data(), text.size());
  simdjson::dom::parser parser;
  Manifest m;
  size_t line_no = 0;
  while (!all.empty()) {
    size_t nl = all.find('\n');
    std::string_view line = all.substr(0, nl);
    all = nl == std::string_view::npos ? std::string_view() : all.substr(nl + 1);
    if (line.empty()) continue;
    simdjson::dom::element e;
    if (parser.parse(line.data(), line.size()).get(e) != simdjson::SUCCESS) {
      return InvalidManifest();
    }
    ++line_no;
    if (line_no == 1) {
      std::string_view v;
      if (e["version"].get(v) != simdjson::SUCCESS || (v != "1.0" && v != "1.1")) {
        return InvalidManifest();
      }
    } else if (line_no == 2) {
      std::string_view type;
      if (e["type"].get(type) != simdjson::SUCCESS || (type != "images" && type != "video")) {
        return InvalidManifest();
      }
      m.video = type == "video";
    } else if (m.video && line_no == 3) {
      simdjson::dom::element props;
      std::string_view name;
      simdjson::dom::array res;
      int64_t length = 0;
      if (e["properties"].get(props) != simdjson::SUCCESS ||
          props["name"].get(name) != simdjson::SUCCESS ||
          props["resolution"].get(res) != simdjson::SUCCESS ||
          props["length"].get(length) != simdjson::SUCCESS || length <= 0) {
        return InvalidManifest();
      }
      m.video_length = length;
      int i = 0;
      for (simdjson::dom::element r : res) {
        int64_t v = 0;
        if (r.get(v) != simdjson::SUCCESS) continue;
        (i++ == 0 ? m.video_width : m.video_height) = v;
      }
      INGEST_RETURN_IF_ERROR(CheckFrameSize(m.video_width, m.video_height, line_no));
    } else if (m.video) {
      int64_t number = 0, pts = 0;
      if (line_no == 4 && (e["number"].get(number) != simdjson::SUCCESS ||
                           e["pts"].get(pts) != simdjson::SUCCESS)) {
        return InvalidManifest();
      }
    } else {
      std::string_view name, ext;
      if (e["name"].get(name) != simdjson::SUCCESS || e["extension"].get(ext) != simdjson::SUCCESS) {
        return InvalidManifest();
      }
      ManifestItem item;
      item.name = std::string(name) + std::string(ext);
      if (e["width"].get(item.width) != simdjson::SUCCESS) item.width = 0;  // not checked
      if (e["height"].get(item.height) != simdjson::SUCCESS) item.height = 0;
      INGEST_RETURN_IF_ERROR(CheckFrameSize(item.width, item.height, line_no));
      m.items.push_back(std::move(item));
    }
  }
  if (line_no < 2) return InvalidManifest();
  return m;
}

// "a (upload), b (manifest)" with at most 5 names.
std::string Examples(const std::vector<std::string>& only_upload,
                     const std::vector<std::string>& only_manifest) {
  std::string out;
  size_t shown = 0;
  for (const auto* list : {&only_upload, &only_manifest}) {
    for (const std::string& n : *list) {
      if (shown == 5) return out;
      if (shown++) out += ", ";
      out += n + (list == &only_upload ? " (upload)" : " (manifest)");
    }
  }
  return out;
}

// Orders `names` by CVAT's sorting_method with the engine's file order (natural is natsort's
// os_sorted, exactly). CVAT's random sort is unseeded, so the seed is random too.
void SortNames(std::vector<std::string>* names, const std::string& method) {
  Result<SortingMethod> m = ParseSortingMethod(method);
  if (!m || *m == SortingMethod::kPredefined) return;
  uint64_t seed = 0;
  if (*m == SortingMethod::kRandom) seed = (uint64_t{std::random_device()()} << 32) | std::random_device()();
  std::vector<uint32_t> order =
      OrderBy(names->size(), [&](size_t i) { return std::string_view((*names)[i]); }, *m, seed);
  std::vector<std::string> sorted;
  sorted.reserve(names->size());
  for (uint32_t i : order) sorted.push_back(std::move((*names)[i]));
  *names = std::move(sorted);
}

int64_t ChunkSizeFor(int64_t w, int64_t h) {
  if (w <= 0 || h <= 0) return 36;
  int64_t v = 36 * 1920 * 1080 / (w * h);
  return std::max<int64_t>(2, std::min<int64_t>(72, v));
}

int64_t CountJobs(int64_t size, int64_t segment_size, int64_t overlap) {
  if (size <= 0) return 0;
  if (segment_size <= 0 || segment_size >= size) return 1;
  int64_t step = std::max<int64_t>(1, segment_size - overlap);
  int64_t jobs = 0;
  for (int64_t start = 0; start < size; start += step) {
    ++jobs;
    if (start + segment_size >= size) break;
  }
  return jobs;
}

// With job_file_mapping the frames are the mapping's files, job after job (task.py: the
// files are reconciled to the mapping's chain); a mapped file the input lacks fails the task.
Result<std::vector<std::string>> MappedOrder(const std::vector<std::vector<std::string>>& mapping,
                                             const std::vector<std::string>& names) {
  std::unordered_set<std::string> have(names.begin(), names.end());
  std::vector<std::string> out;
  for (const std::vector<std::string>& job : mapping) {
    for (const std::string& f : job) {
      if (!have.count(f)) {
        return Status::InvalidArgument("Can't find file '" + f.substr(f.rfind('/') + 1) +
                                       "' in the input files");
      }
      out.push_back(f);
    }
  }
  return out;
}

}  // namespace

Result<BuildOutput> BuildTaskData(const BuildInput& in, MediaInspector& inspector,
                                  const std::function<void(double, std::string_view)>& progress) {
  const DataRequest& req = in.request;
  if (req.validation) {
    INGEST_RETURN_IF_ERROR(CheckValidationForTask(*req.validation, req.sorting_method,
                                                  in.segment_size, in.overlap,
                                                  !req.job_file_mapping.empty()));
  }
  progress(0.0, "Media files are being extracted...");
  std::vector<std::string> images, videos, archives, manifests;
  for (const std::string& f : in.client_files) {
    switch (ClassifyName(f)) {
      case MediaKind::kImage:
        images.push_back(f);
        break;
      case MediaKind::kVideo:
        videos.push_back(f);
        break;
      case MediaKind::kArchive:
        archives.push_back(f);
        break;
      case MediaKind::kManifest:
        manifests.push_back(f);
        break;
      case MediaKind::kOther:
        break;  // CVAT skips unknown types with a log warning
    }
  }
  if (manifests.size() > 1) {
    return Status::InvalidArgument("Only one manifest file can be attached to data");
  }
  size_t unique_items = videos.size() + archives.size();
  if (unique_items > 1 || (unique_items == 1 && !images.empty())) {
    return Status::InvalidArgument(
        "Only one archive, one zip, one video, one pdf or many images and directories can be "
        "uploaded at the same time, not a mix of media kinds");
  }
  if (unique_items == 0 && images.empty()) return Status::InvalidArgument("No media data found");
  const bool has_manifest = !manifests.empty();
  if (has_manifest && req.sorting_method == "random") {
    return Status::InvalidArgument("It isn't supported to upload manifest file and use random sorting");
  }
  if (!archives.empty() && req.sorting_method == "predefined" && !has_manifest) {
    return Status::InvalidArgument(
        "Can't find upload manifest file. The predefined sorting method of an archive needs one");
  }
  std::optional<Manifest> manifest;
  if (has_manifest) {
    INGEST_ASSIGN_OR_RETURN(Manifest m, ReadManifest(in.raw_dir + "/" + manifests[0]));
    manifest = std::move(m);
  }

  BuildOutput out;
  std::vector<Frame> frames;
  if (!videos.empty()) {
    out.mode = "interpolation";
    int64_t length = 0, w = 0, h = 0;
    if (manifest && manifest->video) {
      length = manifest->video_length;
      w = manifest->video_width;
      h = manifest->video_height;
    } else if (in.discard) {
      length = 1;  // not stored: one frame of unknown size
    } else {
      INGEST_ASSIGN_OR_RETURN(VideoProps v, inspector.ProbeVideoFile(in.raw_dir + "/" + videos[0]));
      length = v.frames;
      w = v.width;
      h = v.height;
      if (length <= 0) return Status::InvalidArgument("The video has no frames");
    }
    int64_t stop = req.stop_frame && *req.stop_frame > 0 ? std::min(*req.stop_frame, length - 1)
                                                          : length - 1;
    out.start_frame = req.start_frame;
    out.stop_frame = stop;
    out.size = stop < req.start_frame ? 0 : (stop - req.start_frame) / req.frame_step + 1;
    out.frames.push_back({videos[0], w, h});
    out.chunk_size = req.chunk_size.value_or(36);
    out.jobs = CountJobs(out.size, in.segment_size, in.overlap);
    progress(1.0, "");
    return out;
  }

  out.mode = "annotation";
  std::vector<std::string> names;  // frame names in final order
  std::unordered_map<std::string, ImageSize> archive_sizes;
  if (!archives.empty() && in.discard) {
    // The archive was counted and hashed, not stored: its members are the manifest's names.
    if (!manifest || manifest->video) {
      return Status::InvalidArgument(
          "--discard: the members of a discarded archive are unknown; upload a manifest with it");
    }
    for (const ManifestItem& item : manifest->items) names.push_back(item.name);
  } else if (!archives.empty()) {
    INGEST_ASSIGN_OR_RETURN(std::vector<ArchiveImage> members,
                            inspector.ListArchiveImages(in.raw_dir + "/" + archives[0]));
    for (ArchiveImage& m : members) {
      archive_sizes[m.path] = m.size;
      names.push_back(std::move(m.path));
    }
  } else {
    names = images;
  }

  if (req.sorting_method == "predefined" && manifest) {
    // The uploaded set must equal the manifest set; the manifest's order wins.
    std::unordered_set<std::string> uploaded(names.begin(), names.end());
    std::unordered_set<std::string> listed;
    std::vector<std::string> only_manifest, only_upload;
    for (const ManifestItem& item : manifest->items) {
      listed.insert(item.name);
      if (!uploaded.count(item.name)) only_manifest.push_back(item.name);
    }
    for (const std::string& n : names) {
      if (!listed.count(n)) only_upload.push_back(n);
    }
    if (!only_manifest.empty() || !only_upload.empty()) {
      return Status::InvalidArgument(
          "Uploaded files do no match the upload manifest file contents. Please check the "
          "upload manifest file contents and the list of uploaded files. Mismatching files: " +
          Examples(only_upload, only_manifest));
    }
    names.clear();
    for (const ManifestItem& item : manifest->items) names.push_back(item.name);
  } else if (req.sorting_method == "predefined") {
    if (!req.upload_file_order.empty() && archives.empty()) names = req.upload_file_order;
  } else {
    SortNames(&names, req.sorting_method);
  }

  if (!req.job_file_mapping.empty() && videos.empty()) {
    INGEST_ASSIGN_OR_RETURN(names, MappedOrder(req.job_file_mapping, names));
  }
  if (manifest) {
    if (manifest->video || manifest->items.size() != names.size()) {
      return Status::InvalidArgument("Incorrect file mapping to manifest content");
    }
    for (size_t i = 0; i < names.size(); ++i) {
      if (!names[i].ends_with(manifest->items[i].name)) {
        return Status::InvalidArgument("Incorrect file mapping to manifest content");
      }
    }
  }

  frames.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    Frame f{names[i], 0, 0};
    if (manifest) {
      f.width = manifest->items[i].width;
      f.height = manifest->items[i].height;
    } else if (!archives.empty()) {
      ImageSize s = archive_sizes[names[i]];
      f.width = s.width;
      f.height = s.height;
    } else if (!in.discard) {
      Result<ImageSize> s = inspector.ProbeImageFile(in.raw_dir + "/" + names[i]);
      if (!s) return s.error();
      f.width = s->width;
      f.height = s->height;
    }
    frames.push_back(std::move(f));
    if (i % 1024 == 0) {
      progress(static_cast<double>(i) / static_cast<double>(names.size()),
               "CVAT is preparing data chunks");
    }
  }

  int64_t total = static_cast<int64_t>(frames.size());
  int64_t stop = req.stop_frame && *req.stop_frame > 0 ? std::min(*req.stop_frame, total - 1)
                                                        : total - 1;
  out.start_frame = req.start_frame;
  out.stop_frame = stop;
  // start <= i <= stop < total; the step may be as large as INT64_MAX, so test the room left
  // before adding it.
  for (int64_t i = req.start_frame; i <= stop; i += req.frame_step) {
    out.frames.push_back(std::move(frames[static_cast<size_t>(i)]));
    if (stop - i < req.frame_step) break;
  }
  out.size = static_cast<int64_t>(out.frames.size());
  if (out.size == 0) return Status::InvalidArgument("No media data found");
  out.chunk_size =
      req.chunk_size.value_or(ChunkSizeFor(out.frames[0].width, out.frames[0].height));
  out.jobs = req.job_file_mapping.empty()
                 ? CountJobs(out.size, in.segment_size, in.overlap)
                 : static_cast<int64_t>(req.job_file_mapping.size());
  progress(1.0, "");
  return out;
}

}  // namespace ingest::server
