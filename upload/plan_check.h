// Whether the files of a planned unit are still what the plan recorded, checked as a resume
// checks its journal's files (upload/upload_job.h): the same size; then the same mtime; when
// only the mtime moved, the same XXH3-128 (a file touched but not changed is the same; without
// a recorded hash a moved mtime counts as a change). Archive members are checked through
// their archive's recorded size and mtime.
#ifndef INGEST_UPLOAD_PLAN_CHECK_H_
#define INGEST_UPLOAD_PLAN_CHECK_H_

#include <cstdint>
#include <vector>

#include "engine/scanner.h"
#include "engine/status.h"

namespace ingest::upload {

// OK when every record of `records` is unchanged. InvalidArgument naming the changed or
// missing files (up to five, then a count) and the way out otherwise.
Status CheckPlannedFiles(const ScanResult& scan, const std::vector<uint32_t>& records);

// Sets the archive_stamp of every archive source in `sources` that has none, from a stat, so
// a plan can check its members later. IoError naming the archive when it cannot be stat'ed.
Status StampArchiveSources(std::vector<ScanSource>* sources);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_PLAN_CHECK_H_
