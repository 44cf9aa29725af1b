// File operations relative to an open directory (openat, renameat, fstatat), for the task
// store: every file the receiver creates, appends to or renames under a task is named by one
// path component inside a directory it opened itself, so no name (a client's, or one read
// back from disk) can reach outside it, and no symlink inside it is followed.
#ifndef INGEST_SERVER_DIR_FILES_H_
#define INGEST_SERVER_DIR_FILES_H_

#include <string>
#include <string_view>

#include "engine/result.h"
#include "engine/unique_fd.h"

namespace ingest::server {

// True for a single path component: not empty, not "." or "..", no '/' and no NUL.
bool IsSingleComponent(std::string_view name);

// Creates `path` (mode 0755) unless it exists, then opens it as a directory without following
// a symlink at its last component.
Result<UniqueFd> MakeAndOpenDir(const std::string& path);

// Opens `name` in `dir` with `flags` | O_NOFOLLOW | O_CLOEXEC (mode 0644 when created).
// `what` names the file in errors (e.g. "tasks/3/raw/a.png"). kInvalidArgument for a name
// that is not a single component.
Result<UniqueFd> OpenAt(int dir, const std::string& name, int flags, const std::string& what);

// True when `name` exists in `dir` (a symlink counts as itself, not its target).
bool ExistsAt(int dir, const std::string& name);

// Renames `from` in `from_dir` to `to` in `to_dir`.
Status RenameAt(int from_dir, const std::string& from, int to_dir, const std::string& to,
                const std::string& what);

// Appends the bytes of `from` in `from_dir` to `to` in `to_dir` (created if missing).
Status AppendAt(int from_dir, const std::string& from, int to_dir, const std::string& to,
                const std::string& what);

}  // namespace ingest::server

#endif  // INGEST_SERVER_DIR_FILES_H_
