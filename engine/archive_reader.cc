#include "engine/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <locale.h>

#include <cerrno>

namespace ingest {
namespace {

// Member names must not depend on the process's locale. libarchive converts names it knows
// the charset of (zip names flagged UTF-8, tar pax names, 7z names) to the current locale's
// charset, and in the C/POSIX locale (cron, containers, CI; also any program that never
// calls setlocale, as ours) that fails for every non-ASCII name, which then comes back
// empty. So every libarchive call that can convert a name runs with this thread's LC_CTYPE
// switched to C.UTF-8 (uselocale, which leaves other threads and the global locale alone):
// names come out as UTF-8 whatever the environment. Zip names without the UTF-8 flag are
// decoded as CP437, as Python's zipfile (and so CVAT's server, when it extracts) does;
// names libarchive has no charset for (ustar/GNU tar, cpio) stay raw bytes.
class ScopedUtf8Ctype {
 public:
  ScopedUtf8Ctype() {
    static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    if (utf8 != static_cast<locale_t>(0)) previous_ = uselocale(utf8);
  }
  ~ScopedUtf8Ctype() {
    if (previous_ != static_cast<locale_t>(0)) uselocale(previous_);
  }
  ScopedUtf8Ctype(const ScopedUtf8Ctype&) = delete;
  ScopedUtf8Ctype& operator=(const ScopedUtf8Ctype&) = delete;

  static bool Available() {
    ScopedUtf8Ctype probe;
    return probe.previous_ != static_cast<locale_t>(0);
  }

 private:
  locale_t previous_ = static_cast<locale_t>(0);
};

}  // namespace

ArchiveReader::~ArchiveReader() { archive_read_free(a_); }

Status ArchiveReader::Error(const std::string& what) const {
  const char* msg = archive_error_string(a_);
  return Status::Corruption(path_ + ": " + what + ": " + (msg ? msg : "unknown archive error"));
}

Result<std::unique_ptr<ArchiveReader>> ArchiveReader::Open(const std::string& path) {
  if (!ScopedUtf8Ctype::Available()) {
    return Status::Unsupported(path + ": the C.UTF-8 locale is missing; archive member names " +
                               "cannot be read independently of the locale");
  }
  ScopedUtf8Ctype utf8;
  struct archive* a = archive_read_new();
  if (a == nullptr) return Status::Internal("archive_read_new failed");
  archive_read_support_filter_all(a);
  archive_read_support_format_all(a);
  // Zip names without the UTF-8 flag are CP437 (APPNOTE; Python's zipfile reads them so).
  if (archive_read_set_format_option(a, "zip", "hdrcharset", "CP437") != ARCHIVE_OK) {
    std::unique_ptr<ArchiveReader> failed(new ArchiveReader(path, a));
    return failed->Error("setting the zip name charset");
  }
  std::unique_ptr<ArchiveReader> reader(new ArchiveReader(path, a));
  if (archive_read_open_filename(a, path.c_str(), 1 << 20) != ARCHIVE_OK) {
    int err = archive_errno(a);
    if (err == ENOENT || err == EACCES) return FromErrno("open " + path, err);
    return reader->Error("not a readable archive");
  }
  return reader;
}

bool IsUnsafeMemberName(std::string_view name) {
  if (name.empty() || name.front() == '/') return true;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    if (name.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

Result<bool> ArchiveReader::Next(ArchiveMember* member) {
  ScopedUtf8Ctype utf8;
  for (;;) {
    struct archive_entry* entry = nullptr;
    int r = archive_read_next_header(a_, &entry);
    if (r == ARCHIVE_EOF) return false;
    if (r == ARCHIVE_FATAL) return Error("damaged archive");
    // ARCHIVE_WARN / ARCHIVE_RETRY still give a usable header.
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    const char* name = archive_entry_pathname(entry);
    std::string path = name ? name : "";
    while (path.starts_with("./")) path.erase(0, 2);
    member->path = std::move(path);
    member->size = archive_entry_size_is_set(entry)
                       ? static_cast<uint64_t>(archive_entry_size(entry))
                       : 0;
    member->mtime_ns = static_cast<int64_t>(archive_entry_mtime(entry)) * 1000000000 +
                       archive_entry_mtime_nsec(entry);
    member->problem = Status();
    if (IsUnsafeMemberName(member->path)) {
      member->problem = Status::InvalidArgument(path_ + ": member '" + member->path +
                                                "' has an absolute name or a '..' component");
    } else if (archive_entry_is_encrypted(entry)) {
      member->problem =
          Status::Unsupported(path_ + ": member '" + member->path + "' is encrypted");
    }
    return true;
  }
}

Result<size_t> ArchiveReader::Read(void* buf, size_t n) {
  la_ssize_t got = archive_read_data(a_, buf, n);
  if (got < 0) return Error("reading member");
  return static_cast<size_t>(got);
}

}  // namespace ingest
