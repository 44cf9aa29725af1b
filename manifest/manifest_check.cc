#include "manifest/manifest_check.h"

#include <string_view>

#include "manifest/manifest_reader.h"

namespace ingest::manifest {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Result<CheckReport> CheckImageManifest(const std::string& path,
                                       std::span<const std::string> files_in_final_order,
                                       size_t max_reported) {
  CheckReport report;
  report.files = files_in_final_order.size();
  auto note = [&](CheckReport::Mismatch m) {
    ++report.mismatch_count;
    if (report.mismatches.size() < max_reported) report.mismatches.push_back(std::move(m));
  };

  Result<std::unique_ptr<ManifestReader>> opened = ManifestReader::Open(path);
  if (!opened) {
    if (opened.error().code() != Status::Code::kCorruption) return opened.error();
    report.structure_error = opened.error().message();
    return report;
  }
  ManifestReader& reader = **opened;
  if (reader.header().type == ManifestType::kVideo) {
    KeyFrame frame;
    Result<bool> first = reader.Next(&frame);
    if (!first) {
      if (first.error().code() != Status::Code::kCorruption) return first.error();
      report.structure_error = first.error().message();
    } else if (!*first) {
      report.structure_error = path + ": no key frames";
    }
    return report;
  }

  ImageItem item;
  for (;;) {
    Result<bool> more = reader.Next(&item);
    if (!more) {
      if (more.error().code() != Status::Code::kCorruption) return more.error();
      // A bad first item fails is_manifest; a bad later line fails the server when it reads
      // that frame. Either way the manifest is unusable.
      report.structure_error = more.error().message();
      return report;
    }
    if (!*more) break;
    size_t i = report.entries++;
    std::string expected = item.name + item.extension;
    if (i >= files_in_final_order.size()) {
      note({i, item.line, std::move(expected), {}});
    } else if (!EndsWith(files_in_final_order[i], expected)) {
      note({i, item.line, std::move(expected), files_in_final_order[i]});
    }
  }
  if (report.entries == 0) {
    report.structure_error = path + ": no image entries";
    return report;
  }
  for (size_t i = report.entries; i < files_in_final_order.size(); ++i) {
    note({i, 0, {}, files_in_final_order[i]});
  }
  return report;
}

}  // namespace ingest::manifest
