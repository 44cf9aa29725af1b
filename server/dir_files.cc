#include "server/dir_files.h"

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ingest::server {
namespace {

constexpr size_t kCopyBuffer = 1 << 20;

Status NotAComponent(const std::string& what) {
  return Status::InvalidArgument(what + ": not a plain file name");
}

}  // namespace

bool IsSingleComponent(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  return name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

Result<UniqueFd> MakeAndOpenDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return FromErrno("mkdir " + path, errno);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return FromErrno("open " + path, errno);
  return fd;
}

Result<UniqueFd> OpenAt(int dir, const std::string& name, int flags, const std::string& what) {
  if (!IsSingleComponent(name)) return NotAComponent(what);
  UniqueFd fd(::openat(dir, name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) return FromErrno("open " + what, errno);
  return fd;
}

bool ExistsAt(int dir, const std::string& name) {
  if (!IsSingleComponent(name)) return false;
  struct stat st;
  return ::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

Status RenameAt(int from_dir, const std::string& from, int to_dir, const std::string& to,
                const std::string& what) {
  if (!IsSingleComponent(from) || !IsSingleComponent(to)) return NotAComponent(what);
  if (::renameat(from_dir, from.c_str(), to_dir, to.c_str()) != 0) {
    return FromErrno("rename " + what, errno);
  }
  return Status::Ok();
}

Status AppendAt(int from_dir, const std::string& from, int to_dir, const std::string& to,
                const std::string& what) {
  INGEST_ASSIGN_OR_RETURN(UniqueFd in, OpenAt(from_dir, from, O_RDONLY, what));
  INGEST_ASSIGN_OR_RETURN(UniqueFd out, OpenAt(to_dir, to, O_WRONLY | O_CREAT | O_APPEND, what));
  std::string buf(kCopyBuffer, '\0');
  for (;;) {
    ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FromErrno("read " + what, errno);
    if (n == 0) return Status::Ok();
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out.get(), buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return FromErrno("write " + what, errno);
      done += w;
    }
  }
}

}  // namespace ingest::server
