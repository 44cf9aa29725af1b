#include "server/source_listing.h"

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <system_error>
#include <vector>

#include "engine/media_kind.h"
#include "engine/natural_key.h"
#include "manifest/jsonl_encoder.h"

namespace ingest::server {
namespace fs = std::filesystem;
namespace {

ListingReply Error(int status, const std::string& message) {
  ListingReply r{status, ""};
  manifest::AppendJsonString(message, &r.json);
  return r;
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

bool PathWithin(const fs::path& root, const fs::path& p) {
  std::string r = root.string(), s = p.string();
  return s == r || (s.size() > r.size() && s.compare(0, r.size(), r) == 0 && s[r.size()] == '/');
}

ListingReply ListShareDirectory(const std::string& share_dir, const std::string& directory) {
  std::string param = directory.empty() ? "/" : directory;
  if (param.starts_with('/')) param.erase(0, 1);
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(fs::absolute(share_dir, ec), ec);
  const fs::path dir = (root / param).lexically_normal();
  fs::path plain = dir.string().ends_with('/') ? dir.parent_path() : dir;
  if (share_dir.empty() || !PathWithin(root, plain) || !fs::is_directory(plain, ec)) {
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

namespace {

// The names of the bucket's manifest (name + extension, joined to the manifest's folder), in
// its order; an error reply when the manifest cannot be read.
std::optional<ListingReply> ManifestNames(const std::string& bucket_dir,
                                          const std::string& manifest_path,
                                          std::vector<std::string>* names) {
  std::string rel = manifest_path;
  while (rel.starts_with('/')) rel.erase(0, 1);
  const fs::path root = fs::path(bucket_dir).lexically_normal();
  const fs::path path = (root / rel).lexically_normal();
  auto not_found = [&] {
    return Error(404, "The manifest file '" + manifest_path + "' was not found in the bucket");
  };
  // Checked before anything is opened: a name outside the bucket may be a FIFO, whose open
  // would block this thread.
  std::error_code ec;
  if (rel.empty() || !PathWithin(root, path) || !fs::is_regular_file(path, ec)) {
    return not_found();
  }
  std::ifstream in(path);
  if (!in) return not_found();
  const std::string prefix = fs::path(rel).parent_path().string();
  simdjson::dom::parser parser;
  std::string line;
  while (std::getline(in, line)) {
    simdjson::dom::element e;
    std::string_view name, ext;
    if (parser.parse(line).get(e) != simdjson::SUCCESS) return Error(400, "Invalid manifest");
    if (e["name"].get(name) != simdjson::SUCCESS) continue;  // the header lines
    if (e["extension"].get(ext) != simdjson::SUCCESS) return Error(400, "Invalid manifest");
    names->push_back((prefix.empty() ? "" : prefix + "/") + std::string(name) + std::string(ext));
  }
  return std::nullopt;
}

// The files of the bucket folder itself, relative to it (content-v2 without a manifest).
std::vector<std::string> BucketFiles(const std::string& bucket_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(bucket_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file(ec)) out.push_back(it->path().lexically_relative(bucket_dir).string());
  }
  return out;
}

}  // namespace

ListingReply ListBucketManifest(const std::string& bucket_dir, const std::string& manifest_path) {
  std::vector<std::string> names;
  if (std::optional<ListingReply> error = ManifestNames(bucket_dir, manifest_path, &names)) {
    return *error;
  }
  ListingReply r{200, "["};
  for (const std::string& n : names) {
    if (r.json.size() > 1) r.json += ',';
    manifest::AppendJsonString(n, &r.json);
  }
  r.json += ']';
  return r;
}

ListingReply ListBucketContent(const std::string& bucket_dir, const ContentQuery& q) {
  auto number = [](const std::string& s) {
    return !s.empty() && s.size() <= 18 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!number(q.page_size)) {
    return Error(400, "Wrong value for page_size was found");
  }
  const size_t page_size = std::min<size_t>(std::strtoull(q.page_size.c_str(), nullptr, 10),
                                             kBucketContentMaxPageSize);
  size_t start = 0;
  if (!q.next_token.empty()) {
    if (!number(q.next_token)) {
      return Error(400, "Wrong value for the next_token parameter was found.");
    }
    start = std::strtoull(q.next_token.c_str(), nullptr, 10);
  }
  std::vector<std::string> names;
  if (q.manifest_path.empty()) {
    names = BucketFiles(bucket_dir);
  } else if (std::optional<ListingReply> error = ManifestNames(bucket_dir, q.manifest_path, &names)) {
    return *error;
  }
  // One level below `prefix` (a leading '/' dropped): its folders, then its files, each in
  // natural order, named from the prefix's last '/' on.
  std::string prefix = q.prefix;
  if (prefix.starts_with('/')) prefix.erase(0, 1);
  const size_t cut = prefix.rfind('/') == std::string::npos ? 0 : prefix.rfind('/') + 1;
  std::set<std::string> dir_set;
  std::vector<std::string> files;
  for (const std::string& n : names) {
    if (!n.starts_with(prefix)) continue;
    const std::string rest = n.substr(cut);
    const size_t slash = rest.find('/');
    if (slash == std::string::npos) {
      files.push_back(rest);
    } else {
      dir_set.insert(rest.substr(0, slash));
    }
  }
  std::vector<std::string> dirs(dir_set.begin(), dir_set.end());
  auto natural = [](const std::string& a, const std::string& b) { return CompareNatural(a, b) < 0; };
  std::sort(dirs.begin(), dirs.end(), natural);
  std::sort(files.begin(), files.end(), natural);
  std::vector<Entry> level;
  for (const std::string& d : dirs) level.push_back({"DIR", d, "DIR"});
  for (const std::string& f : files) level.push_back({"REG", f, MimeOf(f)});
  const size_t from = std::min(start, level.size());
  const size_t to = std::min(level.size(), from + page_size);
  ListingReply r{200, "{\"content\":["};
  for (size_t i = from; i < to; ++i) {
    if (i > from) r.json += ',';
    r.json += "{\"name\":";
    manifest::AppendJsonString(level[i].name, &r.json);
    r.json += ",\"type\":\"" + level[i].type + "\",\"mime_type\":\"" + level[i].mime + "\"}";
  }
  r.json += "],\"next\":";
  r.json += to < level.size() ? "\"" + std::to_string(to) + "\"" : "null";
  r.json += '}';
  return r;
}

}  // namespace ingest::server
