// What a file is, judged by its name as CVAT judges it (Python's mimetypes on Debian 12).
#ifndef INGEST_ENGINE_MEDIA_KIND_H_
#define INGEST_ENGINE_MEDIA_KIND_H_

#include <cstdint>
#include <string_view>

namespace ingest {

enum class MediaKind : uint8_t {
  kImage,     // image/* except SVG
  kVideo,     // video/*
  kArchive,   // zip, tar (any compression), 7z, rar, cpio, iso
  kManifest,  // .jsonl
  kOther,     // anything else: CVAT skips it
};

inline constexpr int kMediaKindCount = 5;

// Classifies a file name (a base name or a path) by extension, case-insensitively, following
// Python's mimetypes.guess_type: ".tgz" means ".tar.gz", and a trailing compression suffix
// (".gz", ".bz2", ".xz", ".Z", ".br") is an encoding, so "a.jpg.gz" is an image, as CVAT's
// manifest tool sees it. Names that Python maps to no type but are archives we can read
// ("a.zip", "a.7z", "a.tar.zst") are kArchive.
MediaKind ClassifyName(std::string_view name);

// True for a path inside a "related_images" folder: context images of a 2D frame in CVAT's
// layout (data/related_images/<frame>_<ext>/...), which are not frames themselves. The rule
// is CVAT's manifest tool's: the path contains "related_images/".
inline bool IsInRelatedImagesFolder(std::string_view rel_path) {
  return rel_path.find("related_images/") != std::string_view::npos;
}

// "image", "video", "archive", "manifest", "other".
std::string_view MediaKindName(MediaKind kind);

}  // namespace ingest

#endif  // INGEST_ENGINE_MEDIA_KIND_H_
