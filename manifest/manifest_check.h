// Manifest validation, as the CVAT server validates an uploaded manifest.
//
// Structure (CVAT's is_manifest, which looks at the first lines only): version "1.0" or
// "1.1"; type "images" or "video"; for video, properties with a string name, a resolution
// list and a non-zero integer length, and a first key frame with integer number and pts; for
// images, a first item whose name and extension are strings. Any failure there is fatal on the
// server ("Invalid manifest was uploaded").
//
// Images: for every frame position i the server requires
// image_path[i].endswith(manifest[i].name + manifest[i].extension), where image_path[i] is the
// i-th file in the task's final order ("Incorrect file mapping to manifest content"). Width,
// height and checksum are trusted, not checked.
#ifndef INGEST_MANIFEST_MANIFEST_CHECK_H_
#define INGEST_MANIFEST_MANIFEST_CHECK_H_

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "engine/result.h"

namespace ingest::manifest {

struct CheckReport {
  // Empty when the structure is valid; else what is wrong, with the file and line.
  std::string structure_error;
  size_t entries = 0;  // image lines read
  size_t files = 0;    // files given
  struct Mismatch {
    size_t index = 0;  // frame position (0-based)
    size_t line = 0;   // manifest line (1-based), 0 when the manifest has no line for it
    std::string expected_suffix;  // name + extension from the manifest; empty if no line
    std::string file;             // the file at that position; empty if no file
  };
  std::vector<Mismatch> mismatches;  // the first max_reported ones, in order
  size_t mismatch_count = 0;         // all of them, counting a length difference once per slot

  bool ok() const { return structure_error.empty() && mismatch_count == 0; }
};

// Checks the manifest at `path` against `files_in_final_order` (the paths the server will
// see, in its final order; pass what the server compares, e.g. relative paths or absolute
// upload paths). Only I/O errors are returned as errors; problems with the manifest are in the
// report. A video manifest gets the structure check only.
Result<CheckReport> CheckImageManifest(const std::string& path,
                                       std::span<const std::string> files_in_final_order,
                                       size_t max_reported);

}  // namespace ingest::manifest

#endif  // INGEST_MANIFEST_MANIFEST_CHECK_H_
