#include "server/upload_names.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "server/python_text.h"

namespace ingest::server {

TusNameVerdict CheckTusName(int raw_dir, const std::string& raw_path, const std::string& name) {
  // Path.resolve() raises on an embedded NUL.
  if (name.find('\0') != std::string::npos) return TusNameVerdict::kServerError;
  std::string joined = !name.empty() && name.front() == '/' ? name : raw_path + "/" + name;
  std::string resolved = PythonNormPath(joined);
  bool inside = resolved == raw_path ||
                (resolved.size() > raw_path.size() && resolved.starts_with(raw_path) &&
                 resolved[raw_path.size()] == '/');
  if (!inside) return TusNameVerdict::kNotAllowed;
  std::string rel = PathlibRelative(name);
  if (rel.empty()) return TusNameVerdict::kExists;  // the upload directory itself
  struct stat st;
  if (::fstatat(raw_dir, rel.c_str(), &st, 0) == 0) return TusNameVerdict::kExists;
  // pathlib's exists() swallows only these; anything else propagates (500).
  if (errno == ENOENT || errno == ENOTDIR || errno == EBADF || errno == ELOOP) {
    return TusNameVerdict::kOk;
  }
  return TusNameVerdict::kServerError;
}

bool IsClientFileKey(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find('\0') != std::string_view::npos) {
    return false;
  }
  size_t start = 0;
  for (;;) {
    size_t end = name.find('/', start);
    std::string_view comp = name.substr(start, end == std::string_view::npos ? end : end - start);
    if (comp.empty() || comp == "." || comp == "..") return false;
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

std::optional<std::string> ClientFileKey(std::string_view name) {
  std::string key = PythonNormPath(name);
  if (!IsClientFileKey(key)) return std::nullopt;
  return key;
}

std::string CompletedUploadName(std::string_view name) { return PathlibRelative(name); }

bool IsStorableUploadName(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find('\0') != std::string_view::npos) {
    return false;
  }
  std::string norm = PythonNormPath(name);
  return norm != ".." && !norm.starts_with("../");
}

}  // namespace ingest::server
