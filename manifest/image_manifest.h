// Image manifests from a scan: which files are frames, their final order, their names and
// related images, exactly as CVAT's manifest tool (utils/dataset_manifest/create.py) decides
// for a directory:
// - frames are the image files (by extension) that probed fine and are not inside a
//   related_images folder; videos, archives found inside directories and other files are
//   ignored, as the tool ignores them;
// - a frame's name is its path relative to its source (for an archive source, the member
//   path; for a single file, its base name), split with os.path.splitext;
// - width and height come from the header, swapped when the EXIF orientation is above 4;
// - every frame carries meta.related_images (empty when it has none).
//
// Order: the input order is source by source, each source's files in code-point order; the
// sorting method then applies to the whole list (predefined keeps the input order, or the
// order given by PlanOptions::predefined_order).
#ifndef INGEST_MANIFEST_IMAGE_MANIFEST_H_
#define INGEST_MANIFEST_IMAGE_MANIFEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/file_order.h"
#include "engine/result.h"
#include "engine/scanner.h"

namespace ingest::manifest {

struct PlanOptions {
  SortingMethod sorting = SortingMethod::kLexicographical;
  uint64_t seed = 0;
  // For kPredefined: the frame names (name + extension) in the wanted order. Empty: the input
  // order. Must name exactly the frames found.
  std::vector<std::string> predefined_order;
};

struct ImageManifestPlan {
  std::vector<uint32_t> frames;                   // indices into scan.files, final order
  std::vector<std::vector<std::string>> related;  // related images per frame, same order
};

// Chooses the frames of `scan` and orders them. Fails when two frames would get the same name
// (files of several sources with one relative path), when there are no images, or when
// predefined_order does not name exactly the frames found (with up to 5 examples).
Result<ImageManifestPlan> PlanImageManifest(const ScanResult& scan, const PlanOptions& options);

// Writes the manifest for `plan` to `path` (atomically: temp file, fsync, rename).
Status WriteImageManifest(const std::string& path, const ScanResult& scan,
                          const ImageManifestPlan& plan);

// The frame names (name + extension, i.e. the relative path) in the plan's order.
std::vector<std::string> FrameNames(const ScanResult& scan, const ImageManifestPlan& plan);

}  // namespace ingest::manifest

#endif  // INGEST_MANIFEST_IMAGE_MANIFEST_H_
