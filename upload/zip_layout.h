// ZipLayout: where every byte of a stored (uncompressed) zip goes, computed from the members'
// names and sizes alone, before any member is read (TUS needs `Upload-Length` first).
//
// The zip is a pure function of the ordered (name, size, content) list: no timestamps (every
// member carries the fixed DOS date 1980-01-01 00:00), no comments, fixed attributes (a Unix
// regular file, mode 0644). It reads, in order:
//
//   for each member i:  local header | data (size bytes) | data descriptor
//   central directory:  one entry per member
//   [ZIP64 end of central directory record + locator]   when the count or the directory need it
//   end of central directory record
//
// Each member sets flag bit 3 (CRC and sizes follow the data in a descriptor, so a header can
// be sent before the data is hashed) and bit 11 (the name is UTF-8). ZIP64 is used exactly
// where APPNOTE 4.3.9 / 4.5.3 need it: a member of 0xFFFFFFFF bytes or more has a ZIP64 extra
// field in its local header (and so a descriptor with 8-byte sizes) and its sizes in its
// central entry's ZIP64 extra field; a local header at or past offset 0xFFFFFFFF has its
// offset there too; the ZIP64 end records are written when the member count reaches 0xFFFF or
// the central directory's size or offset reaches 0xFFFFFFFF. records in upload/zip_records.h.
//
// Memory: two 64-bit offsets per member plus the names.
#ifndef INGEST_UPLOAD_ZIP_LAYOUT_H_
#define INGEST_UPLOAD_ZIP_LAYOUT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace ingest::upload {

// One file inside the zip.
struct ZipMember {
  std::string name;   // relative path inside the zip: UTF-8, '/'-separated, e.g. "cam1/0001.jpg"
  uint64_t size = 0;  // exact number of bytes the member's reader will give
};

// The parts of the zip, in stream order.
enum class ZipPart : unsigned char {
  kLocalHeader,     // member `index`'s local file header (and name, ZIP64 extra)
  kData,            // member `index`'s bytes
  kDataDescriptor,  // member `index`'s CRC-32 and sizes
  kCentralEntry,    // member `index`'s central directory entry
  kEnd,             // the end records (ZIP64 end record and locator when used, then EOCD)
};

// A part located by ZipLayout::Locate.
struct ZipSpan {
  ZipPart part = ZipPart::kEnd;
  size_t index = 0;    // the member (unused for kEnd)
  uint64_t start = 0;  // the part's first byte in the zip
  uint64_t length = 0;
};

class ZipLayout {
 public:
  // Checks the members and lays them out. Refusals (InvalidArgument, naming the member):
  // a name that is empty, not valid UTF-8, longer than 65,535 bytes, absolute ("/x"), with a
  // backslash or NUL, with an empty, "." or ".." component (so nothing extracts outside the
  // target folder), or used twice. With `max_total` > 0, a zip longer than `max_total` bytes
  // (the server's Tus-Max-Size) is refused too, with a --split-every suggestion.
  static Result<ZipLayout> Plan(std::vector<ZipMember> members, uint64_t max_total = 0);

  // The exact length of the zip in bytes.
  uint64_t total_size() const { return end_offset_ + EndRecordsSize(); }
  size_t member_count() const { return members_.size(); }
  const ZipMember& member(size_t i) const { return members_[i]; }
  const std::vector<ZipMember>& members() const { return members_; }

  // Offsets in the zip. REQUIRES: i < member_count().
  uint64_t local_header_offset(size_t i) const { return local_offsets_[i]; }
  uint64_t data_offset(size_t i) const { return local_offsets_[i] + LocalHeaderSize(i); }
  uint64_t central_directory_offset() const { return local_offsets_.back(); }
  uint64_t central_directory_size() const { return end_offset_ - central_directory_offset(); }

  // Whether the ZIP64 end records are written.
  bool zip64_end() const;
  // Whether member i's sizes need ZIP64 (its local header has the ZIP64 extra field and its
  // descriptor 8-byte sizes).
  bool member_zip64_sizes(size_t i) const { return members_[i].size >= 0xFFFFFFFFull; }
  // Whether member i's local header offset needs ZIP64 (in its central entry).
  bool member_zip64_offset(size_t i) const { return local_offsets_[i] >= 0xFFFFFFFFull; }

  // The part that holds byte `offset`. REQUIRES: offset < total_size().
  ZipSpan Locate(uint64_t offset) const;

  // Sizes of the parts, as the records in zip_records.h encode them.
  uint64_t LocalHeaderSize(size_t i) const;
  uint64_t DataDescriptorSize(size_t i) const { return member_zip64_sizes(i) ? 24 : 16; }
  uint64_t CentralEntrySize(size_t i) const;
  uint64_t EndRecordsSize() const { return zip64_end() ? 56 + 20 + 22 : 22; }

 private:
  ZipLayout() = default;
  void ComputeOffsets();

  std::vector<ZipMember> members_;
  // local_offsets_[i]: member i's local header; local_offsets_[n]: the central directory.
  std::vector<uint64_t> local_offsets_;
  // central_offsets_[i]: member i's central entry; end_offset_: the end records.
  std::vector<uint64_t> central_offsets_;
  uint64_t end_offset_ = 0;
};

// Why `name` cannot be a member name (see ZipLayout::Plan), or "" when it can.
std::string ZipNameProblem(std::string_view name);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_ZIP_LAYOUT_H_
