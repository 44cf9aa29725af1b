// Pixel checksums for GIF (giflib) and TIFF (libtiff, over memory); BMP is in
// engine/pixel_bmp.cc. See engine/pixel_checksum.h for the
// modes and what Pillow's tobytes() gives for each.
#include <algorithm>
#include <cstring>
#include <vector>

#include <gif_lib.h>
#include <tiffio.h>

#include "engine/byte_source.h"
#include "engine/image_probe_internal.h"
#include "engine/pixel_checksum_internal.h"

namespace ingest::pixels {
namespace {

// ---- GIF

struct GifInput {
  std::span<const std::byte> file;
  size_t pos = 0;
};

int GifRead(GifFileType* gif, GifByteType* out, int n) {
  auto* in = static_cast<GifInput*>(gif->UserData);
  size_t take = std::min<size_t>(static_cast<size_t>(n), in->file.size() - in->pos);
  std::memcpy(out, in->file.data() + in->pos, take);
  in->pos += take;
  return static_cast<int>(take);
}

struct GifCloser {
  void operator()(GifFileType* g) const noexcept {
    int error = 0;
    DGifCloseFile(g, &error);
  }
};

Status GifError(int code) {
  const char* text = GifErrorString(code);
  return Status::Corruption(std::string("GIF: ") + (text ? text : "decoding failed"));
}

}  // namespace

Status HashGifPixels(std::span<const std::byte> file, Md5Sink* sink) {
  GifInput input{file};
  int error = 0;
  std::unique_ptr<GifFileType, GifCloser> gif(DGifOpen(&input, GifRead, &error));
  if (!gif) return GifError(error);
  int transparency = -1;  // from the last graphic control block with the flag, as Pillow
  for (;;) {
    GifRecordType type;
    if (DGifGetRecordType(gif.get(), &type) == GIF_ERROR) return GifError(gif->Error);
    if (type == TERMINATE_RECORD_TYPE) return Status::Corruption("GIF: no image in the file");
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* ext = nullptr;
      if (DGifGetExtension(gif.get(), &code, &ext) == GIF_ERROR) return GifError(gif->Error);
      if (code == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] >= 4 && (ext[1] & 1)) {
        transparency = ext[4];
      }
      while (ext) {
        if (DGifGetExtensionNext(gif.get(), &ext) == GIF_ERROR) return GifError(gif->Error);
      }
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif.get()) == GIF_ERROR) return GifError(gif->Error);
    const GifImageDesc& d = gif->Image;
    uint32_t left = static_cast<uint32_t>(d.Left), top = static_cast<uint32_t>(d.Top);
    uint32_t fw = static_cast<uint32_t>(d.Width), fh = static_cast<uint32_t>(d.Height);
    // Pillow's canvas: the logical screen grown to cover the first frame.
    uint32_t width = std::max<uint32_t>(static_cast<uint32_t>(gif->SWidth), left + fw);
    uint32_t height = std::max<uint32_t>(static_cast<uint32_t>(gif->SHeight), top + fh);
    INGEST_RETURN_IF_ERROR(CheckPixelCount("GIF", width, height));
    std::vector<uint8_t> canvas(size_t{width} * height,
                                static_cast<uint8_t>(transparency < 0 ? 0 : transparency));
    std::vector<uint8_t> line(fw);
    auto put_row = [&](uint32_t y) {
      if (fw == 0) return;  // nothing to copy (and the canvas may be empty)
      std::memcpy(&canvas[size_t{top + y} * width + left], line.data(), fw);
    };
    if (d.Interlace) {
      static constexpr uint32_t kStart[] = {0, 4, 2, 1}, kStep[] = {8, 8, 4, 2};
      for (int pass = 0; pass < 4; ++pass) {
        for (uint32_t y = kStart[pass]; y < fh; y += kStep[pass]) {
          if (DGifGetLine(gif.get(), line.data(), static_cast<int>(fw)) == GIF_ERROR) {
            return GifError(gif->Error);
          }
          put_row(y);
        }
      }
    } else {
      for (uint32_t y = 0; y < fh; ++y) {
        if (DGifGetLine(gif.get(), line.data(), static_cast<int>(fw)) == GIF_ERROR) {
          return GifError(gif->Error);
        }
        put_row(y);
      }
    }
    sink->Update(canvas.data(), canvas.size());
    return Status();
  }
}

// ---- TIFF (libtiff over memory)

namespace {

struct TiffInput {
  std::span<const std::byte> file;
  toff_t pos = 0;
};

tsize_t TiffReadProc(thandle_t h, tdata_t buf, tsize_t n) {
  auto* in = static_cast<TiffInput*>(h);
  if (in->pos >= in->file.size()) return 0;
  size_t take = std::min<size_t>(static_cast<size_t>(n), in->file.size() - in->pos);
  std::memcpy(buf, in->file.data() + in->pos, take);
  in->pos += take;
  return static_cast<tsize_t>(take);
}
tsize_t TiffWriteProc(thandle_t, tdata_t, tsize_t) { return 0; }
toff_t TiffSeekProc(thandle_t h, toff_t off, int whence) {
  auto* in = static_cast<TiffInput*>(h);
  if (whence == SEEK_CUR) off += in->pos;
  if (whence == SEEK_END) off += in->file.size();
  in->pos = off;
  return off;
}
int TiffCloseProc(thandle_t) { return 0; }
toff_t TiffSizeProc(thandle_t h) { return static_cast<TiffInput*>(h)->file.size(); }
int TiffMapProc(thandle_t h, tdata_t* base, toff_t* size) {
  auto* in = static_cast<TiffInput*>(h);
  *base = const_cast<std::byte*>(in->file.data());
  *size = in->file.size();
  return 1;
}
void TiffUnmapProc(thandle_t, tdata_t, toff_t) {}

struct TiffCloser {
  void operator()(TIFF* t) const noexcept { TIFFClose(t); }
};

}  // namespace

namespace {

// Pillow 9.4 applies a TIFF's Orientation tag when it loads the image (TiffImageFile's
// load_end transposes by the tag, as ImageOps.exif_transpose would), so tobytes() hashes the
// turned pixels: `image` (w x h pixels of `bpp` bytes, rows top to bottom) is hashed as
// Pillow's transpose for orientation 2..8 leaves it.
void HashOriented(const std::vector<uint8_t>& image, uint32_t w, uint32_t h, size_t bpp,
                  uint16_t orientation, Md5Sink* sink) {
  const bool swap = orientation >= 5;  // TRANSPOSE, ROTATE_270, TRANSVERSE, ROTATE_90
  const uint32_t out_w = swap ? h : w, out_h = swap ? w : h;
  std::vector<uint8_t> row(size_t{out_w} * bpp);
  for (uint32_t y = 0; y < out_h; ++y) {
    for (uint32_t x = 0; x < out_w; ++x) {
      uint32_t sx = x, sy = y;
      switch (orientation) {
        case 2: sx = w - 1 - x; break;                         // FLIP_LEFT_RIGHT
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;         // ROTATE_180
        case 4: sy = h - 1 - y; break;                         // FLIP_TOP_BOTTOM
        case 5: sx = y; sy = x; break;                         // TRANSPOSE
        case 6: sx = y; sy = h - 1 - x; break;                 // ROTATE_270
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;         // TRANSVERSE
        default: sx = w - 1 - y; sy = x; break;                // 8: ROTATE_90
      }
      std::memcpy(&row[size_t{x} * bpp], &image[(size_t{sy} * w + sx) * bpp], bpp);
    }
    sink->Update(row.data(), row.size());
  }
}

}  // namespace

Status HashTiffPixels(std::span<const std::byte> file, Md5Sink* sink) {
  TiffInput input{file};
  TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
  // Errors and warnings stay quiet: the status carries what matters.
  TIFFOpenOptionsSetErrorHandlerExtR(
      opts, [](TIFF*, void*, const char*, const char*, va_list) { return 1; }, nullptr);
  TIFFOpenOptionsSetWarningHandlerExtR(
      opts, [](TIFF*, void*, const char*, const char*, va_list) { return 1; }, nullptr);
  std::unique_ptr<TIFF, TiffCloser> tif(
      TIFFClientOpenExt("memory", "rm", &input, TiffReadProc, TiffWriteProc, TiffSeekProc,
                        TiffCloseProc, TiffSizeProc, TiffMapProc, TiffUnmapProc, opts));
  TIFFOpenOptionsFree(opts);
  if (!tif) return Status::Corruption("TIFF: cannot read the header");
  uint32_t width = 0, height = 0;
  uint16_t bps = 1, spp = 1, photometric = 0, planar = PLANARCONFIG_CONTIG, fill = 1;
  uint16_t sample_format = SAMPLEFORMAT_UINT, orientation = ORIENTATION_TOPLEFT;
  uint16_t compression = COMPRESSION_NONE;
  TIFFGetField(tif.get(), TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(tif.get(), TIFFTAG_IMAGELENGTH, &height);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_BITSPERSAMPLE, &bps);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_FILLORDER, &fill);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_SAMPLEFORMAT, &sample_format);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_COMPRESSION, &compression);
  TIFFGetField(tif.get(), TIFFTAG_ORIENTATION, &orientation);
  if (!TIFFGetField(tif.get(), TIFFTAG_PHOTOMETRIC, &photometric)) {
    return Status::Unsupported("TIFF: no photometric interpretation");
  }
  // libtiff keeps the first of two entries for one tag, Pillow the last: where they read
  // another size (repeated or conflicting tags, found by the pixels fuzzer), libtiff's
  // pixels are not the ones Pillow hashes.
  SpanByteSource header(file);
  Result<ImageInfo> pillow = probe_internal::ProbeTiff(header);
  if (!pillow) return pillow.error();
  if (pillow->width != width || pillow->height != height) {
    return Status::Unsupported("TIFF: libtiff reads " + std::to_string(width) + "x" +
                               std::to_string(height) + " pixels where Pillow reads " +
                               std::to_string(pillow->width) + "x" +
                               std::to_string(pillow->height) +
                               " (repeated size tags): no exact pixel checksum");
  }
  INGEST_RETURN_IF_ERROR(CheckPixelCount("TIFF", width, height));
  uint16_t n_extra = 0;
  uint16_t* extra = nullptr;
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_EXTRASAMPLES, &n_extra, &extra);
  bool big_endian = TIFFIsBigEndian(tif.get());
  if (planar != PLANARCONFIG_CONTIG && spp > 1) return Status::Unsupported("TIFF: planar data");
  if (fill != FILLORDER_MSB2LSB) return Status::Unsupported("TIFF: LSB-first fill order");
  if (TIFFIsTiled(tif.get())) return Status::Unsupported("TIFF: tiled image");

  enum class Kind { kBits, kBitsInverted, kCopy, kInverted, kIndexBits, kGrey16, kSwap32 };
  Kind kind;
  size_t out_bytes;
  bool grey = photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE;
  bool white = photometric == PHOTOMETRIC_MINISWHITE;
  if (grey && spp == 1 && bps == 1) {
    kind = white ? Kind::kBitsInverted : Kind::kBits;
    out_bytes = (width + 7) / 8;
  } else if (grey && spp == 1 && bps == 8) {
    kind = white ? Kind::kInverted : Kind::kCopy;
    out_bytes = width;
  } else if (photometric == PHOTOMETRIC_MINISBLACK && spp == 1 && bps == 16) {
    kind = Kind::kGrey16;  // I;16 (little-endian file) or I;16B (big-endian file)
    out_bytes = size_t{width} * 2;
  } else if (photometric == PHOTOMETRIC_MINISBLACK && spp == 1 && bps == 32 &&
             sample_format == SAMPLEFORMAT_IEEEFP) {
    // Mode F. Pillow reads an uncompressed file itself (F;32F or F;32BF to native floats, as
    // libtiff hands them); a compressed one through libtiff, whose host-order floats it then
    // unpacks as F;32BF for a big-endian file: the bytes stay swapped (the file's order).
    kind = big_endian && compression != COMPRESSION_NONE ? Kind::kSwap32 : Kind::kCopy;
    out_bytes = size_t{width} * 4;
  } else if (photometric == PHOTOMETRIC_RGB && bps == 8 &&
             (spp == 3 || (spp == 4 && n_extra == 1 && extra[0] == EXTRASAMPLE_UNASSALPHA))) {
    kind = Kind::kCopy;
    out_bytes = size_t{width} * spp;
  } else if (photometric == PHOTOMETRIC_SEPARATED && bps == 8 && spp == 4 && n_extra == 0) {
    kind = Kind::kCopy;  // CMYK
    out_bytes = size_t{width} * 4;
  } else if (photometric == PHOTOMETRIC_PALETTE && spp == 1 && (bps == 8 || bps == 4)) {
    kind = bps == 8 ? Kind::kCopy : Kind::kIndexBits;
    out_bytes = width;
  } else {
    return Status::Unsupported("TIFF: photometric " + std::to_string(photometric) + ", " +
                               std::to_string(spp) + " samples of " + std::to_string(bps) +
                               " bits");
  }
  const bool turned = orientation >= 2 && orientation <= 8;
  if (turned && (kind == Kind::kBits || kind == Kind::kBitsInverted)) {
    return Status::Unsupported("TIFF: 1-bit image with Orientation " +
                               std::to_string(orientation) +
                               " (Pillow turns it on load): no exact pixel checksum");
  }
  // A turned image is gathered whole, then hashed as Pillow turns it.
  std::vector<uint8_t> image;
  if (turned) image.reserve(out_bytes * height);
  std::vector<uint8_t> row(static_cast<size_t>(TIFFScanlineSize(tif.get())) + 8);
  std::vector<uint8_t> out(out_bytes);
  for (uint32_t y = 0; y < height; ++y) {
    if (TIFFReadScanline(tif.get(), row.data(), y, 0) < 0) {
      return Status::Corruption("TIFF: cannot decode row " + std::to_string(y));
    }
    const uint8_t* r = row.data();
    switch (kind) {
      case Kind::kBits:
        PackBitsRow(r, width, false, out.data());
        break;
      case Kind::kBitsInverted:
        PackBitsRow(r, width, true, out.data());
        break;
      case Kind::kCopy:
        std::memcpy(out.data(), r, out_bytes);
        break;
      case Kind::kInverted:
        for (size_t i = 0; i < out_bytes; ++i) out[i] = static_cast<uint8_t>(255 - r[i]);
        break;
      case Kind::kIndexBits:
        UnpackSubByteRow(r, width, 4, 1, out.data());
        break;
      case Kind::kGrey16:
        // libtiff hands samples in host (little-endian) order; Pillow keeps the file's.
        for (uint32_t x = 0; x < width; ++x) {
          out[2 * x] = big_endian ? r[2 * x + 1] : r[2 * x];
          out[2 * x + 1] = big_endian ? r[2 * x] : r[2 * x + 1];
        }
        break;
      case Kind::kSwap32:
        for (size_t i = 0; i + 4 <= out_bytes; i += 4) {
          out[i] = r[i + 3];
          out[i + 1] = r[i + 2];
          out[i + 2] = r[i + 1];
          out[i + 3] = r[i];
        }
        break;
    }
    if (turned) {
      image.insert(image.end(), out.begin(), out.end());
    } else {
      sink->Update(out.data(), out_bytes);
    }
  }
  if (turned) HashOriented(image, width, height, out_bytes / width, orientation, sink);
  return Status();
}

}  // namespace ingest::pixels
