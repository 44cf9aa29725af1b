#include "engine/dir_walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "engine/c_handle.h"
#include "engine/file_record.h"
#include "engine/unique_fd.h"

namespace ingest {
namespace {

using DirPtr = std::unique_ptr<DIR, CDeleter<&closedir>>;

std::string Join(const std::string& dir, const char* name) {
  return dir.empty() ? std::string(name) : dir + "/" + name;
}

}  // namespace

Status WalkDirectory(const std::string& root, const WalkOptions& options, WalkVisitor& visitor) {
  UniqueFd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid()) return FromErrno("open directory " + root, errno);
  struct stat root_st;
  if (::fstat(root_fd.get(), &root_st) != 0) return FromErrno("stat " + root, errno);

  // Directories already entered, to break symlink loops when following directory links.
  std::set<std::pair<uint64_t, uint64_t>> seen_dirs;
  seen_dirs.emplace(root_st.st_dev, root_st.st_ino);

  // Directories to list, relative to root. Symlinked directories (when followed) wait in
  // `linked` until every real directory has been listed, so a tree reachable both directly
  // and through a link is listed under its real path, whatever the listing order.
  struct Pending {
    std::string rel;
    bool via_link;
  };
  std::vector<Pending> pending = {{"", false}};
  std::vector<Pending> linked;
  std::vector<std::string> names;
  while (!pending.empty() || !linked.empty()) {
    if (options.cancel && options.cancel->load(std::memory_order_relaxed)) {
      return Status::Cancelled("walk of " + root + " interrupted");
    }
    if (pending.empty()) {
      std::reverse(linked.begin(), linked.end());
      pending.swap(linked);
    }
    std::string dir = std::move(pending.back().rel);
    bool via_link = pending.back().via_link;
    pending.pop_back();

    int fd = dir.empty() ? ::dup(root_fd.get())
                         : ::openat(root_fd.get(), dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      visitor.OnProblem(dir, FromErrno("open directory " + root + "/" + dir, errno));
      continue;
    }
    if (via_link) {
      struct stat st;
      if (::fstat(fd, &st) != 0 || !seen_dirs.emplace(st.st_dev, st.st_ino).second) {
        ::close(fd);
        visitor.OnProblem(dir, Status::IoError(root + "/" + dir +
                                               ": symbolic link to a directory already listed "
                                               "(a loop or an alias), not followed"));
        continue;
      }
    }
    DirPtr d(::fdopendir(fd));
    if (!d) {
      int err = errno;
      ::close(fd);
      visitor.OnProblem(dir, FromErrno("list directory " + root + "/" + dir, err));
      continue;
    }
    // Names first, sorted, so the walk (and what it reports) does not depend on the order
    // the file system lists entries in.
    names.clear();
    for (;;) {
      errno = 0;
      struct dirent* de = ::readdir(d.get());
      if (de == nullptr) {
        if (errno != 0) {
          visitor.OnProblem(dir, FromErrno("list directory " + root + "/" + dir, errno));
        }
        break;
      }
      const char* name = de->d_name;
      if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
      names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());
    std::vector<Pending> subdirs;
    for (const std::string& name : names) {
      std::string rel = Join(dir, name.c_str());
      struct stat st;
      if (::fstatat(::dirfd(d.get()), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        visitor.OnProblem(rel, FromErrno("stat " + root + "/" + rel, errno));
        continue;
      }
      bool is_link = S_ISLNK(st.st_mode);
      if (is_link) {
        if (::fstatat(::dirfd(d.get()), name.c_str(), &st, 0) != 0) {
          int err = errno;
          visitor.OnProblem(rel, err == ELOOP
                                     ? Status::IoError(root + "/" + rel + ": symbolic link loop")
                                     : FromErrno("broken symbolic link " + root + "/" + rel, err));
          continue;
        }
      }
      if (S_ISDIR(st.st_mode)) {
        if (is_link) {
          if (options.follow_dir_symlinks) linked.push_back({std::move(rel), true});
          continue;  // as os.walk: not descended unless asked
        }
        if (!seen_dirs.emplace(st.st_dev, st.st_ino).second) continue;  // bind mount twice
        subdirs.push_back({std::move(rel), false});
      } else if (S_ISREG(st.st_mode)) {
        visitor.OnFile(WalkEntry{std::move(rel), static_cast<uint64_t>(st.st_size), MtimeNs(st),
                                 static_cast<uint64_t>(st.st_ino),
                                 static_cast<uint64_t>(st.st_dev)});
      } else {
        visitor.OnProblem(rel, Status::Unsupported(root + "/" + rel +
                                                   ": not a regular file (device, FIFO or socket)"));
      }
    }
    // Depth-first, in name order.
    for (auto it = subdirs.rbegin(); it != subdirs.rend(); ++it) pending.push_back(std::move(*it));
  }
  return Status();
}

}  // namespace ingest
