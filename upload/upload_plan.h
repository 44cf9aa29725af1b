// UploadPlan: everything decided before the first byte is sent, as an explicit data structure
// (the resume journal records it): which files go up, under which names, by which route (an
// Upload-Multiple batch or a TUS upload), in which batches, the final frame order and the
// data request fields that make the server keep that order.
//
// Rules (CVAT's, see ../shared/reference/cvat_protocol.md):
// - One task takes any number of images, or exactly one video, or exactly one archive.
// - The server keeps base names only: the names it sees, sorts and matches against the
//   manifest are base names, so two files with one base name cannot both go up.
// - Zero-byte media, names that are not valid UTF-8 and files over the server's Tus-Max-Size
//   are refused up front, each with the file and the reason.
// - The order is computed here. lexicographical is what the server computes itself on the
//   base names; natural, random (seeded) and predefined are sent as `predefined` with
//   `upload_file_order`, so the server keeps our order exactly.
// - With a manifest (generated, or given), it lists the frames in the final order; an archive
//   always goes with a manifest of its image members (CVAT needs one for `predefined`).
#ifndef INGEST_UPLOAD_UPLOAD_PLAN_H_
#define INGEST_UPLOAD_UPLOAD_PLAN_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/file_order.h"
#include "engine/result.h"
#include "engine/scanner.h"
#include "upload/zip_layout.h"

namespace ingest::upload {

enum class Route : uint8_t { kBatch, kTus };

inline constexpr uint32_t kGeneratedManifest = UINT32_MAX;
// The record of the zip generated from the task's files (--pack).
inline constexpr uint32_t kGeneratedZip = UINT32_MAX - 1;

// --pack: whether the task's images go up as one zip generated on the fly.
enum class PackMode : uint8_t {
  kAuto,  // pack exactly when base names clash (CVAT keeps base names of loose files)
  kZip,   // always pack
  kNone,  // never pack: clashing base names are refused
};

// The zip of a packed task: its layout (members in the zip's order: the frames in the final
// order, then the related images) and where each member's bytes come from.
struct ZipPlan {
  explicit ZipPlan(ZipLayout l) : layout(std::move(l)) {}
  std::string name;               // the zip's file name on the server, "<task>.zip"
  std::string reason;             // why it packs (for the plan's display)
  ZipLayout layout;
  std::vector<uint32_t> records;  // records[i]: member i's index into ScanResult::files
  // Identifies the zip: its total size and an XXH3 of the members' names and sizes (hex).
  std::string identity;
};

// Names in a plan are views into the ScanResult records it was made from (a million names
// are not copied twice): a plan must not outlive its scans.
struct PlannedFile {
  uint32_t record = 0;    // index into ScanResult::files, or kGeneratedManifest
  std::string_view name;  // the file name the server sees
  uint64_t size = 0;
  Route route = Route::kBatch;
  uint32_t batch = 0;   // for kBatch: index into UploadPlan::batches
};

enum class TaskKind : uint8_t { kImages, kVideo, kArchive };

struct UploadPlan {
  TaskKind kind = TaskKind::kImages;
  std::vector<PlannedFile> files;              // in upload order
  std::vector<std::vector<uint32_t>> batches;  // indices into files, each one request
  std::vector<std::string_view> frame_order;   // frame names in the final order
  std::string sorting_method;                  // sent with the finish
  bool send_upload_file_order = false;         // send frame_order as upload_file_order
  std::string manifest_path;                   // the manifest to send; "" when none
  uint64_t total_bytes = 0;
  uint64_t skipped_files = 0;                  // not media, or context images (reported)
  uint64_t skipped_context_images = 0;         // of skipped_files: images of related_images/
  // Set when the images go up packed: plan.files holds the zip (record kGeneratedZip) and
  // the manifest, kind is kArchive and frame_order the members' relative paths.
  std::shared_ptr<const ZipPlan> zip;
};

struct UploadPlanOptions {
  SortingMethod sorting = SortingMethod::kLexicographical;
  uint64_t seed = 0;
  uint64_t tus_threshold = 8ull << 20;  // files of this size or more go through TUS
  uint64_t batch_bytes = 32ull << 20;   // a batch's body stays under this
  uint32_t batch_files = 1000;          // and holds at most this many files
  uint64_t max_file_size = 25ull << 30;  // the server's Tus-Max-Size
  // Where to write the generated manifest; "" for none (--manifest none).
  std::string generated_manifest_path;
  std::string given_manifest;  // --manifest FILE: sent as it is (after a check)
  PackMode pack = PackMode::kAuto;
  std::string zip_name = "images.zip";  // the packed zip's name on the server
};

struct Refusal {
  std::string path;    // display path of the file
  std::string reason;  // what is wrong and what to do
};

// The name of member `f` of `scan` in a packed zip: its path relative to its source, prefixed
// by the source's base name when the scan has several sources ("cam1/0001.jpg").
std::string ZipMemberName(const ScanResult& scan, const FileRecord& f);

// The identity of a zip of these members (ZipPlan::identity).
std::string ZipIdentity(const std::vector<ZipMember>& members, uint64_t total_size);

// False for a name that Django's multipart parser would change (a '\\', '&', control or other
// non-printable characters): such files go through TUS, which keeps names exactly.
bool SurvivesMultipartName(std::string_view name);

// Plans the upload of `scan` (scanned without expanding archives, so an archive is one
// record; with --extract, archive sources were expanded and their members are planned like
// files, sent in archive order). `archive_members`, when the upload is an archive, is the scan of that archive's
// members, for its manifest. Images are packed into one zip (UploadPlan::zip) with
// --pack zip, or --pack auto when base names clash; clashing names are refused with --pack
// none, one refusal per name. When files must be refused, returns InvalidArgument with a
// summary and fills `refusals` with each file and reason. Writes the generated manifest.
Result<UploadPlan> PlanUpload(const ScanResult& scan, const ScanResult* archive_members,
                              const UploadPlanOptions& options, std::vector<Refusal>* refusals);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_UPLOAD_PLAN_H_
