// Related images, as CVAT's manifest tool finds them for 2D data:
//
//   data/00001.png
//   data/related_images/00001_png/context_1.jpeg
//
// An image whose path contains "related_images/" is not a frame. For a frame "d/x.png" the
// related images are the image files directly inside "d/related_images/x_png/" (the last dot
// of the base name turned into '_'), as paths relative to the source root, in code-point
// order. Every frame gets a list, empty when it has none: CVAT's tool then writes
// "meta":{"related_images":[]} on every line.
#ifndef INGEST_MANIFEST_RELATED_IMAGES_H_
#define INGEST_MANIFEST_RELATED_IMAGES_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::manifest {

// True when `rel_path` is a frame, i.e. not inside a related_images folder.
bool IsFrame(std::string_view rel_path);

// `all_files`: every file path of the source (relative, '/'-separated); `frames`: the frame
// paths. Returns, for each frame, its related images.
std::vector<std::vector<std::string>> DetectRelatedImages(std::span<const std::string_view> all_files,
                                                          std::span<const std::string_view> frames);

}  // namespace ingest::manifest

#endif  // INGEST_MANIFEST_RELATED_IMAGES_H_
