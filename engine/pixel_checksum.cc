// Pixel checksums: format dispatch, the md5 sink, and the JPEG, PNG and WebP decoders.
//
// Every decoder streams: rows are converted to the bytes Pillow's tobytes() would give and
// fed to md5 band by band, so a 1080p frame never exists twice (interlaced PNGs excepted,
// which libpng can only deliver whole).
//
// libjpeg and libpng report fatal errors through longjmp. The functions that call setjmp keep
// every object with a destructor outside the jump's path (declared before setjmp, in the same
// frame), and everything they change after setjmp and read after a jump is volatile or
// re-derived.
#include "engine/pixel_checksum.h"

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <png.h>
#include <webp/decode.h>

// jpeglib.h needs FILE and size_t declared first.
#include <jerror.h>
#include <jpeglib.h>

#include "engine/byte_source.h"
#include "engine/image_probe.h"
#include "engine/pixel_checksum_internal.h"

namespace ingest {

std::string PixelMd5::Hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(32, '0');
  for (size_t i = 0; i < 16; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

namespace pixels {

Md5Sink::Md5Sink() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_md5(), nullptr);
}
Md5Sink::Md5Sink(PixelBuffer* collect) : collect_(collect) { collect_->size = 0; }
Md5Sink::~Md5Sink() {
  if (ctx_) EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
}

void Md5Sink::Update(const void* data, size_t n) {
  if (n == 0) return;
  if (collect_) {
    std::memcpy(Reserve(n), data, n);
    return;
  }
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, n);
}

WholeImage::WholeImage(Md5Sink* sink, size_t n) : sink_(sink), size_(n), data_(sink->Reserve(n)) {
  if (!data_) {
    own_.reset(new uint8_t[n]);
    data_ = own_.get();
  }
}

void WholeImage::Commit() {
  if (own_) sink_->Update(data_, size_);
}

uint8_t* Md5Sink::Reserve(size_t n) {
  if (!collect_) return nullptr;
  const size_t at = collect_->size;
  if (collect_->storage.size() < at + n) {
    // Grows geometrically: a row-by-row decoder must not copy the image once per row.
    collect_->storage.resize(std::max(at + n, collect_->storage.size() * 3 / 2));
  }
  collect_->size = at + n;
  return collect_->storage.data() + at;
}

PixelMd5 Md5Sink::Finish() {
  PixelMd5 out;
  unsigned len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.bytes.data(), &len);
  return out;
}

void PackBitsRow(const uint8_t* in, uint32_t width, bool invert, uint8_t* out) {
  size_t full = width / 8;
  uint8_t flip = invert ? 0xFF : 0;
  for (size_t i = 0; i < full; ++i) out[i] = in[i] ^ flip;
  if (uint32_t rest = width % 8) {
    uint8_t mask = static_cast<uint8_t>(0xFF00 >> rest);
    out[full] = (in[full] ^ flip) & mask;
  }
}

void UnpackSubByteRow(const uint8_t* in, uint32_t width, int bits, uint8_t scale, uint8_t* out) {
  int per_byte = 8 / bits;
  uint8_t mask = static_cast<uint8_t>((1 << bits) - 1);
  for (uint32_t x = 0; x < width; ++x) {
    int shift = 8 - bits * (static_cast<int>(x % per_byte) + 1);
    out[x] = static_cast<uint8_t>(((in[x / per_byte] >> shift) & mask) * scale);
  }
}

namespace {

// ---- JPEG (libjpeg-turbo, as Pillow's JpegDecode drives it: only out_color_space is set).

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  bool hit_eof = false;  // libjpeg ran out of data (the mem source then fakes an EOI)
  char message[JMSG_LENGTH_MAX] = {};
};

[[noreturn]] void JpegErrorExit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void JpegEmitMessage(j_common_ptr cinfo, int level) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) err->hit_eof = true;
  if (level < 0) cinfo->err->num_warnings++;
}

}  // namespace

Status HashJpegPixels(std::span<const std::byte> file, Md5Sink* sink) {
  jpeg_decompress_struct cinfo;
  JpegError err;
  std::vector<uint8_t> band;  // before setjmp: never skipped by the jump
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = JpegErrorExit;
  err.mgr.emit_message = JpegEmitMessage;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return Status::Corruption(std::string("JPEG: ") + err.message);
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(file.data()),
               static_cast<unsigned long>(file.size()));
  jpeg_read_header(&cinfo, TRUE);
  if (Status st = CheckPixelCount("JPEG", cinfo.image_width, cinfo.image_height); !st.ok()) {
    jpeg_destroy_decompress(&cinfo);
    return st;
  }
  bool cmyk = false;
  switch (cinfo.num_components) {
    case 1:
      cinfo.out_color_space = JCS_GRAYSCALE;
      break;
    case 3:
      cinfo.out_color_space = JCS_RGB;
      break;
    case 4:
      cinfo.out_color_space = JCS_CMYK;
      cmyk = true;
      break;
    default:
      jpeg_destroy_decompress(&cinfo);
      return Status::Unsupported("JPEG: " + std::to_string(cinfo.num_components) +
                                 "-component image");
  }
  jpeg_start_decompress(&cinfo);
  size_t row_bytes = size_t{cinfo.output_width} * static_cast<size_t>(cinfo.output_components);
  constexpr unsigned kBandRows = 16;
  // Collecting: rows are decoded in place into the sink's buffer; hashing: band by band.
  uint8_t* direct = sink->Reserve(row_bytes * cinfo.output_height);
  if (!direct) band.resize(row_bytes * kBandRows);
  JSAMPROW rows[kBandRows];
  while (cinfo.output_scanline < cinfo.output_height) {
    uint8_t* at = direct ? direct + row_bytes * cinfo.output_scanline : band.data();
    const unsigned want =
        std::min<unsigned>(kBandRows, cinfo.output_height - cinfo.output_scanline);
    for (unsigned i = 0; i < want; ++i) rows[i] = at + i * row_bytes;
    JDIMENSION got = jpeg_read_scanlines(&cinfo, rows, want);
    if (err.hit_eof) break;
    size_t n = row_bytes * got;
    if (cmyk) {
      for (size_t i = 0; i < n; ++i) at[i] = static_cast<uint8_t>(255 - at[i]);
    }
    if (!direct) sink->Update(at, n);
  }
  bool truncated = err.hit_eof;
  // No jpeg_finish_decompress: Pillow stops once it has every row.
  jpeg_destroy_decompress(&cinfo);
  if (truncated) return Status::Corruption("JPEG: image file is truncated");
  return Status();
}

// ---- PNG (libpng, no transforms: the raw samples, converted as Pillow's unpackers do).

namespace {

struct PngReader {
  std::span<const std::byte> file;
  size_t pos = 0;
  char message[256] = {};
};

void PngRead(png_structp png, png_bytep out, size_t n) {
  auto* r = static_cast<PngReader*>(png_get_io_ptr(png));
  if (r->file.size() - r->pos < n) png_error(png, "image file is truncated");
  std::memcpy(out, r->file.data() + r->pos, n);
  r->pos += n;
}

[[noreturn]] void PngError(png_structp png, png_const_charp msg) {
  auto* r = static_cast<PngReader*>(png_get_error_ptr(png));
  std::snprintf(r->message, sizeof(r->message), "%s", msg);
  png_longjmp(png, 1);
}

void PngWarning(png_structp, png_const_charp) {}

// Converts one raw row (libpng's layout for bit_depth/color_type) to Pillow's bytes.
void ConvertPngRow(const uint8_t* in, uint32_t width, int depth, int color, uint8_t* out,
                   size_t* out_len) {
  if (color == PNG_COLOR_TYPE_GRAY && depth == 1) {
    PackBitsRow(in, width, false, out);
    *out_len = (width + 7) / 8;
  } else if ((color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_PALETTE) && depth < 8) {
    uint8_t scale = color == PNG_COLOR_TYPE_PALETTE ? 1 : (depth == 2 ? 0x55 : 0x11);
    UnpackSubByteRow(in, width, depth, scale, out);
    *out_len = width;
  } else if (depth == 16 && color == PNG_COLOR_TYPE_GRAY) {  // mode I: int32 little-endian
    for (uint32_t x = 0; x < width; ++x) {
      out[4 * x] = in[2 * x + 1];
      out[4 * x + 1] = in[2 * x];
      out[4 * x + 2] = 0;
      out[4 * x + 3] = 0;
    }
    *out_len = size_t{width} * 4;
  } else if (depth == 16 && color == PNG_COLOR_TYPE_GRAY_ALPHA) {  // RGBA from LA;16B
    for (uint32_t x = 0; x < width; ++x) {
      out[4 * x] = out[4 * x + 1] = out[4 * x + 2] = in[4 * x];
      out[4 * x + 3] = in[4 * x + 2];
    }
    *out_len = size_t{width} * 4;
  } else if (depth == 16) {  // RGB;16B, RGBA;16B: high bytes
    size_t samples = size_t{width} * (color == PNG_COLOR_TYPE_RGB ? 3 : 4);
    for (size_t i = 0; i < samples; ++i) out[i] = in[2 * i];
    *out_len = samples;
  } else {  // 8-bit L, LA, RGB, RGBA, P: as stored
    int channels = color == PNG_COLOR_TYPE_RGB          ? 3
                   : color == PNG_COLOR_TYPE_RGB_ALPHA  ? 4
                   : color == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                                                        : 1;
    std::memcpy(out, in, size_t{width} * static_cast<size_t>(channels));
    *out_len = size_t{width} * static_cast<size_t>(channels);
  }
}

}  // namespace

Status HashPngPixels(std::span<const std::byte> file, Md5Sink* sink) {
  PngReader reader{file};
  std::vector<uint8_t> raw;  // one row, or the whole image when interlaced
  std::vector<uint8_t> converted;
  std::vector<png_bytep> row_ptrs;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, PngError, PngWarning);
  if (!png) return Status::Internal("PNG: out of memory");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return Status::Internal("PNG: out of memory");
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return Status::Corruption(std::string("PNG: ") + reader.message);
  }
  png_set_read_fn(png, &reader, PngRead);
  // Pillow does not check IDAT CRCs; it does check the header chunks (so does the probe).
  png_set_crc_action(png, PNG_CRC_DEFAULT, PNG_CRC_QUIET_USE);
  png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
  // Text chunks hold no pixels; libpng inflating a damaged zTXt took tens of seconds (found
  // by the pixels fuzzer), so they are skipped unread.
  static const png_byte kTextChunks[] = "tEXt\0zTXt\0iTXt";
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, kTextChunks, 3);
  png_read_info(png, info);
  uint32_t width = png_get_image_width(png, info);
  uint32_t height = png_get_image_height(png, info);
  if (Status st = CheckPixelCount("PNG", width, height); !st.ok()) {
    png_destroy_read_struct(&png, &info, nullptr);
    return st;
  }
  int depth = png_get_bit_depth(png, info);
  int color = png_get_color_type(png, info);
  int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  size_t raw_bytes = png_get_rowbytes(png, info);
  converted.resize(size_t{width} * 4 + 8);
  size_t out_len = 0;
  if (passes > 1) {
    raw.resize(raw_bytes * height);
    row_ptrs.resize(height);
    for (uint32_t y = 0; y < height; ++y) row_ptrs[y] = raw.data() + y * raw_bytes;
    png_read_image(png, row_ptrs.data());
    for (uint32_t y = 0; y < height; ++y) {
      ConvertPngRow(row_ptrs[y], width, depth, color, converted.data(), &out_len);
      sink->Update(converted.data(), out_len);
    }
  } else {
    raw.resize(raw_bytes);
    for (uint32_t y = 0; y < height; ++y) {
      png_read_row(png, raw.data(), nullptr);
      ConvertPngRow(raw.data(), width, depth, color, converted.data(), &out_len);
      sink->Update(converted.data(), out_len);
    }
  }
  // Pillow stops after the last row; what follows the image data is not read.
  png_destroy_read_struct(&png, &info, nullptr);
  return Status();
}

Status CheckPixelCount(std::string_view format, uint64_t width, uint64_t height) {
  // Pillow's Image.open raises DecompressionBombError above twice Image.MAX_IMAGE_PIXELS
  // (2 * 1024 * 1024 * 1024 // 4 // 3), so CVAT's tool never hashes such an image.
  constexpr uint64_t kPillowMaxPixels = 2 * (uint64_t{1024} * 1024 * 1024 / 4 / 3);
  if (width * height <= kPillowMaxPixels) return Status();
  return Status::Unsupported(std::string(format) + ": " + std::to_string(width) + "x" +
                             std::to_string(height) +
                             " pixels is over Pillow's decompression bomb limit of " +
                             std::to_string(kPillowMaxPixels));
}

// ---- WebP (libwebp; Pillow's animation decoder gives the same pixels for a still image).

Status HashWebpPixels(std::span<const std::byte> file, Md5Sink* sink) {
  const auto* data = reinterpret_cast<const uint8_t*>(file.data());
  WebPBitstreamFeatures features;
  if (WebPGetFeatures(data, file.size(), &features) != VP8_STATUS_OK) {
    return Status::Corruption("WebP: cannot read the bitstream features");
  }
  if (features.has_animation) return Status::Unsupported("WebP: animated image");
  INGEST_RETURN_IF_ERROR(CheckPixelCount("WebP", static_cast<uint32_t>(features.width),
                                         static_cast<uint32_t>(features.height)));
  int channels = features.has_alpha ? 4 : 3;
  size_t stride = static_cast<size_t>(features.width) * static_cast<size_t>(channels);
  size_t total = stride * static_cast<size_t>(features.height);
  // Collecting: decoded in place into the sink's buffer, as JPEG; hashing: through a buffer.
  WholeImage image(sink, total);
  uint8_t* ok =
      features.has_alpha
          ? WebPDecodeRGBAInto(data, file.size(), image.data(), total, static_cast<int>(stride))
          : WebPDecodeRGBInto(data, file.size(), image.data(), total, static_cast<int>(stride));
  if (!ok) return Status::Corruption("WebP: decoding failed");
  image.Commit();
  return Status();
}

}  // namespace pixels

namespace {

Status DecodeInto(std::span<const std::byte> file, pixels::Md5Sink* sink_ptr) {
  pixels::Md5Sink& sink = *sink_ptr;
  SpanByteSource header(file);
  if (Result<ImageInfo> info = ProbeImage(header)) {
    INGEST_RETURN_IF_ERROR(pixels::CheckPixelCount(ImageFormatName(info->format), info->width,
                                                   info->height));
  }
  Status st;
  switch (DetectImageFormat(file)) {
    case ImageFormat::kJpeg:
      st = pixels::HashJpegPixels(file, &sink);
      break;
    case ImageFormat::kPng:
      st = pixels::HashPngPixels(file, &sink);
      break;
    case ImageFormat::kWebp:
      st = pixels::HashWebpPixels(file, &sink);
      break;
    case ImageFormat::kGif:
      st = pixels::HashGifPixels(file, &sink);
      break;
    case ImageFormat::kBmp:
      st = pixels::HashBmpPixels(file, &sink);
      break;
    case ImageFormat::kTiff:
      st = pixels::HashTiffPixels(file, &sink);
      break;
    case ImageFormat::kPpm:
      st = pixels::HashPnmPixels(file, &sink);
      break;
    case ImageFormat::kSun:
      st = pixels::HashSunPixels(file, &sink);
      break;
    case ImageFormat::kPcx:
      st = pixels::HashPcxPixels(file, &sink);
      break;
    case ImageFormat::kWmf:
      // Pillow opens a WMF/EMF for its size, but only Windows has a loader for its pixels:
      // on Linux load() raises "cannot find loader for this WMF file", so CVAT's tool has no
      // checksum for it either.
      return Status::Unsupported(
          "WMF: Pillow cannot load a metafile's pixels outside Windows (\"cannot find loader "
          "for this WMF file\"): no checksum");
    case ImageFormat::kXbm:
      st = pixels::HashXbmPixels(file, &sink);
      break;
    case ImageFormat::kXpm:
      st = pixels::HashXpmPixels(file, &sink);
      break;
    case ImageFormat::kSgi:
      st = pixels::HashSgiPixels(file, &sink);
      break;
    case ImageFormat::kFits:
      st = pixels::HashFitsPixels(file, &sink);
      break;
    case ImageFormat::kIco:
      st = pixels::HashIcoPixels(file, &sink);
      break;
    case ImageFormat::kJpeg2000:
      st = pixels::HashJpeg2000Pixels(file, &sink);
      break;
    case ImageFormat::kPsd:
      st = pixels::HashPsdPixels(file, &sink);
      break;
    case ImageFormat::kUnknown:
      return Status::Unsupported("not a known image format");
  }
  return st;
}

}  // namespace

Result<PixelMd5> ComputePixelChecksum(std::span<const std::byte> file) {
  pixels::Md5Sink sink;
  INGEST_RETURN_IF_ERROR(DecodeInto(file, &sink));
  return sink.Finish();
}

Status DecodeChecksumPixels(std::span<const std::byte> file, PixelBuffer* out) {
  pixels::Md5Sink sink(out);
  return DecodeInto(file, &sink);
}

}  // namespace ingest
