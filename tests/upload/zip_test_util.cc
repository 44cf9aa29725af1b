#include "tests/upload/zip_test_util.h"

#include <algorithm>
#include <clocale>
#include <cstdio>
#include <cstring>
#include <sstream>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "engine/unique_fd.h"
#include "tests/testing/temp_dir.h"

namespace ingest::upload::testing {
namespace {

uint32_t Crc32(uint32_t crc, const void* buf, size_t len) {
  if (len == 0) return crc;  // zlib: a null buf would restart the CRC
  return static_cast<uint32_t>(crc32_z(crc, static_cast<const Bytef*>(buf), len));
}

class StringReader final : public FileReader {
 public:
  explicit StringReader(std::string bytes) : bytes_(std::move(bytes)) {}
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    if (offset >= bytes_.size()) return size_t{0};
    const size_t len = std::min<size_t>(n, bytes_.size() - static_cast<size_t>(offset));
    std::memcpy(buf, bytes_.data() + offset, len);
    return len;
  }

 private:
  std::string bytes_;
};

// One line per member: name TAB size TAB crc (hex).
std::string WriteListing(const std::vector<ExpectedMember>& expected, const std::string& path) {
  std::string text;
  for (const ExpectedMember& m : expected) {
    char crc[16];
    std::snprintf(crc, sizeof crc, "%08x", m.crc);
    text += m.name + "\t" + std::to_string(m.size) + "\t" + crc + "\n";
  }
  ingest::testing::WriteFile(path, text);
  return path;
}

constexpr const char* kPythonCheck = R"PY(
import sys, zipfile, zlib
zip_path, listing = sys.argv[1], sys.argv[2]
want = [l.rstrip('\n').split('\t') for l in open(listing, encoding='utf-8')]
with zipfile.ZipFile(zip_path) as zf:
    infos = zf.infolist()
    if len(infos) != len(want):
        sys.exit(f'{len(infos)} members, expected {len(want)}')
    for info, (name, size, crc) in zip(infos, want):
        got = (info.filename, info.file_size, f'{info.CRC:08x}')
        if got != (name, int(size), crc):
            sys.exit(f'member {got}, expected {(name, size, crc)}')
        if info.compress_type != 0 or not info.flag_bits & 0x808 == 0x808:
            sys.exit(f'{name}: method {info.compress_type}, flags {info.flag_bits:#x}')
        if info.date_time != (1980, 1, 1, 0, 0, 0):
            sys.exit(f'{name}: date {info.date_time}')
        c = 0
        with zf.open(info) as f:  # zipfile checks the stored CRC at the end too
            while b := f.read(1 << 20):
                c = zlib.crc32(b, c)
        if f'{c:08x}' != crc:
            sys.exit(f'{name}: data CRC {c:08x}, expected {crc}')
print('ok', len(infos))
)PY";

}  // namespace

uint32_t CrcOf(std::string_view bytes) { return Crc32(0, bytes.data(), bytes.size()); }

uint32_t CrcOfFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_TRUE(fd.valid()) << path;
  std::vector<char> buf(1 << 20);
  uint32_t crc = 0;
  for (;;) {
    const ssize_t r = ::read(fd.get(), buf.data(), buf.size());
    EXPECT_GE(r, 0) << path;
    if (r <= 0) return crc;
    crc = Crc32(crc, buf.data(), static_cast<size_t>(r));
  }
}

std::unique_ptr<FileReader> MemoryReader(std::string bytes) {
  return std::make_unique<StringReader>(std::move(bytes));
}

std::string ReadFrom(ZipStream& stream, uint64_t offset, size_t block) {
  std::string out;
  std::vector<char> buf(block);
  for (;;) {
    auto got = stream.ReadAt(offset, buf.data(), buf.size());
    EXPECT_TRUE(got.has_value()) << got.status().ToString();
    if (!got || *got == 0) break;
    out.append(buf.data(), *got);
    offset += *got;
  }
  return out;
}

std::string ReadAll(ZipStream& stream, size_t block) { return ReadFrom(stream, 0, block); }

void WriteZipSparse(ZipStream& stream, const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid()) << path;
  std::vector<char> buf(1 << 20);
  const std::vector<char> zeros(buf.size(), 0);
  uint64_t offset = 0;
  for (;;) {
    auto got = stream.ReadAt(offset, buf.data(), buf.size());
    ASSERT_TRUE(got.has_value()) << got.status().ToString();
    if (*got == 0) break;
    if (*got < buf.size() || std::memcmp(buf.data(), zeros.data(), buf.size()) != 0) {
      ASSERT_EQ(::pwrite(fd.get(), buf.data(), *got, static_cast<off_t>(offset)),
                static_cast<ssize_t>(*got));
    }
    offset += *got;
  }
  ASSERT_EQ(::ftruncate(fd.get(), static_cast<off_t>(offset)), 0);
  ASSERT_EQ(offset, stream.total_size());
}

int RunCommand(const std::string& command, std::string* output) {
  output->clear();
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buf[4096];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, pipe)) > 0) output->append(buf, got);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string CheckWithPythonZipfile(const std::string& zip_path,
                                   const std::vector<ExpectedMember>& expected,
                                   const std::string& work_dir) {
  std::string out;
  // The module's own test first: it reads every member and checks its CRC.
  int rc = RunCommand("python3 -m zipfile -t '" + zip_path + "'", &out);
  if (rc != 0 || out.find("Done testing") == std::string::npos ||
      out.find("corrupted") != std::string::npos) {
    return "python3 -m zipfile -t: exit " + std::to_string(rc) + ": " + out.substr(0, 2000);
  }
  ingest::testing::WriteFile(work_dir + "/check_zip.py", kPythonCheck);
  const std::string listing = WriteListing(expected, work_dir + "/expected.tsv");
  rc = RunCommand("python3 '" + work_dir + "/check_zip.py' '" + zip_path + "' '" + listing + "'",
                  &out);
  if (rc != 0) return "python3 zipfile: exit " + std::to_string(rc) + ": " + out.substr(0, 2000);
  return "";
}

std::string CheckWithUnzip(const std::string& zip_path,
                           const std::vector<ExpectedMember>& expected) {
  std::string out;
  int rc = RunCommand("LC_ALL=C.UTF-8 unzip -tq '" + zip_path + "'", &out);
  if (rc != 0 || out.find("No errors detected") == std::string::npos) {
    return "unzip -t: exit " + std::to_string(rc) + ": " + out.substr(0, 2000);
  }
  // The listing: "Length Method Size Cmpr Date Time CRC-32 Name", between two dashed rules.
  rc = RunCommand("LC_ALL=C.UTF-8 unzip -lv '" + zip_path + "'", &out);
  if (rc != 0) return "unzip -lv: exit " + std::to_string(rc) + ": " + out.substr(0, 2000);
  std::istringstream lines(out);
  std::string line;
  size_t rules = 0, i = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("--------", 0) == 0) {
      ++rules;
      continue;
    }
    if (rules != 1) continue;
    std::istringstream fields(line);
    uint64_t length = 0;
    std::string method, size, ratio, date, time, crc, name;
    fields >> length >> method >> size >> ratio >> date >> time >> crc;
    std::getline(fields >> std::ws, name);
    if (i >= expected.size()) return "unzip -lv: more members than expected: " + line;
    char want_crc[16];
    std::snprintf(want_crc, sizeof want_crc, "%08x", expected[i].crc);
    if (name != expected[i].name || length != expected[i].size || crc != want_crc ||
        method != "Stored") {
      return "unzip -lv: member " + std::to_string(i) + ": " + line;
    }
    ++i;
  }
  if (i != expected.size()) return "unzip -lv: " + std::to_string(i) + " members";
  return "";
}

std::string CheckWithLibarchive(const std::string& zip_path,
                                const std::vector<ExpectedMember>& expected, bool streaming) {
  // libarchive converts names to the locale's charset: make that UTF-8 (the test's default C
  // locale would turn every non-ASCII name into a warning).
  const std::string old_locale = std::setlocale(LC_CTYPE, nullptr);
  std::setlocale(LC_CTYPE, "C.UTF-8");
  archive* a = archive_read_new();
  if (streaming) {
    archive_read_support_format_zip_streamable(a);
  } else {
    archive_read_support_format_zip_seekable(a);
  }
  std::string problem;
  if (archive_read_open_filename(a, zip_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    problem = std::string("open: ") + archive_error_string(a);
  }
  size_t i = 0;
  archive_entry* entry = nullptr;
  while (problem.empty()) {
    const int r = archive_read_next_header(a, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) {
      problem = std::string("header: ") + archive_error_string(a);
      break;
    }
    const char* name = archive_entry_pathname_utf8(entry);
    // The streaming reader learns a member's size from its descriptor, after its data.
    const bool size_known = archive_entry_size_is_set(entry) && !streaming;
    if (i >= expected.size() || name == nullptr || name != expected[i].name ||
        (size_known && static_cast<uint64_t>(archive_entry_size(entry)) != expected[i].size)) {
      problem = "member " + std::to_string(i) + " is " + (name ? name : "(null)") + ", size " +
                std::to_string(archive_entry_size(entry));
      break;
    }
    uint32_t crc = 0;
    uint64_t read = 0;
    const void* buf;
    size_t len;
    la_int64_t at;
    int d;
    while ((d = archive_read_data_block(a, &buf, &len, &at)) == ARCHIVE_OK) {
      // Holes (a jump in `at`) are zeros: hash them as such.
      static const std::vector<char> kZeros(1 << 20, 0);
      while (read < static_cast<uint64_t>(at)) {
        const size_t z = std::min<uint64_t>(kZeros.size(), static_cast<uint64_t>(at) - read);
        crc = Crc32(crc, kZeros.data(), z);
        read += z;
      }
      crc = Crc32(crc, buf, len);
      read += len;
    }
    if (d != ARCHIVE_EOF) {
      problem = expected[i].name + ": data: " + archive_error_string(a);
    } else if (read != expected[i].size || crc != expected[i].crc) {
      problem = expected[i].name + ": read " + std::to_string(read) + " bytes, wrong CRC";
    }
    ++i;
  }
  if (problem.empty() && i != expected.size()) problem = std::to_string(i) + " members";
  archive_read_free(a);
  std::setlocale(LC_CTYPE, old_locale.c_str());
  return problem.empty()
             ? ""
             : std::string(streaming ? "libarchive (streaming): " : "libarchive (seeking): ") +
                   problem;
}

}  // namespace ingest::upload::testing
