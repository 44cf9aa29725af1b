// The byte records of a stored zip (PKWARE APPNOTE 6.3.x, section 4.3), encoded for the
// members of a ZipLayout. All fields are little-endian. Every record appends exactly the size
// the layout gives it (ZipLayout::LocalHeaderSize, ...), which ZipLayout's offsets rely on.
//
// Fixed values, so the bytes depend on names, sizes and contents only:
// - version made by 0x032D (Unix, 4.5); version needed 20 (a data descriptor), 45 for a member
//   with any ZIP64 field;
// - general purpose flags 0x0808: bit 3 (data descriptor) and bit 11 (UTF-8 name);
// - method 0 (stored); DOS time 00:00:00, date 1980-01-01;
// - external attributes: a Unix regular file, mode 0644; no comments, no other extra fields.
//
// With bit 3 the local header carries zero CRC and sizes (APPNOTE 4.4.4); a member of
// 0xFFFFFFFF bytes or more has 0xFFFFFFFF sizes and a ZIP64 extra field with zero sizes there,
// which tells readers its descriptor has 8-byte sizes (APPNOTE 4.3.9.2), as Python's zipfile
// writes it for a stream.
#ifndef INGEST_UPLOAD_ZIP_RECORDS_H_
#define INGEST_UPLOAD_ZIP_RECORDS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "upload/zip_layout.h"

namespace ingest::upload {

// Member i's local file header, name and (ZIP64 sizes) extra field.
void AppendLocalHeader(const ZipLayout& layout, size_t i, std::string* out);

// Member i's data descriptor (signature, CRC-32, sizes: 4 or 8 bytes each).
void AppendDataDescriptor(const ZipLayout& layout, size_t i, uint32_t crc, std::string* out);

// Member i's central directory entry, with its ZIP64 extra field when its sizes or local
// header offset need one.
void AppendCentralEntry(const ZipLayout& layout, size_t i, uint32_t crc, std::string* out);

// The ZIP64 end of central directory record and locator (when layout.zip64_end()), then the
// end of central directory record.
void AppendEndRecords(const ZipLayout& layout, std::string* out);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_ZIP_RECORDS_H_
