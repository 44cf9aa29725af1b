// Reading TIFF image file directories (IFDs) the way Pillow 9.4 reads them, for the two
// places a probe meets them: the first IFD of a TIFF file (size and orientation) and the
// EXIF block embedded in a JPEG, PNG or WebP file (orientation).
//
// Pillow's rules, which decide what `img.getexif().get(274, 1)` returns:
//  - An entry of an unknown type (0, 14, 15, 17, 18, ...) is skipped.
//  - An entry whose value does not fit in the entry is read from its offset; if that read
//    would go past the end of the block, parsing stops and the entries read so far are kept.
//  - A short read of the entry count or of an entry also stops parsing, keeping what was read.
//  - An entry with count 0 is skipped; a later entry for the same tag replaces an earlier one.
//  - The value is the first element of the entry (Pillow warns and takes values[0]).
#ifndef INGEST_ENGINE_TIFF_IFD_H_
#define INGEST_ENGINE_TIFF_IFD_H_

#include <cstdint>
#include <optional>

#include "engine/byte_source.h"
#include "engine/result.h"

namespace ingest {

// The byte order and variant of a TIFF structure.
struct TiffHeader {
  bool little_endian = true;
  bool big_tiff = false;
  uint64_t first_ifd = 0;  // offset of IFD0, relative to the start of the structure
};

// A region of a ByteSource holding one TIFF structure: offsets inside it are relative to
// `base`, and nothing at or past `base + length` is read.
struct TiffWindow {
  ByteSource* src = nullptr;
  uint64_t base = 0;
  uint64_t length = 0;
};

// One IFD entry as Pillow keeps it: its TIFF type, count and the bytes of its first value.
struct IfdEntry {
  bool present = false;
  uint16_t type = 0;
  uint64_t count = 0;
  uint8_t first[8] = {};  // first value, in file byte order (rationals: numerator, denominator)
};

// The tags a probe needs from one IFD.
struct IfdTags {
  IfdEntry width;        // 256 ImageWidth
  IfdEntry length;       // 257 ImageLength
  IfdEntry orientation;  // 274 Orientation
};

// Reads the IFD at `ifd_offset` (relative to window.base) following Pillow's rules above.
// Structural problems never fail (they end the walk); only I/O errors from the source do.
Result<IfdTags> ReadIfd(const TiffWindow& window, const TiffHeader& header, uint64_t ifd_offset);

// The value of an integer-typed entry (BYTE is not one: Pillow returns bytes for it), or the
// truncated value of a rational/float entry (as Python's int() would give), or nullopt.
std::optional<int64_t> EntryAsInteger(const IfdEntry& e, const TiffHeader& header);

// The orientation a caller should record for Pillow's value of tag 274: integer values as
// they are, clamped to [0, 65535]; rational and float values rounded up (so "> 4" decides as
// Python decides); 1 when absent or of a type Python cannot compare with 4 (bytes, str).
uint16_t OrientationValue(const IfdEntry& e, const TiffHeader& header);

// Orientation (as OrientationValue) from an EXIF block at `window`, as Pillow's Exif.load
// sees it: a leading "Exif\0\0" is dropped when `strip_prefix`, then a TIFF header and IFD0
// follow. nullopt when IFD0 has no tag 274, or when the header is not one Pillow can parse
// (Pillow raises there; see image_probe.h). Fails on I/O errors, and with Corruption on a
// little-endian BigTIFF header, on which Pillow fails with an error nobody catches.
Result<std::optional<uint16_t>> ExifOrientation(const TiffWindow& window, bool strip_prefix = true);

}  // namespace ingest

#endif  // INGEST_ENGINE_TIFF_IFD_H_
