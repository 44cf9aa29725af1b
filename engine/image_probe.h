// Image size and EXIF orientation from file headers, without decoding a pixel.
//
// The answers are the ones CVAT gets from Pillow 9.4 (`Image.open(p).size` and
// `img.getexif().get(274, 1)`), because CVAT trusts the manifest's width/height and swaps
// them when the orientation is > 4. The format is found by content (magic bytes), as Pillow
// finds it, never by the file name. Points where Pillow is surprising, and what we do:
//  - GIF: the size is the logical screen grown to cover the first frame's extent.
//  - JPEG: the last SOF before SOS gives the size (DHP counts as an SOF); EXIF is the first
//    APP1 that starts "Exif\0"; 8-bit samples with 1, 3 or 4 components only (Pillow refuses
//    anything else, so we report Unsupported).
//  - PNG: EXIF comes from the last eXIf chunk before IDAT, else (Pillow loads the image) from
//    the last one after it; then a "Raw profile type exif" text chunk; and, only when no
//    EXIF holds tag 274, `tiff:Orientation` in an "XML:com.adobe.xmp" text chunk.
//  - TIFF: size and orientation from the first IFD; big-endian BigTIFF is Unsupported (Pillow
//    9.4 misreads its header).
//  - WebP: the canvas size (VP8X) or the bitstream size; EXIF from the first EXIF chunk when
//    the VP8X flags announce it; the RIFF structure is checked as libwebp's demuxer does.
//  - PPM (.pbm .pgm .ppm .pnm): the text header as Pillow tokenises it (pnm_probe.cc).
//  - SUN (.ras), SGI (.sgi .rgb), PCX, WMF/EMF: fixed header fields (raster_probe.cc); XBM, XPM and
//    FITS: their text headers (text_image_probe.cc); JPEG 2000 (.jp2 .jpx .jpf .j2k): the SIZ
//    segment or the JP2 header boxes (jpeg2000_probe.cc); ICO: the entry Pillow loads, checked
//    against its PNG or DIB header (ico_probe.cc); PSD: every section Pillow reads when it
//    opens one (psd_probe.cc). Pillow reports no EXIF for any of them.
//  - BMP: header sizes 12, 40, 64, 108 and 124 only, as Pillow; a negative height (top-down)
//    counts as its absolute value.
//  - An EXIF block Pillow cannot parse (bad TIFF header) gives orientation 1. Pillow raises
//    there, or (JPEG without JFIF density) swallows the error and also reports no EXIF.
//    A little-endian BigTIFF EXIF header is an error (Pillow always fails on it).
// Not emulated: Pillow's decompression-bomb limit, its TIFF/BMP mode tables beyond the
// basics, MPO frame selection, and anything only decoding finds (a PNG whose IDAT data is
// corrupt fails in getexif(), which decodes).
#ifndef INGEST_ENGINE_IMAGE_PROBE_H_
#define INGEST_ENGINE_IMAGE_PROBE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/byte_source.h"
#include "engine/result.h"

namespace ingest {

// Pillow's formats that we read sizes of. kPpm and later have no EXIF (orientation 1); which
// of them get a pixel checksum is in engine/pixel_checksum.h.
enum class ImageFormat : uint8_t {
  kUnknown,
  kJpeg,
  kPng,
  kGif,
  kBmp,
  kTiff,
  kWebp,
  kPpm,
  kSun,
  kSgi,
  kPcx,
  kXbm,
  kXpm,
  kFits,
  kJpeg2000,
  kIco,
  kWmf,
  kPsd,
};

struct ImageInfo {
  ImageFormat format = ImageFormat::kUnknown;
  uint32_t width = 0;  // as stored (before any EXIF rotation); never 0 on success
  uint32_t height = 0;
  // Pillow's getexif().get(274, 1), whatever the tag holds (0 and 9 included): integers
  // clamped to [0, 65535], rationals and floats rounded up, 1 when absent or not a number.
  uint16_t orientation = 1;
};

// The format named by the first bytes of a file (at least 16 are needed to tell WebP);
// kUnknown when none matches.
ImageFormat DetectImageFormat(std::span<const std::byte> prefix);

// Probes the image in `src`. Reads a few KiB for ordinary files (a PNG with no EXIF before
// its image data is walked chunk by chunk to its end, as Pillow does). Errors:
//  - Unsupported: not one of the formats above, or a variant Pillow cannot open;
//  - Corruption: a truncated or malformed header, with a message naming the problem
//    ("JPEG: no SOF marker before end of file", "PNG: truncated IHDR");
//  - IoError: the source failed.
// The caller prefixes the file name.
Result<ImageInfo> ProbeImage(ByteSource& src);

// ProbeImage over the file at `path`; every error names the file.
Result<ImageInfo> ProbeImageFile(const std::string& path);

// Pillow's format name ("JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP", "PPM", "SUN", "SGI",
// "PCX", "XBM", "XPM", "FITS", "JPEG2000", "ICO", "WMF", "PSD"), or "unknown".
std::string_view ImageFormatName(ImageFormat format);

}  // namespace ingest

#endif  // INGEST_ENGINE_IMAGE_PROBE_H_
