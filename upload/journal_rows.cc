#include "upload/journal_rows.h"

#include <string>

namespace ingest::upload {

std::string CheckFileRow(sqlite3_stmt* st, uint32_t file_count) {
  auto num = [st](int col) { return sqlite3_column_int64(st, col); };
  int64_t id = num(13), size = num(2), batch = num(5), offset = num(8), hashed = num(12);
  if (id < 0 || id >= file_count) return "file id " + std::to_string(id) + " out of range";
  std::string row = "file " + std::to_string(id) + ": ";
  if (size < 0) return row + "negative size";
  if (num(4) != 0 && num(4) != 1) return row + "unknown route " + std::to_string(num(4));
  // A plan has at most one batch per file.
  if (batch < 0 || batch >= file_count)
    return row + "batch " + std::to_string(batch) + " out of range";
  if (num(6) < 0 || num(6) > 3) return row + "unknown state " + std::to_string(num(6));
  if (offset < 0 || offset > size)
    return row + "offset " + std::to_string(offset) + " out of range";
  if (hashed < 0 || hashed > size)
    return row + "hashed " + std::to_string(hashed) + " out of range";
  if (num(10) < 0) return row + "negative member ordinal";
  return "";
}

uint32_t ReadFileRow(sqlite3_stmt* st, JournalFile* f) {
  auto text = [st](int col, std::string* out) {
    const unsigned char* t = sqlite3_column_text(st, col);
    out->assign(t ? reinterpret_cast<const char*>(t) : "",
                static_cast<size_t>(sqlite3_column_bytes(st, col)));
  };
  auto num = [st](int col) { return sqlite3_column_int64(st, col); };
  text(0, &f->path);
  text(1, &f->name);
  f->size = static_cast<uint64_t>(num(2));
  f->mtime_ns = num(3);
  f->route = static_cast<Route>(num(4));
  f->batch = static_cast<uint32_t>(num(5));
  f->state = static_cast<JournalFileState>(num(6));
  text(7, &f->location);
  f->offset = static_cast<uint64_t>(num(8));
  text(9, &f->member);
  f->ordinal = static_cast<uint64_t>(num(10));
  text(11, &f->hash);
  f->hashed = static_cast<uint64_t>(num(12));
  return static_cast<uint32_t>(num(13));
}

}  // namespace ingest::upload
