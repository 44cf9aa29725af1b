// Task units: how a run splits a scanned corpus into CVAT tasks, and what each task is called.
//
// A run turns a corpus into one or many units, each one task. Without --task-per the whole
// corpus is one unit, as an upload always was. With it:
//   video    one unit per video; the other media as without --task-per (the images in one
//            unit, each archive in its own);
//   folder   one unit per directory that directly holds images (its images only; context
//            images in related_images/ folders are never frames); each video and archive in
//            its own unit;
//   archive  one unit per archive; the images in one unit; each video in its own;
//   file     one unit per media file.
// --split-every N cuts each image unit into parts of at most N frames, in the final order
// (the sorting method's order of the base names; for a unit that packs, --pack zip or
// --pack auto with clashing base names, of the zip's member names, the relative paths); the
// last part may be smaller. Every part of a unit that packs is packed (TaskUnit::packed), so
// the parts keep the folders and the order they were cut in. Videos and archives are never
// split.
//
// The grouping is a pure function of the scan's records (paths, kinds) and the options: the
// units come out ordered by source (command-line order), then by the unit's path (its folder,
// or its file) in code-point order, then by part. So two scans of one tree give the same
// units, names and order on any machine.
//
// Names come from the --create TEMPLATE when --task-per or --split-every is given (else the
// name is taken as it is):
//   {name}   the video's or archive's stem, the folder's path relative to its source ('/'
//            kept; the source's own name for its top folder), or the file's stem;
//   {folder} the folder holding the unit's files, relative to the source (the source's name
//            for its top folder);
//   {stem}   the file's stem; for a folder, its last component;
//   {index}  the unit's place in the run, from 1, zero-padded to the width of {count};
//   {part}   the part's number, from 1, zero-padded to the width of the unit's part count;
//   {count}  the number of units in the run.
// Two units that would get one name are refused before anything is created, with the names
// and a hint at the field that separates them.
#ifndef INGEST_UPLOAD_TASK_UNITS_H_
#define INGEST_UPLOAD_TASK_UNITS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/file_order.h"
#include "engine/result.h"
#include "engine/scanner.h"
#include "upload/upload_plan.h"

namespace ingest::upload {

enum class TaskPer : uint8_t { kNone, kVideo, kFolder, kArchive, kFile };

// "video", "folder", "archive", "file"; InvalidArgument otherwise.
Result<TaskPer> ParseTaskPer(std::string_view text);
// The name ParseTaskPer reads; "none" for kNone.
std::string_view TaskPerName(TaskPer per);

struct UnitOptions {
  TaskPer per = TaskPer::kNone;
  uint64_t split_every = 0;  // 0: no split
  SortingMethod sorting = SortingMethod::kLexicographical;  // the order --split-every cuts in
  uint64_t seed = 0;
  PackMode pack = PackMode::kAuto;  // decides the order --split-every cuts in (see above)
  std::string name_template;        // --create
};

struct TaskUnit {
  std::string name;  // the task's name
  // Records of the scan. An image unit cut by --split-every holds its images in the final
  // order and must be planned with `predefined` (see `ordered`); otherwise in scan order.
  std::vector<uint32_t> records;
  bool ordered = false;
  // A part of a unit that packs (--split-every): must be planned with --pack zip.
  bool packed = false;
  uint64_t bytes = 0;    // of its media files
  uint64_t frames = 0;   // images, a video's probed frames; an archive's are known later (0)
  // Template fields.
  std::string group;   // {name}
  std::string folder;  // {folder}
  std::string stem;    // {stem}
  uint32_t part = 0;   // 1-based with --split-every, else 0
  uint32_t parts = 0;
};

// True when `options` make a run of units named from a template (--task-per or --split-every).
inline bool UsesTemplate(const UnitOptions& options) {
  return options.per != TaskPer::kNone || options.split_every > 0;
}

// Groups `scan` (scanned without expanding archives, unless --extract expanded them) into
// units and names them. Without --task-per and --split-every: one unit holding every record
// (the plan then refuses what one task cannot take). InvalidArgument for a bad template,
// colliding names, or --split-every over a corpus that is not images only (without
// --task-per); NotFound when there is no media.
Result<std::vector<TaskUnit>> GroupIntoUnits(const ScanResult& scan, const UnitOptions& options);

// Expands `tmpl` for `unit`, the index-th (0-based) of `count` units. InvalidArgument naming
// an unknown or unclosed field.
Result<std::string> ExpandTemplate(std::string_view tmpl, const TaskUnit& unit, size_t index,
                                   size_t count);

// A ScanResult holding copies of `records` of `scan` (in that order), whose names point into
// `scan`'s arenas: it must not outlive `scan`.
ScanResult SubScan(const ScanResult& scan, const std::vector<uint32_t>& records);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_TASK_UNITS_H_
