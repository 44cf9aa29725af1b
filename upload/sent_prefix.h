// The journal's hash of what the server holds of a half-sent TUS upload, recorded when a run
// stops (Ctrl-C, a failed file or task) rather than while it sends.
//
// A resume checks a file whose modification time moved against that hash: a file touched but
// not changed goes on from where it stopped (upload/resume_job.cc, CheckSource). Hashing
// every byte as it went out cost the transfer thread about 7% of a 5 x 1 GiB upload; a stop
// reads the sent parts once more instead (from the page cache, as a rule: they were just
// sent). What a stop cannot do, after SIGKILL or a power loss, leaves no hash: a half-sent
// file whose time then moved counts as changed (refused, or with --allow-changed sent again
// whole), which errs on the safe side.
#ifndef INGEST_UPLOAD_SENT_PREFIX_H_
#define INGEST_UPLOAD_SENT_PREFIX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "upload/journal.h"
#include "upload/transfer_engine.h"

namespace ingest::upload {

// What a stop reads at most, over all of a task's half-sent files (about half a second from
// the page cache: a Ctrl-C of 5 x 1 GiB hashed 2.9 GiB in 0.35 s; seconds from a disk): a
// Ctrl-C must not turn into minutes of reading.
constexpr uint64_t kSentPrefixBudget = 4ull << 30;

struct SentPrefixReport {
  uint32_t hashed = 0;        // half-sent files whose sent part the journal now has a hash of
  std::vector<uint32_t> over_budget;  // left without one: their parts did not fit the budget
  uint64_t over_budget_bytes = 0;
  std::vector<Status> errors;  // files that could not be read (each named), left without one
};

// Hashes the bytes [0, offset) of each of `parts` (files of the journal's plan, in plan
// order) and records them in `journal`, when the file (for an archive member, its archive)
// still has the size and modification time the journal planned, before and after the read:
// the hash must be of the bytes that were sent. Files whose journal row already has a hash
// of the whole file, and the generated zip (a resume regenerates it from its members), are
// passed over. A file that cannot be read is listed in the report's errors and the others
// are still hashed (a missing hash only makes a resume stricter); a journal that cannot be
// read is the error returned.
Result<SentPrefixReport> RecordSentPrefixes(Journal& journal, FileSource& files,
                                            const UploadPlan& plan,
                                            const std::vector<PartlySent>& parts,
                                            uint64_t budget = kSentPrefixBudget);

// RecordSentPrefixes for a task whose transfer stopped unfinished: what it could not hash
// (over the budget, or a read error) is told in `notes`, with what it means for a resume.
void RecordStopHashes(Journal& journal, FileSource& files, const UploadPlan& plan,
                      const std::vector<PartlySent>& parts, std::vector<std::string>* notes,
                      uint64_t budget = kSentPrefixBudget);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_SENT_PREFIX_H_
