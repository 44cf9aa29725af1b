// Photoshop (.psd): the size as Pillow 9.4's PsdImagePlugin finds it when it opens a file.
// Pillow reads far more than the header when it opens one: the colour mode data, the image
// resources, the whole layer section (each layer's record and its channels' compression
// headers) and the merged image's compression header. A short read there is a file Pillow
// does not identify (struct.error, IndexError, TypeError), except where it uses _safe_read
// or seeks to a negative offset, which raise OSError/ValueError (errors). This walk follows
// the same reads so the outcome is Pillow's.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/image_probe_internal.h"
#include "engine/status.h"

namespace ingest::probe_internal {
namespace {

constexpr size_t kMaxLayerSection = 64 << 20;

enum class Outcome { kOk, kUnidentified, kError };

// Python's file (or BytesIO) read/seek/tell over a byte source or a string.
class PyStream {
 public:
  PyStream(ByteSource* src, std::string_view mem) : src_(src), mem_(mem) {}
  uint64_t size() const { return src_ != nullptr ? src_->size() : mem_.size(); }
  uint64_t tell() const { return pos_; }
  // read(n): up to n bytes (all the rest when n < 0).
  Status Read(int64_t n, std::string* out) {
    uint64_t avail = pos_ < size() ? size() - pos_ : 0;
    uint64_t want = n < 0 ? avail : std::min<uint64_t>(static_cast<uint64_t>(n), avail);
    out->assign(want, '\0');
    if (want > 0) {
      if (src_ != nullptr) {
        INGEST_ASSIGN_OR_RETURN(size_t got, src_->ReadAt(pos_, out->data(), want));
        out->resize(got);
      } else {
        out->assign(mem_.substr(pos_, want));
      }
    }
    pos_ += out->size();
    return Status();
  }
  // seek(offset, whence): false where Python raises (a negative position: EINVAL for a file,
  // ValueError for an absolute BytesIO seek; a relative BytesIO seek clamps to 0).
  bool Seek(int64_t offset, bool relative) {
    int64_t to = relative ? static_cast<int64_t>(pos_) + offset : offset;
    if (to < 0) {
      if (src_ == nullptr && relative) {
        to = 0;
      } else {
        return false;
      }
    }
    pos_ = static_cast<uint64_t>(to);
    return true;
  }

 private:
  ByteSource* src_;
  std::string_view mem_;
  uint64_t pos_ = 0;
};

uint32_t U32(const std::string& s, size_t at = 0) {
  return Be32(reinterpret_cast<const uint8_t*>(s.data()) + at);
}
uint16_t U16(const std::string& s, size_t at = 0) {
  return Be16(reinterpret_cast<const uint8_t*>(s.data()) + at);
}

// Reads exactly n bytes the way struct.unpack needs them; kUnidentified when short.
#define PSD_READ(stream, n, out)                        \
  do {                                                  \
    INGEST_RETURN_IF_ERROR((stream).Read((n), &(out))); \
    if ((out).size() < static_cast<size_t>(n)) {        \
      *outcome = Outcome::kUnidentified;                \
      return Status();                                  \
    }                                                   \
  } while (0)

// ImageFile._safe_read: short is an OSError.
#define PSD_SAFE_READ(stream, n, out)                   \
  do {                                                  \
    INGEST_RETURN_IF_ERROR((stream).Read((n), &(out))); \
    if ((out).size() < static_cast<size_t>(n)) {        \
      *outcome = Outcome::kError;                       \
      return Status();                                  \
    }                                                   \
  } while (0)

// _maketile(file, mode, bbox, channels) for its reads and seeks only.
Status MakeTile(PyStream& f, int64_t channels, int64_t xsize, int64_t ysize, Outcome* outcome) {
  std::string b;
  PSD_READ(f, 2, b);
  unsigned compression = U16(b);
  int64_t offset = static_cast<int64_t>(f.tell());
  if (compression == 0) {
    // Python's integers do not overflow, but its seek does past 2^63 (OverflowError).
    int64_t area = 0;
    if (__builtin_mul_overflow(channels, xsize, &area) ||
        __builtin_mul_overflow(area, ysize, &area) ||
        __builtin_add_overflow(offset, area, &offset)) {
      *outcome = Outcome::kError;
      return Status();
    }
  } else if (compression == 1) {
    std::string counts;
    INGEST_RETURN_IF_ERROR(f.Read(channels * ysize * 2, &counts));  // negative: to the end
    offset = static_cast<int64_t>(f.tell());
    size_t i = 0;
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t y = 0; y < ysize; ++y, i += 2) {
        if (i + 2 > counts.size()) {
          *outcome = Outcome::kUnidentified;
          return Status();
        }
        offset += U16(counts, i);
      }
    }
  }
  if (!f.Seek(offset, false)) {
    *outcome = Outcome::kError;
    return Status();
  }
  if (offset & 1) INGEST_RETURN_IF_ERROR(f.Read(1, &b));
  return Status();
}

// _layerinfo over the layer block (in memory): each record, then each layer's tiles.
Status LayerInfo(std::string_view block, Outcome* outcome) {
  PyStream f(nullptr, block);
  std::string b;
  PSD_SAFE_READ(f, 2, b);
  int64_t ct = static_cast<int16_t>(U16(b));
  ct = ct < 0 ? -ct : ct;
  if (static_cast<int64_t>(block.size()) < ct * 20) {
    *outcome = Outcome::kUnidentified;
    return Status();
  }
  struct Layer {
    std::string mode;  // "" for None
    int64_t xsize, ysize;
  };
  std::vector<Layer> layers;
  for (int64_t k = 0; k < ct; ++k) {
    PSD_SAFE_READ(f, 16, b);
    int64_t y0 = U32(b), x0 = U32(b, 4), y1 = U32(b, 8), x1 = U32(b, 12);
    PSD_SAFE_READ(f, 2, b);
    unsigned types = U16(b);
    if (types > 4) continue;
    std::string letters;
    for (unsigned t = 0; t < types; ++t) {
      PSD_SAFE_READ(f, 2, b);
      unsigned type = U16(b);
      if (type != 65535 && type > 3) {
        *outcome = Outcome::kUnidentified;  // "RGBA"[type]: IndexError
        return Status();
      }
      letters.push_back(type == 65535 ? 'A' : "RGBA"[type]);
      PSD_SAFE_READ(f, 4, b);
    }
    std::sort(letters.begin(), letters.end());
    std::string mode = letters == "R"      ? "L"
                       : letters == "BGR"  ? "RGB"
                       : letters == "ABGR" ? "RGBA"
                                           : "";
    PSD_SAFE_READ(f, 12, b);
    PSD_SAFE_READ(f, 4, b);
    if (uint32_t size = U32(b)) {
      int64_t data_end = static_cast<int64_t>(f.tell()) + size;
      PSD_SAFE_READ(f, 4, b);
      if (uint32_t length = U32(b)) f.Seek(int64_t{length} - 16, true);
      PSD_SAFE_READ(f, 4, b);
      if (uint32_t length = U32(b)) f.Seek(length, true);
      PSD_SAFE_READ(f, 1, b);
      if (unsigned length = static_cast<uint8_t>(b[0])) PSD_SAFE_READ(f, length, b);
      f.Seek(data_end, false);
    }
    layers.push_back({mode, x1 - x0, y1 - y0});
  }
  for (const Layer& layer : layers) {
    if (layer.mode.empty()) {
      *outcome = Outcome::kUnidentified;  // iterating over None: TypeError
      return Status();
    }
    for (size_t m = 0; m < layer.mode.size(); ++m) {
      INGEST_RETURN_IF_ERROR(MakeTile(f, 1, layer.xsize, layer.ysize, outcome));
      if (*outcome != Outcome::kOk) return Status();
    }
  }
  return Status();
}

Status WalkPsd(ByteSource& src, ImageInfo* info, PsdLayout* layout, Outcome* outcome) {
  PyStream f(&src, {});
  std::string s, b;
  PSD_READ(f, 26, s);
  if (s.compare(0, 4, "8BPS") != 0 || U16(s, 4) != 1) {
    *outcome = Outcome::kUnidentified;
    return Status();
  }
  unsigned bits = U16(s, 22), channels_in_file = U16(s, 12), mode = U16(s, 24);
  int64_t channels = 0;
  if (bits == 1 && mode == 0) channels = 1;
  if (bits == 8 && (mode <= 2 || mode == 7 || mode == 8)) channels = 1;
  if (bits == 8 && (mode == 3 || mode == 9)) channels = 3;
  if (bits == 8 && mode == 4) channels = 4;
  if (channels == 0) {
    *outcome = Outcome::kUnidentified;  // MODES[...]: KeyError
    return Status();
  }
  if (channels > channels_in_file) {
    *outcome = Outcome::kError;  // OSError "not enough channels"
    return Status();
  }
  if (mode == 3 && bits == 8 && channels_in_file == 4) channels = 4;
  *layout = {0, mode, bits, static_cast<unsigned>(channels)};
  info->width = U32(s, 18);
  info->height = U32(s, 14);
  PSD_READ(f, 4, b);  // colour mode data
  if (uint32_t size = U32(b)) INGEST_RETURN_IF_ERROR(f.Read(size, &b));
  PSD_READ(f, 4, b);  // image resources
  if (uint32_t size = U32(b)) {
    uint64_t end = f.tell() + size;
    while (f.tell() < end) {
      INGEST_RETURN_IF_ERROR(f.Read(4, &b));
      PSD_READ(f, 2, b);
      PSD_READ(f, 1, b);
      std::string name;
      INGEST_RETURN_IF_ERROR(f.Read(static_cast<uint8_t>(b[0]), &name));
      if (!(name.size() & 1)) INGEST_RETURN_IF_ERROR(f.Read(1, &b));
      PSD_READ(f, 4, b);
      std::string data;
      INGEST_RETURN_IF_ERROR(f.Read(U32(b), &data));
      if (data.size() & 1) INGEST_RETURN_IF_ERROR(f.Read(1, &b));
    }
  }
  PSD_READ(f, 4, b);  // layer and mask information
  if (uint32_t size = U32(b)) {
    int64_t end = static_cast<int64_t>(f.tell()) + size;
    PSD_READ(f, 4, b);
    if (uint32_t layer_size = U32(b)) {
      if (layer_size > kMaxLayerSection) {
        *outcome = Outcome::kError;
        return Status::Unsupported("PSD: layer section too large to check");
      }
      std::string block;
      PSD_SAFE_READ(f, layer_size, block);
      INGEST_RETURN_IF_ERROR(LayerInfo(block, outcome));
      if (*outcome != Outcome::kOk) return Status();
    }
    f.Seek(end, false);
  }
  layout->tile_at = f.tell();
  return MakeTile(f, channels, info->width, info->height, outcome);
}

#undef PSD_READ
#undef PSD_SAFE_READ

}  // namespace

Result<ImageInfo> ProbePsd(ByteSource& src, PsdLayout* layout) {
  ImageInfo info;
  info.format = ImageFormat::kPsd;
  Outcome outcome = Outcome::kOk;
  PsdLayout found;
  INGEST_RETURN_IF_ERROR(WalkPsd(src, &info, &found, &outcome));
  if (outcome == Outcome::kUnidentified)
    return Status::Unsupported("PSD: Pillow cannot identify it");
  if (outcome == Outcome::kError) return Status::Corruption("PSD: truncated or malformed header");
  if (info.width == 0 || info.height == 0) {
    return Status::Unsupported("PSD: width or height is 0");
  }
  if (layout) *layout = found;
  return info;
}

}  // namespace ingest::probe_internal
