#include "upload/file_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "engine/file_record.h"
#include "engine/hasher.h"
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

Result<std::string> HashPrefix(FileReader& reader, uint64_t n, std::vector<char>* buf) {
  Hasher hasher;
  if (buf->empty()) buf->resize(1 << 20);
  for (uint64_t at = 0; at < n;) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf->size(), n - at));
    INGEST_ASSIGN_OR_RETURN(size_t got, reader.ReadAt(at, buf->data(), want));
    if (got == 0) return std::string();  // shorter now: not the same
    hasher.Update(buf->data(), got);
    at += got;
  }
  return ToHex(hasher.Digest());
}

}  // namespace ingest::upload
