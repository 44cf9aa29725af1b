// make_corpus: writes a synthetic corpus of real images for demos and benchmarks.
//
//   make_corpus DIR [--images N] [--width W] [--height H] [--format jpeg|png|mixed]
//               [--per-dir N] [--archive FILE.zip]
//
// Images are encoded once per format (a smooth gradient with noise, so decoders and CVAT's
// tool accept them) and written N times, each copy made unique by a comment segment/chunk
// holding its index, so content hashes differ. Names use unpadded numbers (img_1, img_2,
// img_10) so lexicographical and natural order differ. Every 50th image gets a
// related_images folder with one context image, as CVAT's 2D layout expects.
#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bench/harness/media_writer.h"

namespace {

// A gradient with noise (bench/harness/media_writer.h); exits on an encoder failure.
std::string Encode(ingest::bench::ImageFormat format, long w, long h) {
  ingest::Result<std::string> image =
      ingest::bench::EncodeImage(format, static_cast<int>(w), static_cast<int>(h));
  if (!image) {
    std::fprintf(stderr, "make_corpus: %s\n", image.error().message().c_str());
    std::exit(1);
  }
  return *image;
}

// A copy of `jpeg` with a COM segment holding `tag` right after SOI.
std::string TagJpeg(const std::string& jpeg, const std::string& tag) {
  std::string seg = "\xFF\xFE";
  size_t len = tag.size() + 2;
  seg += static_cast<char>(len >> 8);
  seg += static_cast<char>(len & 0xFF);
  seg += tag;
  return jpeg.substr(0, 2) + seg + jpeg.substr(2);
}

// A copy of `png` with a tEXt chunk holding `tag` after IHDR, for distinct bytes.
std::string TagPng(const std::string& png, const std::string& tag) {
  std::string body = "tEXt" + std::string("c") + '\0' + tag;
  uint32_t len = static_cast<uint32_t>(body.size() - 4);
  std::string chunk;
  for (int s = 24; s >= 0; s -= 8) chunk += static_cast<char>((len >> s) & 0xFF);
  chunk += body;
  uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()),
                                             static_cast<uInt>(body.size())));
  for (int s = 24; s >= 0; s -= 8) chunk += static_cast<char>((crc >> s) & 0xFF);
  size_t after_ihdr = 8 + 25;
  return png.substr(0, after_ihdr) + chunk + png.substr(after_ihdr);
}

bool MakeDirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      std::string p = path.substr(0, i);
      if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST) return false;
    }
  }
  return true;
}

bool WriteFile(const std::string& path, const std::string& data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  return std::fclose(f) == 0 && ok;
}

struct Entry {
  std::string rel;
  std::string data;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: make_corpus DIR [--images N] [--width W] [--height H] "
                 "[--format jpeg|png|mixed] [--per-dir N] [--archive FILE.zip]\n");
    return 2;
  }
  std::string dir = argv[1];
  long images = 300, width = 640, height = 480, per_dir = 100;
  std::string format = "mixed", archive_path;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string_view k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--images") images = std::atol(v);
    else if (k == "--width") width = std::atol(v);
    else if (k == "--height") height = std::atol(v);
    else if (k == "--format") format = v;
    else if (k == "--per-dir") per_dir = std::max(1L, std::atol(v));
    else if (k == "--archive") archive_path = v;
    else {
      std::fprintf(stderr, "make_corpus: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  using ingest::bench::ImageFormat;
  std::string jpeg = Encode(ImageFormat::kJpeg, width, height);
  std::string png = format == "jpeg" ? "" : Encode(ImageFormat::kPng, width, height);
  std::string context = Encode(ImageFormat::kJpeg, 64, 48);

  std::vector<Entry> entries;
  for (long i = 1; i <= images; ++i) {
    std::string sub = "set_" + std::to_string((i - 1) / per_dir + 1);
    bool use_png = format == "png" || (format == "mixed" && i % 5 == 0);
    std::string name = "img_" + std::to_string(i) + (use_png ? ".png" : ".jpg");
    std::string tag = "cvat-ingest corpus image " + std::to_string(i);
    entries.push_back({sub + "/" + name, use_png ? TagPng(png, tag) : TagJpeg(jpeg, tag)});
    if (i % 50 == 0) {
      std::string folder = sub + "/related_images/img_" + std::to_string(i) + (use_png ? "_png" : "_jpg");
      entries.push_back({folder + "/context_1.jpg", TagJpeg(context, tag)});
    }
  }
  for (const Entry& e : entries) {
    std::string path = dir + "/" + e.rel;
    if (!MakeDirs(path.substr(0, path.rfind('/'))) || !WriteFile(path, e.data)) {
      std::fprintf(stderr, "make_corpus: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
      return 1;
    }
  }
  if (!archive_path.empty()) {
    struct archive* a = archive_write_new();
    archive_write_set_format_zip(a);
    if (archive_write_open_filename(a, archive_path.c_str()) != ARCHIVE_OK) {
      std::fprintf(stderr, "make_corpus: %s: %s\n", archive_path.c_str(), archive_error_string(a));
      return 1;
    }
    for (const Entry& e : entries) {
      struct archive_entry* en = archive_entry_new();
      archive_entry_set_pathname(en, e.rel.c_str());
      archive_entry_set_filetype(en, AE_IFREG);
      archive_entry_set_perm(en, 0644);
      archive_entry_set_size(en, static_cast<la_int64_t>(e.data.size()));
      archive_write_header(a, en);
      archive_write_data(a, e.data.data(), e.data.size());
      archive_entry_free(en);
    }
    archive_write_close(a);
    archive_write_free(a);
  }
  std::printf("make_corpus: %zu files in %s%s%s\n", entries.size(), dir.c_str(),
              archive_path.empty() ? "" : " and ", archive_path.c_str());
  return 0;
}
