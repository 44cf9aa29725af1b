#include "upload/file_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "engine/unique_fd.h"

namespace ingest::upload {
namespace {

class PlainFileReader final : public FileReader {
 public:
  PlainFileReader(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    for (;;) {
      ssize_t r = ::pread(fd_.get(), buf, n, static_cast<off_t>(offset));
      if (r >= 0) return static_cast<size_t>(r);
      if (errno != EINTR) return FromErrno("read " + path_, errno);
    }
  }

 private:
  std::string path_;
  UniqueFd fd_;
};

}  // namespace

Result<std::unique_ptr<FileReader>> OpenFileReader(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return FromErrno("open " + path, errno);
  return std::unique_ptr<FileReader>(std::make_unique<PlainFileReader>(path, std::move(fd)));
}

}  // namespace ingest::upload
