#include "manifest/image_manifest.h"

#include <algorithm>
#include <unordered_map>

#include "engine/path_text.h"
#include "manifest/manifest_writer.h"
#include "manifest/related_images.h"

namespace ingest::manifest {
namespace {

std::string Examples(const std::vector<std::string_view>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 5; ++i) {
    if (i) out += ", ";
    out += std::string(names[i]);
  }
  if (names.size() > 5) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

}  // namespace

Result<ImageManifestPlan> PlanImageManifest(const ScanResult& scan, const PlanOptions& options) {
  // Input order: by source, then code point order of the relative path.
  std::vector<uint32_t> input;
  for (uint32_t i = 0; i < scan.files.size(); ++i) {
    const FileRecord& f = scan.files[i];
    if (f.kind == MediaKind::kImage && IsFrame(f.rel_path)) input.push_back(i);
  }
  if (input.empty()) return Status::NotFound("no images found in the sources");
  std::sort(input.begin(), input.end(), [&](uint32_t a, uint32_t b) {
    const FileRecord& x = scan.files[a];
    const FileRecord& y = scan.files[b];
    if (x.source != y.source) return x.source < y.source;
    return CompareCodePoints(x.rel_path, y.rel_path) < 0;
  });
  for (size_t i = 1; i < input.size(); ++i) {
    const FileRecord& x = scan.files[input[i - 1]];
    const FileRecord& y = scan.files[input[i]];
    if (x.rel_path == y.rel_path) {
      return Status::InvalidArgument("two sources hold '" + std::string(x.rel_path) + "' (" +
                                     DisplayPath(scan, x) + " and " + DisplayPath(scan, y) +
                                     "): manifest names must be unique");
    }
  }

  ImageManifestPlan plan;
  if (options.sorting == SortingMethod::kPredefined && !options.predefined_order.empty()) {
    std::unordered_map<std::string_view, uint32_t> by_name;
    for (uint32_t idx : input) by_name.emplace(scan.files[idx].rel_path, idx);
    std::vector<std::string_view> unknown;
    for (const std::string& name : options.predefined_order) {
      auto it = by_name.find(name);
      if (it == by_name.end()) {
        unknown.push_back(name);
        continue;
      }
      plan.frames.push_back(it->second);
      by_name.erase(it);
    }
    if (!unknown.empty() || !by_name.empty()) {
      std::vector<std::string_view> missing;
      for (uint32_t idx : input) {
        if (by_name.count(scan.files[idx].rel_path)) missing.push_back(scan.files[idx].rel_path);
      }
      std::string msg = "the predefined order does not match the images found";
      if (!unknown.empty()) msg += "; not found (or repeated): " + Examples(unknown);
      if (!missing.empty()) msg += "; not in the order: " + Examples(missing);
      return Status::InvalidArgument(msg);
    }
  } else {
    std::vector<uint32_t> order = OrderBy(
        input.size(), [&](size_t i) { return std::string_view(scan.files[input[i]].rel_path); },
        options.sorting, options.seed);
    plan.frames.reserve(order.size());
    for (uint32_t k : order) plan.frames.push_back(input[k]);
  }

  // Related images, source by source (paths are relative to each source).
  plan.related.resize(plan.frames.size());
  for (uint32_t s = 0; s < scan.sources.size(); ++s) {
    std::vector<std::string_view> all_files;
    for (const FileRecord& f : scan.files) {
      if (f.source == s) all_files.push_back(f.rel_path);
    }
    std::vector<std::string_view> frames;
    std::vector<size_t> positions;
    for (size_t k = 0; k < plan.frames.size(); ++k) {
      const FileRecord& f = scan.files[plan.frames[k]];
      if (f.source != s) continue;
      frames.push_back(f.rel_path);
      positions.push_back(k);
    }
    if (frames.empty()) continue;
    std::vector<std::vector<std::string>> related = DetectRelatedImages(all_files, frames);
    for (size_t j = 0; j < positions.size(); ++j) plan.related[positions[j]] = std::move(related[j]);
  }
  return plan;
}

Status WriteImageManifest(const std::string& path, const ScanResult& scan,
                          const ImageManifestPlan& plan) {
  Result<std::unique_ptr<ImageManifestWriter>> writer = ImageManifestWriter::Open(path);
  if (!writer) return writer.error();
  std::vector<std::string_view> related;
  std::string name;
  for (size_t k = 0; k < plan.frames.size(); ++k) {
    const FileRecord& f = scan.files[plan.frames[k]];
    SplitName split = SplitExt(f.rel_path);
    // CVAT's tool writes name.replace('\\', '/'): a backslash in a POSIX name becomes '/'.
    name.assign(split.stem);
    std::replace(name.begin(), name.end(), '\\', '/');
    ImageLine line;
    line.name = name;
    line.extension = split.extension;
    bool swap = f.orientation > 4;
    line.width = swap ? f.height : f.width;
    line.height = swap ? f.width : f.height;
    related.assign(plan.related[k].begin(), plan.related[k].end());
    line.related_images = std::span<const std::string_view>(related);
    std::string checksum;  // create.py writes it last, when computed
    if (!f.pixel_md5.empty()) checksum = f.pixel_md5.Hex();
    line.checksum = checksum;
    INGEST_RETURN_IF_ERROR((*writer)->Append(line));
  }
  return (*writer)->Close();
}

std::vector<std::string> FrameNames(const ScanResult& scan, const ImageManifestPlan& plan) {
  std::vector<std::string> names;
  names.reserve(plan.frames.size());
  for (uint32_t idx : plan.frames) names.emplace_back(scan.files[idx].rel_path);
  return names;
}

}  // namespace ingest::manifest
