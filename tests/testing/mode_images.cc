#include "tests/testing/mode_images.h"

#include <cstdio>
#include <cstring>
#include <functional>

#include <gif_lib.h>
#include <gtest/gtest.h>
#include <png.h>
#include <tiffio.h>
#include <webp/encode.h>

// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>

#include "tests/testing/temp_dir.h"

namespace ingest::testing {
namespace {

constexpr uint32_t kW = 37, kH = 23;

// A deterministic texture: gradients plus a scrambled term, per channel.
uint8_t Sample(uint32_t x, uint32_t y, uint32_t c) {
  uint32_t v = x * 7 + y * 13 + c * 50 + (((x * y * 31) ^ ((x + y) * 17)) & 0x3F);
  return static_cast<uint8_t>(v);
}

std::vector<uint8_t> Pixels(uint32_t w, uint32_t h, uint32_t channels) {
  std::vector<uint8_t> out(size_t{w} * h * channels);
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      for (uint32_t c = 0; c < channels; ++c)
        out[(size_t{y} * w + x) * channels + c] = Sample(x, y, c);
    }
  }
  return out;
}

void Put16(std::string* s, uint32_t v) {
  s->push_back(static_cast<char>(v));
  s->push_back(static_cast<char>(v >> 8));
}
void Put32(std::string* s, uint32_t v) {
  Put16(s, v & 0xFFFF);
  Put16(s, v >> 16);
}

// ---- JPEG

std::string Jpeg(int components, J_COLOR_SPACE in_space, int h_samp, int v_samp, bool progressive) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* mem = nullptr;
  unsigned long mem_size = 0;  // NOLINT: libjpeg's type
  jpeg_mem_dest(&cinfo, &mem, &mem_size);
  cinfo.image_width = kW;
  cinfo.image_height = kH;
  cinfo.input_components = components;
  cinfo.in_color_space = in_space;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 85, TRUE);
  if (components == 3) {
    cinfo.comp_info[0].h_samp_factor = h_samp;
    cinfo.comp_info[0].v_samp_factor = v_samp;
  }
  if (progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  std::vector<uint8_t> px = Pixels(kW, kH, static_cast<uint32_t>(components));
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = px.data() + size_t{cinfo.next_scanline} * kW * components;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::string out(reinterpret_cast<char*>(mem), mem_size);
  free(mem);  // NOLINT: allocated by libjpeg
  return out;
}

// ---- PNG

void PngWrite(png_structp png, png_bytep data, size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<char*>(data), n);
}
void PngFlush(png_structp) {}

// Raw rows for a color type / bit depth (samples packed MSB first, 16-bit big-endian).
std::string Png(int color, int depth, bool interlace, bool trns = false) {
  int channels = color == PNG_COLOR_TYPE_RGB          ? 3
                 : color == PNG_COLOR_TYPE_RGB_ALPHA  ? 4
                 : color == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                                                      : 1;
  size_t row_bytes = (size_t{kW} * channels * depth + 7) / 8;
  std::vector<uint8_t> rows(row_bytes * kH, 0);
  for (uint32_t y = 0; y < kH; ++y) {
    uint8_t* r = &rows[y * row_bytes];
    for (uint32_t x = 0; x < kW; ++x) {
      for (int c = 0; c < channels; ++c) {
        size_t i = size_t{x} * channels + c;
        uint32_t v = Sample(x, y, c);
        if (depth == 16) {
          uint32_t v16 = v * 257 + (x * 3 + y) % 256;
          r[2 * i] = static_cast<uint8_t>(v16 >> 8);
          r[2 * i + 1] = static_cast<uint8_t>(v16);
        } else if (depth == 8) {
          r[i] = static_cast<uint8_t>(v);
        } else {
          uint32_t small = (v >> (8 - depth)) & ((1u << depth) - 1);
          size_t bit = i * depth;
          r[bit / 8] |= static_cast<uint8_t>(small << (8 - depth - bit % 8));
        }
      }
    }
    // Garbage in the pad bits of 1-bit rows: Pillow clears them in tobytes().
    if (depth == 1 && kW % 8) r[row_bytes - 1] |= static_cast<uint8_t>((1u << (8 - kW % 8)) - 1);
  }
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(png, &out, PngWrite, PngFlush);
  png_set_IHDR(png, info, kW, kH, depth, color,
               interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (color == PNG_COLOR_TYPE_PALETTE) {
    png_color pal[256];
    for (int i = 0; i < 256; ++i) {
      pal[i] = {static_cast<png_byte>(i * 3), static_cast<png_byte>(255 - i),
                static_cast<png_byte>(i ^ 0x5A)};
    }
    png_set_PLTE(png, info, pal, 1 << depth);
    if (trns) {
      png_byte alpha[3] = {0, 128, 255};
      png_set_tRNS(png, info, alpha, 3, nullptr);
    }
  } else if (trns) {
    png_color_16 t{};
    t.gray = 1;
    t.red = 1;
    png_set_tRNS(png, info, nullptr, 0, &t);
  }
  png_write_info(png, info);
  std::vector<png_bytep> ptrs(kH);
  for (uint32_t y = 0; y < kH; ++y) ptrs[y] = &rows[y * row_bytes];
  png_write_image(png, ptrs.data());
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return out;
}

// ---- GIF

int GifWrite(GifFileType* gif, const GifByteType* data, int n) {
  static_cast<std::string*>(gif->UserData)
      ->append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  return n;
}

std::string Gif(int screen_w, int screen_h, int left, int top, int fw, int fh, bool grey_palette,
                int transparent, bool interlace) {
  std::string out;
  int error = 0;
  GifFileType* gif = EGifOpen(&out, GifWrite, &error);
  GifColorType colors[256];
  for (int i = 0; i < 256; ++i) {
    colors[i] = grey_palette
                    ? GifColorType{static_cast<GifByteType>(i), static_cast<GifByteType>(i),
                                   static_cast<GifByteType>(i)}
                    : GifColorType{static_cast<GifByteType>(i), static_cast<GifByteType>(i * 7),
                                   static_cast<GifByteType>(255 - i)};
  }
  ColorMapObject* map = GifMakeMapObject(256, colors);
  EGifPutScreenDesc(gif, screen_w, screen_h, 8, 0, map);
  if (transparent >= 0) {
    GifByteType gce[4] = {1, 0, 0, static_cast<GifByteType>(transparent)};
    EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, gce);
  }
  EGifPutImageDesc(gif, left, top, fw, fh, interlace, nullptr);
  std::vector<GifPixelType> frame(static_cast<size_t>(fw) * fh);
  for (int y = 0; y < fh; ++y) {
    for (int x = 0; x < fw; ++x) frame[static_cast<size_t>(y) * fw + x] = Sample(x, y, 0);
  }
  if (interlace) {
    static constexpr int kStart[] = {0, 4, 2, 1}, kStep[] = {8, 8, 4, 2};
    for (int pass = 0; pass < 4; ++pass) {
      for (int y = kStart[pass]; y < fh; y += kStep[pass])
        EGifPutLine(gif, &frame[static_cast<size_t>(y) * fw], fw);
    }
  } else {
    EGifPutLine(gif, frame.data(), fw * fh);
  }
  EGifCloseFile(gif, &error);
  GifFreeMapObject(map);
  return out;
}

// ---- BMP (byte by byte)

// header: 40 or 108; compression 0 or 3 (bit fields); palette: RGB triples.
std::string Bmp(int bits, bool top_down, uint32_t header, uint32_t compression,
                const std::vector<uint32_t>& masks,
                const std::function<void(uint32_t, uint32_t, uint8_t*)>& pixel,
                const std::vector<uint32_t>& palette = {}) {
  size_t stride = ((size_t{kW} * bits + 31) / 32) * 4;
  std::string body(stride * kH, '\0');
  for (uint32_t y = 0; y < kH; ++y) {
    uint8_t* row = reinterpret_cast<uint8_t*>(&body[stride * (top_down ? y : kH - 1 - y)]);
    for (uint32_t x = 0; x < kW; ++x) pixel(x, y, row);
  }
  std::string extra;  // masks after a 40-byte header
  if (compression == 3 && header == 40) {
    for (uint32_t m : masks) Put32(&extra, m);
  }
  uint32_t offset = 14 + header + static_cast<uint32_t>(extra.size() + 4 * palette.size());
  std::string out = "BM";
  Put32(&out, offset + static_cast<uint32_t>(body.size()));
  Put32(&out, 0);
  Put32(&out, offset);
  Put32(&out, header);
  Put32(&out, kW);
  Put32(&out, top_down ? 0u - kH : kH);
  Put16(&out, 1);
  Put16(&out, static_cast<uint32_t>(bits));
  Put32(&out, compression);
  Put32(&out, static_cast<uint32_t>(body.size()));
  Put32(&out, 2835);
  Put32(&out, 2835);
  Put32(&out, static_cast<uint32_t>(palette.size()));
  Put32(&out, 0);
  if (header == 108) {
    for (size_t i = 0; i < 4; ++i) Put32(&out, i < masks.size() ? masks[i] : 0);
    Put32(&out, 0x73524742);  // 'sRGB'
    out.append(36 + 12, '\0');
  }
  out += extra;
  for (uint32_t c : palette) Put32(&out, c);  // BGRX as stored: 0x00RRGGBB little-endian
  return out + body;
}

void SetBits(uint8_t* row, uint32_t x, int bits, uint32_t v) {
  size_t bit = size_t{x} * bits;
  row[bit / 8] |= static_cast<uint8_t>(v << (8 - bits - bit % 8));
}

// ---- TIFF (libtiff via a temporary file)

std::string Tiff(const std::string& scratch, const std::string& name, bool big_endian,
                 uint16_t photometric, uint16_t spp, uint16_t bps, uint16_t compression,
                 uint16_t extra = 0xFFFF, uint16_t orientation = 0) {
  std::string path = scratch + "/" + name + ".tmp.tif";
  TIFF* tif = TIFFOpen(path.c_str(), big_endian ? "wb" : "wl");
  if (!tif) {
    ADD_FAILURE() << "TIFFOpen " << path;
    return {};
  }
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, kW);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, kH);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, bps);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, spp);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, photometric);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, compression);
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 5);
  if (orientation != 0) TIFFSetField(tif, TIFFTAG_ORIENTATION, orientation);
  if (bps == 32) TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_IEEEFP);
  if (extra != 0xFFFF) {
    uint16_t e = extra;
    TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, &e);
  }
  const size_t colors = photometric == PHOTOMETRIC_PALETTE ? size_t{1} << bps : 0;
  std::vector<uint16_t> r(colors), g(colors), b(colors);
  if (photometric == PHOTOMETRIC_PALETTE) {
    for (size_t i = 0; i < r.size(); ++i) {
      r[i] = static_cast<uint16_t>(i * 257);
      g[i] = static_cast<uint16_t>(65535 - i * 100);
      b[i] = static_cast<uint16_t>(i * 31);
    }
    TIFFSetField(tif, TIFFTAG_COLORMAP, r.data(), g.data(), b.data());
  }
  size_t row_bytes = (size_t{kW} * spp * bps + 7) / 8;
  std::vector<uint8_t> row(row_bytes);
  for (uint32_t y = 0; y < kH; ++y) {
    std::fill(row.begin(), row.end(), 0);
    for (uint32_t x = 0; x < kW; ++x) {
      for (uint32_t c = 0; c < spp; ++c) {
        size_t i = size_t{x} * spp + c;
        uint32_t v = Sample(x, y, c);
        if (bps == 32) {
          float f = static_cast<float>(v) * 0.37f - 11.5f + static_cast<float>(y) / 7.0f;
          std::memcpy(&row[4 * i], &f, 4);  // host order; libtiff swaps for big-endian files
        } else if (bps == 16) {
          uint16_t v16 = static_cast<uint16_t>(v * 257 + x);
          std::memcpy(&row[2 * i], &v16, 2);  // host order; libtiff swaps for big-endian files
        } else if (bps == 8) {
          row[i] = static_cast<uint8_t>(v);
        } else {
          SetBits(row.data(), static_cast<uint32_t>(i), bps, v >> (8 - bps));
        }
      }
    }
    TIFFWriteScanline(tif, row.data(), y, 0);
  }
  TIFFClose(tif);
  std::string out = ReadFile(path);
  std::remove(path.c_str());
  return out;
}

}  // namespace

std::vector<ModeImage> BuildModeImages(const std::string& scratch) {
  std::vector<ModeImage> out;
  auto add = [&](std::string name, std::string bytes) {
    out.push_back({std::move(name), std::move(bytes)});
  };
  // JPEG: RGB at 4:2:0, 4:2:2, 4:4:4, progressive; L; CMYK (libjpeg writes an Adobe marker).
  add("jpeg_rgb420.jpg", Jpeg(3, JCS_RGB, 2, 2, false));
  add("jpeg_rgb422.jpg", Jpeg(3, JCS_RGB, 2, 1, false));
  add("jpeg_rgb444.jpg", Jpeg(3, JCS_RGB, 1, 1, false));
  add("jpeg_rgb_progressive.jpg", Jpeg(3, JCS_RGB, 2, 2, true));
  add("jpeg_l.jpg", Jpeg(1, JCS_GRAYSCALE, 1, 1, false));
  add("jpeg_cmyk.jpg", Jpeg(4, JCS_CMYK, 1, 1, false));
  // PNG: every color type and bit depth, interlaced too, with tRNS.
  add("png_1.png", Png(PNG_COLOR_TYPE_GRAY, 1, false));
  add("png_l2.png", Png(PNG_COLOR_TYPE_GRAY, 2, false));
  add("png_l4.png", Png(PNG_COLOR_TYPE_GRAY, 4, false));
  add("png_l8.png", Png(PNG_COLOR_TYPE_GRAY, 8, false));
  add("png_l8_trns.png", Png(PNG_COLOR_TYPE_GRAY, 8, false, true));
  add("png_i16.png", Png(PNG_COLOR_TYPE_GRAY, 16, false));
  add("png_rgb8.png", Png(PNG_COLOR_TYPE_RGB, 8, false));
  add("png_rgb8_interlaced.png", Png(PNG_COLOR_TYPE_RGB, 8, true));
  add("png_rgb16.png", Png(PNG_COLOR_TYPE_RGB, 16, false));
  add("png_p1.png", Png(PNG_COLOR_TYPE_PALETTE, 1, false));
  add("png_p2.png", Png(PNG_COLOR_TYPE_PALETTE, 2, false));
  add("png_p4.png", Png(PNG_COLOR_TYPE_PALETTE, 4, true));
  add("png_p8_trns.png", Png(PNG_COLOR_TYPE_PALETTE, 8, false, true));
  add("png_la8.png", Png(PNG_COLOR_TYPE_GRAY_ALPHA, 8, false));
  add("png_la16.png", Png(PNG_COLOR_TYPE_GRAY_ALPHA, 16, false));
  add("png_rgba8.png", Png(PNG_COLOR_TYPE_RGB_ALPHA, 8, false));
  add("png_rgba16.png", Png(PNG_COLOR_TYPE_RGB_ALPHA, 16, true));
  add("png_1_interlaced.png", Png(PNG_COLOR_TYPE_GRAY, 1, true));
  // GIF: a frame inside a larger screen with transparency; a frame past the screen; an
  // interlaced full frame with a grey-ramp palette (mode L).
  add("gif_p_offset_trns.gif", Gif(40, 30, 5, 7, 20, 10, false, 3, false));
  add("gif_p_beyond_screen.gif", Gif(20, 10, 8, 4, 30, 12, false, -1, false));
  add("gif_l_interlaced.gif", Gif(kW, kH, 0, 0, kW, kH, true, -1, true));
  // BMP.
  auto grey2 = std::vector<uint32_t>{0x000000, 0xFFFFFF};
  add("bmp_1.bmp",
      Bmp(
          1, false, 40, 0, {},
          [](uint32_t x, uint32_t y, uint8_t* r) { SetBits(r, x, 1, Sample(x, y, 0) >> 7); },
          grey2));
  add("bmp_p1.bmp",
      Bmp(1, false, 40, 0, {},
          [](uint32_t x, uint32_t y, uint8_t* r) { SetBits(r, x, 1, Sample(x, y, 1) >> 7); },
          {0x102030, 0xF0E0D0}));
  std::vector<uint32_t> pal16, pal256, grey256;
  for (uint32_t i = 0; i < 16; ++i) pal16.push_back(i * 0x0F0301);
  for (uint32_t i = 0; i < 256; ++i) {
    pal256.push_back((i << 16) | ((255 - i) << 8) | (i ^ 0x33));
    grey256.push_back(i * 0x010101);
  }
  add("bmp_p4.bmp",
      Bmp(
          4, false, 40, 0, {},
          [](uint32_t x, uint32_t y, uint8_t* r) { SetBits(r, x, 4, Sample(x, y, 2) >> 4); },
          pal16));
  add("bmp_p8.bmp",
      Bmp(
          8, true, 40, 0, {}, [](uint32_t x, uint32_t y, uint8_t* r) { r[x] = Sample(x, y, 0); },
          pal256));
  add("bmp_l8.bmp",
      Bmp(
          8, false, 40, 0, {}, [](uint32_t x, uint32_t y, uint8_t* r) { r[x] = Sample(x, y, 1); },
          grey256));
  add("bmp_rgb15.bmp", Bmp(16, false, 40, 0, {}, [](uint32_t x, uint32_t y, uint8_t* r) {
        uint32_t v = (x * 977u + y * 131u) & 0x7FFF;
        r[2 * x] = static_cast<uint8_t>(v);
        r[2 * x + 1] = static_cast<uint8_t>(v >> 8);
      }));
  add("bmp_rgb16_565.bmp",
      Bmp(16, false, 40, 3, {0xF800, 0x7E0, 0x1F}, [](uint32_t x, uint32_t y, uint8_t* r) {
        uint32_t v = (x * 1977u + y * 331u) & 0xFFFF;
        r[2 * x] = static_cast<uint8_t>(v);
        r[2 * x + 1] = static_cast<uint8_t>(v >> 8);
      }));
  add("bmp_rgb24.bmp", Bmp(24, false, 40, 0, {}, [](uint32_t x, uint32_t y, uint8_t* r) {
        for (uint32_t c = 0; c < 3; ++c) r[3 * x + c] = Sample(x, y, c);
      }));
  add("bmp_rgb32.bmp", Bmp(32, true, 40, 0, {}, [](uint32_t x, uint32_t y, uint8_t* r) {
        for (uint32_t c = 0; c < 4; ++c) r[4 * x + c] = Sample(x, y, c);
      }));
  add("bmp_rgba32_v4.bmp", Bmp(32, false, 108, 3, {0xFF0000, 0xFF00, 0xFF, 0xFF000000},
                               [](uint32_t x, uint32_t y, uint8_t* r) {
                                 for (uint32_t c = 0; c < 4; ++c) r[4 * x + c] = Sample(x, y, c);
                               }));
  // TIFF.
  add("tiff_1_miniswhite.tif",
      Tiff(scratch, "a", false, PHOTOMETRIC_MINISWHITE, 1, 1, COMPRESSION_NONE));
  add("tiff_1_minisblack.tif",
      Tiff(scratch, "b", true, PHOTOMETRIC_MINISBLACK, 1, 1, COMPRESSION_PACKBITS));
  add("tiff_l8.tif", Tiff(scratch, "c", false, PHOTOMETRIC_MINISBLACK, 1, 8, COMPRESSION_LZW));
  add("tiff_l8_miniswhite.tif",
      Tiff(scratch, "d", false, PHOTOMETRIC_MINISWHITE, 1, 8, COMPRESSION_NONE));
  add("tiff_i16_le.tif",
      Tiff(scratch, "e", false, PHOTOMETRIC_MINISBLACK, 1, 16, COMPRESSION_NONE));
  add("tiff_i16_be.tif",
      Tiff(scratch, "f", true, PHOTOMETRIC_MINISBLACK, 1, 16, COMPRESSION_ADOBE_DEFLATE));
  add("tiff_rgb.tif", Tiff(scratch, "g", false, PHOTOMETRIC_RGB, 3, 8, COMPRESSION_NONE));
  add("tiff_rgb_lzw_be.tif", Tiff(scratch, "h", true, PHOTOMETRIC_RGB, 3, 8, COMPRESSION_LZW));
  add("tiff_rgba.tif", Tiff(scratch, "i", false, PHOTOMETRIC_RGB, 4, 8, COMPRESSION_ADOBE_DEFLATE,
                            EXTRASAMPLE_UNASSALPHA));
  add("tiff_p8.tif", Tiff(scratch, "j", false, PHOTOMETRIC_PALETTE, 1, 8, COMPRESSION_NONE));
  add("tiff_p4.tif", Tiff(scratch, "k", false, PHOTOMETRIC_PALETTE, 1, 4, COMPRESSION_NONE));
  add("tiff_cmyk.tif", Tiff(scratch, "l", false, PHOTOMETRIC_SEPARATED, 4, 8, COMPRESSION_LZW));
  // Mode F, and the Orientation tag (Pillow turns the image when it loads it).
  add("tiff_f32.tif", Tiff(scratch, "m", false, PHOTOMETRIC_MINISBLACK, 1, 32, COMPRESSION_NONE));
  add("tiff_f32_be.tif", Tiff(scratch, "v", true, PHOTOMETRIC_MINISBLACK, 1, 32, COMPRESSION_NONE));
  add("tiff_f32_be_orient6.tif", Tiff(scratch, "n", true, PHOTOMETRIC_MINISBLACK, 1, 32,
                                      COMPRESSION_ADOBE_DEFLATE, 0xFFFF, 6));
  add("tiff_rgb_orient2.tif",
      Tiff(scratch, "o", false, PHOTOMETRIC_RGB, 3, 8, COMPRESSION_NONE, 0xFFFF, 2));
  add("tiff_rgb_orient3_lzw_be.tif",
      Tiff(scratch, "p", true, PHOTOMETRIC_RGB, 3, 8, COMPRESSION_LZW, 0xFFFF, 3));
  add("tiff_l8_orient4.tif",
      Tiff(scratch, "q", false, PHOTOMETRIC_MINISBLACK, 1, 8, COMPRESSION_NONE, 0xFFFF, 4));
  add("tiff_i16_orient5.tif",
      Tiff(scratch, "r", false, PHOTOMETRIC_MINISBLACK, 1, 16, COMPRESSION_NONE, 0xFFFF, 5));
  add("tiff_rgba_orient6.tif", Tiff(scratch, "s", false, PHOTOMETRIC_RGB, 4, 8,
                                    COMPRESSION_NONE, EXTRASAMPLE_UNASSALPHA, 6));
  add("tiff_p4_orient7.tif",
      Tiff(scratch, "t", false, PHOTOMETRIC_PALETTE, 1, 4, COMPRESSION_NONE, 0xFFFF, 7));
  add("tiff_cmyk_orient8.tif",
      Tiff(scratch, "u", false, PHOTOMETRIC_SEPARATED, 4, 8, COMPRESSION_LZW, 0xFFFF, 8));
  // WebP.
  std::vector<uint8_t> rgb = Pixels(kW, kH, 3), rgba = Pixels(kW, kH, 4);
  uint8_t* enc = nullptr;
  size_t n = WebPEncodeRGB(rgb.data(), kW, kH, kW * 3, 80, &enc);
  add("webp_rgb_lossy.webp", std::string(reinterpret_cast<char*>(enc), n));
  WebPFree(enc);
  n = WebPEncodeRGBA(rgba.data(), kW, kH, kW * 4, 80, &enc);
  add("webp_rgba_lossy.webp", std::string(reinterpret_cast<char*>(enc), n));
  WebPFree(enc);
  n = WebPEncodeLosslessRGBA(rgba.data(), kW, kH, kW * 4, &enc);
  add("webp_rgba_lossless.webp", std::string(reinterpret_cast<char*>(enc), n));
  WebPFree(enc);
  n = WebPEncodeLosslessRGB(rgb.data(), kW, kH, kW * 3, &enc);
  add("webp_rgb_lossless.webp", std::string(reinterpret_cast<char*>(enc), n));
  WebPFree(enc);
  return out;
}

}  // namespace ingest::testing
