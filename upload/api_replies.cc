#include "upload/api_replies.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include <simdjson.h>

#include "upload/cvat_api.h"

namespace ingest::upload {
namespace {

Result<simdjson::dom::element> ParseJson(simdjson::dom::parser& parser, const std::string& body,
                                         const std::string& what) {
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) {
    return Status::Remote(what + ": the server's reply is not JSON: " +
                          body.substr(0, std::min<size_t>(body.size(), 200)));
  }
  return doc;
}

Result<TaskInfo> ParseTaskElement(simdjson::dom::element doc, const std::string& what) {
  TaskInfo t;
  if (doc["id"].get(t.id) != simdjson::SUCCESS) {
    return Status::Remote(what + ": the reply has no task id");
  }
  std::string_view name;
  if (doc["name"].get(name) == simdjson::SUCCESS) t.name = std::string(name);
  int64_t size = 0;
  if (doc["size"].get(size) == simdjson::SUCCESS) t.size = size;
  simdjson::dom::element jobs;
  if (doc["jobs"].get(jobs) == simdjson::SUCCESS) {
    int64_t count = 0;
    if (jobs["count"].get(count) == simdjson::SUCCESS) t.jobs = count;
  }
  simdjson::dom::array segments;
  if (t.jobs == 0 && doc["segments"].get(segments) == simdjson::SUCCESS) {
    t.jobs = static_cast<int64_t>(segments.size());
  }
  std::string_view created;
  if (doc["created_date"].get(created) == simdjson::SUCCESS) t.created_unix = ParseIsoTime(created);
  return t;
}

}  // namespace

std::string ServerMessage(const std::string& body) {
  std::string text = body;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (!body.empty() && parser.parse(body).get(doc) == simdjson::SUCCESS) {
    std::string_view detail;
    if (doc.is_object() && doc["detail"].get(detail) == simdjson::SUCCESS) {
      text = std::string(detail);
    } else if (doc.is_object() && doc["message"].get(detail) == simdjson::SUCCESS) {
      text = std::string(detail);
    } else {
      text = simdjson::minify(doc);
    }
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.size() > 500) text = text.substr(0, 500) + "...";
  return text;
}

int64_t ParseIsoTime(std::string_view text) {
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  std::string s(text.substr(0, 19));
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6) return 0;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<int64_t>(::timegm(&tm));
}

Result<TaskInfo> ParseTaskReply(const std::string& body, const std::string& what) {
  simdjson::dom::parser parser;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::element doc, ParseJson(parser, body, what));
  return ParseTaskElement(doc, what);
}

Result<std::vector<TaskInfo>> ParseTaskListReply(const std::string& body, const std::string& what,
                                                 const std::string& name) {
  simdjson::dom::parser parser;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::element doc, ParseJson(parser, body, what));
  simdjson::dom::array results;
  if (doc["results"].get(results) != simdjson::SUCCESS) {
    return Status::Remote(what + ": the reply has no results list");
  }
  std::vector<TaskInfo> out;
  for (simdjson::dom::element e : results) {
    INGEST_ASSIGN_OR_RETURN(TaskInfo t, ParseTaskElement(e, what));
    if (t.name == name) out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(),
            [](const TaskInfo& a, const TaskInfo& b) { return a.id > b.id; });
  return out;
}

Result<std::optional<int64_t>> ParseFirstTaskId(const std::string& body, const std::string& what) {
  simdjson::dom::parser parser;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::element doc, ParseJson(parser, body, what));
  simdjson::dom::array results;
  int64_t id = 0;
  if (doc["results"].get(results) != simdjson::SUCCESS || results.size() == 0 ||
      results.at(0)["id"].get(id) != simdjson::SUCCESS) {
    return std::optional<int64_t>();
  }
  return std::optional<int64_t>(id);
}

Result<UserPage> ParseUserListReply(const std::string& body, const std::string& what) {
  simdjson::dom::parser parser;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::element doc, ParseJson(parser, body, what));
  simdjson::dom::array results;
  if (doc["results"].get(results) != simdjson::SUCCESS) {
    return Status::Remote(what + ": the reply has no results list");
  }
  UserPage page;
  for (simdjson::dom::element e : results) {
    UserEntry u;
    std::string_view name;
    if (e["id"].get(u.id) != simdjson::SUCCESS || e["username"].get(name) != simdjson::SUCCESS) {
      return Status::Remote(what + ": a user without an id or a username");
    }
    u.username = std::string(name);
    page.users.push_back(std::move(u));
  }
  simdjson::dom::element next;
  page.has_next = doc["next"].get(next) == simdjson::SUCCESS && !next.is_null();
  return page;
}

Result<std::string> ParseLoginReply(const std::string& body, const std::string& what) {
  simdjson::dom::parser parser;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::element doc, ParseJson(parser, body, what));
  std::string_view key;
  if (doc["key"].get(key) != simdjson::SUCCESS) {
    return Status::Remote(what + ": the reply has no key");
  }
  return std::string(key);
}

Result<std::string> ParseRqIdReply(const std::string& body, const std::string& what) {
  simdjson::dom::parser parser;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::element doc, ParseJson(parser, body, what));
  std::string_view rq_id;
  if (doc["rq_id"].get(rq_id) != simdjson::SUCCESS) {
    return Status::Remote(what + ": the reply has no rq_id: " + ServerMessage(body));
  }
  return std::string(rq_id);
}

std::string ParseAboutVersion(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  std::string_view v;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS ||
      doc["version"].get(v) != simdjson::SUCCESS) {
    return "";
  }
  return std::string(v);
}

Result<RequestState> ParseTaskStatusReply(const std::string& body, const std::string& what) {
  simdjson::dom::parser parser;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::element doc, ParseJson(parser, body, what));
  std::string_view state;
  if (doc["state"].get(state) != simdjson::SUCCESS) {
    return Status::Remote(what + ": the reply has no state: " + ServerMessage(body));
  }
  RequestState s;
  for (char c : state) s.status += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  std::string_view text;
  if (doc["message"].get(text) == simdjson::SUCCESS) s.message = std::string(text);
  double progress = 0;
  if (doc["progress"].get(progress) == simdjson::SUCCESS) s.progress = progress;
  return s;
}

Result<RequestState> ParseRequestReply(const std::string& body, const std::string& what) {
  simdjson::dom::parser parser;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::element doc, ParseJson(parser, body, what));
  RequestState s;
  std::string_view text;
  if (doc["status"].get(text) == simdjson::SUCCESS) s.status = std::string(text);
  if (doc["message"].get(text) == simdjson::SUCCESS) s.message = std::string(text);
  double progress = 0;
  if (doc["progress"].get(progress) == simdjson::SUCCESS) s.progress = progress;
  return s;
}

}  // namespace ingest::upload
