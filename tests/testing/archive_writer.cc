#include "tests/testing/archive_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

namespace ingest::testing {

void WriteArchive(const std::string& path, ArchiveFormat format,
                  const std::vector<ArchiveEntry>& entries, const std::string& passphrase) {
  struct archive* a = archive_write_new();
  ASSERT_NE(a, nullptr);
  switch (format) {
    case ArchiveFormat::kZip: archive_write_set_format_zip(a); break;
    case ArchiveFormat::kTar: archive_write_set_format_pax_restricted(a); break;
    case ArchiveFormat::kTarGz:
      archive_write_set_format_pax_restricted(a);
      archive_write_add_filter_gzip(a);
      break;
    case ArchiveFormat::kTarZst:
      archive_write_set_format_pax_restricted(a);
      archive_write_add_filter_zstd(a);
      break;
    case ArchiveFormat::k7z: archive_write_set_format_7zip(a); break;
  }
  if (!passphrase.empty()) {
    ASSERT_EQ(archive_write_set_options(a, "zip:encryption=zipcrypt"), ARCHIVE_OK)
        << archive_error_string(a);
    ASSERT_EQ(archive_write_set_passphrase(a, passphrase.c_str()), ARCHIVE_OK);
  }
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK) << archive_error_string(a);
  for (const ArchiveEntry& e : entries) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_filetype(entry, e.directory ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(entry, e.directory ? 0755 : 0644);
    archive_entry_set_size(entry, e.directory ? 0 : static_cast<la_int64_t>(e.data.size()));
    archive_entry_set_mtime(entry, 1700000000, 0);
    ASSERT_EQ(archive_write_header(a, entry), ARCHIVE_OK) << archive_error_string(a);
    if (!e.directory && !e.data.empty()) {
      ASSERT_EQ(archive_write_data(a, e.data.data(), e.data.size()),
                static_cast<la_ssize_t>(e.data.size()));
    }
    archive_entry_free(entry);
  }
  ASSERT_EQ(archive_write_close(a), ARCHIVE_OK) << archive_error_string(a);
  archive_write_free(a);
}

}  // namespace ingest::testing
