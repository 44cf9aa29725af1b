#include "upload/sent_prefix.h"

#include <sys/stat.h>

#include <cerrno>

#include "engine/file_record.h"
#include "upload/file_reader.h"

namespace ingest::upload {
namespace {

// Whether the file behind journal row `f` is as planned: for a plain file its size and time,
// for an archive member its archive's time.
Result<bool> AsPlanned(const JournalFile& f) {
  struct stat st;
  if (::stat(f.path.c_str(), &st) != 0) return FromErrno(f.path, errno);
  if (f.member.empty() && static_cast<uint64_t>(st.st_size) != f.size) return false;
  return MtimeNs(st) == f.mtime_ns;
}

// XXH3 (hex) of the first `n` bytes of the file of journal row `f`, if it is as planned before
// and after the read; "" when it is not (the bytes may not be those sent).
Result<std::string> HashIfAsPlanned(const JournalFile& f, FileSource& files,
                                    const PlannedFile& planned, uint64_t n,
                                    std::vector<char>* buffer) {
  INGEST_ASSIGN_OR_RETURN(bool before, AsPlanned(f));
  if (!before) return std::string();
  INGEST_ASSIGN_OR_RETURN(std::unique_ptr<FileReader> reader, files.Open(planned));
  INGEST_ASSIGN_OR_RETURN(std::string hash, HashPrefix(*reader, n, buffer));
  INGEST_ASSIGN_OR_RETURN(bool after, AsPlanned(f));
  return after ? hash : std::string();
}

}  // namespace

Result<SentPrefixReport> RecordSentPrefixes(Journal& journal, FileSource& files,
                                            const UploadPlan& plan,
                                            const std::vector<PartlySent>& parts,
                                            uint64_t budget) {
  SentPrefixReport report;
  std::vector<char> buffer;
  for (const PartlySent& part : parts) {
    const PlannedFile& planned = plan.files[part.file];
    if (planned.record == kGeneratedZip || part.offset == 0 || part.offset >= planned.size) {
      continue;
    }
    JournalFile row;
    bool found = false;
    INGEST_RETURN_IF_ERROR(journal.ForEachFile(
        [&](uint32_t, const JournalFile& f) {
          row = f;
          found = true;
          return Status();
        },
        part.file, part.file + 1));
    if (!found || row.path.empty() || row.hashed == row.size) continue;
    if (part.offset > budget) {
      report.over_budget.push_back(part.file);
      report.over_budget_bytes += part.offset;
      continue;
    }
    budget -= part.offset;
    Result<std::string> hash = HashIfAsPlanned(row, files, planned, part.offset, &buffer);
    if (!hash) {
      report.errors.push_back(hash.error());
    } else if (!hash->empty()) {
      journal.RecordPrefixHash(part.file, part.offset, *hash);
      ++report.hashed;
    }
  }
  return report;
}

void RecordStopHashes(Journal& journal, FileSource& files, const UploadPlan& plan,
                      const std::vector<PartlySent>& parts, std::vector<std::string>* notes,
                      uint64_t budget) {
  if (parts.empty()) return;
  const std::string consequence =
      ": touched before a resume, such a file counts as changed (its sent part cannot be checked)";
  Result<SentPrefixReport> report = RecordSentPrefixes(journal, files, plan, parts, budget);
  if (!report) {
    notes->push_back("the journal has no hash of the half-sent files' sent parts (" +
                     report.error().message() + ")" + consequence);
    return;
  }
  for (const Status& e : report->errors) {
    notes->push_back("no hash of a half-sent file's sent part (" + e.message() + ")" +
                     consequence);
  }
  if (!report->over_budget.empty()) {
    const std::vector<uint32_t>& left = report->over_budget;
    std::string names;
    for (size_t i = 0; i < left.size() && i < 5; ++i) {
      names += (i ? ", " : "") + std::string(plan.files[left[i]].name);
    }
    if (left.size() > 5) names += " and " + std::to_string(left.size() - 5) + " more";
    notes->push_back(std::to_string(left.size()) + " half-sent " +
                     (left.size() == 1 ? "file was" : "files were") +
                     " not hashed on stopping (" + names + ": " +
                     std::to_string(report->over_budget_bytes >> 20) + " MiB sent, over the " +
                     std::to_string(budget >> 20) + " MiB a stop reads)" +
                     consequence);
  }
}

}  // namespace ingest::upload
