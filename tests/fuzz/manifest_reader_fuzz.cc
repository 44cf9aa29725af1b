// libFuzzer harness: the client's manifest reader (manifest/manifest_reader.h) and the line
// reader under it (manifest/line_reader.h).
//
// Input: a mode byte, then bytes.
//  - even mode: the bytes are a manifest file. LineReader (with a small buffer picked by the
//    mode, so lines cross buffer refills) must return exactly the '\n'-separated lines, and
//    ManifestReader must read the header and every entry without crashing.
//  - odd mode: the bytes are a file name (name, extension and related images separated by
//    kSectionSep), any bytes at all, as a scan finds them. A manifest line written for it by
//    AppendImageLine (Python's json.dumps with surrogateescape, manifest/jsonl_encoder.h)
//    must read back as exactly those bytes: the surrogate handling both ways.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "manifest/line_reader.h"
#include "manifest/manifest_reader.h"
#include "manifest/manifest_writer.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using ingest::manifest::LineReader;
using ingest::manifest::ManifestReader;
using ingest::manifest::ManifestType;

void CheckLines(const std::string& path, std::string_view text, size_t buffer) {
  ingest::Result<std::unique_ptr<LineReader>> lines = LineReader::Open(path, buffer);
  INGEST_FUZZ_CHECK(lines.has_value());
  std::string_view line;
  size_t n = 0;
  for (;;) {
    ingest::Result<bool> more = (*lines)->Next(&line);
    INGEST_FUZZ_CHECK(more.has_value());
    if (!*more) break;
    ++n;
    INGEST_FUZZ_CHECK((*lines)->line_number() == n);
    size_t nl = text.find('\n');
    INGEST_FUZZ_CHECK(line == text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  INGEST_FUZZ_CHECK(text.empty());
}

void ReadManifest(const std::string& path) {
  ingest::Result<std::unique_ptr<ManifestReader>> reader = ManifestReader::Open(path);
  if (!reader) {
    INGEST_FUZZ_CHECK(reader.error().message().find(path) != std::string::npos);
    return;
  }
  ManifestReader& r = **reader;
  for (int i = 0; i < 100000; ++i) {
    ingest::Result<bool> more = false;
    if (r.header().type == ManifestType::kImages) {
      ingest::manifest::ImageItem item;
      more = r.Next(&item);
    } else {
      ingest::manifest::KeyFrame frame;
      more = r.Next(&frame);
    }
    if (!more) {
      INGEST_FUZZ_CHECK(reader.value()->path() == path);
      return;
    }
    if (!*more) return;
  }
}

void RoundTrip(const std::string& path, std::string_view in) {
  std::vector<std::string_view> parts = ingest::fuzz::Sections(in, ingest::fuzz::kSectionSep, 4);
  std::vector<std::string_view> related;
  if (!parts[2].empty()) related.push_back(parts[2]);
  if (!parts[3].empty()) related.push_back(parts[3]);
  ingest::manifest::ImageLine line;
  line.name = parts[0];
  line.extension = parts[1];
  line.width = 640;
  line.height = 480;
  line.related_images = std::span<const std::string_view>(related);
  std::string text = "{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n";
  ingest::manifest::AppendImageLine(line, &text);
  ingest::fuzz::WriteBytes(path, text);

  ingest::Result<std::unique_ptr<ManifestReader>> reader = ManifestReader::Open(path);
  INGEST_FUZZ_CHECK(reader.has_value());
  ingest::manifest::ImageItem item;
  ingest::Result<bool> got = (*reader)->Next(&item);
  // The reader refuses, by design, names holding its placeholders U+10FF80..U+10FFFF.
  if (in.find("\xF4\x8F\xBE") != std::string_view::npos ||
      in.find("\xF4\x8F\xBF") != std::string_view::npos) {
    return;
  }
  INGEST_FUZZ_CHECK(got.has_value() && *got);
  INGEST_FUZZ_CHECK(item.name == parts[0] && item.extension == parts[1]);
  INGEST_FUZZ_CHECK(item.width == 640 && item.height == 480);
  INGEST_FUZZ_CHECK(item.related_images && item.related_images->size() == related.size());
  for (size_t i = 0; i < related.size(); ++i) {
    INGEST_FUZZ_CHECK((*item.related_images)[i] == related[i]);
  }
  got = (*reader)->Next(&item);
  INGEST_FUZZ_CHECK(got.has_value() && !*got);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ingest::fuzz::AsText(data, size);
  if (in.empty()) return 0;
  const unsigned mode = static_cast<unsigned char>(in[0]);
  in.remove_prefix(1);
  const std::string path = ingest::fuzz::ScratchDir() + "/manifest.jsonl";
  if (mode & 1) {
    RoundTrip(path, in);
    return 0;
  }
  ingest::fuzz::WriteBytes(path, in);
  CheckLines(path, in, 16 + (mode >> 1) % 48);
  ReadManifest(path);
  return 0;
}
