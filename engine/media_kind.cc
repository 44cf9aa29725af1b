#include "engine/media_kind.h"

#include <algorithm>
#include <array>
#include <string>

#include "engine/path_text.h"

namespace ingest {
namespace {

// Generated from Debian 12's python3 (3.11) mimetypes.types_map, which includes
// /etc/mime.types: extensions of image/* types except image/svg*, lower-cased, sorted.
constexpr std::array<std::string_view, 111> kImageExtensions = {
    "apng",  "avci", "avcs",  "avif", "azv",  "b16",  "bmp",  "btf",  "btif", "cdr",  "cdt",
    "cgm",   "cpt",  "cr2",   "crw",  "djv",  "djvu", "dpx",  "drle", "dwg",  "dxf",  "emf",
    "erf",   "exr",  "fbs",   "fit",  "fits", "fpx",  "fst",  "fts",  "gif",  "hdr",  "heic",
    "heics", "heif", "heifs", "hej2", "hif",  "hsj2", "ico",  "ief",  "jfif", "jhc",  "jls",
    "jng",   "jp2",  "jpe",   "jpeg", "jpf",  "jpg",  "jpg2", "jpgm", "jph",  "jphc", "jpm",
    "jpx",   "jxl",  "jxr",   "jxra", "jxrs", "jxs",  "jxsc", "jxsi", "jxss", "ktx",  "ktx2",
    "mdi",   "mmr",  "nef",   "orf",  "pat",  "pbm",  "pcx",  "pgb",  "pgm",  "png",  "pnm",
    "ppm",   "psd",  "pti",   "ras",  "rgb",  "rgbe", "rlc",  "s1g",  "s1j",  "s1n",  "sgi",
    "sgif",  "sjp",  "sjpg",  "spn",  "spng", "tap",  "tfx",  "tif",  "tiff", "uvg",  "uvi",
    "uvvg",  "uvvi", "vtf",   "wbmp", "webp", "wmf",  "xbm",  "xcf",  "xif",  "xpm",  "xwd",
    "xyze"};

// Same source: extensions of video/* types.
constexpr std::array<std::string_view, 64> kVideoExtensions = {
    "avi",  "axv",   "bik", "bk2",  "dif", "dv",   "dvb", "fli",  "flv",  "fvt",  "gl",
    "lsf",  "lsx",   "m1v", "m2v",  "m4s", "m4u",  "m4v", "mj2",  "mjp2", "mkv",  "mng",
    "mov",  "movie", "mp4", "mpa",  "mpe", "mpeg", "mpg", "mpg4", "mpv",  "mxu",  "nim",
    "ogv",  "pyv",   "qt",  "s11",  "s14", "s1q",  "smk", "smo",  "smov", "smpg", "ssw",
    "sswf", "uvh",   "uvm", "uvp",  "uvs", "uvu",  "uvv", "uvvh", "uvvm", "uvvp", "uvvs",
    "uvvu", "uvvv",  "viv", "webm", "wm",  "wmv",  "wmx", "wvx",  "yt"};

// Archives libarchive reads and CVAT accepts as one archive source (after the mimetypes step).
constexpr std::array<std::string_view, 14> kArchiveExtensions = {
    "7z", "bz2", "cpio", "gz", "iso", "lz", "lz4", "lzma", "rar", "tar", "xz", "z", "zip", "zst"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& sorted, std::string_view ext) {
  return std::binary_search(sorted.begin(), sorted.end(), ext);
}

// Python mimetypes.suffix_map (keys compared lower-cased).
std::string_view SuffixMap(std::string_view ext_lower) {
  if (ext_lower == ".svgz") return ".svg.gz";
  if (ext_lower == ".tgz" || ext_lower == ".taz" || ext_lower == ".tz") return ".tar.gz";
  if (ext_lower == ".tbz2") return ".tar.bz2";
  if (ext_lower == ".txz") return ".tar.xz";
  return {};
}

// Python mimetypes.encodings_map (compared case-sensitively, as Python does).
bool IsEncodingSuffix(std::string_view ext) {
  return ext == ".gz" || ext == ".Z" || ext == ".bz2" || ext == ".xz" || ext == ".br";
}

}  // namespace

MediaKind ClassifyName(std::string_view name) {
  std::string_view base_name = BaseName(name);
  std::string lower = AsciiLower(base_name);
  if (lower.size() > 6 && lower.ends_with(".jsonl")) return MediaKind::kManifest;

  // mimetypes.guess_type: apply suffix_map, strip one encoding suffix, then look up.
  std::string base(base_name);
  std::string ext(SplitExt(base).extension);
  for (std::string_view mapped = SuffixMap(AsciiLower(ext)); !mapped.empty();
       mapped = SuffixMap(AsciiLower(ext))) {
    base = std::string(SplitExt(base).stem) + std::string(mapped);
    ext = std::string(SplitExt(base).extension);
  }
  if (IsEncodingSuffix(ext)) {
    base = std::string(SplitExt(base).stem);
    ext = std::string(SplitExt(base).extension);
  }
  std::string type_ext = ext.empty() ? std::string() : AsciiLower(ext.substr(1));
  if (Contains(kImageExtensions, type_ext)) return MediaKind::kImage;
  if (Contains(kVideoExtensions, type_ext)) return MediaKind::kVideo;
  if (type_ext == "tar" || type_ext == "zip" || type_ext == "7z" || type_ext == "rar" ||
      type_ext == "cpio")
    return MediaKind::kArchive;

  // Not a media type for Python: archives by their own last extension.
  std::string last = AsciiLower(SplitExt(base_name).extension);
  if (!last.empty() && Contains(kArchiveExtensions, std::string_view(last).substr(1)))
    return MediaKind::kArchive;
  return MediaKind::kOther;
}

std::string_view MediaKindName(MediaKind kind) {
  switch (kind) {
    case MediaKind::kImage:
      return "image";
    case MediaKind::kVideo:
      return "video";
    case MediaKind::kArchive:
      return "archive";
    case MediaKind::kManifest:
      return "manifest";
    case MediaKind::kOther:
      return "other";
  }
  return "other";
}

}  // namespace ingest
