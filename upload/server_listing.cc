#include "upload/server_listing.h"

#include <fnmatch.h>
#include <simdjson.h>

#include <set>

#include "engine/media_kind.h"
#include "engine/name_arena.h"
#include "upload/bucket_content.h"
#include "upload/curl_util.h"

namespace ingest::upload {
namespace {

// A path as CVAT's task.py takes it: normalised ('.' and empty parts dropped, '..' folded),
// without its leading '/'; `keep_slash` keeps a trailing '/' (a folder).
std::string Normalize(const std::string& path, bool keep_slash) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(std::move(part));
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  if (keep_slash && path.ends_with('/') && !out.empty()) out += '/';
  return out;
}

class Lister {
 public:
  Lister(CvatApi& api, const ServerSources& src) : api_(api), src_(src) {
    listing_.scan.names.push_back(std::make_unique<NameArena>());
    for (const std::string& e : src.share_exclude) excluded_.insert(Normalize(e, false));
  }
  Status Share();
  Status Bucket(const std::string& pattern);
  Status Remote();
  ServerListing Take() { return std::move(listing_); }

 private:
  bool Excluded(const std::string& path) const {
    for (std::string p = path;; p = p.substr(0, p.rfind('/'))) {
      if (excluded_.count(p)) return true;
      if (p.find('/') == std::string::npos) return false;
    }
  }
  uint32_t AddSource(std::string path, ScanSource::Type type) {
    listing_.scan.sources.push_back(ScanSource{std::move(path), type, std::nullopt});
    return static_cast<uint32_t>(listing_.scan.sources.size() - 1);
  }
  // A file of source `source`: `rel` below it, named `server` in the request, `frame` by CVAT.
  void AddFile(uint32_t source, const std::string& rel, std::string server, std::string frame) {
    FileRecord f;
    f.source = source;
    f.rel_path = listing_.scan.names[0]->Add(rel);
    f.kind = ClassifyName(rel);
    if (f.kind != MediaKind::kImage && f.kind != MediaKind::kVideo &&
        f.kind != MediaKind::kArchive) {
      ++listing_.skipped;
      return;
    }
    listing_.scan.files.push_back(f);
    listing_.server_names.push_back(std::move(server));
    listing_.frame_names.push_back(std::move(frame));
  }
  Status ListShareFolder(uint32_t source, const std::string& root, const std::string& dir);

  CvatApi& api_;
  const ServerSources& src_;
  std::set<std::string> excluded_;
  ServerListing listing_;
};

// The share folder `dir` (share path, ending in '/'), below source `source` at `root`.
Status Lister::ListShareFolder(uint32_t source, const std::string& root, const std::string& dir) {
  INGEST_ASSIGN_OR_RETURN(HttpResponse r,
                          api_.Request("GET", "/api/server/share?directory=" +
                                                  PercentEncode("/" + dir), "", {}, {200}));
  simdjson::dom::parser parser;
  simdjson::dom::array entries;
  if (parser.parse(r.body).get(entries) != simdjson::SUCCESS) {
    return Status::Remote("GET /api/server/share?directory=/" + dir + ": not a list of entries");
  }
  for (simdjson::dom::element e : entries) {
    std::string_view name, type;
    if (e["name"].get(name) != simdjson::SUCCESS || e["type"].get(type) != simdjson::SUCCESS) {
      return Status::Remote("GET /api/server/share?directory=/" + dir + ": an entry without "
                            "name or type");
    }
    const std::string path = dir + std::string(name);
    if (Excluded(path)) continue;
    if (type == "DIR") {
      INGEST_RETURN_IF_ERROR(ListShareFolder(source, root, path + "/"));
    } else {
      AddFile(source, path.substr(root.size()), path, path);
    }
  }
  return Status();
}

Status Lister::Share() {
  for (const std::string& given : src_.share) {
    const std::string path = Normalize(given, true);
    if (!path.ends_with('/')) {
      if (Excluded(path)) continue;
      uint32_t s = AddSource(path, ScanSource::Type::kFile);
      AddFile(s, path.substr(path.rfind('/') + 1), path, path);
      continue;
    }
    uint32_t s = AddSource(path.substr(0, path.size() - 1), ScanSource::Type::kDirectory);
    if (Status st = ListShareFolder(s, path, path); !st.ok()) {
      return st.WithPrefix("--share " + given);
    }
  }
  return Status();
}

// The bucket's manifest names, then the --cloud-file sources (or the pattern's one).
Status Lister::Bucket(const std::string& pattern) {
  INGEST_ASSIGN_OR_RETURN(std::vector<std::string> listed,
                          ListBucketNames(api_, *src_.cloud_storage_id, src_.bucket_manifest));
  if (!pattern.empty()) {
    uint32_t s = AddSource("bucket " + std::to_string(*src_.cloud_storage_id),
                           ScanSource::Type::kDirectory);
    for (const std::string& n : listed) {
      if (::fnmatch(pattern.c_str(), n.c_str(), 0) == 0 && !Excluded(n)) AddFile(s, n, n, n);
    }
    return Status();
  }
  std::set<std::string> known(listed.begin(), listed.end());
  for (const std::string& given : src_.cloud_files) {
    const std::string path = Normalize(given, true);
    if (!path.ends_with('/')) {
      if (!known.count(path)) {
        return Status::InvalidArgument("--cloud-file " + given + ": the bucket's manifest " +
                                       src_.bucket_manifest + " does not list it (CVAT takes "
                                       "the sizes of a bucket's images from its manifest)");
      }
      if (Excluded(path)) continue;
      AddFile(AddSource(path, ScanSource::Type::kFile), path.substr(path.rfind('/') + 1), path,
              path);
      continue;
    }
    uint32_t s = AddSource(path.substr(0, path.size() - 1), ScanSource::Type::kDirectory);
    for (const std::string& n : listed) {
      if (n.starts_with(path) && !Excluded(n)) AddFile(s, n.substr(path.size()), n, n);
    }
  }
  return Status();
}

// One source for the URLs; each is a file named by its base name.
Status Lister::Remote() {
  uint32_t s = AddSource("remote", ScanSource::Type::kDirectory);
  for (const std::string& url : src_.remote) {
    std::string path = url.substr(0, url.find_first_of("?#"));
    size_t scheme = path.find("://");
    size_t slash = scheme == std::string::npos ? std::string::npos : path.find('/', scheme + 3);
    path = slash == std::string::npos ? "" : path.substr(slash);
    const std::string name = path.substr(path.rfind('/') + 1);
    AddFile(s, name, url, name);
  }
  return Status();
}

}  // namespace

Result<ServerListing> ListServerSources(CvatApi& api, const ServerSources& src,
                                        const std::string& filename_pattern) {
  Lister lister(api, src);
  if (src.cloud_storage_id) {
    INGEST_RETURN_IF_ERROR(lister.Bucket(filename_pattern));
  } else if (!src.remote.empty()) {
    INGEST_RETURN_IF_ERROR(lister.Remote());
  } else {
    INGEST_RETURN_IF_ERROR(lister.Share());
  }
  ServerListing out = lister.Take();
  if (out.scan.files.empty()) {
    return Status::NotFound("no images, videos or archives in the files CVAT would read");
  }
  return out;
}

}  // namespace ingest::upload
