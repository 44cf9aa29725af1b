// Pixel checksums: the md5 of an image's decoded pixels exactly as CVAT's manifest tool
// computes it, `hashlib.md5(PIL.Image.open(p).tobytes()).hexdigest()` with Pillow 9.4: the
// pixels of the image as opened, in Pillow's native mode for the file, before any EXIF
// rotation. The decoders are the ones Pillow itself links (libjpeg-turbo, libpng's zlib data,
// libtiff, libwebp, OpenJPEG) or, where Pillow decodes in its own code (GIF, BMP, uncompressed TIFF),
// giflib and our own readers; what Pillow's "tobytes" makes of each mode is reproduced here:
//  - JPEG: L, RGB (libjpeg's YCbCr->RGB with its defaults: JDCT_ISLOW, fancy upsampling),
//    CMYK inverted (Pillow assumes Adobe polarity: 255 - libjpeg's samples).
//  - PNG: "1" packed 8 pixels a byte, MSB first, pad bits zero; 2/4-bit grey scaled to L;
//    P indices one a byte; 16-bit grey as mode I (int32, little-endian); 16-bit RGB/RGBA
//    reduced to their high bytes; 16-bit grey+alpha as RGBA (L, L, L, A high bytes).
//  - GIF: the first frame's indices (mode P or L) on the canvas Pillow makes: the logical
//    screen grown to the frame, filled with the transparent index (else 0) outside it.
//  - BMP: 1/4/8-bit palette indices ("1" or L when the palette is the grey ramp), 16-bit
//    5-5-5 and 5-6-5, 24-bit and 32-bit (BGRX, or RGBA for the bit-field layouts with alpha).
//  - TIFF: 1-bit ("1", min-is-white inverted), 8-bit L (inverted for min-is-white), 16-bit
//    grey (I;16 / I;16B as the file's byte order), 32-bit float grey (F: native floats, but
//    the file's byte order for a compressed big-endian file, which Pillow unpacks twice),
//    RGB, RGBA (unassociated alpha), CMYK, 8/4-bit palette; turned by the Orientation tag
//    as Pillow turns the image on load (a 1-bit image with that tag is Unsupported).
//  - WebP: RGB, or RGBA when the bitstream has alpha.
//  - PNM: "1", L, I, RGB and the PIL extensions P, RGBA, CMYK, raw and plain, with Pillow's
//    scaling of other maxvals (engine/pixel_pnm.cc; comments inside plain data and tokens
//    that are not plain digits are Unsupported).
//  - Sun raster and PCX: "1", L, P, RGB; SGI: L, RGB, RGBA, 8 or 16 bits; raw or run-length
//    coded (engine/pixel_raster.cc, engine/pixel_rle.cc).
//  - XBM ("1"), XPM (P: the pixel characters themselves), FITS (L, I, F as Pillow 9.4 reads
//    them) (engine/pixel_text.cc).
//  - ICO: the icon Pillow loads, a PNG (as a PNG file) or a DIB of 1/4/8/16/24/32 bits made
//    RGBA with the AND mask or the 32-bit icon's alpha bytes (engine/pixel_ico.cc).
//  - PSD: the merged image, raw or PackBits: "1", L, P, RGB, RGBA, CMYK, LAB
//    (engine/pixel_psd.cc; ZIP-compressed data Pillow cannot load).
//  - JPEG 2000 (JP2 or codestream): L, LA, RGB, RGBA, I;16 through OpenJPEG, driven as
//    Pillow drives it, and Pillow's precision shifts (engine/pixel_jpeg2000.cc; YCC colour
//    and subsampled colour components are Unsupported).
//  - WMF/EMF: Unsupported, as Pillow cannot load their pixels on Linux.
// Anything else (animated WebP, BMP RLE, TIFF with associated alpha or planar data, 16-bit
// CMYK, RLE DIBs in icons ...) is Unsupported: no checksum
// rather than a wrong one. So is an image over Pillow's decompression bomb limit (more than
// 178,956,970 pixels by its header), which Pillow refuses to open.
#ifndef INGEST_ENGINE_PIXEL_CHECKSUM_H_
#define INGEST_ENGINE_PIXEL_CHECKSUM_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/result.h"

namespace ingest {

// An md5 digest; all zero means "not computed" (as for Hash128).
struct PixelMd5 {
  std::array<uint8_t, 16> bytes{};
  bool empty() const {
    for (uint8_t b : bytes) {
      if (b) return false;
    }
    return true;
  }
  // 32 lower-case hex digits (Python's hexdigest()).
  std::string Hex() const;
  friend bool operator==(const PixelMd5&, const PixelMd5&) = default;
};

// The md5 of the pixels of the image file held in `file` (the whole file). The format is
// found by content. Errors: Unsupported (a format or mode listed above as unsupported),
// Corruption (the decoder failed, or the file ends before its pixels do; Pillow raises
// there too). Thread-safe; allocates one image (or one band of rows) per call.
Result<PixelMd5> ComputePixelChecksum(std::span<const std::byte> file);

// Decoded pixels: the first `size` bytes of `storage`. Reused from image to image; storage
// only grows, so a reused buffer is written without being cleared first.
struct PixelBuffer {
  std::vector<uint8_t> storage;
  size_t size = 0;
  std::span<const uint8_t> bytes() const { return {storage.data(), size}; }
};

// The bytes ComputePixelChecksum hashes (Pillow's tobytes() of the image), decoded into `out`
// (replacing what it held), for callers that hash several images at once
// (engine/md5_lanes.h). Errors as ComputePixelChecksum's.
Status DecodeChecksumPixels(std::span<const std::byte> file, PixelBuffer* out);

}  // namespace ingest

#endif  // INGEST_ENGINE_PIXEL_CHECKSUM_H_
