#include "engine/file_selection.h"

#include <algorithm>

namespace ingest {
namespace {

Status AddGlobs(std::span<const std::string> patterns, std::string_view option,
                std::vector<PathGlob>* out) {
  for (const std::string& p : patterns) {
    Result<PathGlob> glob = PathGlob::Parse(p);
    if (!glob) return glob.error().WithPrefix("--" + std::string(option));
    out->push_back(std::move(*glob));
  }
  return Status();
}

std::string_view Normalize(std::string_view path) {
  for (;;) {
    if (path.starts_with("./")) {
      path.remove_prefix(2);
    } else if (path.starts_with("/")) {
      path.remove_prefix(1);
    } else {
      return path;
    }
  }
}

}  // namespace

Result<FileSelection> FileSelection::FromGlobs(std::span<const std::string> includes,
                                               std::span<const std::string> excludes) {
  FileSelection s;
  INGEST_RETURN_IF_ERROR(AddGlobs(includes, "include", &s.includes_));
  INGEST_RETURN_IF_ERROR(AddGlobs(excludes, "exclude", &s.excludes_));
  return s;
}

FileSelection FileSelection::FromList(std::span<const std::string> paths) {
  FileSelection s;
  s.has_list_ = true;
  for (const std::string& p : paths) {
    std::string_view n = Normalize(p);
    if (!n.empty()) s.listed_.emplace_back(n);
  }
  std::sort(s.listed_.begin(), s.listed_.end());
  s.listed_.erase(std::unique(s.listed_.begin(), s.listed_.end()), s.listed_.end());
  s.found_ = std::make_unique<std::atomic<bool>[]>(s.listed_.size());
  for (size_t i = 0; i < s.listed_.size(); ++i) s.found_[i].store(false);
  return s;
}

bool FileSelection::Keeps(std::string_view rel_path) const {
  if (has_list_) {
    auto it = std::lower_bound(listed_.begin(), listed_.end(), rel_path);
    if (it == listed_.end() || *it != rel_path) return false;
    found_[static_cast<size_t>(it - listed_.begin())].store(true, std::memory_order_relaxed);
    return true;
  }
  for (const PathGlob& g : excludes_) {
    if (g.Matches(rel_path)) return false;
  }
  if (includes_.empty()) return true;
  for (const PathGlob& g : includes_) {
    if (g.Matches(rel_path)) return true;
  }
  return false;
}

std::vector<std::string> FileSelection::Unfound() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < listed_.size(); ++i) {
    if (!found_[i].load(std::memory_order_relaxed)) out.push_back(listed_[i]);
  }
  return out;
}

std::string FileSelection::Describe() const {
  std::string out;
  for (const PathGlob& g : includes_) out += "+" + g.pattern() + "\n";
  for (const PathGlob& g : excludes_) out += "-" + g.pattern() + "\n";
  for (const std::string& p : listed_) out += "=" + p + "\n";
  return out;
}

}  // namespace ingest
