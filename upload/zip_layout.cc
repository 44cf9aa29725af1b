#include "upload/zip_layout.h"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "engine/path_text.h"

namespace ingest::upload {
namespace {

constexpr uint64_t kZip32Limit = 0xFFFFFFFFull;  // a 32-bit field at this value means "ZIP64"
constexpr size_t kZip16Limit = 0xFFFF;           // likewise for the 16-bit member counts
constexpr uint64_t kLocalHeaderFixed = 30;
constexpr uint64_t kCentralEntryFixed = 46;

// `name` in double quotes, control bytes and (when not UTF-8) high bytes as \xNN.
std::string QuoteName(std::string_view name) {
  const bool utf8 = IsValidUtf8(name);
  std::string out = "\"";
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && !utf8)) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// "26,843,545,600 bytes (25.0 GiB)".
std::string FormatBytes(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  char gib[32];
  std::snprintf(gib, sizeof gib, " bytes (%.1f GiB)", static_cast<double>(n) / (1ull << 30));
  return grouped + gib;
}

// The bytes member i costs a zip of its own range, counted as if its offset needed ZIP64
// (an upper bound: the suggestion below must not fall short).
uint64_t MemberCost(const ZipMember& m) {
  const uint64_t z64 = m.size >= kZip32Limit ? 1 : 0;
  return kLocalHeaderFixed + m.name.size() + 20 * z64 + m.size + (z64 ? 24 : 16) +
         kCentralEntryFixed + m.name.size() + 4 + 8 * (2 * z64 + 1);
}

// The largest n such that every run of n consecutive members (as --split-every n cuts
// them) makes a zip of at most `max_total` bytes; 0 when one member alone is too big.
size_t SuggestSplit(const std::vector<ZipMember>& members, uint64_t total, uint64_t max_total) {
  constexpr uint64_t kEnd = 56 + 20 + 22;
  const auto fits = [&](size_t n) {
    uint64_t run = kEnd;
    for (size_t i = 0; i < members.size(); ++i) {
      if (i % n == 0) run = kEnd;
      run += MemberCost(members[i]);
      if (run > max_total) return false;
    }
    return true;
  };
  if (!fits(1)) return 0;
  const long double ratio = static_cast<long double>(max_total) / static_cast<long double>(total);
  size_t n = std::max<size_t>(1, static_cast<size_t>(members.size() * ratio));
  while (n > 1 && !fits(n)) n -= std::max<size_t>(1, n / 20);
  return n;
}

Status TooBig(const ZipLayout& layout, uint64_t max_total) {
  std::string msg = "a zip of " + std::to_string(layout.member_count()) + " members would be " +
                    FormatBytes(layout.total_size()) + ", over the server's Tus-Max-Size of " +
                    FormatBytes(max_total);
  const size_t n = SuggestSplit(layout.members(), layout.total_size(), max_total);
  if (n == 0) {
    for (const ZipMember& m : layout.members()) {
      if (MemberCost(m) + 98 > max_total) {
        return Status::InvalidArgument(msg + ": member " + QuoteName(m.name) + " alone is " +
                                       FormatBytes(m.size));
      }
    }
  }
  return Status::InvalidArgument(msg + ": split the task, e.g. --split-every " + std::to_string(n));
}

}  // namespace

std::string ZipNameProblem(std::string_view name) {
  if (name.empty()) return "the name is empty";
  if (name.size() > kZip16Limit) return "the name is longer than 65,535 bytes";
  if (!IsValidUtf8(name)) return "the name is not valid UTF-8";
  if (name.find('\0') != std::string_view::npos) return "the name has a NUL byte";
  if (name.find('\\') != std::string_view::npos) {
    return "the name has a backslash (zip names separate folders with '/' only)";
  }
  if (name.front() == '/') return "the name is absolute";
  size_t start = 0;
  for (;;) {
    const size_t slash = name.find('/', start);
    const std::string_view part = name.substr(start, slash - start);
    if (part.empty()) return "the name has an empty component (a doubled or trailing '/')";
    if (part == "." || part == "..")
      return "the name has a \"" + std::string(part) + "\" component";
    if (slash == std::string_view::npos) return "";
    start = slash + 1;
  }
}

Result<ZipLayout> ZipLayout::Plan(std::vector<ZipMember> members, uint64_t max_total) {
  ZipLayout layout;
  layout.members_ = std::move(members);
  std::unordered_set<std::string_view> seen;
  seen.reserve(layout.members_.size());
  for (const ZipMember& m : layout.members_) {
    const std::string problem = ZipNameProblem(m.name);
    if (!problem.empty()) {
      return Status::InvalidArgument("zip member " + QuoteName(m.name) + ": " + problem);
    }
    if (!seen.insert(m.name).second) {
      return Status::InvalidArgument("zip member " + QuoteName(m.name) +
                                     ": the name is used by two members");
    }
  }
  layout.ComputeOffsets();
  if (max_total > 0 && layout.total_size() > max_total) return TooBig(layout, max_total);
  return layout;
}

void ZipLayout::ComputeOffsets() {
  const size_t n = members_.size();
  local_offsets_.resize(n + 1);
  uint64_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    local_offsets_[i] = at;
    at += LocalHeaderSize(i) + members_[i].size + DataDescriptorSize(i);
  }
  local_offsets_[n] = at;
  central_offsets_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    central_offsets_[i] = at;
    at += CentralEntrySize(i);
  }
  end_offset_ = at;
}

bool ZipLayout::zip64_end() const {
  return members_.size() >= kZip16Limit || central_directory_size() >= kZip32Limit ||
         central_directory_offset() >= kZip32Limit;
}

uint64_t ZipLayout::LocalHeaderSize(size_t i) const {
  return kLocalHeaderFixed + members_[i].name.size() + (member_zip64_sizes(i) ? 20 : 0);
}

uint64_t ZipLayout::CentralEntrySize(size_t i) const {
  const uint64_t fields = (member_zip64_sizes(i) ? 2 : 0) + (member_zip64_offset(i) ? 1 : 0);
  return kCentralEntryFixed + members_[i].name.size() + (fields > 0 ? 4 + 8 * fields : 0);
}

ZipSpan ZipLayout::Locate(uint64_t offset) const {
  if (offset >= end_offset_) {
    return ZipSpan{ZipPart::kEnd, 0, end_offset_, EndRecordsSize()};
  }
  if (offset >= central_directory_offset()) {
    const auto it = std::upper_bound(central_offsets_.begin(), central_offsets_.end(), offset);
    const size_t i = static_cast<size_t>(it - central_offsets_.begin()) - 1;
    return ZipSpan{ZipPart::kCentralEntry, i, central_offsets_[i], CentralEntrySize(i)};
  }
  // upper_bound over [0, n]: local_offsets_[n] > offset here, so i < n.
  const auto it = std::upper_bound(local_offsets_.begin(), local_offsets_.end(), offset);
  const size_t i = static_cast<size_t>(it - local_offsets_.begin()) - 1;
  const uint64_t header = local_offsets_[i];
  const uint64_t data = header + LocalHeaderSize(i);
  const uint64_t descriptor = data + members_[i].size;
  if (offset < data) return ZipSpan{ZipPart::kLocalHeader, i, header, data - header};
  if (offset < descriptor) return ZipSpan{ZipPart::kData, i, data, members_[i].size};
  return ZipSpan{ZipPart::kDataDescriptor, i, descriptor, DataDescriptorSize(i)};
}

}  // namespace ingest::upload
