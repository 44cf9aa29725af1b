#include "tests/testing/image_writer.h"

#include <cstdio>
#include <cstring>
#include <vector>

#include <gif_lib.h>
#include <gtest/gtest.h>
#include <jpeglib.h>
#include <png.h>
#include <tiffio.h>
#include <webp/encode.h>
#include <webp/mux.h>
#include <zlib.h>

#include "tests/testing/temp_dir.h"

namespace ingest::testing {
namespace {

void Put16(std::string* out, uint16_t v, bool big) {
  char b[2] = {static_cast<char>(big ? v >> 8 : v), static_cast<char>(big ? v : v >> 8)};
  out->append(b, 2);
}
void Put32(std::string* out, uint32_t v, bool big) {
  for (int i = 0; i < 4; ++i) {
    int shift = big ? 24 - 8 * i : 8 * i;
    out->push_back(static_cast<char>(v >> shift));
  }
}

std::vector<uint8_t> Grey(uint32_t width, uint32_t height, int channels) {
  return std::vector<uint8_t>(size_t{width} * height * channels, 128);
}

}  // namespace

std::string BuildExif(uint16_t orientation, bool big_endian, bool with_prefix) {
  std::string out;
  if (with_prefix) out.append("Exif\0\0", 6);
  const bool be = big_endian;
  out.append(be ? "MM" : "II");
  Put16(&out, 42, be);
  Put32(&out, 8, be);  // IFD0 right after the header
  // IFD0: 2 entries (2 + 2 * 12 + 4 = 30 bytes), then Make's text at offset 38.
  Put16(&out, 2, be);
  Put16(&out, 271, be);  // Make, ASCII, 12 bytes out of line
  Put16(&out, 2, be);
  Put32(&out, 12, be);
  Put32(&out, 38, be);
  Put16(&out, 274, be);  // Orientation, SHORT, inline
  Put16(&out, 3, be);
  Put32(&out, 1, be);
  Put16(&out, orientation, be);
  Put16(&out, 0, be);
  Put32(&out, 0, be);  // no IFD1
  out.append("TestCamera\0\0", 12);
  return out;
}

std::string WriteJpeg(uint32_t width, uint32_t height, const JpegOptions& options) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* mem = nullptr;
  unsigned long mem_size = 0;  // NOLINT: libjpeg's type
  jpeg_mem_dest(&cinfo, &mem, &mem_size);
  const int channels = options.grayscale ? 1 : 3;
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = channels;
  cinfo.in_color_space = options.grayscale ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 80, TRUE);
  if (options.progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  if (options.exif_orientation) {
    std::string exif = BuildExif(*options.exif_orientation);
    jpeg_write_marker(&cinfo, JPEG_APP0 + 1, reinterpret_cast<const JOCTET*>(exif.data()),
                      static_cast<unsigned>(exif.size()));
  }
  std::vector<uint8_t> row(size_t{width} * channels, 128);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW rows[1] = {row.data()};
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::string out(reinterpret_cast<char*>(mem), mem_size);
  free(mem);  // NOLINT: allocated by libjpeg with malloc
  return out;
}

std::string InsertPngChunk(std::string_view png, std::string_view type, std::string_view data,
                           bool before_idat) {
  std::string_view anchor = before_idat ? "IDAT" : "IEND";
  size_t pos = 8;
  while (pos + 8 <= png.size()) {
    uint32_t len = static_cast<uint32_t>(
        static_cast<uint8_t>(png[pos]) << 24 | static_cast<uint8_t>(png[pos + 1]) << 16 |
        static_cast<uint8_t>(png[pos + 2]) << 8 | static_cast<uint8_t>(png[pos + 3]));
    if (png.substr(pos + 4, 4) == anchor) break;
    pos += 12 + len;
  }
  std::string chunk;
  Put32(&chunk, static_cast<uint32_t>(data.size()), true);
  chunk.append(type);
  chunk.append(data);
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(chunk.data() + 4),
                    static_cast<uInt>(chunk.size() - 4));
  Put32(&chunk, static_cast<uint32_t>(crc), true);
  std::string out(png.substr(0, pos));
  out += chunk;
  out.append(png.substr(pos));
  return out;
}

std::string WritePng(uint32_t width, uint32_t height, const PngOptions& options) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  std::string out;
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, size_t n) {
        static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<char*>(data), n);
      },
      nullptr);
  png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  std::vector<uint8_t> row(size_t{width} * 3, static_cast<uint8_t>(128 + options.seed));
  uint32_t state = 1 + options.seed;
  for (uint32_t y = 0; y < height; ++y) {
    if (options.noise) {
      for (uint8_t& b : row) {
        state = state * 1664525u + 1013904223u;
        b = static_cast<uint8_t>(state >> 24);
      }
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  if (options.exif_before_idat) {
    out = InsertPngChunk(out, "eXIf", BuildExif(*options.exif_before_idat, false, false), true);
  }
  if (options.exif_after_idat) {
    out = InsertPngChunk(out, "eXIf", BuildExif(*options.exif_after_idat, true, false), false);
  }
  return out;
}

std::string WriteTiff(const std::string& dir, uint32_t width, uint32_t height,
                      const TiffOptions& options) {
  TIFFSetWarningHandler(nullptr);
  std::string path = dir + "/written.tif";
  std::string mode = "w";
  mode += options.big_endian ? "b" : "l";
  if (options.big_tiff) mode += "8";
  TIFF* tif = TIFFOpen(path.c_str(), mode.c_str());
  if (tif == nullptr) {
    ADD_FAILURE() << "TIFFOpen " << path;
    return {};
  }
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, width);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, height);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, height);
  if (options.orientation) TIFFSetField(tif, TIFFTAG_ORIENTATION, *options.orientation);
  std::vector<uint8_t> row(size_t{width} * 3, 128);
  for (uint32_t y = 0; y < height; ++y) TIFFWriteScanline(tif, row.data(), y, 0);
  TIFFClose(tif);
  return ReadFile(path);
}

std::string WriteBmp(uint32_t width, uint32_t height, BmpHeader header, bool top_down) {
  const uint32_t header_size = header == BmpHeader::kCore12   ? 12
                               : header == BmpHeader::kInfo40 ? 40
                               : header == BmpHeader::kV4_108 ? 108
                                                              : 124;
  const uint32_t row = (width * 3 + 3) & ~3u;
  const uint32_t data_offset = 14 + header_size;
  std::string out = "BM";
  Put32(&out, data_offset + row * height, false);
  Put32(&out, 0, false);
  Put32(&out, data_offset, false);
  Put32(&out, header_size, false);
  if (header == BmpHeader::kCore12) {
    Put16(&out, static_cast<uint16_t>(width), false);
    Put16(&out, static_cast<uint16_t>(height), false);
    Put16(&out, 1, false);
    Put16(&out, 24, false);
  } else {
    Put32(&out, width, false);
    Put32(&out, top_down ? 0u - height : height, false);
    Put16(&out, 1, false);   // planes
    Put16(&out, 24, false);  // bits
    Put32(&out, 0, false);   // BI_RGB
    Put32(&out, row * height, false);
    Put32(&out, 2835, false);
    Put32(&out, 2835, false);
    Put32(&out, 0, false);               // colors used
    Put32(&out, 0, false);               // important colors
    out.append(header_size - 40, '\0');  // masks, color space, gamma, intent, profile
  }
  out.append(size_t{row} * height, '\x80');
  return out;
}

std::string WriteGif(uint16_t screen_w, uint16_t screen_h, uint16_t left, uint16_t top,
                     uint16_t frame_w, uint16_t frame_h) {
  std::string out;
  int error = 0;
  GifFileType* gif = EGifOpen(
      &out,
      [](GifFileType* g, const GifByteType* data, int n) {
        static_cast<std::string*>(g->UserData)->append(reinterpret_cast<const char*>(data), n);
        return n;
      },
      &error);
  GifColorType colors[2] = {{0, 0, 0}, {255, 255, 255}};
  ColorMapObject* map = GifMakeMapObject(2, colors);
  EGifSetGifVersion(gif, true);
  EGifPutScreenDesc(gif, screen_w, screen_h, 1, 0, map);
  EGifPutImageDesc(gif, left, top, frame_w, frame_h, false, nullptr);
  std::vector<GifPixelType> line(frame_w, 1);
  for (int y = 0; y < frame_h; ++y) EGifPutLine(gif, line.data(), frame_w);
  GifFreeMapObject(map);
  EGifCloseFile(gif, &error);
  return out;
}

std::string WriteWebp(uint32_t width, uint32_t height, WebpKind kind,
                      std::optional<uint16_t> exif_orientation) {
  uint8_t* encoded = nullptr;
  size_t size = 0;
  const int w = static_cast<int>(width), h = static_cast<int>(height);
  if (kind == WebpKind::kLossy) {
    std::vector<uint8_t> rgb = Grey(width, height, 3);
    size = WebPEncodeRGB(rgb.data(), w, h, w * 3, 75, &encoded);
  } else if (kind == WebpKind::kLossless) {
    std::vector<uint8_t> rgb = Grey(width, height, 3);
    size = WebPEncodeLosslessRGB(rgb.data(), w, h, w * 3, &encoded);
  } else {
    std::vector<uint8_t> rgba = Grey(width, height, 4);  // alpha 128: VP8X + ALPH
    size = WebPEncodeRGBA(rgba.data(), w, h, w * 4, 75, &encoded);
  }
  std::string out(reinterpret_cast<char*>(encoded), size);
  WebPFree(encoded);
  if (kind != WebpKind::kExtended || !exif_orientation) return out;

  WebPData image = {reinterpret_cast<const uint8_t*>(out.data()), out.size()};
  WebPMux* mux = WebPMuxCreate(&image, 1);
  std::string exif = BuildExif(*exif_orientation, false, false);
  WebPData exif_data = {reinterpret_cast<const uint8_t*>(exif.data()), exif.size()};
  WebPMuxSetChunk(mux, "EXIF", &exif_data, 1);
  WebPData assembled;
  WebPDataInit(&assembled);
  if (WebPMuxAssemble(mux, &assembled) != WEBP_MUX_OK) ADD_FAILURE() << "WebPMuxAssemble";
  std::string result(reinterpret_cast<const char*>(assembled.bytes), assembled.size);
  WebPDataClear(&assembled);
  WebPMuxDelete(mux);
  return result;
}

}  // namespace ingest::testing
