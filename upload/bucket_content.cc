#include "upload/bucket_content.h"

#include <simdjson.h>

#include "engine/cvat_version.h"
#include "upload/curl_util.h"

namespace ingest::upload {
namespace {

// Entries asked of a content-v2 page (CVAT caps page_size at its BUCKET_CONTENT_MAX_PAGE_SIZE;
// the walk follows `next` whatever the page holds).
constexpr int kPageSize = 500;

// Folders deeper than this are refused (a server that lists a folder inside itself).
constexpr int kMaxDepth = 256;

// The whole listing of .../content (before CVAT 2.5).
Result<std::vector<std::string>> ContentV1(CvatApi& api, const std::string& base,
                                           const std::string& manifest) {
  const std::string what = "GET " + base + "/content?manifest_path=" + manifest;
  INGEST_ASSIGN_OR_RETURN(
      HttpResponse r,
      api.Request("GET", base + "/content?manifest_path=" + PercentEncode(manifest), "", {},
                  {200}));
  simdjson::dom::parser parser;
  simdjson::dom::array names;
  if (parser.parse(r.body).get(names) != simdjson::SUCCESS) {
    return Status::Remote(what + ": not a list of names");
  }
  std::vector<std::string> out;
  for (simdjson::dom::element e : names) {
    std::string_view name;
    if (e.get(name) != simdjson::SUCCESS) return Status::Remote(what + ": a name that is no string");
    out.emplace_back(name);
  }
  return out;
}

// Walks the level below `prefix` ("" or a folder ending in '/'), page by page, adding the
// files' full names to `out` and walking each folder in its place.
Status WalkV2(CvatApi& api, const std::string& base, const std::string& manifest,
              const std::string& prefix, int depth, std::vector<std::string>* out) {
  if (depth > kMaxDepth) return Status::Remote(base + "/content-v2: folders nested too deep");
  std::string token;
  for (;;) {
    std::string path = base + "/content-v2?manifest_path=" + PercentEncode(manifest) +
                       "&prefix=" + PercentEncode(prefix) +
                       "&page_size=" + std::to_string(kPageSize);
    if (!token.empty()) path += "&next_token=" + PercentEncode(token);
    const std::string what = "GET " + base + "/content-v2 (prefix '" + prefix + "')";
    INGEST_ASSIGN_OR_RETURN(HttpResponse r, api.Request("GET", path, "", {}, {200}));
    simdjson::dom::parser parser;
    simdjson::dom::object page;
    simdjson::dom::array content;
    if (parser.parse(r.body).get(page) != simdjson::SUCCESS ||
        page["content"].get(content) != simdjson::SUCCESS) {
      return Status::Remote(what + ": not a page of content");
    }
    for (simdjson::dom::element e : content) {
      std::string_view name, type;
      if (e["name"].get(name) != simdjson::SUCCESS || e["type"].get(type) != simdjson::SUCCESS) {
        return Status::Remote(what + ": an entry without a name or a type");
      }
      const std::string full = prefix + std::string(name);
      if (type == "DIR") {
        INGEST_RETURN_IF_ERROR(WalkV2(api, base, manifest, full + "/", depth + 1, out));
      } else {
        out->push_back(full);
      }
    }
    std::string next;
    std::string_view next_text;
    int64_t next_number = 0;
    if (page["next"].get(next_text) == simdjson::SUCCESS) {
      next = std::string(next_text);
    } else if (page["next"].get(next_number) == simdjson::SUCCESS) {
      next = std::to_string(next_number);
    }
    if (next.empty()) return Status();
    if (next == token) return Status::Remote(what + ": the next page is this one again");
    token = std::move(next);
  }
}

}  // namespace

Result<std::vector<std::string>> ListBucketNames(CvatApi& api, int64_t storage_id,
                                                 const std::string& manifest) {
  const std::string base = "/api/cloudstorages/" + std::to_string(storage_id);
  std::optional<CvatVersion> v = ParseCvatVersion(api.server_version());
  if (v && *v < kCvatBucketContentV2) return ContentV1(api, base, manifest);
  std::vector<std::string> out;
  Status s = WalkV2(api, base, manifest, "", 0, &out);
  if (s.code() == Status::Code::kNotFound && !v) {
    // A server that does not say its version and does not know content-v2: an older CVAT.
    Result<std::vector<std::string>> old = ContentV1(api, base, manifest);
    if (old) return old;
  }
  if (!s.ok()) return s;
  return out;
}

}  // namespace ingest::upload
