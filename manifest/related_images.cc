#include "manifest/related_images.h"

#include <algorithm>
#include <unordered_map>

#include "engine/media_kind.h"
#include "engine/path_text.h"

namespace ingest::manifest {

bool IsFrame(std::string_view rel_path) { return !IsInRelatedImagesFolder(rel_path); }

std::vector<std::vector<std::string>> DetectRelatedImages(std::span<const std::string_view> all_files,
                                                          std::span<const std::string_view> frames) {
  // Directory -> image files directly inside it, for directories whose parent is named
  // related_images.
  std::unordered_map<std::string_view, std::vector<std::string_view>> folders;
  for (std::string_view path : all_files) {
    std::string_view dir = DirName(path);
    if (BaseName(DirName(dir)) != "related_images") continue;
    if (ClassifyName(BaseName(path)) != MediaKind::kImage) continue;
    folders[dir].push_back(path);
  }
  std::vector<std::vector<std::string>> out(frames.size());
  if (folders.empty()) return out;
  std::string key;
  for (size_t i = 0; i < frames.size(); ++i) {
    std::string_view frame = frames[i];
    std::string_view dir = DirName(frame);
    std::string base(BaseName(frame));
    if (size_t dot = base.rfind('.'); dot != std::string::npos) base[dot] = '_';
    key.assign(dir);
    if (!key.empty()) key += '/';
    key += "related_images/";
    key += base;
    auto it = folders.find(key);
    if (it == folders.end()) continue;
    std::vector<std::string_view> list = it->second;
    std::sort(list.begin(), list.end(),
              [](std::string_view a, std::string_view b) { return CompareCodePoints(a, b) < 0; });
    out[i].assign(list.begin(), list.end());
  }
  return out;
}

}  // namespace ingest::manifest
