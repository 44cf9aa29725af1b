#include "server/source_listing.h"

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

#include "engine/media_kind.h"
#include "manifest/jsonl_encoder.h"

namespace ingest::server {
namespace fs = std::filesystem;
namespace {

ListingReply Error(int status, const std::string& message) {
  ListingReply r{status, ""};
  manifest::AppendJsonString(message, &r.json);
  return r;
}

// True when `p` is `root` or below it (both absolute and normalised).
bool Within(const fs::path& root, const fs::path& p) {
  std::string r = root.string(), s = p.string();
  return s == r || (s.size() > r.size() && s.compare(0, r.size(), r) == 0 && s[r.size()] == '/');
}

std::string MimeOf(const std::string& name) {
  switch (ClassifyName(name)) {
    case MediaKind::kImage: return "image";
    case MediaKind::kVideo: return "video";
    case MediaKind::kArchive: return "archive";
    default: return name.ends_with(".pdf") ? "pdf" : "unknown";
  }
}

struct Entry {
  std::string type, name, mime;
};

}  // namespace

ListingReply ListShareDirectory(const std::string& share_dir, const std::string& directory) {
  std::string param = directory.empty() ? "/" : directory;
  if (param.starts_with('/')) param.erase(0, 1);
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(fs::absolute(share_dir, ec), ec);
  const fs::path dir = (root / param).lexically_normal();
  fs::path plain = dir.string().ends_with('/') ? dir.parent_path() : dir;
  if (share_dir.empty() || !Within(root, plain) || !fs::is_directory(plain, ec)) {
    return Error(400, param + " is an invalid directory");
  }
  std::vector<Entry> entries;
  for (fs::directory_iterator it(plain, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_regular_file(ec)) {
      entries.push_back({"REG", name, MimeOf(name)});
    } else if (it->is_directory(ec)) {
      entries.push_back({"DIR", name, "DIR"});
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.type != b.type ? a.type < b.type : a.name < b.name;
  });
  ListingReply r{200, "["};
  for (const Entry& e : entries) {
    if (r.json.size() > 1) r.json += ',';
    r.json += "{\"name\":";
    manifest::AppendJsonString(e.name, &r.json);
    r.json += ",\"type\":\"" + e.type + "\",\"mime_type\":\"" + e.mime + "\"}";
  }
  r.json += ']';
  return r;
}

ListingReply ListBucketManifest(const std::string& bucket_dir, const std::string& manifest_path) {
  std::string rel = manifest_path;
  while (rel.starts_with('/')) rel.erase(0, 1);
  const fs::path root = fs::path(bucket_dir).lexically_normal();
  const fs::path path = (root / rel).lexically_normal();
  std::ifstream in(path);
  if (!Within(root, path) || rel.empty() || !in) {
    return Error(404, "The manifest file '" + manifest_path + "' was not found in the bucket");
  }
  const std::string prefix = fs::path(rel).parent_path().string();
  ListingReply r{200, "["};
  simdjson::dom::parser parser;
  std::string line;
  while (std::getline(in, line)) {
    simdjson::dom::element e;
    std::string_view name, ext;
    if (parser.parse(line).get(e) != simdjson::SUCCESS) return Error(400, "Invalid manifest");
    if (e["name"].get(name) != simdjson::SUCCESS) continue;  // the header lines
    if (e["extension"].get(ext) != simdjson::SUCCESS) return Error(400, "Invalid manifest");
    if (r.json.size() > 1) r.json += ',';
    manifest::AppendJsonString((prefix.empty() ? "" : prefix + "/") + std::string(name) +
                                   std::string(ext),
                               &r.json);
  }
  r.json += ']';
  return r;
}

}  // namespace ingest::server
