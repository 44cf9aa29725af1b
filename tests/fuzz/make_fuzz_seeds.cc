// make_fuzz_seeds DIR: writes the binary seed corpora of the libFuzzer harnesses into
// DIR/<harness>/, generated with the test generators (tests/testing: images in every pixel
// mode Pillow knows, EXIF blocks) and the project's own writers (a scan cache, a journal, a
// receiver's data directory, manifests), so that the fuzzers start from well-formed inputs
// and mutate their way into the corners. scripts/fuzz-seeds.sh runs it (and writes the text
// seeds itself).
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <zstd.h>

#include "engine/scan_cache.h"
#include "engine/scanner.h"
#include "manifest/manifest_writer.h"
#include "server/task_store.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/mode_images.h"
#include "upload/journal.h"

namespace {

namespace fs = std::filesystem;
namespace t = ingest::testing;
using ingest::fuzz::kSectionSep;

std::string g_out;

void Seed(const std::string& harness, const std::string& name, const std::string& bytes) {
  fs::create_directories(g_out + "/" + harness);
  ingest::fuzz::WriteBytes(g_out + "/" + harness + "/" + name, bytes);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every image both probes and decoders start from.
std::vector<std::pair<std::string, std::string>> Images(const std::string& scratch) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const t::ModeImage& m : t::BuildModeImages(scratch)) out.emplace_back(m.name, m.bytes);
  out.emplace_back("exif6.jpg", t::WriteJpeg(9, 7, {.exif_orientation = 6}));
  out.emplace_back("progressive.jpg", t::WriteJpeg(17, 5, {.progressive = true}));
  out.emplace_back("exif_before.png", t::WritePng(6, 5, {.exif_before_idat = 8}));
  out.emplace_back("exif_after.png", t::WritePng(6, 5, {.exif_after_idat = 3}));
  out.emplace_back("text_exif.png",
                   t::InsertPngChunk(t::WritePng(3, 2), "zTXt",
                                     std::string("Raw profile type exif\0\0x", 24), true));
  out.emplace_back("grown.gif", t::WriteGif(4, 4, 2, 1, 5, 6));
  out.emplace_back("core.bmp", t::WriteBmp(5, 3, t::BmpHeader::kCore12));
  out.emplace_back("v5_topdown.bmp", t::WriteBmp(5, 3, t::BmpHeader::kV5_124, true));
  out.emplace_back("lossy.webp", t::WriteWebp(7, 5, t::WebpKind::kLossy));
  out.emplace_back("lossless.webp", t::WriteWebp(7, 5, t::WebpKind::kLossless));
  out.emplace_back("extended.webp", t::WriteWebp(7, 5, t::WebpKind::kExtended, 5));
  out.emplace_back("be.tiff", t::WriteTiff(scratch, 6, 4, {.big_endian = true, .orientation = 8}));
  out.emplace_back("big.tiff", t::WriteTiff(scratch, 6, 4, {.big_tiff = true}));
  // PNM: raw and plain, the scaled (maxval not 255) and 16-bit paths.
  out.emplace_back("raw.pbm", std::string("P4\n11 2\n") + std::string(4, '\x5a'));
  out.emplace_back("plain.pbm", std::string("P1\n3 2\n0 1 1\n1 0 0\n"));
  out.emplace_back("scaled.pgm",
                   std::string("P5\n3 2\n100\n") + std::string("\x01\x32\x64\x00\x10\x20"));
  out.emplace_back(
      "wide.pgm", std::string("P5 2 2 1000 ") + std::string("\x03\xe8\x00\x01\x01\x00\x00\x00", 8));
  out.emplace_back("plain.ppm", std::string("P3\n2 1\n7\n1 2 3 4 5 6\n"));
  out.emplace_back("cut.pgm", std::string("P2\n3 2\n7\n3 4"));
  // Sun raster (8-bit, colour map), PCX (RGB runs), SGI (RGB), XBM, XPM, FITS, ICO (PNG).
  out.emplace_back("map.ras",
                   std::string("\x59\xa6\x6a\x95\0\0\0\x03\0\0\0\x02\0\0\0\x08"
                               "\0\0\0\x08\0\0\0\x01\0\0\0\x01\0\0\0\x06",
                               32) +
                       std::string("\x10\x20\x30\x40\x50\x60\x00\x01\x00\x00\x01\x00\x00\x01", 14));
  std::string pcx(128, '\0');
  pcx[0] = 10, pcx[1] = 5, pcx[2] = 1, pcx[3] = 8, pcx[8] = 2, pcx[10] = 1, pcx[65] = 3,
  pcx[66] = 4;
  out.emplace_back("rgb.pcx", pcx + std::string("\xC3\x11\x05\xC2\x22\x33\x44\x55\xC4\x66"
                                                "\x01\x02\x03\x04\x05\x06\x07\x08\x09",
                                                19));
  std::string sgi = std::string("\x01\xda\x00\x01\x00\x03\x00\x02\x00\x02\x00\x03", 12);
  sgi.resize(512, '\0');
  out.emplace_back("rgb.sgi", sgi + std::string(12, '\x7f'));
  out.emplace_back("a.xbm",
                   std::string("#define a_width 9\n#define a_height 2\nstatic char a_bits[] = "
                               "{ 0x41, 0x01, 0xff, 0x00 };\n"));
  out.emplace_back("a.xpm", std::string("/* XPM */\n\"3 2 2 1\",\n\"a c #ff0000\",\n\"b c None\",\n"
                                        "\"aba\",\n\"b\"\n"));
  std::string fits = "SIMPLE  = T";
  fits.resize(80, ' ');
  for (const char* card : {"BITPIX  = -32", "NAXIS   = 2", "NAXIS1  = 2", "NAXIS2  = 2", "END"}) {
    std::string c = card;
    c.resize(80, ' ');
    fits += c;
  }
  fits.resize(2880, ' ');
  out.emplace_back("f.fits", fits + std::string(16, '\x3f'));
  std::string ico_png = t::WritePng(4, 4);
  std::string ico = std::string("\0\0\x01\0\x01\0\x04\x04\0\0\x01\0\x20\0", 14);
  uint32_t n = static_cast<uint32_t>(ico_png.size());
  ico +=
      std::string{static_cast<char>(n & 255), static_cast<char>(n >> 8 & 255), 0, 0, 22, 0, 0, 0};
  out.emplace_back("png.ico", ico + ico_png);
  // Run-length Sun raster (runs across rows, an escaped 0x80) and SGI (8- and 16-bit: tables
  // of offsets and lengths, copy and run opcodes); icons holding a DIB (AND mask; 32-bit alpha).
  out.emplace_back("rle.ras",
                   std::string("\x59\xa6\x6a\x95\0\0\0\x03\0\0\0\x02\0\0\0\x08"
                               "\0\0\0\x08\0\0\0\x02\0\0\0\0\0\0\0\0",
                               32) +
                       std::string("\x80\x03\x07\x80\x00\x05", 6));
  for (int bpc : {1, 2}) {
    std::string rle = std::string("\x01\xda\x01", 3) + static_cast<char>(bpc) +
                      std::string("\x00\x02\x00\x03\x00\x02\x00\x01", 8);
    rle.resize(512, '\0');
    const std::string row = bpc == 1 ? std::string("\x82\x11\x22\x01\x33\x00", 6)
                                     : std::string("\x00\x82\x11\x12\x22\x23\x00\x01\x33"
                                                   "\x34\x00\x00",
                                                   12);
    const auto len = static_cast<char>(row.size());
    rle += std::string("\0\0\x02\x10\0\0\x02", 7) + static_cast<char>(0x10 + row.size()) +
           std::string(3, '\0') + len + std::string(3, '\0') + len + row + row;
    out.emplace_back("rle" + std::to_string(bpc) + ".sgi", rle);
  }
  // PSD: RGB 3x2, raw planes and PackBits planes (a count table, runs and literals).
  const std::string psd_head = std::string("8BPS\0\x01\0\0\0\0\0\0\0\x03\0\0\0\x02\0\0\0\x03"
                                           "\0\x08\0\x03",
                                           26) +
                               std::string(12, '\0');
  out.emplace_back("raw.psd", psd_head + std::string("\0\0", 2) + std::string(18, '\x41'));
  std::string counts, planes;
  for (int row = 0; row < 6; ++row) {
    counts += std::string(row % 2 ? "\0\x02" : "\0\x04", 2);
    planes += row % 2 ? std::string("\xfe\x33", 2) : std::string("\x02\x01\x02\x03", 4);
  }
  out.emplace_back("packbits.psd", psd_head + std::string("\0\x01", 2) + counts + planes);
  for (int bpp : {24, 32}) {
    std::string dib = std::string("\x28\0\0\0\x03\0\0\0\x04\0\0\0\x01\0", 14) +
                      static_cast<char>(bpp) + std::string(25, '\0');
    const size_t stride = bpp == 24 ? 12 : 12;  // 3 pixels: 9 bytes padded to 12, or 12
    dib += std::string(stride * 2, '\x5a') + std::string(8, '\x0f');  // pixels, AND mask
    std::string dir = std::string("\0\0\x01\0\x01\0\x03\x02\0\0\x01\0", 12) +
                      static_cast<char>(bpp) + std::string("\0", 1) +
                      static_cast<char>(dib.size()) + std::string("\0\0\0\x16\0\0\0", 7);
    out.emplace_back("dib" + std::to_string(bpp) + ".ico", dir + dib);
  }
  return out;
}

void ImageSeeds(const std::string& scratch) {
  for (const auto& [name, bytes] : Images(scratch)) {
    // Large noisy images only slow the fuzzers down: keep the small ones.
    if (bytes.size() > 64 << 10) continue;
    Seed("image_probe", name, bytes);
    Seed("pixels", name, bytes);
  }
  for (uint16_t o : {1, 6, 9}) {
    for (bool big : {false, true}) {
      std::string exif = t::BuildExif(o, big, /*with_prefix=*/true);
      std::string name = "o" + std::to_string(o) + (big ? "_be" : "_le");
      // Flag: bit 0 strip the prefix, bit 1 big-endian; the IFD offset 8; then a fence byte
      // on each side of the block.
      Seed("exif", name,
           std::string(1, static_cast<char>(big ? 3 : 1)) + "\x08" + "#" + exif + "#");
    }
  }
}

void ScanCacheSeeds(const std::string& scratch) {
  const std::string tree = scratch + "/tree";
  fs::create_directories(tree + "/sub");
  ingest::fuzz::WriteBytes(tree + "/a.png", t::WritePng(5, 4));
  ingest::fuzz::WriteBytes(tree + "/sub/b.jpg", t::WriteJpeg(16, 8, {.exif_orientation = 6}));
  ingest::fuzz::WriteBytes(tree + "/c.txt", "text");
  ingest::ScanOptions options{.pixel_checksum = true};
  ingest::Result<ingest::ScanResult> scan = ingest::Scan(std::vector<std::string>{tree}, options);
  if (!scan) return;
  const std::string path = scratch + "/scan.cache";
  if (!ingest::ScanCache::Save(path, *scan, ingest::ScanCacheOptionsOf(options)).ok()) return;
  std::string file = Slurp(path);
  Seed("scan_cache", "file", std::string(1, '\x01') + file);
  // The payload alone (the harness wraps it): decompress the frame after the 32-byte header.
  uint64_t raw = 0;
  std::memcpy(&raw, file.data() + 16, 8);
  std::string payload(raw, '\0');
  size_t n = ZSTD_decompress(payload.data(), payload.size(), file.data() + 32, file.size() - 32);
  if (!ZSTD_isError(n)) Seed("scan_cache", "payload", std::string(1, '\x0e') + payload);
}

void JournalSeeds(const std::string& scratch) {
  ingest::upload::JournalHeader h;
  h.server = "http://127.0.0.1:8080";
  h.key = "0123456789abcdef";
  h.task_json = R"({"name":"t","labels":[]})";
  h.finish_json = R"({"image_quality":70,"sorting_method":"predefined"})";
  h.state = ingest::upload::JobState::kUploading;
  h.frame_order = "a.jpg\nb.png\nc.mp4";
  std::vector<ingest::upload::JournalFile> files(3);
  files[0] = {.path = "/d/a.jpg", .name = "a.jpg", .size = 10, .mtime_ns = 5};
  files[1] = {.path = "/d/x.zip",
              .member = "b.png",
              .ordinal = 1,
              .name = "b.png",
              .size = 20,
              .hash = "00ff",
              .hashed = 20,
              .batch = 1};
  files[2] = {
      .path = "/d/c.mp4", .name = "c.mp4", .size = 1 << 20, .route = ingest::upload::Route::kTus};
  const std::string path = scratch + "/seed.journal";
  {
    auto j = ingest::upload::Journal::Create(path, h, files);
    if (!j) return;
    (*j)->OnTusCreated(2, "/api/tasks/1/data/1_abc");
    (*j)->OnTusOffset(2, 4096);
    (*j)->OnBatchSending(1);
    (*j)->OnFileDone(0);
    (void)(*j)->Flush();
  }
  Seed("journal", "three_files", Slurp(path));
}

void ManifestSeeds(const std::string& scratch) {
  std::string text = "{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n";
  std::vector<std::string_view> related = {"ctx/a_1.png", "x\\y"};
  ingest::manifest::AppendImageLine({.name = "a",
                                     .extension = ".jpg",
                                     .width = 4,
                                     .height = 3,
                                     .checksum = "d41d8cd98f00b204e9800998ecf8427e"},
                                    &text);
  ingest::manifest::AppendImageLine({.name = "dir/\xc3\xa9\xff\x80",
                                     .extension = ".png",
                                     .width = 1,
                                     .height = 2,
                                     .related_images = std::span<const std::string_view>(related)},
                                    &text);
  Seed("manifest_reader", "images", std::string(1, '\x00') + text);
  const std::string video = scratch + "/video.jsonl";
  auto w = ingest::manifest::VideoManifestWriter::Open(video, {"v.mp4", 640, 480, 75});
  if (w) {
    (void)(*w)->Append({0, 0, "0123"});
    (void)(*w)->Append({25, 12800, ""});
    if ((*w)->Close().ok()) Seed("manifest_reader", "video", std::string(1, '\x02') + Slurp(video));
  }
  Seed("manifest_reader", "roundtrip",
       "\x01sub/n\xe9w\xed\xa0\x80" + std::string(kSectionSep) + ".JPG" + std::string(kSectionSep) +
           "rel\x01" + std::string(kSectionSep) + "\xf0\x9f\x98\x80");
}

void TaskStoreSeeds(const std::string& scratch) {
  const std::string dir = scratch + "/data";
  {
    ingest::server::TaskStore store(dir, false);
    if (!store.Open().ok()) return;
    ingest::server::Task spec;
    spec.name = "seed";
    spec.labels_json = R"([{"name":"car"}])";
    auto task = store.Create(spec);
    if (!task) return;
    std::lock_guard lock((*task)->mu);
    (void)store.RegisterClientFile(**task, "a.jpg");
    (void)store.RegisterClientFile(**task, "b.png");
    (*task)->frames = {{"a.jpg", 4, 3}, {"b.png", 2, 1}};
    (void)store.SaveFrames(**task);
    auto up = store.CreateUpload(**task, 1, "c.png", "image/png", "", 100);
    if (up) {
      std::lock_guard ul((*up)->mu);
      (*up)->offset = 10;
      (void)store.SaveUploadOffset(**up);
    }
  }
  const std::string task = dir + "/tasks/1/";
  std::string sep(kSectionSep);
  std::string uploads = Slurp(task + "uploads.jsonl");
  std::string meta =
      R"({"filename":"d.jpg","filetype":"image/jpeg","file_size":3,"offset":1,"user_id":1})";
  std::string files = Slurp(task + "task.json") + sep + Slurp(task + "client_files.jsonl") + sep +
                      Slurp(task + "frames.jsonl") + sep + uploads + sep + meta + sep +
                      Slurp(dir + "/next_id");
  Seed("task_store", "task", std::string(1, '\x02') + files);
  Seed("task_store", "discard", std::string(1, '\x01') + files);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_seeds DIR\n");
    return 2;
  }
  g_out = argv[1];
  const std::string scratch = ingest::fuzz::ScratchDir();
  ImageSeeds(scratch);
  ScanCacheSeeds(scratch);
  JournalSeeds(scratch);
  ManifestSeeds(scratch);
  TaskStoreSeeds(scratch);
  return 0;
}
