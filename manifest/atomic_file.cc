#include "manifest/atomic_file.h"

#include <cerrno>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include "engine/path_text.h"

namespace ingest::manifest {

Result<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::Open(std::string path) {
  std::string temp_path = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return FromErrno("open " + temp_path, errno);
  return std::unique_ptr<AtomicFileWriter>(
      new AtomicFileWriter(std::move(path), std::move(temp_path), UniqueFd(fd)));
}

AtomicFileWriter::AtomicFileWriter(std::string path, std::string temp_path, UniqueFd fd)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(std::move(fd)) {
  buffer_.reserve(2 * kBlockSize);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (!done_) Abandon();
}

Status AtomicFileWriter::WriteOut(size_t n) {
  size_t off = 0;
  while (off < n) {
    ssize_t w = ::write(fd_.get(), buffer_.data() + off, n - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      error_ = FromErrno("write " + temp_path_, errno);
      return error_;
    }
    off += static_cast<size_t>(w);
  }
  buffer_.erase(0, n);
  return Status();
}

Status AtomicFileWriter::Append(std::string_view bytes) {
  if (!error_.ok()) return error_;
  if (done_) return Status::Internal("append to finished " + path_);
  buffer_.append(bytes);
  return Flush();
}

Status AtomicFileWriter::Flush() {
  if (!error_.ok()) return error_;
  if (done_) return Status::Internal("write to finished " + path_);
  if (buffer_.size() < kBlockSize) return Status();
  return WriteOut(buffer_.size() / kBlockSize * kBlockSize);
}

Status AtomicFileWriter::Close() {
  if (!error_.ok()) return error_;
  if (done_) return Status::Internal("close of finished " + path_);
  INGEST_RETURN_IF_ERROR(WriteOut(buffer_.size()));
  if (::fsync(fd_.get()) != 0) return error_ = FromErrno("fsync " + temp_path_, errno);
  if (::close(fd_.release()) != 0) return error_ = FromErrno("close " + temp_path_, errno);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return error_ = FromErrno("rename " + temp_path_ + " to " + path_, errno);
  }
  done_ = true;
  // Make the rename itself durable.
  std::string dir(DirName(path_));
  if (dir.empty()) dir = ".";
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd.valid()) return FromErrno("open " + dir, errno);
  if (::fsync(dfd.get()) != 0) return FromErrno("fsync " + dir, errno);
  return Status();
}

void AtomicFileWriter::Abandon() {
  if (done_) return;
  done_ = true;
  fd_.reset();
  ::unlink(temp_path_.c_str());
}

}  // namespace ingest::manifest
