// libFuzzer harness: the receiver's multipart/form-data parser (server/multipart_parser.h).
//
// Input: one byte that picks the read size, a Content-Type line up to '\n', then the body.
// The body is parsed twice, whole and cut into reads of the picked sizes; what the parser
// reports (parts and their bytes) must not depend on how the bytes arrived, and the data it
// hands out can never exceed the body.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/multipart_parser.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

struct Outcome {
  bool ok = false;
  std::string events;  // "P name\0filename\0", then "D" + bytes (merged across reads)
  size_t data_bytes = 0;
};

Outcome Parse(const std::string& boundary, std::string_view body, std::string_view sizes) {
  Outcome out;
  bool in_data = false;
  ingest::server::MultipartParser parser(
      boundary,
      [&](const ingest::server::MultipartPartHeader& h) {
        out.events += 'P';
        out.events += h.name;
        out.events += '\0';
        out.events += h.filename;
        out.events += '\0';
        in_data = false;
        return true;
      },
      [&](const char* data, size_t n) {
        INGEST_FUZZ_CHECK(n > 0);
        if (!in_data) out.events += 'D';
        in_data = true;
        out.events.append(data, n);
        out.data_bytes += n;
        return true;
      });
  bool fed = true;
  for (std::string_view chunk : ingest::fuzz::Chunks(body, sizes)) {
    if (!parser.Feed(chunk.data(), chunk.size())) {
      fed = false;
      INGEST_FUZZ_CHECK(!parser.error().empty());
      break;
    }
  }
  out.ok = fed && parser.Finish();
  if (fed && !out.ok) INGEST_FUZZ_CHECK(!parser.error().empty());
  INGEST_FUZZ_CHECK(out.data_bytes <= body.size());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ingest::fuzz::AsText(data, size);
  if (in.empty()) return 0;
  std::string_view sizes = in.substr(0, 1);
  in.remove_prefix(1);
  size_t nl = in.find('\n');
  std::string_view content_type = in.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);

  std::optional<std::string> boundary = ingest::server::MultipartBoundary(content_type);
  if (!boundary) return 0;
  INGEST_FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70);

  Outcome whole = Parse(*boundary, body, {});
  // Reads of 1..64 bytes from the picked seed, and of single bytes.
  std::string seed(sizes);
  Outcome cut = Parse(*boundary, body, seed);
  Outcome bytes = Parse(*boundary, body, std::string(1, '\0'));
  INGEST_FUZZ_CHECK(whole.ok == cut.ok && whole.ok == bytes.ok);
  if (whole.ok) INGEST_FUZZ_CHECK(whole.events == cut.events && whole.events == bytes.events);
  return 0;
}
