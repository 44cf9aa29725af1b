#include "cli/run_record.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "upload/upload_run.h"

namespace ingest::cli {
namespace {

Result<std::string> ReadAll(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FromErrno(path, errno);
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = FromErrno("read " + path, errno);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (16u << 20)) {
      ::close(fd);
      return Status::Corruption(path + ": larger than a run's command can be (16 MiB)");
    }
  }
  ::close(fd);
  return out;
}

Status WriteAll(const std::string& path, const std::string& text) {
  std::string temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return FromErrno("create " + temp, errno);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = FromErrno("write " + temp, errno);
      ::close(fd);
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return FromErrno("write " + temp, errno);
  if (::rename(temp.c_str(), path.c_str()) != 0) return FromErrno("rename " + temp, errno);
  return Status();
}

}  // namespace

Status SaveRunCommand(const std::string& dir, const RunCommand& command) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("create " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  std::filesystem::remove(dir + "/done", ec);
  std::string text = command.cwd;
  text += '\0';
  for (const std::string& a : command.args) {
    text += a;
    text += '\0';
  }
  return WriteAll(dir + "/command", text);
}

Result<RunCommand> LoadRunCommand(const std::string& dir) {
  INGEST_ASSIGN_OR_RETURN(std::string text, ReadAll(dir + "/command"));
  RunCommand out;
  size_t at = 0;
  bool first = true;
  while (at < text.size()) {
    size_t end = text.find('\0', at);
    if (end == std::string::npos) {
      return Status::Corruption(dir + "/command: cut short (not written by cvat-ingest?)");
    }
    std::string part = text.substr(at, end - at);
    if (first) {
      out.cwd = std::move(part);
      first = false;
    } else {
      out.args.push_back(std::move(part));
    }
    at = end + 1;
  }
  if (out.cwd.empty() || out.args.empty()) {
    return Status::Corruption(dir + "/command: empty (not written by cvat-ingest?)");
  }
  return out;
}

Status MarkRunDone(const std::string& dir) { return WriteAll(dir + "/done", "done\n"); }

bool IsRunDone(const std::string& dir) { return ::access((dir + "/done").c_str(), F_OK) == 0; }

Result<std::string> BeginRunRecord(const std::string& journal_path,
                                   const std::vector<std::string>& args) {
  std::string run_dir = upload::RunJournalDir(journal_path);
  RunCommand record;
  std::error_code ec;
  record.cwd = std::filesystem::current_path(ec).string();
  record.args = args;
  INGEST_RETURN_IF_ERROR(SaveRunCommand(run_dir, record));
  if (::access((run_dir + "/started").c_str(), F_OK) == 0) {
    std::fprintf(stderr, "going on with the run recorded in %s\n", run_dir.c_str());
  }
  std::FILE* mark = std::fopen((run_dir + "/started").c_str(), "w");
  if (mark) std::fclose(mark);
  return run_dir;
}

bool IsRunDir(const std::string& path) {
  return ::access((path + "/command").c_str(), F_OK) == 0;
}

}  // namespace ingest::cli
