// Pixel checksums of JPEG 2000 files (JP2 boxes or a raw codestream), as Pillow 9.4 decodes
// them: through OpenJPEG (libopenjp2, the library Debian's Pillow links), driven the way
// Pillow's decoder drives it, then Pillow's own unpackers.
//
// Pillow's mode comes from its header parse (engine/jpeg2000_probe.cc): L or I;16 (one
// component; I;16 from 10 bits up), LA, RGB, RGBA by the component count. OpenJPEG then reads
// the file with the default parameters (no reduction, all quality layers) over a stream that
// behaves like Pillow's: 1 MiB buffer, the file's length, no seek function, and a skip
// function that returns the new position rather than the count skipped (as Pillow's does).
// The image must have 1 to 4 components and a known colour space (unspecified counts as grey
// for 1-2 components, and for 3-4 as YCC when the first subsampled component is the second
// or third, else sRGB); the (mode, colour space, components) triple picks the unpacker, and
// the grey ones refuse subsampling. Tiles come one at a time and are placed at their offset from
// the image origin; one outside Pillow's image is an error. Each sample of precision p (stored in
// 1, 2 or 4 bytes) becomes ((v + signed offset 2^(p-1) + rounding) shifted by 8 - p (16 - p
// for I;16)), truncated to the byte (or 16 bits). YCC images are Unsupported: Pillow converts
// them with its own YCbCr tables, not reproduced here; so are subsampled sRGB components,
// which Pillow indexes with rounded-down component sizes.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <openjpeg.h>

#include "engine/byte_source.h"
#include "engine/c_handle.h"
#include "engine/image_probe_internal.h"
#include "engine/pixel_checksum_internal.h"

namespace ingest::pixels {
namespace {

using probe_internal::Jpeg2000Mode;

struct J2kInput {
  std::span<const std::byte> file;
  uint64_t pos = 0;
  std::string error;
};

OPJ_SIZE_T J2kRead(void* out, OPJ_SIZE_T n, void* user) {
  auto* in = static_cast<J2kInput*>(user);
  const uint64_t avail = in->pos < in->file.size() ? in->file.size() - in->pos : 0;
  const size_t k = static_cast<size_t>(std::min<uint64_t>(n, avail));
  if (k == 0) return static_cast<OPJ_SIZE_T>(-1);
  std::memcpy(out, in->file.data() + in->pos, k);
  in->pos += k;
  return k;
}

// Pillow's skip: a relative seek, answering the new position (not the count skipped).
OPJ_OFF_T J2kSkip(OPJ_OFF_T n, void* user) {
  auto* in = static_cast<J2kInput*>(user);
  const int64_t to = static_cast<int64_t>(in->pos) + n;
  in->pos = to < 0 ? 0 : static_cast<uint64_t>(to);
  return in->pos != 0 ? static_cast<OPJ_OFF_T>(in->pos) : -1;
}

void J2kError(const char* msg, void* user) {
  auto* in = static_cast<J2kInput*>(user);
  in->error = msg;
  while (!in->error.empty() && in->error.back() == '\n') in->error.pop_back();
}

// One component's samples in a tile buffer, as Pillow reads them.
struct Channel {
  const uint8_t* data;
  int size;  // bytes a sample: 1, 2 or 4
  int shift;
  uint32_t offset;

  Channel(const opj_image_comp_t& c, const uint8_t* at, int bits) : data(at) {
    const int prec = static_cast<int>(c.prec);
    size = (prec + 7) >> 3;
    if (size == 3) size = 4;
    shift = bits - prec;
    offset = c.sgnd ? 1u << (prec - 1) : 0;
    if (shift < 0) offset += 1u << (-shift - 1);
  }
  uint32_t At(size_t i) const {
    uint32_t word = 0;
    if (size == 1) {
      word = data[i];
    } else if (size == 2) {
      uint16_t v;
      std::memcpy(&v, data + 2 * i, 2);
      word = v;
    } else {
      std::memcpy(&word, data + 4 * i, 4);
    }
    const uint32_t x = offset + word;
    return shift < 0 ? x >> -shift : x << shift;
  }
};

// Which components fill Pillow's bands: the unpacker for (mode, colour space, components).
// Returns the number of components it reads (0: no unpacker, Pillow fails).
unsigned PickUnpacker(Jpeg2000Mode mode, OPJ_COLOR_SPACE space, unsigned comps) {
  const bool grey = space == OPJ_CLRSPC_GRAY;
  const bool colour = space == OPJ_CLRSPC_SRGB || space == OPJ_CLRSPC_SYCC;
  switch (mode) {
    case Jpeg2000Mode::kL:
    case Jpeg2000Mode::kI16:
      return grey && comps == 1 ? 1 : 0;
    case Jpeg2000Mode::kLA:
      return grey && comps == 2 ? 2 : 0;
    case Jpeg2000Mode::kRgb:
      if (grey && (comps == 1 || comps == 2)) return 1;
      return colour && (comps == 3 || comps == 4) ? 3 : 0;
    case Jpeg2000Mode::kRgba:
      if (grey && (comps == 1 || comps == 2)) return comps;
      return colour && (comps == 3 || comps == 4) ? comps : 0;
  }
  return 0;
}

size_t BandsOf(Jpeg2000Mode mode) {
  switch (mode) {
    case Jpeg2000Mode::kL:
      return 1;
    case Jpeg2000Mode::kI16:
    case Jpeg2000Mode::kLA:
      return 2;
    case Jpeg2000Mode::kRgb:
      return 3;
    case Jpeg2000Mode::kRgba:
      return 4;
  }
  return 4;
}

// Writes one decoded tile (`used` components) into `image` (Pillow's bytes, `width` wide).
void PlaceTile(const opj_image_t& img, Jpeg2000Mode mode, unsigned used, const uint8_t* tile,
               uint32_t x0, uint32_t y0, uint32_t w, uint32_t h, uint32_t width, uint8_t* image) {
  const int bits = mode == Jpeg2000Mode::kI16 ? 16 : 8;
  std::vector<Channel> ch;
  const uint8_t* at = tile;
  for (unsigned n = 0; n < used; ++n) {
    ch.emplace_back(img.comps[n], at, bits);
    at += size_t{static_cast<unsigned>(ch.back().size)} * w * h;
  }
  const size_t bands = BandsOf(mode);
  for (uint32_t y = 0; y < h; ++y) {
    uint8_t* row = image + (size_t{y0} + y) * width * bands + size_t{x0} * bands;
    for (uint32_t x = 0; x < w; ++x, row += bands) {
      const size_t i = size_t{y} * w + x;
      if (mode == Jpeg2000Mode::kI16) {
        const auto v = static_cast<uint16_t>(ch[0].At(i));
        row[0] = static_cast<uint8_t>(v & 0xFF);  // I;16 is little-endian
        row[1] = static_cast<uint8_t>(v >> 8);
      } else if (used <= 2 && mode != Jpeg2000Mode::kLA) {  // grey into L, RGB or RGBA
        const auto v = static_cast<uint8_t>(ch[0].At(i));
        for (size_t b = 0; b < std::min<size_t>(bands, 3); ++b) row[b] = v;
        if (bands == 4) row[3] = used == 2 ? static_cast<uint8_t>(ch[1].At(i)) : 0xFF;
      } else {  // LA, RGB, RGBA: the components in order; RGBA from RGB gets 255
        for (unsigned n = 0; n < used; ++n) row[n] = static_cast<uint8_t>(ch[n].At(i));
        if (bands == 4 && used == 3) row[3] = 0xFF;
      }
    }
  }
}

using OpjCodecPtr = std::unique_ptr<opj_codec_t, CDeleter<&opj_destroy_codec>>;
using OpjStreamPtr = std::unique_ptr<opj_stream_t, CDeleter<&opj_stream_destroy>>;
using OpjImagePtr = std::unique_ptr<opj_image_t, CDeleter<&opj_image_destroy>>;

Status Failed(const J2kInput& in, const char* what) {
  std::string msg = std::string("JPEG2000: ") + what;
  if (!in.error.empty()) msg += " (OpenJPEG: " + in.error + ")";
  return Status::Corruption(msg);
}

// The checks Pillow makes after reading the header; the number of components to unpack.
Result<unsigned> CheckImage(const opj_image_t& img, Jpeg2000Mode mode) {
  if (img.numcomps < 1 || img.numcomps > 4 || img.color_space == OPJ_CLRSPC_UNKNOWN) {
    return Status::Corruption(
        "JPEG2000: Pillow cannot decode this component count or colour "
        "space");
  }
  int subsampled = -1;  // the first subsampled component
  for (unsigned n = 0; n < img.numcomps && subsampled < 0; ++n) {
    if (img.comps[n].dx != 1 || img.comps[n].dy != 1) subsampled = static_cast<int>(n);
  }
  OPJ_COLOR_SPACE space = img.color_space;
  if (space == OPJ_CLRSPC_UNSPECIFIED) {  // Pillow's guess: subsampled chroma means YCC
    space = img.numcomps <= 2                      ? OPJ_CLRSPC_GRAY
            : (subsampled == 1 || subsampled == 2) ? OPJ_CLRSPC_SYCC
                                                   : OPJ_CLRSPC_SRGB;
  }
  const unsigned used = PickUnpacker(mode, space, img.numcomps);
  // Pillow's grey unpackers take no subsampled component; its colour ones do.
  if (used == 0 || (space == OPJ_CLRSPC_GRAY && subsampled >= 0)) {
    return Status::Corruption(
        "JPEG2000: Pillow has no unpacker for this mode, colour space "
        "and subsampling");
  }
  if (space == OPJ_CLRSPC_SYCC) {
    return Status::Unsupported(
        "JPEG2000: YCC image (Pillow's YCbCr conversion is not "
        "reproduced): no pixel checksum here");
  }
  if (subsampled >= 0) {
    return Status::Unsupported(
        "JPEG2000: subsampled colour components (Pillow's indexing of "
        "them is not reproduced): no pixel checksum here");
  }
  return used;
}

// Decodes every tile into `image` (zeroed, Pillow's size and bands).
Status DecodeTiles(J2kInput* in, bool codestream, Jpeg2000Mode mode, uint32_t width,
                   uint32_t height, uint8_t* image) {
  OpjStreamPtr stream(opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE));
  OpjCodecPtr codec(opj_create_decompress(codestream ? OPJ_CODEC_J2K : OPJ_CODEC_JP2));
  if (!stream || !codec) return Status::Internal("JPEG2000: out of memory");
  opj_stream_set_read_function(stream.get(), J2kRead);
  opj_stream_set_skip_function(stream.get(), J2kSkip);
  opj_stream_set_user_data(stream.get(), in, nullptr);
  opj_stream_set_user_data_length(stream.get(), in->file.size());
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  opj_set_error_handler(codec.get(), J2kError, in);
  opj_setup_decoder(codec.get(), &params);
  opj_image_t* raw_image = nullptr;
  const bool header = opj_read_header(stream.get(), codec.get(), &raw_image);
  OpjImagePtr img(raw_image);
  if (!header) return Failed(*in, "cannot read the header");
  INGEST_ASSIGN_OR_RETURN(unsigned used, CheckImage(*img, mode));
  std::vector<uint8_t> tile;
  for (;;) {
    OPJ_UINT32 index = 0, size = 0, comps = 0;
    OPJ_INT32 x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    OPJ_BOOL more = OPJ_FALSE;
    if (!opj_read_tile_header(codec.get(), stream.get(), &index, &size, &x0, &y0, &x1, &y1, &comps,
                              &more)) {
      return Failed(*in, "cannot read a tile header");
    }
    if (!more) break;
    if (x0 >= x1 || y0 >= y1 || x0 < 0 || y0 < 0 || static_cast<OPJ_UINT32>(x0) < img->x0 ||
        static_cast<OPJ_UINT32>(y0) < img->y0 ||
        static_cast<OPJ_INT32>(static_cast<OPJ_UINT32>(x1) - img->x0) >
            static_cast<OPJ_INT32>(width) ||
        static_cast<OPJ_INT32>(static_cast<OPJ_UINT32>(y1) - img->y0) >
            static_cast<OPJ_INT32>(height)) {
      return Status::Corruption("JPEG2000: a tile lies outside the image");
    }
    if (comps != img->numcomps) {
      return Status::Corruption("JPEG2000: a tile's component count differs from the image's");
    }
    const auto w = static_cast<uint32_t>(x1 - x0), h = static_cast<uint32_t>(y1 - y0);
    const uint64_t bytes = uint64_t{w} * h * (comps == 3 ? 4 : comps);
    tile.resize(static_cast<size_t>(std::max<uint64_t>(size, bytes)));
    if (!opj_decode_tile_data(codec.get(), index, tile.data(), static_cast<OPJ_UINT32>(tile.size()),
                              stream.get())) {
      return Failed(*in, "cannot decode a tile");
    }
    PlaceTile(*img, mode, used, tile.data(), static_cast<uint32_t>(x0) - img->x0,
              static_cast<uint32_t>(y0) - img->y0, w, h, width, image);
  }
  if (!opj_end_decompress(codec.get(), stream.get())) return Failed(*in, "cannot finish");
  return Status();
}

}  // namespace

Status HashJpeg2000Pixels(std::span<const std::byte> file, Md5Sink* sink) {
  SpanByteSource src(file);
  Jpeg2000Mode mode = Jpeg2000Mode::kL;
  bool codestream = false;
  INGEST_ASSIGN_OR_RETURN(ImageInfo info, probe_internal::ProbeJpeg2000(src, &mode, &codestream));
  INGEST_RETURN_IF_ERROR(CheckPixelCount("JPEG2000", info.width, info.height));
  const size_t total = size_t{info.width} * info.height * BandsOf(mode);
  WholeImage image(sink, total);
  std::memset(image.data(), 0, total);
  J2kInput in{file, 0, {}};
  INGEST_RETURN_IF_ERROR(
      DecodeTiles(&in, codestream, mode, info.width, info.height, image.data()));
  image.Commit();
  return Status();
}

}  // namespace ingest::pixels
