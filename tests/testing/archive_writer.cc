#include "tests/testing/archive_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "tests/testing/temp_dir.h"

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

namespace {

uint32_t Crc32(const std::string& data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void Put16(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>((v >> 8) & 0xFF));
}

void Put32(std::string* out, uint32_t v) {
  Put16(out, v & 0xFFFF);
  Put16(out, v >> 16);
}

// The common part of a local header and a central directory entry, from "version needed".
void PutZipEntryFields(std::string* out, const RawMember& m) {
  Put16(out, 20);                         // version needed
  Put16(out, m.utf8_flag ? 0x0800 : 0);   // flags
  Put16(out, 0);                          // stored
  Put16(out, 0);                          // time
  Put16(out, 0x21);                       // date: 1980-01-01
  Put32(out, Crc32(m.data));
  Put32(out, static_cast<uint32_t>(m.data.size()));
  Put32(out, static_cast<uint32_t>(m.data.size()));
  Put16(out, static_cast<uint32_t>(m.name.size()));
  Put16(out, 0);  // extra length
}

// One 512-byte ustar header block.
std::string TarHeader(const std::string& name, char type, uint64_t size) {
  std::string h(512, '\0');
  h.replace(0, std::min<size_t>(name.size(), 100), name.substr(0, 100));
  std::snprintf(&h[100], 8, "%07o", 0644);
  std::snprintf(&h[108], 8, "%07o", 0);
  std::snprintf(&h[116], 8, "%07o", 0);
  std::snprintf(&h[124], 12, "%011llo", static_cast<unsigned long long>(size));
  std::snprintf(&h[136], 12, "%011o", 0);
  h[156] = type;
  h.replace(257, 6, std::string("ustar\0", 6));
  h.replace(263, 2, "00");
  h.replace(148, 8, "        ");
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(&h[148], 8, "%06o", sum);
  h[155] = ' ';
  return h;
}

void AppendPadded(std::string* out, const std::string& data) {
  out->append(data);
  out->append((512 - data.size() % 512) % 512, '\0');
}

}  // namespace

void WriteRawZip(const std::string& path, const std::vector<RawMember>& members) {
  std::string out, central;
  for (const RawMember& m : members) {
    uint32_t offset = static_cast<uint32_t>(out.size());
    Put32(&out, 0x04034b50);
    PutZipEntryFields(&out, m);
    out += m.name;
    out += m.data;
    Put32(&central, 0x02014b50);
    Put16(&central, 20);  // version made by
    PutZipEntryFields(&central, m);
    Put16(&central, 0);  // comment length
    Put16(&central, 0);  // disk
    Put16(&central, 0);  // internal attributes
    Put32(&central, 0);  // external attributes
    Put32(&central, offset);
    central += m.name;
  }
  uint32_t central_offset = static_cast<uint32_t>(out.size());
  out += central;
  Put32(&out, 0x06054b50);
  Put16(&out, 0);
  Put16(&out, 0);
  Put16(&out, static_cast<uint32_t>(members.size()));
  Put16(&out, static_cast<uint32_t>(members.size()));
  Put32(&out, static_cast<uint32_t>(central.size()));
  Put32(&out, central_offset);
  Put16(&out, 0);
  WriteFile(path, out);
}

void WritePaxTar(const std::string& path, const std::vector<RawMember>& members) {
  std::string out;
  for (const RawMember& m : members) {
    // A pax record is "LEN path=VALUE\n" where LEN counts the whole record, itself included.
    std::string body = " path=" + m.name + "\n";
    size_t len = body.size() + 1;
    while (std::to_string(len).size() + body.size() != len) ++len;
    std::string record = std::to_string(len) + body;
    out += TarHeader("PaxHeader/member", 'x', record.size());
    AppendPadded(&out, record);
    out += TarHeader("member", '0', m.data.size());
    AppendPadded(&out, m.data);
  }
  out.append(1024, '\0');
  WriteFile(path, out);
}

}  // namespace ingest::testing
