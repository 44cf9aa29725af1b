// libFuzzer harness: the receiver's finish job (server/task_builder.h) with the manifest the
// client uploads, the way core.py reads it (the receiver's manifest reader), the registered
// file names and the data request of an Upload-Finish. All three come from the client.
//
// Input: a flag byte (bit 0: --discard; bits 1-3 and 4-6 pick segment_size and overlap among
// the values a task may hold), then, separated by kSectionSep: the manifest's bytes, the
// registered names one a line (a name ending in .jsonl is the manifest), and the data request
// as JSON (parsed and validated by ParseDataRequestJson first, as the receiver does; an
// invalid one is replaced by {"image_quality":70}). Media files are not read: a fake
// inspector answers for them.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "server/data_request.h"
#include "server/task_builder.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using ingest::server::ArchiveImage;
using ingest::server::BuildInput;
using ingest::server::BuildOutput;
using ingest::server::DataRequest;
using ingest::server::ImageSize;
using ingest::server::MediaInspector;
using ingest::server::VideoProps;

class FakeInspector : public MediaInspector {
 public:
  ingest::Result<ImageSize> ProbeImageFile(const std::string& path) override {
    return ImageSize{static_cast<int64_t>(path.size()), 3};
  }
  ingest::Result<std::vector<ArchiveImage>> ListArchiveImages(const std::string&) override {
    return std::vector<ArchiveImage>{{"b.jpg", {4, 3}}, {"a/c.png", {0, 0}}};
  }
  ingest::Result<VideoProps> ProbeVideoFile(const std::string&) override {
    return VideoProps{25, 640, 480};
  }
};

constexpr int64_t kSizes[] = {0, 1, 2, 3, 10, 1000, std::numeric_limits<int64_t>::max(), 7};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ingest::fuzz::AsText(data, size);
  if (in.empty()) return 0;
  const unsigned flags = static_cast<unsigned char>(in[0]);
  in.remove_prefix(1);
  std::vector<std::string_view> parts = ingest::fuzz::Sections(in, ingest::fuzz::kSectionSep, 3);

  const std::string raw = ingest::fuzz::ScratchDir();
  BuildInput input;
  input.raw_dir = raw;
  input.discard = (flags & 1) != 0;
  input.segment_size = kSizes[(flags >> 1) & 7];
  input.overlap = kSizes[(flags >> 4) & 7];
  std::string_view names = parts[1];
  while (!names.empty() && input.client_files.size() < 64) {
    size_t nl = names.find('\n');
    std::string name(names.substr(0, nl));
    names = nl == std::string_view::npos ? std::string_view() : names.substr(nl + 1);
    // The receiver only registers names its upload checks allowed, and only files it could
    // write (a name over NAME_MAX fails there with the file system's error).
    if (name.empty() || name.size() > 255 || name.find('/') != std::string::npos ||
        name.find('\0') != std::string::npos || name == "." || name == "..") {
      continue;
    }
    if (name.ends_with(".jsonl")) ingest::fuzz::WriteBytes(raw + "/" + name, parts[0]);
    input.client_files.push_back(std::move(name));
  }
  ingest::Result<DataRequest> request = ingest::server::ParseDataRequestJson(parts[2]);
  if (request) {
    input.request = std::move(*request);
  } else {
    input.request.image_quality = 70;
  }

  FakeInspector inspector;
  ingest::Result<BuildOutput> out =
      ingest::server::BuildTaskData(input, inspector, [](double, std::string_view) {});
  ingest::fuzz::ClearDir(raw);
  if (!out) {
    INGEST_FUZZ_CHECK(!out.error().message().empty());
    return 0;
  }
  INGEST_FUZZ_CHECK(out->size >= 0 && out->chunk_size > 0 && out->jobs >= 0);
  INGEST_FUZZ_CHECK(out->mode == "annotation" || out->mode == "interpolation");
  return 0;
}
