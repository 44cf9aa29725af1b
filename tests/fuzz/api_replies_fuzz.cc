// libFuzzer harness: the client's parsing of CVAT's API replies (upload/api_replies.h): task
// objects and pages, login keys, Upload-Finish's rq_id, request states, the message of an
// error body and CVAT's dates, the annotation formats and a page of import requests. A server (or anything posing as one) may answer any bytes: the
// client must give an error naming the request, never crash.
//
// Input: a byte picking the reply kind, then the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_util.h"
#include "upload/annotation_import.h"
#include "upload/api_replies.h"
#include "upload/cvat_api.h"

namespace {

constexpr const char* kWhat = "GET /api/fuzz";

template <class T>
void CheckError(const ingest::Result<T>& r) {
  if (!r) INGEST_FUZZ_CHECK(r.error().message().find(kWhat) != std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ingest::fuzz::AsText(data, size);
  if (in.empty()) return 0;
  const unsigned kind = static_cast<unsigned char>(in[0]) % 10;
  const std::string body(in.substr(1));
  namespace up = ingest::upload;
  switch (kind) {
    case 0:
      CheckError(up::ParseTaskReply(body, kWhat));
      break;
    case 1: {
      ingest::Result<std::vector<up::TaskInfo>> tasks = up::ParseTaskListReply(body, kWhat, "t");
      CheckError(tasks);
      if (tasks) {
        for (size_t i = 1; i < tasks->size(); ++i) {
          INGEST_FUZZ_CHECK((*tasks)[i - 1].id >= (*tasks)[i].id);
        }
      }
      break;
    }
    case 2:
      CheckError(up::ParseFirstTaskId(body, kWhat));
      break;
    case 3:
      CheckError(up::ParseLoginReply(body, kWhat));
      break;
    case 4:
      CheckError(up::ParseRqIdReply(body, kWhat));
      break;
    case 5:
      CheckError(up::ParseRequestReply(body, kWhat));
      break;
    case 6:
      CheckError(up::ParseUserListReply(body, kWhat));
      break;
    case 7:
      CheckError(up::ParseImportFormats(body, kWhat));
      break;
    case 8:
      CheckError(up::ParseImportRequests(body, kWhat, static_cast<int64_t>(body.size())));
      break;
    default: {
      std::string message = up::ServerMessage(body);
      INGEST_FUZZ_CHECK(message.size() <= 503);
      (void)up::ParseIsoTime(body);
      up::HttpResponse reply;
      reply.status = 400 + static_cast<long>(body.size() % 200);
      reply.body = body;
      ingest::Status error = up::HttpError(kWhat, reply);
      INGEST_FUZZ_CHECK(!error.ok() && error.message().find(kWhat) != std::string::npos);
      break;
    }
  }
  return 0;
}
