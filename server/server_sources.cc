#include "server/server_sources.h"

#include <fnmatch.h>
#include <httplib.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <system_error>

#include "server/source_listing.h"
#include "server/task_store.h"

namespace ingest::server {
namespace fs = std::filesystem;
namespace {

Status Failed(const std::string& msg) { return Status::InvalidArgument(msg); }

// Python's os.path.normpath for '/' paths, then lstrip('/') as task.py does.
std::string NormalizePath(std::string_view path) {
  const bool absolute = path.starts_with('/');
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string part(path.substr(start, end - start));
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == ".." && !parts.empty() && parts.back() != "..") {
      parts.pop_back();
    } else if (part != ".." || !absolute) {
      parts.push_back(part);
    }
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

// Links (or copies) `from` to raw_dir/name.
Status Bring(const fs::path& from, const std::string& raw_dir, const std::string& name) {
  fs::path to = fs::path(raw_dir) / name;
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  fs::remove(to, ec);
  fs::create_hard_link(from, to, ec);
  if (ec) fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return Failed("cannot read " + name + ": " + ec.message());
  return Status();
}

// The files under the share (or bucket) that `paths` name, directories expanded, without
// those `exclude` names; relative names, first mention first.
Result<std::vector<std::string>> ExpandPaths(const std::vector<std::string>& paths,
                                             const std::vector<std::string>& exclude,
                                             const std::string& root_dir) {
  std::error_code ec;
  const fs::path root = fs::canonical(root_dir, ec);
  if (ec) return Failed("the share " + root_dir + " cannot be read: " + ec.message());
  std::set<std::string> excluded;
  for (const std::string& e : exclude) excluded.insert(NormalizePath(e));
  auto is_excluded = [&](const std::string& rel) {
    for (std::string p = rel;; p = p.substr(0, p.rfind('/'))) {
      if (excluded.count(p)) return true;
      if (p.find('/') == std::string::npos) return false;
    }
  };
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& rel) {
    if (!is_excluded(rel) && seen.insert(rel).second) out.push_back(rel);
  };
  for (const std::string& given : paths) {
    const std::string rel = NormalizePath(given);
    if (rel == ".." || rel.starts_with("../")) return Failed("Don't use '..' inside file paths");
    const fs::path full = fs::weakly_canonical(root / rel, ec);
    if (ec || !PathWithin(root, full)) return Failed("Bad file path: " + rel);
    if (fs::is_directory(full, ec)) {
      std::vector<std::string> below;
      for (fs::recursive_directory_iterator it(full, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        const std::string below_rel = it->path().lexically_relative(root).string();
        if (is_excluded(below_rel)) continue;
        const fs::path real = fs::canonical(it->path(), ec);
        if (ec || !PathWithin(root, real)) return Failed("Bad file path: " + below_rel);
        below.push_back(below_rel);
      }
      std::sort(below.begin(), below.end());
      for (const std::string& b : below) add(b);
    } else if (fs::is_regular_file(full, ec)) {
      add(rel);
    } else {
      return Failed("No such file or directory: '" + rel + "'");
    }
  }
  return out;
}

Status CheckManifestUse(const DataRequest& req, const std::vector<std::string>& files) {
  if (std::none_of(files.begin(), files.end(), [](const std::string& f) { return IsManifestName(f); })) {
    return Status();
  }
  if (req.sorting_method == "random") {
    return Failed("It isn't supported to upload manifest file and use random sorting");
  }
  if (req.sorting_method != "predefined" && !req.use_cache) {
    return Failed("A manifest file can only be used with the 'use cache' option or when the "
                  "'sorting_method' == 'predefined'");
  }
  return Status();
}

Result<FetchedSources> FromShare(const DataRequest& req, const SourceRoots& roots,
                                 const std::string& raw_dir) {
  if (roots.share_dir.empty()) {
    return Failed("this receiver has no share: start it with serve --share DIR");
  }
  INGEST_ASSIGN_OR_RETURN(std::vector<std::string> files,
                          ExpandPaths(req.server_files, req.server_files_exclude, roots.share_dir));
  INGEST_RETURN_IF_ERROR(CheckManifestUse(req, files));
  for (const std::string& f : files) {
    INGEST_RETURN_IF_ERROR(Bring(fs::path(roots.share_dir) / f, raw_dir, f));
  }
  return FetchedSources{files, req.copy_data ? "local" : "share"};
}


std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct Url {
  std::string scheme, host, target;  // target: path and query
  int port = 80;
};

Result<Url> ParseUrl(const std::string& url) {
  Url u;
  size_t colon = url.find("://");
  u.scheme = colon == std::string::npos ? "" : url.substr(0, colon);
  if (u.scheme != "http" && u.scheme != "https") {
    return Failed("Unsupported URL scheme: " + u.scheme + ". Only http and https are supported");
  }
  std::string rest = url.substr(colon + 3);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.find('@') != std::string::npos) return Failed("Bad URL (user info): " + url);
  size_t port_at = authority.rfind(':');
  if (port_at != std::string::npos && authority.find(']', port_at) == std::string::npos) {
    u.port = std::atoi(authority.c_str() + port_at + 1);
    authority.resize(port_at);
  } else if (u.scheme == "https") {
    u.port = 443;
  }
  u.host = authority;
  return u;
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "[::1]" || host.starts_with("127.");
}

// The base name CVAT gives a downloaded file: of the URL's path, percent-decoded.
std::string RemoteName(const Url& u) {
  std::string path = u.target.substr(0, u.target.find_first_of("?#"));
  path = PercentDecode(path);
  return path.substr(path.rfind('/') + 1);
}

Result<FetchedSources> FetchRemoteFiles(const DataRequest& req, const std::string& raw_dir) {
  if (req.remote_files.size() > kMaxRemoteFiles) {
    return Failed("this receiver downloads at most " + std::to_string(kMaxRemoteFiles) +
                  " remote files per task, not " + std::to_string(req.remote_files.size()));
  }
  FetchedSources out{{}, "local"};
  std::set<std::string> names;
  uint64_t total = 0;
  for (const std::string& url : req.remote_files) {
    INGEST_ASSIGN_OR_RETURN(Url u, ParseUrl(url));
    const std::string name = RemoteName(u);
    if (!names.insert(name).second) return Failed("filename collision: " + name);
    if (name.empty() || name == "." || name == "..") return Failed("Failed to download " + url);
    if (u.scheme != "http" || !IsLoopback(u.host)) {
      return Failed("this receiver (a test fixture) downloads from http:// loopback addresses "
                    "only, not " + url + " (CVAT, the other way round, refuses addresses that "
                    "are not public)");
    }
    httplib::Client client(u.host == "[::1]" ? "::1" : u.host, u.port);
    client.set_connection_timeout(5);
    client.set_read_timeout(30);
    std::ofstream file(fs::path(raw_dir) / name, std::ios::binary | std::ios::trunc);
    bool too_big = false;
    httplib::Result r = client.Get(u.target, [&](const char* data, size_t n) {
      total += n;
      if (total > kMaxRemoteBytes) {
        too_big = true;
        return false;
      }
      file.write(data, static_cast<std::streamsize>(n));
      return file.good();
    });
    file.close();
    if (too_big) {
      return Failed("the remote files pass this receiver's limit of " +
                    std::to_string(kMaxRemoteBytes) + " bytes per task (at " + url + ")");
    }
    if (!r || r->status != 200 || !file) return Failed("Failed to download " + url);
    out.files.push_back(name);
  }
  INGEST_RETURN_IF_ERROR(CheckManifestUse(req, out.files));
  return out;
}

struct ManifestEntry {
  std::string name;  // relative to the bucket
  bool has_size = false;
};

// The image entries of a bucket manifest, in its order.
Result<std::vector<ManifestEntry>> ReadBucketManifest(const fs::path& path,
                                                      const std::string& prefix) {
  std::ifstream in(path);
  if (!in) return Failed("Can't find the manifest file '" + path.filename().string() + "'");
  std::vector<ManifestEntry> out;
  simdjson::dom::parser parser;
  std::string line;
  while (std::getline(in, line)) {
    simdjson::dom::element e;
    if (parser.parse(line).get(e) != simdjson::SUCCESS) return Failed("Invalid manifest was uploaded");
    std::string_view name, ext;
    if (e["name"].get(name) != simdjson::SUCCESS) continue;  // the header lines
    if (e["extension"].get(ext) != simdjson::SUCCESS) return Failed("Invalid manifest was uploaded");
    int64_t w = 0, h = 0;
    ManifestEntry m;
    m.name = (prefix.empty() ? "" : prefix + "/") + std::string(name) + std::string(ext);
    m.has_size = e["width"].get(w) == simdjson::SUCCESS && e["height"].get(h) == simdjson::SUCCESS;
    out.push_back(std::move(m));
  }
  return out;
}

// The bucket files `wanted` names, as task.py expands them: a folder (ending in '/') stands
// for the manifest's files below it, in the manifest's order; then server_files_exclude drops
// the files it names and those below the folders it names.
std::vector<std::string> ExpandFromManifest(const std::vector<std::string>& wanted,
                                            const std::vector<std::string>& exclude,
                                            const std::vector<ManifestEntry>& entries) {
  std::vector<std::string> out;
  for (const std::string& w : wanted) {
    if (!w.ends_with('/')) {
      out.push_back(w);
      continue;
    }
    for (const ManifestEntry& m : entries) {
      if (m.name.starts_with(w)) out.push_back(m.name);
    }
  }
  std::set<std::string> dropped(exclude.begin(), exclude.end());
  std::erase_if(out, [&](const std::string& f) {
    if (dropped.count(f)) return true;
    for (size_t slash = f.find('/'); slash != std::string::npos; slash = f.find('/', slash + 1)) {
      if (dropped.count(f.substr(0, slash + 1))) return true;
    }
    return false;
  });
  return out;
}

Result<FetchedSources> FetchCloudFiles(const DataRequest& req, const SourceRoots& roots,
                                       const std::string& raw_dir) {
  auto bucket = roots.cloud_dirs.find(*req.cloud_storage_id);
  if (bucket == roots.cloud_dirs.end()) {
    return Failed("cloud storage " + std::to_string(*req.cloud_storage_id) +
                  " does not exist on this receiver (serve --cloud-storage ID=DIR)");
  }
  if (!req.remote_files.empty()) return Failed("remote_files cannot come from a cloud storage");
  std::vector<std::string> manifests, wanted;
  for (const std::string& f : req.server_files) {
    std::string path = NormalizePath(f);
    if (f.ends_with('/') && !path.empty()) path += '/';
    (IsManifestName(f) ? manifests : wanted).push_back(std::move(path));
  }
  if (manifests.size() != 1) {
    return Failed(manifests.empty()
                      ? "A manifest file is required among the server_files of a cloud storage"
                      : "Only one manifest file can be attached with data");
  }
  INGEST_ASSIGN_OR_RETURN(std::vector<std::string> listed,
                          ExpandPaths(manifests, {}, bucket->second));
  const std::string prefix = manifests[0].find('/') == std::string::npos
                                 ? ""
                                 : manifests[0].substr(0, manifests[0].rfind('/'));
  INGEST_ASSIGN_OR_RETURN(std::vector<ManifestEntry> entries,
                          ReadBucketManifest(fs::path(bucket->second) / listed[0], prefix));
  std::vector<std::string> chosen;
  if (!req.filename_pattern.empty()) {
    for (const ManifestEntry& m : entries) {
      if (::fnmatch(req.filename_pattern.c_str(), m.name.c_str(), 0) == 0) chosen.push_back(m.name);
    }
  } else {
    chosen = ExpandFromManifest(wanted, req.server_files_exclude, entries);
  }
  std::map<std::string, const ManifestEntry*> by_name;
  for (const ManifestEntry& m : entries) by_name[m.name] = &m;
  // Registered in the request's order, folders expanded in the manifest's order (task.py):
  // what predefined sorting keeps; the other methods sort them.
  FetchedSources out{{}, "cloud_storage"};
  for (const std::string& f : chosen) {
    auto it = by_name.find(f);
    if (it == by_name.end() || !it->second->has_size) {
      return Failed("Can't find image '" + f + "' width or height info in the manifest");
    }
    INGEST_RETURN_IF_ERROR(Bring(fs::path(bucket->second) / f, raw_dir, f));
    out.files.push_back(f);
  }
  return out;
}

}  // namespace

bool HasServerSources(const DataRequest& req) {
  return !req.server_files.empty() || !req.remote_files.empty() || req.cloud_storage_id;
}

Result<FetchedSources> FetchServerSources(const DataRequest& req, const SourceRoots& roots,
                                          const std::string& raw_dir) {
  if (req.cloud_storage_id) return FetchCloudFiles(req, roots, raw_dir);
  if (!req.remote_files.empty()) {
    if (!req.server_files.empty()) {
      return Failed("this receiver takes remote_files or server_files, not both in one task");
    }
    return FetchRemoteFiles(req, raw_dir);
  }
  return FromShare(req, roots, raw_dir);
}

}  // namespace ingest::server
