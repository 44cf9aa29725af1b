// libFuzzer harness: the data request of an Upload-Finish or a bulk upload as the receiver
// parses it (server/data_request.h), from a JSON body or from multipart form fields.
//
// Input: the first byte picks the form (odd: multipart fields, one "name=value" a line, the
// value's "\n" written "\\n"; even: a JSON body). A request that parses must hold what the
// validation promises the task builder: an image quality in [0, 100], a frame step of at
// least 1, non-negative start and stop frames, a positive chunk size; one that does not gives
// the JSON body of the 400 reply.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "server/data_request.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

ingest::server::FormFields ParseFields(std::string_view text) {
  ingest::server::FormFields fields;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    size_t eq = line.find('=');
    std::string value;
    std::string_view raw = eq == std::string_view::npos ? std::string_view() : line.substr(eq + 1);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == 'n') {
        value += '\n';
        ++i;
      } else {
        value += raw[i];
      }
    }
    fields.emplace(std::string(line.substr(0, eq)), std::move(value));
  }
  return fields;
}

void CheckValid(const ingest::server::DataRequest& r) {
  INGEST_FUZZ_CHECK(r.image_quality >= 0 && r.image_quality <= 100);
  INGEST_FUZZ_CHECK(r.frame_step >= 1);
  INGEST_FUZZ_CHECK(r.start_frame >= 0);
  INGEST_FUZZ_CHECK(!r.stop_frame || *r.stop_frame >= 0);
  INGEST_FUZZ_CHECK(!r.chunk_size || *r.chunk_size >= 1);
  INGEST_FUZZ_CHECK(r.sorting_method == "lexicographical" || r.sorting_method == "natural" ||
                    r.sorting_method == "predefined" || r.sorting_method == "random");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ingest::fuzz::AsText(data, size);
  if (in.empty()) return 0;
  bool form = (static_cast<unsigned char>(in[0]) & 1) != 0;
  in.remove_prefix(1);
  ingest::Result<ingest::server::DataRequest> r =
      form ? ingest::server::ParseDataRequestForm(ParseFields(in))
           : ingest::server::ParseDataRequestJson(in);
  if (r) {
    CheckValid(*r);
  } else if (simdjson::validate_utf8(in.data(), in.size())) {
    // The message is the 400 reply's body: JSON, whatever text the client sent.
    static simdjson::dom::parser parser;
    simdjson::dom::element doc;
    INGEST_FUZZ_CHECK(parser.parse(r.error().message()).get(doc) == simdjson::SUCCESS);
  }
  return 0;
}
