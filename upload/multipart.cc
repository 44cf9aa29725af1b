#include "upload/multipart.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ingest::upload {

std::string QuoteFilename(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\r' || c == '\n') {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

MultipartBody::MultipartBody(std::vector<MultipartFile> files, int image_quality,
                             std::function<Result<std::unique_ptr<FileReader>>(size_t)> open)
    : files_(std::move(files)), image_quality_(image_quality), open_(std::move(open)) {
  // A boundary that cannot occur by chance in the data (RFC 2046 allows 70 characters).
  static uint64_t counter = 0;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "cvat-ingest-%016llx%08x",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(this) ^ ++counter),
                static_cast<unsigned>(::getpid()));
  boundary_ = buf;
  for (size_t i = 0; i < files_.size(); ++i) length_ += PartHeader(i).size() + files_[i].size + 2;
  length_ += Trailer().size();
  Rewind();
}

std::string MultipartBody::PartHeader(size_t i) const {
  return "--" + boundary_ + "\r\nContent-Disposition: form-data; name=\"client_files[" +
         std::to_string(i) + "]\"; filename=" + QuoteFilename(files_[i].name) +
         "\r\nContent-Type: application/octet-stream\r\n\r\n";
}

std::string MultipartBody::Trailer() const {
  return "--" + boundary_ + "\r\nContent-Disposition: form-data; name=\"image_quality\"\r\n\r\n" +
         std::to_string(image_quality_) + "\r\n--" + boundary_ + "--\r\n";
}

void MultipartBody::Rewind() {
  part_ = 0;
  file_bytes_ = 0;
  file_.reset();
  in_file_ = false;
  file_pos_ = 0;
  done_ = false;
  text_ = files_.empty() ? Trailer() : PartHeader(0);
  text_pos_ = 0;
}

Result<size_t> MultipartBody::ReadFile(char* buf, size_t n) {
  const MultipartFile& f = files_[part_];
  if (!file_) {
    INGEST_ASSIGN_OR_RETURN(file_, open_(part_));
  }
  uint64_t left = f.size - file_pos_;
  size_t want = static_cast<size_t>(std::min<uint64_t>(n, left));
  {
    INGEST_ASSIGN_OR_RETURN(size_t r, file_->ReadAt(file_pos_, buf, want));
    if (r == 0 && want > 0) {
      return Status::IoError(f.name + ": shorter than when it was scanned (" +
                             std::to_string(file_pos_) + " of " + std::to_string(f.size) +
                             " bytes); it changed since, scan again");
    }
    file_pos_ += r;
    file_bytes_ += r;
    return r;
  }
}

Result<size_t> MultipartBody::Read(char* buf, size_t n) {
  size_t done = 0;
  while (done < n && !done_) {
    if (!in_file_) {
      size_t part = std::min(n - done, text_.size() - text_pos_);
      std::memcpy(buf + done, text_.data() + text_pos_, part);
      text_pos_ += part;
      done += part;
      if (text_pos_ < text_.size()) break;
      if (part_ >= files_.size()) {
        done_ = true;  // the trailer went out
        break;
      }
      in_file_ = true;
      file_pos_ = 0;
      continue;
    }
    if (file_pos_ < files_[part_].size) {
      INGEST_ASSIGN_OR_RETURN(size_t got, ReadFile(buf + done, n - done));
      done += got;
      continue;
    }
    // The file is complete: it must end where the scan said.
    char extra;
    size_t r = 0;
    if (file_) {
      INGEST_ASSIGN_OR_RETURN(r, file_->ReadAt(file_pos_, &extra, 1));
    }
    if (r > 0) {
      return Status::IoError(files_[part_].name + ": longer than when it was scanned; it "
                             "changed since, scan again");
    }
    file_.reset();
    in_file_ = false;
    ++part_;
    text_ = "\r\n" + (part_ < files_.size() ? PartHeader(part_) : Trailer());
    text_pos_ = 0;
  }
  return done;
}

}  // namespace ingest::upload
