#include "upload/archive_members.h"

#include <algorithm>
#include <array>

namespace ingest::upload {
namespace {

// Idle streams kept per archive: enough for the batch stream plus the TUS uploads in flight.
constexpr size_t kMaxIdleStreams = 8;

class MemberReader final : public FileReader {
 public:
  MemberReader(ArchiveMembers* owner, ArchiveMembers::Stream stream, uint64_t ordinal,
               std::string member_path)
      : owner_(owner), stream_(std::move(stream)), ordinal_(ordinal),
        member_(std::move(member_path)) {}
  ~MemberReader() override {
    if (stream_.reader) owner_->Release(std::move(stream_));
  }

  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    if (offset < pos_) {  // back to the member's start: the stream cannot go backwards
      stream_.reader.reset();
      INGEST_ASSIGN_OR_RETURN(stream_, owner_->Seek(ordinal_, member_));
      pos_ = 0;
    }
    while (pos_ < offset) {  // forward: read and drop
      std::array<char, 64 * 1024> skip;
      size_t want = static_cast<size_t>(std::min<uint64_t>(skip.size(), offset - pos_));
      INGEST_ASSIGN_OR_RETURN(size_t got, Read(skip.data(), want));
      if (got == 0) return size_t{0};
    }
    return Read(buf, n);
  }

 private:
  Result<size_t> Read(char* buf, size_t n) {
    Result<size_t> got = stream_.reader->Read(buf, n);
    if (!got) return got.error().WithPrefix(owner_->path() + ":" + member_);
    pos_ += *got;
    return *got;
  }

  ArchiveMembers* owner_;
  ArchiveMembers::Stream stream_;
  uint64_t ordinal_;
  std::string member_;
  uint64_t pos_ = 0;
};

}  // namespace

ArchiveMembers::~ArchiveMembers() = default;

void ArchiveMembers::Release(Stream stream) {
  if (idle_.size() >= kMaxIdleStreams) {
    // Keep the streams furthest along: members are asked for in archive order.
    auto least = std::min_element(idle_.begin(), idle_.end(), [](const Stream& a, const Stream& b) {
      return a.next_ordinal < b.next_ordinal;
    });
    if (least->next_ordinal >= stream.next_ordinal) return;
    *least = std::move(stream);
    return;
  }
  idle_.push_back(std::move(stream));
}

Result<ArchiveMembers::Stream> ArchiveMembers::Seek(uint64_t ordinal,
                                                    const std::string& member_path) {
  // The idle stream furthest along that has not passed the member.
  auto best = idle_.end();
  for (auto it = idle_.begin(); it != idle_.end(); ++it) {
    if (it->next_ordinal <= ordinal &&
        (best == idle_.end() || it->next_ordinal > best->next_ordinal)) {
      best = it;
    }
  }
  Stream s;
  if (best != idle_.end()) {
    s = std::move(*best);
    idle_.erase(best);
  } else {
    INGEST_ASSIGN_OR_RETURN(s.reader, ArchiveReader::Open(path_));
    ++opens_;
  }
  ArchiveMember m;
  while (s.next_ordinal <= ordinal) {
    INGEST_ASSIGN_OR_RETURN(bool more, s.reader->Next(&m));
    if (!more) {
      return Status::Corruption(path_ + ": member '" + member_path +
                                "' is no longer in the archive (it has " +
                                std::to_string(s.next_ordinal) +
                                " files now): the archive changed since it was scanned");
    }
    ++s.next_ordinal;
  }
  if (m.path != member_path) {
    return Status::Corruption(path_ + ": file " + std::to_string(ordinal) + " is now '" + m.path +
                              "', not '" + member_path +
                              "': the archive changed since it was scanned");
  }
  if (!m.problem.ok()) return m.problem;
  return s;
}

Result<std::unique_ptr<FileReader>> ArchiveMembers::Open(uint64_t ordinal,
                                                         const std::string& member_path) {
  INGEST_ASSIGN_OR_RETURN(Stream s, Seek(ordinal, member_path));
  return std::unique_ptr<FileReader>(
      std::make_unique<MemberReader>(this, std::move(s), ordinal, member_path));
}

}  // namespace ingest::upload
