#include "manifest/line_reader.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace ingest::manifest {

Result<std::unique_ptr<LineReader>> LineReader::Open(std::string path, size_t buffer_size,
                                                     size_t max_line) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FromErrno("open " + path, errno);
  return std::unique_ptr<LineReader>(
      new LineReader(std::move(path), UniqueFd(fd), buffer_size < 16 ? 16 : buffer_size, max_line));
}

LineReader::LineReader(std::string path, UniqueFd fd, size_t buffer_size, size_t max_line)
    : path_(std::move(path)),
      fd_(std::move(fd)),
      buf_(new char[buffer_size]),
      size_(buffer_size),
      max_line_(max_line) {}

Status LineReader::TooLong() const {
  return Status::Corruption(path_ + ":" + std::to_string(line_number_ + 1) +
                            ": a line longer than " + std::to_string(max_line_) +
                            " bytes (not a manifest?)");
}

Result<size_t> LineReader::Fill() {
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf_.get() + end_, size_ - end_);
    if (n >= 0) {
      end_ += static_cast<size_t>(n);
      return static_cast<size_t>(n);
    }
    if (errno != EINTR) return FromErrno("read " + path_, errno);
  }
}

Result<bool> LineReader::Next(std::string_view* line) {
  long_line_.clear();
  bool in_long_line = false;
  for (;;) {
    const char* start = buf_.get() + begin_;
    const void* nl = std::memchr(start, '\n', end_ - begin_);
    if (nl != nullptr) {
      size_t len = static_cast<size_t>(static_cast<const char*>(nl) - start);
      if (long_line_.size() + len > max_line_) return TooLong();
      begin_ += len + 1;
      ++line_number_;
      if (in_long_line) {
        long_line_.append(start, len);
        *line = long_line_;
      } else {
        *line = std::string_view(start, len);
      }
      return true;
    }
    // No newline in the buffered bytes: keep them (at the front, or in long_line_ when the
    // buffer is full of one line) and read more.
    if (long_line_.size() + (end_ - begin_) > max_line_) return TooLong();
    if (begin_ == 0 && end_ == size_) {
      long_line_.append(buf_.get(), end_);
      in_long_line = true;
      end_ = 0;
    } else if (begin_ > 0) {
      std::memmove(buf_.get(), start, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    INGEST_ASSIGN_OR_RETURN(size_t got, Fill());
    if (got == 0) {
      if (end_ == 0 && !in_long_line) return false;
      long_line_.append(buf_.get(), end_);
      begin_ = end_ = 0;
      ++line_number_;
      *line = long_line_;
      return true;
    }
  }
}

}  // namespace ingest::manifest
