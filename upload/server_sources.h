// Tasks from sources CVAT reads itself: files on the server's share (server_files, with
// server_files_exclude and copy_data), URLs it downloads (remote_files), and files of a
// cloud storage bucket (cloud_storage_id, server_files from the bucket plus the bucket's
// manifest, or a filename_pattern over that manifest). No byte goes through this client:
// it creates the task, sends one data request (POST /data/ without Upload headers, as
// cvat-sdk does) and waits for the server to build the task.
//
// CheckServerSources refuses before any request what CVAT would refuse later (DataSerializer,
// task.py), from what the client knows without the files: one kind of source per task;
// no '..' in share paths; http(s) URLs whose base names differ and do not mix a video with
// other media; server_files_exclude with the share or a bucket only, never with
// filename_pattern or job_file_mapping; copy_data for the share only (remote files are always
// downloaded into CVAT, a bucket is read through CVAT's cache); filename_pattern for a bucket
// only; a manifest only with predefined sorting or use_cache, never with random; predefined
// sorting only with a manifest (CVAT takes the order from it; upload_file_order is for
// uploaded files) unless the client orders the files (client_orders); random is CVAT's own
// (unseeded) unless the client orders them, and honeypots need CVAT's.
#ifndef INGEST_UPLOAD_SERVER_SOURCES_H_
#define INGEST_UPLOAD_SERVER_SOURCES_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.h"
#include "upload/cvat_api.h"
#include "upload/upload_job.h"

namespace ingest::upload {

struct ServerSources {
  std::vector<std::string> share;          // --share: paths on the share (dirs end in '/')
  std::vector<std::string> share_exclude;  // --share-exclude: server_files_exclude
  std::vector<std::string> remote;         // --remote: URLs
  std::optional<int64_t> cloud_storage_id;
  std::vector<std::string> cloud_files;    // --cloud-file: bucket paths
  std::string bucket_manifest = "manifest.jsonl";
  std::string sorting_method = "lexicographical";
  bool sorting_given = false;  // --sorting-method was given
  bool seed_given = false;
  // The client lists the files and orders them (upload/server_run.h): --seed and predefined
  // sorting without a manifest then mean what they mean for local files.
  bool client_orders = false;

  bool empty() const { return share.empty() && remote.empty() && !cloud_storage_id; }
};

// The checks above; InvalidArgument naming the option. May set src->sorting_method (random
// for honeypots) and data->use_cache (true for a bucket, which CVAT reads through its cache).
Status CheckServerSources(ServerSources* src, DataOptions* data);

// The data request's JSON: the data options, sorting_method, and the sources' fields.
std::string BuildServerSourceBody(const ServerSources& src, const DataOptions& data);

struct ServerSourceOutcome {
  Status status;
  std::optional<int64_t> task_id;  // the task created (or given), even when it failed
  TaskInfo task;                   // once built
  std::string request_json;        // the data request sent (or, dry run, that would be)
  std::vector<std::string> notes;
  bool task_deleted = false;       // the build failed and the new, empty task was deleted
};

// Connects (resolving --assignee), creates the task (unless job.task_id), sends the data
// request and waits for the task. A dry run stops before creating anything. A task this
// call created is deleted again when its build fails (it can get no other data).
ServerSourceOutcome RunServerSourceJob(UploadJob job, const ServerSources& src,
                                       const std::function<void(const RequestState&)>& on_state,
                                       const std::atomic<bool>* cancel);

// The part of RunServerSourceJob after connecting: the task of a unit without a journal
// (upload/server_unit.h): creates the task (unless job.task_id), sends `request_json` and
// waits; a task it created is deleted again when its build fails, or when the request could
// not be sent.
ServerSourceOutcome RunServerSourceTask(CvatApi& api, const UploadJob& job,
                                        std::string request_json,
                                        const std::function<void(const RequestState&)>& on_state,
                                        const std::atomic<bool>* cancel);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_SERVER_SOURCES_H_
