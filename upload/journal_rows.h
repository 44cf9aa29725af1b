// A journal's file rows read back. A journal is a file anyone may have written, so each row
// is checked before it is used (a batch index of 2^32-1 once made the plan's batch list
// overflow); tests/fuzz/journal_fuzz.cc feeds damaged journals through them.
#ifndef INGEST_UPLOAD_JOURNAL_ROWS_H_
#define INGEST_UPLOAD_JOURNAL_ROWS_H_

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "upload/journal.h"

namespace ingest::upload {

// The columns of table `files` that CheckFileRow and ReadFileRow read, in their order.
inline constexpr char kJournalFileColumns[] =
    "path, name, size, mtime_ns, route, batch, state, location, offset, member, ordinal, hash, "
    "hashed, id";

// What a row of kJournalFileColumns must hold before it is used (ids, batches and offsets in
// range, known routes and states), for a journal of `file_count` files. Returns "" when the
// row is sound, else what is wrong with it.
std::string CheckFileRow(sqlite3_stmt* st, uint32_t file_count);

// A checked row of kJournalFileColumns into *f (its strings keep their buffers); returns the
// file's id.
uint32_t ReadFileRow(sqlite3_stmt* st, JournalFile* f);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_JOURNAL_ROWS_H_
