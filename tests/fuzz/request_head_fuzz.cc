// libFuzzer harness: the receiver's restoration of empty Upload-* headers from a raw request
// head (server/connection_stream.h RestoreEmptyUploadHeaders; cpp-httplib drops headers
// whose value is empty, CVAT's TUS dialect sends some). Whatever the head holds, only
// headers named Upload-*, with an empty value, that the request lacked may be added, and a
// header the request already had is never changed.
//
// Input: the raw head (request line, header lines). Headers httplib kept are simulated by
// one pre-set header.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <httplib.h>

#include "server/connection_stream.h"
#include "server/wire_text.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view head = ingest::fuzz::AsText(data, size);
  httplib::Request req;
  req.headers.emplace("Upload-Length", "10");
  ingest::server::RestoreEmptyUploadHeaders(head, req);
  for (const auto& [name, value] : req.headers) {
    if (name == "Upload-Length" && value == "10") continue;
    INGEST_FUZZ_CHECK(ingest::server::StartsWithNoCase(name, "Upload-"));
    INGEST_FUZZ_CHECK(value.empty());
    // Split at ':' and '\n', refused with a blank: what the contract allows (a bare '\r' or a
    // control character may stay in a name; httplib parses such lines too).
    INGEST_FUZZ_CHECK(name.find_first_of(" \t\n:") == std::string::npos);
    INGEST_FUZZ_CHECK(head.find(name) != std::string_view::npos);
  }
  INGEST_FUZZ_CHECK(req.get_header_value("Upload-Length") == "10");
  return 0;
}
