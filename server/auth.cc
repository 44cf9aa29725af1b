#include "server/auth.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "engine/unique_fd.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

const User* Authenticator::Check(std::string_view authorization) const {
  std::string_view key;
  if (authorization.starts_with("Token ")) {
    key = Trim(authorization.substr(6));
  } else if (authorization.starts_with("Bearer ")) {
    key = Trim(authorization.substr(7));
  } else {
    return nullptr;
  }
  if (key.empty()) return nullptr;
  const User* found = nullptr;
  for (const User& u : users_) {
    if (ConstantTimeEquals(u.token, key)) found = &u;
  }
  return found;
}

const User* Authenticator::Login(std::string_view username, std::string_view password) const {
  for (const User& u : users_) {
    if (u.name == username && !u.password.empty() && ConstantTimeEquals(u.password, password)) {
      return &u;
    }
  }
  return nullptr;
}

namespace {

// The token file must be this user's own, readable by nobody else: a token another user can
// read lets them upload as this one; one they can write lets them choose it.
Status CheckTokenFile(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return FromErrno("stat " + path, errno);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + ": not a regular file");
  if (st.st_uid != ::geteuid()) {
    return Status::InvalidArgument(path + ": owned by uid " + std::to_string(st.st_uid) +
                                   ", not by this user (uid " + std::to_string(::geteuid()) +
                                   "); refusing a token another user controls");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument(path + ": mode " + mode +
                                   " lets other users read or change the token; run "
                                   "chmod 0600 on it (or remove it to get a new one)");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> LoadOrCreateToken(const std::string& path) {
  {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.valid()) {
      INGEST_RETURN_IF_ERROR(CheckTokenFile(fd.get(), path));
      char buf[512];
      ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n < 0) return FromErrno("read " + path, errno);
      std::string_view text(buf, static_cast<size_t>(n));
      text = Trim(text.substr(0, text.find('\n')));
      if (!text.empty()) return std::string(text);
    } else if (errno != ENOENT) {
      return FromErrno("open " + path, errno);
    }
  }
  std::string token = RandomHex(20);
  std::string tmp = path + ".tmp";
  // A stale temp file (or a symlink planted there) is removed, not followed; O_EXCL then
  // fails if another one appears meanwhile.
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) return FromErrno("unlink " + tmp, errno);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return FromErrno("open " + tmp, errno);
  ::fchmod(fd.get(), 0600);
  std::string line = token + "\n";
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    return FromErrno("write " + tmp, errno);
  }
  if (::fsync(fd.get()) != 0) return FromErrno("fsync " + tmp, errno);
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return FromErrno("rename " + path, errno);
  return token;
}

}  // namespace ingest::server
