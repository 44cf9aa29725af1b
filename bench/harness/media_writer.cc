#include "bench/harness/media_writer.h"

#include <fcntl.h>
#include <jpeglib.h>
#include <png.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "engine/ffmpeg_common.h"
#include "engine/unique_fd.h"

namespace ingest::bench {

uint64_t RandomBytes::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void RandomBytes::Fill(char* out, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v = Next();
    std::memcpy(out + i, &v, 8);
  }
  if (i < n) {
    uint64_t v = Next();
    std::memcpy(out + i, &v, n - i);
  }
}

namespace {

std::vector<unsigned char> GradientPixels(int w, int h) {
  std::vector<unsigned char> px(static_cast<size_t>(w) * static_cast<size_t>(h) * 3);
  RandomBytes noise(static_cast<uint64_t>(w) * 65537u + static_cast<uint64_t>(h));
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      size_t i = (static_cast<size_t>(y) * static_cast<size_t>(w) + static_cast<size_t>(x)) * 3;
      px[i] = static_cast<unsigned char>(x * 255 / std::max(1, w - 1));
      px[i + 1] = static_cast<unsigned char>(y * 255 / std::max(1, h - 1));
      px[i + 2] = static_cast<unsigned char>(128 + (noise.Next() >> 59));  // mild noise
    }
  }
  return px;
}

struct JpegErrors {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
};

[[noreturn]] void OnJpegError(j_common_ptr c) {
  std::longjmp(reinterpret_cast<JpegErrors*>(c->err)->jump, 1);
}

// Only trivial locals here: libjpeg reports errors through longjmp.
bool CompressJpeg(const unsigned char* px, int w, int h, unsigned char** mem,
                  unsigned long* size) {
  jpeg_compress_struct c;
  JpegErrors err;
  c.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = OnJpegError;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&c);
    return false;
  }
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, mem, size);
  c.image_width = static_cast<JDIMENSION>(w);
  c.image_height = static_cast<JDIMENSION>(h);
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 85, TRUE);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(px + static_cast<size_t>(c.next_scanline) *
                                                 static_cast<size_t>(w) * 3);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  return true;
}

void AppendToString(png_structp png, png_bytep data, png_size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<char*>(data), n);
}
void FlushNothing(png_structp) {}

// Only trivial locals here: libpng reports errors through longjmp.
bool CompressPng(const unsigned char* px, int w, int h, std::string* out) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr) return false;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, out, AppendToString, FlushNothing);
  png_set_IHDR(png, info, static_cast<png_uint_32>(w), static_cast<png_uint_32>(h), 8,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 1);
  png_write_info(png, info);
  for (int y = 0; y < h; ++y) {
    png_write_row(png, px + static_cast<size_t>(y) * static_cast<size_t>(w) * 3);
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

// Where the JPEG scan starts (its SOS marker), found by walking the marker segments.
size_t JpegScanStart(std::string_view jpeg) {
  size_t at = 2;  // after SOI
  while (at + 4 <= jpeg.size() && static_cast<unsigned char>(jpeg[at]) == 0xFF) {
    auto marker = static_cast<unsigned char>(jpeg[at + 1]);
    if (marker == 0xDA) return at;
    size_t len = (static_cast<size_t>(static_cast<unsigned char>(jpeg[at + 2])) << 8) |
                 static_cast<unsigned char>(jpeg[at + 3]);
    at += 2 + len;
  }
  return std::string_view::npos;
}

void PutBigEndian32(uint32_t v, char* out) {
  out[0] = static_cast<char>(v >> 24);
  out[1] = static_cast<char>(v >> 16);
  out[2] = static_cast<char>(v >> 8);
  out[3] = static_cast<char>(v);
}

// Buffered sequential writes to one file; the first error sticks and names the file.
class FileOut {
 public:
  explicit FileOut(const std::string& path) : path_(path) {
    fd_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd_.valid()) status_ = FromErrno("create " + path, errno);
  }
  void Write(std::string_view bytes) {
    while (status_.ok() && !bytes.empty()) {
      ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status_ = FromErrno("write " + path_, errno);
        return;
      }
      bytes.remove_prefix(static_cast<size_t>(n));
      written_ += static_cast<uint64_t>(n);
    }
  }
  Result<uint64_t> Close() {
    if (status_.ok() && ::close(fd_.release()) != 0) status_ = FromErrno("close " + path_, errno);
    if (!status_.ok()) return status_;
    return written_;
  }

 private:
  std::string path_;
  UniqueFd fd_;
  Status status_;
  uint64_t written_ = 0;
};

}  // namespace

Result<std::string> EncodeImage(ImageFormat format, int width, int height) {
  if (width <= 0 || height <= 0) return Status::InvalidArgument("image size must be positive");
  std::vector<unsigned char> px = GradientPixels(width, height);
  if (format == ImageFormat::kPng) {
    std::string out;
    if (!CompressPng(px.data(), width, height, &out)) return Status::Internal("libpng failed");
    return out;
  }
  unsigned char* mem = nullptr;
  unsigned long size = 0;
  bool ok = CompressJpeg(px.data(), width, height, &mem, &size);
  std::string out = ok ? std::string(reinterpret_cast<char*>(mem), size) : std::string();
  std::free(mem);
  if (!ok) return Status::Internal("libjpeg failed");
  return out;
}

Result<uint64_t> WritePaddedImage(const std::string& path, std::string_view base,
                                  ImageFormat format, uint64_t size, RandomBytes* random) {
  FileOut out(path);
  uint64_t need = size > base.size() ? size - base.size() : 0;
  std::vector<char> chunk(64 << 10);
  if (format == ImageFormat::kJpeg) {
    size_t scan = JpegScanStart(base);
    if (scan == std::string_view::npos) return Status::Internal(path + ": no JPEG scan to pad");
    out.Write(base.substr(0, scan));
    // COM segments of at most 65533 payload bytes (4 bytes of marker and length each).
    while (need >= 5) {
      uint64_t payload = std::min<uint64_t>(65533, need - 4);
      uint64_t rest = need - 4 - payload;
      if (rest > 0 && rest < 5) payload -= 5 - rest;  // leave room for one more segment
      char head[4] = {'\xFF', '\xFE', static_cast<char>((payload + 2) >> 8),
                      static_cast<char>((payload + 2) & 0xFF)};
      out.Write(std::string_view(head, 4));
      random->Fill(chunk.data(), payload);
      out.Write(std::string_view(chunk.data(), payload));
      need -= 4 + payload;
    }
    out.Write(base.substr(scan));
    return out.Close();
  }
  // PNG: one "paDd" chunk (ancillary, private, safe to copy) before IEND.
  if (base.size() < 12) return Status::Internal(path + ": PNG too short to pad");
  out.Write(base.substr(0, base.size() - 12));
  if (need >= 12) {
    uint64_t payload = std::min<uint64_t>(need - 12, 0x7FFFFFFFu);
    char head[8];
    PutBigEndian32(static_cast<uint32_t>(payload), head);
    std::memcpy(head + 4, "paDd", 4);
    out.Write(std::string_view(head, 8));
    uLong crc = crc32(0L, reinterpret_cast<const Bytef*>("paDd"), 4);
    for (uint64_t left = payload; left > 0;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(left, chunk.size()));
      random->Fill(chunk.data(), n);
      crc = crc32(crc, reinterpret_cast<const Bytef*>(chunk.data()), static_cast<uInt>(n));
      out.Write(std::string_view(chunk.data(), n));
      left -= n;
    }
    char tail[4];
    PutBigEndian32(static_cast<uint32_t>(crc), tail);
    out.Write(std::string_view(tail, 4));
  }
  out.Write(base.substr(base.size() - 12));
  return out.Close();
}

namespace {

struct FormatContextCloser {
  void operator()(AVFormatContext* f) const noexcept {
    if (f->pb != nullptr) avio_closep(&f->pb);
    avformat_free_context(f);
  }
};

Status AvError(const std::string& path, const char* step, int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(err, buf, sizeof(buf));
  return Status::IoError(path + ": " + step + ": " + buf);
}

// Sends `frame` (null: flush) and writes every packet the encoder has ready.
Status EncodeAndWrite(const std::string& path, AVFormatContext* fmt, AVCodecContext* codec,
                      AVStream* stream, AVFrame* frame, AVPacket* packet) {
  int err = avcodec_send_frame(codec, frame);
  if (err < 0) return AvError(path, "encode", err);
  for (;;) {
    err = avcodec_receive_packet(codec, packet);
    if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return Status();
    if (err < 0) return AvError(path, "encode", err);
    av_packet_rescale_ts(packet, codec->time_base, stream->time_base);
    packet->stream_index = stream->index;
    err = av_interleaved_write_frame(fmt, packet);
    if (err < 0) return AvError(path, "write", err);
  }
}

}  // namespace

Status WriteVideoFile(const std::string& path, const VideoFileSpec& spec,
                      const std::atomic<bool>* cancel) {
  av_log_set_level(AV_LOG_ERROR);
  AVFormatContext* raw_fmt = nullptr;
  int err = avformat_alloc_output_context2(&raw_fmt, nullptr, nullptr, path.c_str());
  if (err < 0 || raw_fmt == nullptr) return AvError(path, "choose a container", err);
  std::unique_ptr<AVFormatContext, FormatContextCloser> fmt(raw_fmt);
  const AVCodec* encoder = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
  if (encoder == nullptr) return Status::Unsupported(path + ": FFmpeg has no MPEG-4 encoder");
  AVStream* stream = avformat_new_stream(fmt.get(), nullptr);
  ffmpeg::CodecPtr codec(avcodec_alloc_context3(encoder));
  ffmpeg::FramePtr frame(av_frame_alloc());
  ffmpeg::PacketPtr packet(av_packet_alloc());
  if (stream == nullptr || !codec || !frame || !packet) {
    return Status::Internal(path + ": FFmpeg allocation failed");
  }
  codec->width = spec.width & ~1;
  codec->height = spec.height & ~1;
  codec->time_base = AVRational{1, spec.fps};
  codec->framerate = AVRational{spec.fps, 1};
  codec->gop_size = spec.gop;
  codec->max_b_frames = 0;
  codec->pix_fmt = AV_PIX_FMT_YUV420P;
  codec->flags |= AV_CODEC_FLAG_QSCALE;
  codec->global_quality = FF_QP2LAMBDA * std::clamp(spec.quantizer, 2, 31);
  if (fmt->oformat->flags & AVFMT_GLOBALHEADER) codec->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  err = avcodec_open2(codec.get(), encoder, nullptr);
  if (err < 0) return AvError(path, "open the encoder", err);
  err = avcodec_parameters_from_context(stream->codecpar, codec.get());
  if (err < 0) return AvError(path, "stream parameters", err);
  stream->time_base = codec->time_base;
  err = avio_open(&fmt->pb, path.c_str(), AVIO_FLAG_WRITE);
  if (err < 0) return AvError(path, "create", err);
  err = avformat_write_header(fmt.get(), nullptr);
  if (err < 0) return AvError(path, "write the header", err);
  frame->format = codec->pix_fmt;
  frame->width = codec->width;
  frame->height = codec->height;
  err = av_frame_get_buffer(frame.get(), 0);
  if (err < 0) return AvError(path, "frame buffer", err);
  RandomBytes noise(spec.seed);
  for (int i = 0; i < spec.frames; ++i) {
    if (cancel != nullptr && cancel->load()) return Status::Cancelled(path + ": interrupted");
    err = av_frame_make_writable(frame.get());
    if (err < 0) return AvError(path, "frame buffer", err);
    for (int y = 0; y < frame->height; ++y) {
      uint8_t* row = frame->data[0] + static_cast<ptrdiff_t>(y) * frame->linesize[0];
      for (int x = 0; x < frame->width; ++x) {
        row[x] = static_cast<uint8_t>(((x + y + i * 4) & 0xFF) ^ (noise.Next() >> 59));
      }
    }
    for (int plane = 1; plane < 3; ++plane) {
      for (int y = 0; y < frame->height / 2; ++y) {
        uint8_t* row = frame->data[plane] + static_cast<ptrdiff_t>(y) * frame->linesize[plane];
        for (int x = 0; x < frame->width / 2; ++x) {
          row[x] = static_cast<uint8_t>(128 + ((x * plane + y + i) & 0x3F));
        }
      }
    }
    frame->pts = i;
    INGEST_RETURN_IF_ERROR(
        EncodeAndWrite(path, fmt.get(), codec.get(), stream, frame.get(), packet.get()));
  }
  INGEST_RETURN_IF_ERROR(
      EncodeAndWrite(path, fmt.get(), codec.get(), stream, nullptr, packet.get()));
  err = av_write_trailer(fmt.get());
  if (err < 0) return AvError(path, "write the trailer", err);
  return Status();
}

}  // namespace ingest::bench
