#include "upload/zip_records.h"

#include <algorithm>

#include "engine/check.h"

namespace ingest::upload {
namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034B50;
constexpr uint32_t kDescriptorSig = 0x08074B50;
constexpr uint32_t kCentralSig = 0x02014B50;
constexpr uint32_t kZip64EndSig = 0x06064B50;
constexpr uint32_t kZip64LocatorSig = 0x07064B50;
constexpr uint32_t kEndSig = 0x06054B50;

constexpr uint16_t kMadeBy = 0x032D;  // Unix, APPNOTE 4.5
constexpr uint16_t kNeeded = 20;      // data descriptors
constexpr uint16_t kNeededZip64 = 45;
constexpr uint16_t kFlags = (1u << 3) | (1u << 11);
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kDosTime = 0;                           // 00:00:00
constexpr uint16_t kDosDate = (0u << 9) | (1u << 5) | 1u;  // 1980-01-01
constexpr uint32_t kUnixFile0644 = 0100644u << 16;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint32_t kMax32 = 0xFFFFFFFFu;
constexpr uint16_t kMax16 = 0xFFFFu;

void Put16(uint16_t v, std::string* out) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}
void Put32(uint32_t v, std::string* out) {
  for (int s = 0; s < 32; s += 8) out->push_back(static_cast<char>((v >> s) & 0xFF));
}
void Put64(uint64_t v, std::string* out) {
  for (int s = 0; s < 64; s += 8) out->push_back(static_cast<char>((v >> s) & 0xFF));
}
// A 32-bit field: the value, or 0xFFFFFFFF when it is in the ZIP64 extra field instead.
uint32_t Field32(uint64_t v) { return static_cast<uint32_t>(std::min<uint64_t>(v, kMax32)); }

uint16_t Needed(const ZipLayout& layout, size_t i) {
  return layout.member_zip64_sizes(i) || layout.member_zip64_offset(i) ? kNeededZip64 : kNeeded;
}

// The fields that version, flags, method, time and date share in both headers.
void PutCommon(const ZipLayout& layout, size_t i, std::string* out) {
  Put16(Needed(layout, i), out);
  Put16(kFlags, out);
  Put16(kMethodStored, out);
  Put16(kDosTime, out);
  Put16(kDosDate, out);
}

}  // namespace

void AppendLocalHeader(const ZipLayout& layout, size_t i, std::string* out) {
  const size_t before = out->size();
  const ZipMember& m = layout.member(i);
  const bool z64 = layout.member_zip64_sizes(i);
  Put32(kLocalHeaderSig, out);
  PutCommon(layout, i, out);
  Put32(0, out);                 // CRC-32: in the descriptor
  Put32(z64 ? kMax32 : 0, out);  // compressed size: likewise
  Put32(z64 ? kMax32 : 0, out);  // uncompressed size
  Put16(static_cast<uint16_t>(m.name.size()), out);
  Put16(z64 ? 20 : 0, out);
  out->append(m.name);
  if (z64) {
    Put16(kZip64ExtraId, out);
    Put16(16, out);
    Put64(0, out);  // uncompressed size: in the descriptor
    Put64(0, out);  // compressed size
  }
  INGEST_CHECK(out->size() - before == layout.LocalHeaderSize(i));
}

void AppendDataDescriptor(const ZipLayout& layout, size_t i, uint32_t crc, std::string* out) {
  const uint64_t size = layout.member(i).size;
  Put32(kDescriptorSig, out);
  Put32(crc, out);
  if (layout.member_zip64_sizes(i)) {
    Put64(size, out);
    Put64(size, out);
  } else {
    Put32(static_cast<uint32_t>(size), out);
    Put32(static_cast<uint32_t>(size), out);
  }
}

void AppendCentralEntry(const ZipLayout& layout, size_t i, uint32_t crc, std::string* out) {
  const size_t before = out->size();
  const ZipMember& m = layout.member(i);
  const uint64_t offset = layout.local_header_offset(i);
  const bool z64_sizes = layout.member_zip64_sizes(i);
  const bool z64_offset = layout.member_zip64_offset(i);
  const uint16_t extra = (z64_sizes ? 16 : 0) + (z64_offset ? 8 : 0);
  Put32(kCentralSig, out);
  Put16(kMadeBy, out);
  PutCommon(layout, i, out);
  Put32(crc, out);
  Put32(Field32(m.size), out);  // compressed size (stored: the same)
  Put32(Field32(m.size), out);  // uncompressed size
  Put16(static_cast<uint16_t>(m.name.size()), out);
  Put16(extra > 0 ? extra + 4 : 0, out);
  Put16(0, out);  // comment length
  Put16(0, out);  // disk number start
  Put16(0, out);  // internal attributes
  Put32(kUnixFile0644, out);
  Put32(Field32(offset), out);
  out->append(m.name);
  if (extra > 0) {
    // APPNOTE 4.5.3: only the fields whose 32-bit value is 0xFFFFFFFF, in this order.
    Put16(kZip64ExtraId, out);
    Put16(extra, out);
    if (z64_sizes) {
      Put64(m.size, out);  // uncompressed
      Put64(m.size, out);  // compressed
    }
    if (z64_offset) Put64(offset, out);
  }
  INGEST_CHECK(out->size() - before == layout.CentralEntrySize(i));
}

void AppendEndRecords(const ZipLayout& layout, std::string* out) {
  const uint64_t count = layout.member_count();
  const uint64_t cd_size = layout.central_directory_size();
  const uint64_t cd_offset = layout.central_directory_offset();
  if (layout.zip64_end()) {
    const uint64_t record_offset = cd_offset + cd_size;
    Put32(kZip64EndSig, out);
    Put64(44, out);  // the record's size after this field
    Put16(kMadeBy, out);
    Put16(kNeededZip64, out);
    Put32(0, out);  // this disk
    Put32(0, out);  // the central directory's disk
    Put64(count, out);
    Put64(count, out);
    Put64(cd_size, out);
    Put64(cd_offset, out);
    Put32(kZip64LocatorSig, out);
    Put32(0, out);  // the ZIP64 end record's disk
    Put64(record_offset, out);
    Put32(1, out);  // total disks
  }
  const uint16_t count16 = static_cast<uint16_t>(std::min<uint64_t>(count, kMax16));
  Put32(kEndSig, out);
  Put16(0, out);  // this disk
  Put16(0, out);  // the central directory's disk
  Put16(count16, out);
  Put16(count16, out);
  Put32(Field32(cd_size), out);
  Put32(Field32(cd_offset), out);
  Put16(0, out);  // comment length
}

}  // namespace ingest::upload
