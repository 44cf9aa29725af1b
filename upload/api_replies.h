// The parsing of CVAT's API replies (upload/cvat_api.h), apart from the HTTP calls so that it
// can be tested and fuzzed on bytes alone (tests/fuzz/api_replies_fuzz.cc). Every function
// takes the reply's body as the server sent it (any bytes) and `what`, the request it answers
// ("GET /api/tasks/7"), which every error names. Errors are kRemote.
#ifndef INGEST_UPLOAD_API_REPLIES_H_
#define INGEST_UPLOAD_API_REPLIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace ingest::upload {

struct TaskInfo;
struct RequestState;

// The server's message from an error body: JSON "detail"/"message", a JSON list or object
// flattened, else the text; at most 500 bytes (plus "...").
std::string ServerMessage(const std::string& body);

// A task object (POST /api/tasks, GET /api/tasks/<id>): an "id" is required.
Result<TaskInfo> ParseTaskReply(const std::string& body, const std::string& what);
// The "version" of GET /api/server/about; "" when absent or the body is not JSON.
std::string ParseAboutVersion(const std::string& body);
// GET /api/tasks/<id>/status: {"state": Queued|Started|Finished|Failed, "message", ...} as a
// request's status (lower case).
Result<RequestState> ParseTaskStatusReply(const std::string& body, const std::string& what);
// A page of tasks (GET /api/tasks?...): the entries of "results" named exactly `name`, newest
// (highest id) first.
Result<std::vector<TaskInfo>> ParseTaskListReply(const std::string& body, const std::string& what,
                                                 const std::string& name);
// The id of the first task of a page of tasks; nullopt when the page has none.
Result<std::optional<int64_t>> ParseFirstTaskId(const std::string& body, const std::string& what);
// One user of a page of GET /api/users (CVAT's BasicUserSerializer: id, username, first and
// last name).
struct UserEntry {
  int64_t id = 0;
  std::string username;
};
// A page of users: every entry of "results" (an "id" and a "username" required), and whether
// the page says there is a next one ("next" not null).
struct UserPage {
  std::vector<UserEntry> users;
  bool has_next = false;
};
Result<UserPage> ParseUserListReply(const std::string& body, const std::string& what);
// The "key" of a login reply.
Result<std::string> ParseLoginReply(const std::string& body, const std::string& what);
// The "rq_id" of an Upload-Finish reply.
Result<std::string> ParseRqIdReply(const std::string& body, const std::string& what);
// A request's status, message and progress (GET /api/requests/<rq_id>).
Result<RequestState> ParseRequestReply(const std::string& body, const std::string& what);

// "2026-11-28T18:23:15.123456Z" (CVAT's dates, UTC) -> seconds since the epoch; 0 if not.
int64_t ParseIsoTime(std::string_view text);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_API_REPLIES_H_
