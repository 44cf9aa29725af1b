// libFuzzer harness: the TIFF IFD reader behind the TIFF probe and every EXIF block
// (engine/tiff_ifd.h): ExifOrientation on a block of any bytes, and ReadIfd at any offset in
// either byte order and variant. Structural problems end the walk (never a crash, never a read
// outside the window); the orientation is always what OrientationValue allows.
//
// Input: a flag byte (bit 0: strip an "Exif\0\0" prefix; bit 1: big-endian; bit 2: BigTIFF),
// a byte giving the IFD offset for ReadIfd, then the bytes. The window leaves out the first
// and the last byte, and the source aborts on any read that is not wholly inside it.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

#include "engine/byte_source.h"
#include "engine/tiff_ifd.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

// A source that refuses (aborts on) reads outside [begin, end).
class FencedSource : public ingest::ByteSource {
 public:
  FencedSource(std::string_view bytes, uint64_t begin, uint64_t end)
      : bytes_(bytes), begin_(begin), end_(end) {}
  ingest::Result<size_t> ReadAt(uint64_t offset, void* buf, size_t n) override {
    INGEST_FUZZ_CHECK(offset >= begin_ && offset <= end_ && n <= end_ - offset);
    std::memcpy(buf, bytes_.data() + offset, n);
    return n;
  }
  uint64_t size() const override { return bytes_.size(); }

 private:
  std::string_view bytes_;
  uint64_t begin_, end_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ingest::fuzz::AsText(data, size);
  if (in.size() < 2) return 0;
  const unsigned flags = static_cast<unsigned char>(in[0]);
  const uint64_t ifd_offset = static_cast<unsigned char>(in[1]);
  in.remove_prefix(2);

  if (in.size() < 2) return 0;
  FencedSource src(in, 1, in.size() - 1);
  ingest::TiffWindow window{&src, 1, in.size() - 2};
  ingest::Result<std::optional<uint16_t>> orientation = ingest::ExifOrientation(window, flags & 1);
  if (!orientation) INGEST_FUZZ_CHECK(!orientation.error().message().empty());

  ingest::TiffHeader header;
  header.little_endian = (flags & 2) == 0;
  header.big_tiff = (flags & 4) != 0;
  header.first_ifd = ifd_offset;
  ingest::Result<ingest::IfdTags> tags = ingest::ReadIfd(window, header, ifd_offset);
  INGEST_FUZZ_CHECK(tags.has_value());  // only I/O errors fail, and memory has none
  for (const ingest::IfdEntry* e : {&tags->width, &tags->length, &tags->orientation}) {
    (void)ingest::EntryAsInteger(*e, header);
    (void)ingest::OrientationValue(*e, header);
  }
  return 0;
}
