// libFuzzer harness: every image header probe (engine/image_probe.h: JPEG, PNG, GIF, BMP,
// TIFF, WebP and their EXIF orientation), on an in-memory file.
//
// A probe that succeeds must name the format DetectImageFormat sees in the first bytes and a
// size that is never 0; one that fails must say why. The same file read through a file
// descriptor (FdByteSource: here a 4 KiB first read, then 4 KiB refills, so larger files'
// structures cross a refill) must give the same answer.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

#include "engine/byte_source.h"
#include "engine/image_probe.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  ingest::SpanByteSource memory(bytes);
  ingest::Result<ingest::ImageInfo> info = ingest::ProbeImage(memory);
  ingest::ImageFormat detected = ingest::DetectImageFormat(bytes.first(std::min<size_t>(size, 64)));
  if (info) {
    INGEST_FUZZ_CHECK(info->format == detected && detected != ingest::ImageFormat::kUnknown);
    INGEST_FUZZ_CHECK(info->width > 0 && info->height > 0);
  } else {
    INGEST_FUZZ_CHECK(!info.error().message().empty());
  }

  const std::string path = ingest::fuzz::ScratchDir() + "/image";
  ingest::fuzz::WriteBytes(path, ingest::fuzz::AsText(data, size));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  INGEST_FUZZ_CHECK(fd >= 0);
  ingest::FdByteSource file(fd, size, /*first_read=*/4096);
  ingest::Result<ingest::ImageInfo> again = ingest::ProbeImage(file);
  ::close(fd);
  INGEST_FUZZ_CHECK(again.has_value() == info.has_value());
  if (info) {
    INGEST_FUZZ_CHECK(again->format == info->format && again->width == info->width &&
                      again->height == info->height && again->orientation == info->orientation);
  } else {
    INGEST_FUZZ_CHECK(again.error().message() == info.error().message());
  }
  return 0;
}
