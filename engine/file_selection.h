// Which files of the sources a scan keeps: --include / --exclude globs (engine/path_glob.h)
// or a --files-from list. Paths are relative to their source: "<rel>" of a directory source,
// the member path of an archive source, the file's own rel path for an archive found inside a
// directory (listed as one file). A file given by name as a source is always kept.
//
// Globs: a file is kept when it matches no --exclude and, if any --include is given, matches
// one of them. (rclone reads includes before excludes, first match wins, and warns that
// mixing the two is indeterminate; here an exclude always wins, whatever the order.)
// A list: a file is kept when its path is listed ("./" and leading '/' are dropped, as rclone
// reads --files-from). The listed paths no source held are reported after the scan.
#ifndef INGEST_ENGINE_FILE_SELECTION_H_
#define INGEST_ENGINE_FILE_SELECTION_H_

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/path_glob.h"
#include "engine/result.h"

namespace ingest {

class FileSelection {
 public:
  FileSelection() = default;
  FileSelection(FileSelection&&) = default;
  FileSelection& operator=(FileSelection&&) = default;

  // From globs; InvalidArgument naming the bad pattern (and its option) on bad syntax.
  static Result<FileSelection> FromGlobs(std::span<const std::string> includes,
                                         std::span<const std::string> excludes);
  // From a list of relative paths; empty entries are ignored.
  static FileSelection FromList(std::span<const std::string> paths);

  // True when nothing is filtered out.
  bool empty() const { return includes_.empty() && excludes_.empty() && !has_list_; }

  // Whether the file at `rel_path` is kept. Thread-safe; marks a listed path as found.
  bool Keeps(std::string_view rel_path) const;

  // The listed paths that Keeps() was never asked about, in list order (sorted).
  std::vector<std::string> Unfound() const;

  // A stable text of the rules, for keys that must differ when the selection does.
  std::string Describe() const;

 private:
  std::vector<PathGlob> includes_;
  std::vector<PathGlob> excludes_;
  bool has_list_ = false;
  std::vector<std::string> listed_;             // sorted, unique
  std::unique_ptr<std::atomic<bool>[]> found_;  // [i] for listed_[i]
};

}  // namespace ingest

#endif  // INGEST_ENGINE_FILE_SELECTION_H_
