// A run's plan as one file (cvat-ingest plan -o RUN.plan): what one scan found and how the
// run splits it into tasks, so that shards on other hosts run their part of the same run
// without scanning again and without talking to each other (upload --plan RUN.plan
// --shard K/N).
//
// It holds, self-describing (every option by name; a format version, upload/plan_codec.h):
//   - the options the run was planned with, as upload's option names and values ("task-per"
//     -> "folder", "labels" -> the JSON itself, a flag -> ""), in command-line order;
//   - what made it: the tool's version, the time, the file selection's description;
//   - the sources (absolute paths, so any host with the same mounts finds them), an archive
//     source with its size, mtime and inode (its members' change check);
//   - every scanned file: its source, path, kind, size, mtime, inode, XXH3-128 where the scan
//     hashed it, the probe's width/height/orientation, frames and duration;
//   - the units: task name, template fields, bytes, frames and the file indices, in order.
//
// Payload (inside the zstd frame), little-endian, strings as u32 length + bytes:
//   string tool | i64 created_unix | string selection |
//   u32 n_options, n x (string name, string value) |
//   u32 n_sources, n x (string path, u8 type, u8 stamped [, u64 size, i64 mtime_ns, u64 inode]) |
//   u64 n_files, n x (u32 source, u8 kind, u8 in_archive, string rel_path, u64 size,
//       i64 mtime_ns, u64 inode, u64 hash_low, u64 hash_high, u32 width, u32 height,
//       u16 orientation, u32 frame_count, f32 duration, 16 bytes pixel md5) |
//   u32 n_units, n x (string name, string group, string folder, string stem, u8 ordered,
//       u32 part, u32 parts, u64 bytes, u64 frames, u32 n_records, n x u32 record)
// Reading checks every count against the bytes left, every enum, every index (sources of
// files, files of units), and that units' bytes and frames add up to their files'.
#ifndef INGEST_UPLOAD_RUN_PLAN_H_
#define INGEST_UPLOAD_RUN_PLAN_H_

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "engine/result.h"
#include "engine/scanner.h"
#include "upload/task_units.h"

namespace ingest::upload {

inline constexpr uint32_t kPlanFormatVersion = 1;

// What a plan says besides its scan and units.
struct PlanInfo {
  std::string tool;  // "cvat-ingest 0.9.0"
  int64_t created_unix = 0;
  std::string selection;  // FileSelection::Describe(), "" for all files
  std::vector<std::pair<std::string, std::string>> options;
};

struct RunPlan {
  PlanInfo info;
  ScanResult scan;              // sources and files (no problems: they were reported)
  std::vector<TaskUnit> units;  // records index scan.files
  uint64_t id = 0;              // the payload's XXH3-64: the same plan gives the same id
};

// Writes the plan of a scan (`sources`, `files`) grouped into `units` to `path` (temp file,
// fsync, rename). IoError naming the file when it cannot be written.
Status WritePlanFile(const std::string& path, const PlanInfo& info,
                     const std::vector<ScanSource>& sources, const std::deque<FileRecord>& files,
                     const std::vector<TaskUnit>& units);

// Reads a plan written by WritePlanFile. NotFound or IoError when it cannot be opened (as
// FromErrno says); Corruption, naming
// the file, when it is not a plan, has another format version, is truncated or corrupt.
Result<RunPlan> ReadPlanFile(const std::string& path);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_RUN_PLAN_H_
