// ZipStream: a stored zip generated on the fly from its members, read by offset like one file
// (a FileReader), so the transfer engine can send it through TUS as it sends a file, and a
// resume at any offset regenerates exactly the bytes from that offset on.
//
// Everything but the CRC-32s is known from the ZipLayout (names and sizes). A member's CRC is
// needed twice: in its data descriptor, right after its data, and in its central entry. It
// comes from, in order: this stream's memory (it hashed the member earlier in this session),
// the caller's CRC store (`ZipSource::known_crc`: the journal keeps the CRCs of the members
// an earlier session sent), or hashing the member:
//
// - A member's data read from its first byte onwards, in order (the normal case), is hashed
//   as it is copied out (ISA-L's crc32_gzip_refl), at no extra read. When its last byte is
//   hashed the CRC is reported through `ZipSource::on_crc` (for the journal) before its
//   descriptor is read.
// - A read that starts inside member k (a resume) reads member k's bytes from there. If k's
//   CRC is neither in memory nor in the store, the skipped bytes of k [0, offset) are read
//   and hashed first, so the rest hashes as it streams: k is read once in all. Members
//   before k are never opened. A resume that starts at k's descriptor reads k whole (counted
//   in stats().crc_rereads) unless the store has its CRC.
// - A retry at a lower offset (the server confirmed less than was sent) rereads the bytes it
//   needs; back into an earlier member, that member is reopened (its CRC is known by then)
//   and the member that was streaming loses its running CRC: its skipped bytes are hashed
//   again as above when the stream comes back to it.
// - The central directory needs every member's CRC. A read that starts inside it (a resume
//   after the members were sent) takes them from memory or the store; a member whose CRC is
//   in neither is read whole again to hash it (counted in stats().crc_rereads). With the
//   journal persisting every on_crc, this happens only for a member whose CRC was computed
//   but not yet persisted when the process died.
//
// A member's CRC that is known (store or memory) and is computed again from a read of its
// bytes must agree: a mismatch means the file changed since, and the read fails (Corruption
// naming the member). A member that gives fewer bytes than its planned size fails the read
// too (the file shrank). A member that grew is read only up to its planned size: the plan's
// change check (size and mtime against the scan) must catch that before the upload.
//
// At most one member is open at a time; its reader is closed before the next is opened (an
// archive member's reader hands its archive stream back on close, upload/archive_members.h).
// Members of size 0 have CRC 0: never opened, never reported. Memory: the layout, about 4
// bytes per member for CRCs, and one 256 KiB buffer for hashing skipped bytes. Not
// thread-safe: the transfer thread owns it, and the ZipSource callbacks run on it (inside
// ReadAt; they must not call back into the stream).
#ifndef INGEST_UPLOAD_ZIP_STREAM_H_
#define INGEST_UPLOAD_ZIP_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.h"
#include "upload/file_reader.h"
#include "upload/zip_layout.h"

namespace ingest::upload {

// Where a ZipStream gets its members' bytes and CRCs.
struct ZipSource {
  // Opens member `index` (0-based, layout order). Required.
  std::function<Result<std::unique_ptr<FileReader>>(size_t index)> open;
  // The CRC-32 of member `index` if the caller knows it (the journal), else nullopt.
  // Optional: without it every CRC comes from hashing.
  std::function<std::optional<uint32_t>(size_t index)> known_crc;
  // Called once per member whose CRC this stream computed and did not get from known_crc,
  // when its last byte has been hashed: persist it to make a later resume cheap. Optional.
  std::function<void(size_t index, uint32_t crc)> on_crc;
};

// What a ZipStream read and hashed (for tests that bound a resume's re-reads, and benches).
struct ZipStreamStats {
  uint64_t members_opened = 0;      // FileReaders opened (a member reopened counts again)
  uint64_t member_bytes_read = 0;   // bytes read from members, for the stream or for hashing
  uint64_t bytes_hashed_apart = 0;  // of those, bytes read only to hash them (skipped bytes)
  uint64_t crc_rereads = 0;         // members read whole only to hash them for the directory
};

class ZipStream final : public FileReader {
 public:
  // A stream of `layout`'s zip whose members come from `source` (see ZipSource).
  ZipStream(ZipLayout layout, ZipSource source);
  ~ZipStream() override;
  ZipStream(const ZipStream&) = delete;
  ZipStream& operator=(const ZipStream&) = delete;

  // Copies up to `n` bytes of the zip at `offset` into `buf` (fewer only at the end; 0 at or
  // past total_size()). Errors name the member: a member that cannot be opened or read,
  // shrank, or whose bytes no longer match its known CRC.
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override;

  uint64_t total_size() const { return layout_.total_size(); }
  const ZipLayout& layout() const { return layout_; }
  const ZipStreamStats& stats() const { return stats_; }

 private:
  // Copies from the part `span` (which holds `offset`) into buf; returns the bytes copied.
  Result<size_t> ReadPart(const ZipSpan& span, uint64_t offset, char* buf, size_t n);
  Result<size_t> ReadData(size_t i, uint64_t pos, char* buf, size_t n);
  // Makes member i the open member, nothing of it hashed yet.
  Status OpenMember(size_t i);
  // Hashes `len` bytes of the open member that start at hashed_ (finishing it at its end).
  Status Hash(const char* buf, size_t len);
  // Reads and hashes the open member's bytes [hashed_, end).
  Status HashOpenMemberUpTo(uint64_t end);
  // Member i's CRC from memory or the store (remembered), else nullopt.
  std::optional<uint32_t> LookupCrc(size_t i);
  // Member i's CRC from memory, the store, or by hashing what is left of it.
  Result<uint32_t> CrcOf(size_t i);
  // Records member i's computed CRC (on_crc), or checks it against the known one.
  Status Finish(size_t i, uint32_t crc);
  // Corruption: member i ended at `pos`, before its planned size.
  Status Shrank(size_t i, uint64_t pos) const;

  ZipLayout layout_;
  ZipSource source_;
  ZipStreamStats stats_;
  std::vector<uint32_t> crcs_;
  std::vector<bool> crc_known_;

  // The open member: its reader, and the CRC of its bytes [0, hashed_).
  static constexpr size_t kNone = static_cast<size_t>(-1);
  size_t open_index_ = kNone;
  std::unique_ptr<FileReader> reader_;
  uint32_t running_crc_ = 0;
  uint64_t hashed_ = 0;

  std::string record_;         // the encoded record being copied out
  std::vector<char> scratch_;  // for hashing skipped bytes
};

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_ZIP_STREAM_H_
