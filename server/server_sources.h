// Server-side sources of a data request: files on the receiver's share (server_files),
// files it downloads (remote_files) and files of an emulated cloud storage bucket
// (cloud_storage_id + server_files from the bucket, with the bucket's manifest). They are
// brought into the task's raw/ folder under the names CVAT gives their frames, so that the
// task is then built as for uploaded files (task_builder.h).
//
// The rules are CVAT's (cvat/apps/engine/task.py: _count_files, _validate_url,
// _download_data, _create_thread; serializers.py DataSerializer), with the receiver's
// differences said where they are:
// - share: each path is normalised and its leading '/' dropped; a '..' part is refused
//   ("Don't use '..' inside file paths") and so is a path that leaves the share ("Bad file
//   path"); the receiver also refuses symbolic links that lead out of the share (CVAT's check
//   is lexical). A directory stands for every file below it; server_files_exclude drops the
//   files it names and those under the folders it names. Frame names are the paths relative
//   to the share. copy_data only says where CVAT keeps the data (Data.storage local or share).
// - remote: http and https only; names are the URLs' base names, and two URLs with one base
//   name are refused ("filename collision"); any reply but 200 fails ("Failed to download").
//   CVAT refuses addresses that are not public; this receiver, a test fixture, fetches from
//   loopback addresses only, at most kMaxRemoteFiles files and kMaxRemoteBytes bytes in all.
// - cloud storage: the bucket is a folder (`serve --cloud-storage ID=DIR`); server_files are
//   bucket paths and must include exactly one manifest (.jsonl); filename_pattern (fnmatch)
//   picks the files from the manifest when server_files hold only the manifest. Every file
//   must be listed in the manifest with its width and height (CVAT reads sizes from it).
// - Any source: a manifest goes only with predefined sorting or use_cache, never with random.
#ifndef INGEST_SERVER_SERVER_SOURCES_H_
#define INGEST_SERVER_SERVER_SOURCES_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/result.h"
#include "server/data_request.h"

namespace ingest::server {

inline constexpr size_t kMaxRemoteFiles = 1000;
inline constexpr uint64_t kMaxRemoteBytes = uint64_t{4} << 30;  // 4 GiB in all

struct SourceRoots {
  std::string share_dir;                       // "" when the receiver has no share
  std::map<int64_t, std::string> cloud_dirs;   // cloud storage id -> bucket folder
};

struct FetchedSources {
  std::vector<std::string> files;  // names under raw/, in the request's order
  std::string storage;             // "local", "share" or "cloud_storage"
};

// True when the request names server-side sources (server_files or remote_files).
bool HasServerSources(const DataRequest& req);

// Brings the request's server-side sources into `raw_dir`. Errors are the text CVAT puts in
// the failed request.
Result<FetchedSources> FetchServerSources(const DataRequest& req, const SourceRoots& roots,
                                          const std::string& raw_dir);

}  // namespace ingest::server

#endif  // INGEST_SERVER_SERVER_SOURCES_H_
