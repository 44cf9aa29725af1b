#include "upload/zip_stream.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include <isa-l/crc.h>

#include "upload/zip_records.h"

namespace ingest::upload {
namespace {

constexpr size_t kScratchSize = 256 << 10;

// ISA-L's CRC-32 (crc32_gzip_refl: carry-less multiplication over the CPU's widest vectors,
// chosen at run time): 48 GB/s against libdeflate's 12 and zlib 1.2.13's 5 on this project's
// machine (1 MiB blocks, bench/zip_bench), where the CRC bounded one stream of 1 GiB members
// (bench/RESULTS.md). Same polynomial and convention as zlib's crc32 (start at 0, chainable).
uint32_t Crc32(uint32_t crc, const char* buf, size_t len) {
  return crc32_gzip_refl(crc, reinterpret_cast<const unsigned char*>(buf), len);
}

std::string MemberLabel(const ZipMember& m) { return "zip member \"" + m.name + "\""; }

// Copies record[from, ...) into buf, at most n bytes.
size_t CopyOut(const std::string& record, uint64_t from, char* buf, size_t n) {
  const size_t len = std::min(n, record.size() - static_cast<size_t>(from));
  std::memcpy(buf, record.data() + from, len);
  return len;
}

}  // namespace

ZipStream::ZipStream(ZipLayout layout, ZipSource source)
    : layout_(std::move(layout)),
      source_(std::move(source)),
      crcs_(layout_.member_count(), 0),
      crc_known_(layout_.member_count(), false) {}

ZipStream::~ZipStream() = default;

Result<size_t> ZipStream::ReadAt(uint64_t offset, char* buf, size_t n) {
  const uint64_t total = layout_.total_size();
  size_t done = 0;
  while (done < n && offset < total) {
    INGEST_ASSIGN_OR_RETURN(const size_t got,
                            ReadPart(layout_.Locate(offset), offset, buf + done, n - done));
    done += got;
    offset += got;
  }
  return done;
}

Result<size_t> ZipStream::ReadPart(const ZipSpan& span, uint64_t offset, char* buf, size_t n) {
  const uint64_t within = offset - span.start;
  record_.clear();
  switch (span.part) {
    case ZipPart::kLocalHeader:
      AppendLocalHeader(layout_, span.index, &record_);
      break;
    case ZipPart::kData:
      return ReadData(span.index, within, buf,
                      static_cast<size_t>(std::min<uint64_t>(n, span.length - within)));
    case ZipPart::kDataDescriptor: {
      INGEST_ASSIGN_OR_RETURN(const uint32_t crc, CrcOf(span.index));
      AppendDataDescriptor(layout_, span.index, crc, &record_);
      break;
    }
    case ZipPart::kCentralEntry: {
      INGEST_ASSIGN_OR_RETURN(const uint32_t crc, CrcOf(span.index));
      AppendCentralEntry(layout_, span.index, crc, &record_);
      break;
    }
    case ZipPart::kEnd:
      AppendEndRecords(layout_, &record_);
      break;
  }
  return CopyOut(record_, within, buf, n);
}

Result<size_t> ZipStream::ReadData(size_t i, uint64_t pos, char* buf, size_t n) {
  if (open_index_ != i) INGEST_RETURN_IF_ERROR(OpenMember(i));
  // A read that skips bytes of a member whose CRC is unknown (a resume inside it): hash the
  // skipped bytes now, so the rest is hashed as it streams and the member is read once.
  if (pos > hashed_ && !LookupCrc(i)) INGEST_RETURN_IF_ERROR(HashOpenMemberUpTo(pos));
  auto got = reader_->ReadAt(pos, buf, n);
  if (!got) return got.error().WithPrefix(MemberLabel(layout_.member(i)));
  if (*got == 0) return Shrank(i, pos);
  stats_.member_bytes_read += *got;
  if (pos == hashed_) INGEST_RETURN_IF_ERROR(Hash(buf, *got));
  return *got;
}

Status ZipStream::OpenMember(size_t i) {
  reader_.reset();  // first: an archive member's reader hands its stream back on close
  open_index_ = kNone;
  auto reader = source_.open(i);
  if (!reader) return reader.error().WithPrefix(MemberLabel(layout_.member(i)));
  ++stats_.members_opened;
  reader_ = std::move(*reader);
  open_index_ = i;
  running_crc_ = 0;
  hashed_ = 0;
  return Status::Ok();
}

Status ZipStream::Hash(const char* buf, size_t len) {
  const uint64_t size = layout_.member(open_index_).size;
  if (len == 0) return Status::Ok();
  len = static_cast<size_t>(std::min<uint64_t>(len, size - hashed_));
  running_crc_ = Crc32(running_crc_, buf, len);
  hashed_ += len;
  return hashed_ == size ? Finish(open_index_, running_crc_) : Status::Ok();
}

Status ZipStream::HashOpenMemberUpTo(uint64_t end) {
  if (scratch_.empty()) scratch_.resize(kScratchSize);
  while (hashed_ < end) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(scratch_.size(), end - hashed_));
    auto got = reader_->ReadAt(hashed_, scratch_.data(), want);
    if (!got) return got.error().WithPrefix(MemberLabel(layout_.member(open_index_)));
    if (*got == 0) return Shrank(open_index_, hashed_);
    stats_.member_bytes_read += *got;
    stats_.bytes_hashed_apart += *got;
    INGEST_RETURN_IF_ERROR(Hash(scratch_.data(), *got));
  }
  return Status::Ok();
}

std::optional<uint32_t> ZipStream::LookupCrc(size_t i) {
  if (crc_known_[i]) return crcs_[i];
  if (layout_.member(i).size == 0) return 0;  // nothing to hash: never opened, never reported
  if (!source_.known_crc) return std::nullopt;
  const std::optional<uint32_t> crc = source_.known_crc(i);
  if (crc) {
    crcs_[i] = *crc;
    crc_known_[i] = true;
  }
  return crc;
}

Result<uint32_t> ZipStream::CrcOf(size_t i) {
  if (const std::optional<uint32_t> crc = LookupCrc(i)) return *crc;
  // Unknown: hash what is left of the member (all of it when it is not the open one).
  if (open_index_ != i) INGEST_RETURN_IF_ERROR(OpenMember(i));
  if (hashed_ == 0) ++stats_.crc_rereads;
  INGEST_RETURN_IF_ERROR(HashOpenMemberUpTo(layout_.member(i).size));
  return crcs_[i];
}

Status ZipStream::Finish(size_t i, uint32_t crc) {
  if (LookupCrc(i)) {
    if (crcs_[i] == crc) return Status::Ok();
    char detail[96];
    std::snprintf(detail, sizeof detail,
                  ": its CRC-32 is now %08" PRIx32 ", was %08" PRIx32 " (the file changed since)",
                  crc, crcs_[i]);
    return Status::Corruption(MemberLabel(layout_.member(i)) + detail);
  }
  crcs_[i] = crc;
  crc_known_[i] = true;
  if (source_.on_crc) source_.on_crc(i, crc);
  return Status::Ok();
}

Status ZipStream::Shrank(size_t i, uint64_t pos) const {
  const ZipMember& m = layout_.member(i);
  return Status::Corruption(MemberLabel(m) + ": ended at byte " + std::to_string(pos) +
                            " of its planned " + std::to_string(m.size) +
                            " (the file changed since the scan)");
}

}  // namespace ingest::upload
