#include "upload/run_plan.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "tests/testing/temp_dir.h"
#include "upload/plan_codec.h"

namespace ingest::upload {
namespace {

using testing::ReadFile;
using testing::ScopedTempDir;
using testing::WriteFile;

std::string RandomName(std::mt19937_64& rng) {
  std::string s;
  size_t n = 1 + rng() % 40;
  for (size_t i = 0; i < n; ++i) s += static_cast<char>(1 + rng() % 255);  // any byte but NUL
  return s;
}

// A scan and units drawn from `seed`: every field random, units' bytes and frames the sums of
// their files' (as GroupIntoUnits makes them).
struct Drawn {
  PlanInfo info;
  ScanResult scan;
  std::vector<TaskUnit> units;
};

Drawn Draw(uint64_t seed) {
  std::mt19937_64 rng(seed);
  Drawn d;
  d.info.tool = "cvat-ingest test";
  d.info.created_unix = static_cast<int64_t>(rng() >> 1);
  d.info.selection = rng() % 2 ? "" : RandomName(rng);
  for (size_t i = rng() % 6; i > 0; --i)
    d.info.options.emplace_back(RandomName(rng), RandomName(rng));
  for (size_t i = 1 + rng() % 4; i > 0; --i) {
    ScanSource s{"/" + RandomName(rng), static_cast<ScanSource::Type>(rng() % 3), std::nullopt};
    if (rng() % 2) s.archive_stamp = FileStamp{rng(), static_cast<int64_t>(rng()), rng()};
    d.scan.sources.push_back(s);
  }
  d.scan.names.push_back(std::make_unique<NameArena>());
  for (size_t i = rng() % 300; i > 0; --i) {
    FileRecord f;
    f.rel_path = d.scan.names.back()->Add(RandomName(rng));
    f.source = static_cast<uint32_t>(rng() % d.scan.sources.size());
    f.kind = static_cast<MediaKind>(rng() % kMediaKindCount);
    f.in_archive = rng() % 2;
    f.size = rng() >> 8;  // sums of a few hundred stay below 2^64
    f.mtime_ns = static_cast<int64_t>(rng());
    f.inode = rng();
    if (rng() % 2) f.hash = Hash128{rng(), rng()};
    f.width = static_cast<uint32_t>(rng());
    f.height = static_cast<uint32_t>(rng());
    f.orientation = static_cast<uint16_t>(rng());
    f.frame_count = static_cast<uint32_t>(rng() % 100000);
    f.duration = static_cast<float>(rng() % 100000) / 7.0f;
    for (uint8_t& b : f.pixel_md5.bytes) b = static_cast<uint8_t>(rng());
    d.scan.files.push_back(f);
  }
  for (size_t i = rng() % 20; i > 0; --i) {
    TaskUnit u;
    u.name = RandomName(rng);
    u.group = RandomName(rng);
    u.folder = RandomName(rng);
    u.stem = RandomName(rng);
    u.ordered = rng() % 2;
    u.parts = static_cast<uint32_t>(rng() % 5);
    u.part = u.parts ? static_cast<uint32_t>(1 + rng() % u.parts) : 0;
    for (size_t k = d.scan.files.empty() ? 0 : rng() % 50; k > 0; --k) {
      uint32_t r = static_cast<uint32_t>(rng() % d.scan.files.size());
      u.records.push_back(r);
      const FileRecord& f = d.scan.files[r];
      if (f.kind == MediaKind::kImage || f.kind == MediaKind::kVideo ||
          f.kind == MediaKind::kArchive) {
        u.bytes += f.size;
        u.frames += f.kind == MediaKind::kVideo ? f.frame_count : f.kind == MediaKind::kImage;
      }
    }
    d.units.push_back(std::move(u));
  }
  return d;
}

void ExpectSame(const Drawn& want, const RunPlan& got) {
  EXPECT_EQ(got.info.tool, want.info.tool);
  EXPECT_EQ(got.info.created_unix, want.info.created_unix);
  EXPECT_EQ(got.info.selection, want.info.selection);
  EXPECT_EQ(got.info.options, want.info.options);
  ASSERT_EQ(got.scan.sources.size(), want.scan.sources.size());
  for (size_t i = 0; i < want.scan.sources.size(); ++i) {
    EXPECT_EQ(got.scan.sources[i].path, want.scan.sources[i].path);
    EXPECT_EQ(got.scan.sources[i].type, want.scan.sources[i].type);
    EXPECT_EQ(got.scan.sources[i].archive_stamp, want.scan.sources[i].archive_stamp);
  }
  ASSERT_EQ(got.scan.files.size(), want.scan.files.size());
  for (size_t i = 0; i < want.scan.files.size(); ++i) {
    const FileRecord& a = want.scan.files[i];
    const FileRecord& b = got.scan.files[i];
    EXPECT_EQ(b.rel_path, a.rel_path);
    EXPECT_TRUE(b.source == a.source && b.kind == a.kind && b.in_archive == a.in_archive &&
                b.size == a.size && b.mtime_ns == a.mtime_ns && b.inode == a.inode &&
                b.hash == a.hash && b.width == a.width && b.height == a.height &&
                b.orientation == a.orientation && b.frame_count == a.frame_count &&
                b.duration == a.duration && b.pixel_md5 == a.pixel_md5)
        << "file " << i;
  }
  ASSERT_EQ(got.units.size(), want.units.size());
  for (size_t i = 0; i < want.units.size(); ++i) {
    const TaskUnit& a = want.units[i];
    const TaskUnit& b = got.units[i];
    EXPECT_TRUE(b.name == a.name && b.group == a.group && b.folder == a.folder &&
                b.stem == a.stem && b.ordered == a.ordered && b.part == a.part &&
                b.parts == a.parts && b.bytes == a.bytes && b.frames == a.frames &&
                b.records == a.records)
        << "unit " << i;
  }
}

TEST(RunPlanTest, RoundTripsRandomPlans) {
  ScopedTempDir dir;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Drawn d = Draw(seed);
    std::string path = dir.Join("run.plan");
    ASSERT_TRUE(WritePlanFile(path, d.info, d.scan.sources, d.scan.files, d.units).ok());
    Result<RunPlan> plan = ReadPlanFile(path);
    ASSERT_TRUE(plan.has_value()) << plan.error().ToString();
    ExpectSame(d, *plan);
    // The same plan, the same id; another plan, another.
    Drawn again = Draw(seed);
    ASSERT_TRUE(WritePlanFile(dir.Join("again.plan"), again.info, again.scan.sources,
                              again.scan.files, again.units)
                    .ok());
    EXPECT_EQ(ReadPlanFile(dir.Join("again.plan"))->id, plan->id);
    Drawn other = Draw(seed + 1000);
    ASSERT_TRUE(WritePlanFile(dir.Join("other.plan"), other.info, other.scan.sources,
                              other.scan.files, other.units)
                    .ok());
    EXPECT_NE(ReadPlanFile(dir.Join("other.plan"))->id, plan->id);
  }
}

TEST(RunPlanTest, RoundTripsPayloadsLargerThanOneChunk) {
  // About 4 MB of payload: several 1 MiB chunks through the stream on both sides.
  ScopedTempDir dir;
  Drawn d = Draw(5);
  for (int i = 0; i < 30000; ++i) {
    FileRecord f;
    f.rel_path = d.scan.names.back()->Add("folder/" + std::to_string(i * 7919) + ".jpg");
    f.kind = MediaKind::kImage;
    f.size = static_cast<uint64_t>(i);
    d.scan.files.push_back(f);
  }
  ASSERT_TRUE(
      WritePlanFile(dir.Join("big.plan"), d.info, d.scan.sources, d.scan.files, d.units).ok());
  Result<RunPlan> plan = ReadPlanFile(dir.Join("big.plan"));
  ASSERT_TRUE(plan.has_value()) << plan.error().ToString();
  ExpectSame(d, *plan);
}

// A small valid plan's bytes.
std::string SmallPlan(const ScopedTempDir& dir) {
  Drawn d = Draw(42);
  EXPECT_TRUE(
      WritePlanFile(dir.Join("good.plan"), d.info, d.scan.sources, d.scan.files, d.units).ok());
  return ReadFile(dir.Join("good.plan"));
}

// Positions in [from, to) to damage a file at: all of the header and the frame's first and
// last 64 bytes (its header, the last block and the checksum), and 400 spread over the rest
// (every position costs a file write and a read: all would take minutes in a debug build).
std::vector<size_t> Positions(size_t from, size_t to) {
  std::vector<size_t> out;
  size_t step = std::max<size_t>(1, (to - from) / 400);
  for (size_t i = from; i < to; ++i) {
    if (i < kPlanHeaderSize + 64 || i + 64 >= to || (i - from) % step == 0) out.push_back(i);
  }
  return out;
}

std::string ReadError(const std::string& path) {
  Result<RunPlan> plan = ReadPlanFile(path);
  if (plan) return "read fine";
  EXPECT_EQ(plan.error().code(), Status::Code::kCorruption) << plan.error().ToString();
  EXPECT_NE(plan.error().message().find(path), std::string::npos) << plan.error().ToString();
  return plan.error().message();
}

TEST(RunPlanTest, TruncationsAreErrorsThatSaySo) {
  ScopedTempDir dir;
  std::string good = SmallPlan(dir);
  ASSERT_GT(good.size(), kPlanHeaderSize + 100);
  std::string path = dir.Join("cut.plan");
  for (size_t n : Positions(0, good.size())) {
    WriteFile(path, good.substr(0, n));
    std::string e = ReadError(path);
    const char* want = n < 8 ? "not a cvat-ingest plan" : "truncated plan";
    EXPECT_NE(e.find(want), std::string::npos) << "cut at " << n << ": " << e;
  }
}

TEST(RunPlanTest, VersionMagicAndTrailingBytes) {
  ScopedTempDir dir;
  std::string good = SmallPlan(dir);
  std::string path = dir.Join("bad.plan");
  std::string v2 = good;
  v2[8] = 2;
  WriteFile(path, v2);
  EXPECT_NE(ReadError(path).find("plan format version 2; this cvat-ingest reads version 1"),
            std::string::npos);
  std::string magic = good;
  magic[3] = 'X';
  WriteFile(path, magic);
  EXPECT_NE(ReadError(path).find("not a cvat-ingest plan"), std::string::npos);
  WriteFile(path, good + "x");
  EXPECT_NE(ReadError(path).find("bytes after the payload"), std::string::npos);
  WriteFile(path, good + good.substr(kPlanHeaderSize));  // a second frame
  EXPECT_NE(ReadError(path).find("bytes after the payload"), std::string::npos);
  // The header's payload size off by one either way.
  for (int delta : {-1, 1}) {
    std::string sized = good;
    uint64_t size;
    std::memcpy(&size, sized.data() + 16, 8);
    size += static_cast<uint64_t>(delta);
    std::memcpy(sized.data() + 16, &size, 8);
    WriteFile(path, sized);
    EXPECT_NE(ReadError(path).find("corrupt plan"), std::string::npos) << delta;
  }
}

// A damaged byte is an error, or (zstd leaves a few bits of its entropy-coded streams unread:
// byte 17790 of this 18263-byte plan is one) the plan read back is exactly the one written.
TEST(RunPlanTest, AFlippedByteIsAnErrorOrChangesNothing) {
  ScopedTempDir dir;
  std::string good = SmallPlan(dir);
  Drawn want = Draw(42);
  std::string path = dir.Join("flip.plan");
  std::vector<size_t> positions = Positions(12, good.size());  // flags, sizes, hash, frame
  positions.push_back(17790);
  size_t errors = 0;
  for (size_t i : positions) {
    if (i >= good.size()) continue;
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    WriteFile(path, bad);
    Result<RunPlan> plan = ReadPlanFile(path);
    if (!plan) {
      ++errors;
      EXPECT_EQ(plan.error().code(), Status::Code::kCorruption) << plan.error().ToString();
      continue;
    }
    SCOPED_TRACE("byte " + std::to_string(i) + " of " + std::to_string(good.size()));
    ExpectSame(want, *plan);
  }
  EXPECT_GT(errors, positions.size() * 9 / 10);
}

// A plan whose payload is well framed but says impossible things: the reader's own checks
// (not the checksums, which are only known at the end) must catch each before it allocates
// or indexes anything.
std::string Crafted(const ScopedTempDir& dir, void (*payload)(PlanSink&)) {
  std::string path = dir.Join("crafted.plan");
  Result<std::unique_ptr<PlanSink>> sink = PlanSink::Create(path, kPlanFormatVersion);
  EXPECT_TRUE(sink.has_value());
  (*sink)->String("tool");
  (*sink)->Put(int64_t{0});
  (*sink)->String("");
  payload(**sink);
  EXPECT_TRUE((*sink)->Finish().ok());
  return ReadError(path);
}

TEST(RunPlanTest, ImpossibleCountsAndIndicesAreCorruption) {
  ScopedTempDir dir;
  EXPECT_NE(Crafted(dir, [](PlanSink& s) { s.Put(uint32_t{1} << 30); }).find("options cannot fit"),
            std::string::npos);
  EXPECT_NE(Crafted(dir,
                    [](PlanSink& s) {
                      s.Put(uint32_t{1});
                      s.Put(uint32_t{0xfffffff0});  // a name longer than the payload
                      s.Bytes(std::string(64, '\0'));
                    })
                .find("an option's name of 4294967280 bytes"),
            std::string::npos);
  auto one_source = [](PlanSink& s) {
    s.Put(uint32_t{0});  // options
    s.Put(uint32_t{1});
    s.String("/data");
    s.Put(uint8_t{0});
    s.Put(uint8_t{0});
  };
  static auto source = one_source;
  EXPECT_NE(Crafted(dir,
                    [](PlanSink& s) {
                      source(s);
                      s.Put(uint64_t{1} << 40);  // files
                    })
                .find("files cannot fit"),
            std::string::npos);
  EXPECT_NE(Crafted(dir,
                    [](PlanSink& s) {
                      source(s);
                      s.Put(uint64_t{1});
                      s.Put(uint32_t{3});  // source 3 of 1
                      s.Put(uint8_t{0});
                      s.Put(uint8_t{0});
                      s.Bytes(std::string(200, '\0'));
                    })
                .find("file 0: source 3"),
            std::string::npos);
  EXPECT_NE(Crafted(dir,
                    [](PlanSink& s) {
                      source(s);
                      s.Put(uint64_t{0});  // no files
                      s.Put(uint32_t{1});  // one unit naming file 5
                      for (int i = 0; i < 4; ++i) s.String("u");
                      s.Put(uint8_t{0});
                      s.Put(uint32_t{0});
                      s.Put(uint32_t{0});
                      s.Put(uint64_t{0});
                      s.Put(uint64_t{0});
                      s.Put(uint32_t{1});
                      s.Put(uint32_t{5});
                    })
                .find("unit 1 names file 5 of 0"),
            std::string::npos);
  EXPECT_NE(Crafted(dir,
                    [](PlanSink& s) {
                      source(s);
                      s.Put(uint64_t{0});
                      s.Put(uint32_t{0});
                      s.Put(uint8_t{7});  // a byte too many
                    })
                .find("1 payload bytes were not read"),
            std::string::npos);
}

TEST(RunPlanTest, AMissingFileIsNotFoundNamingIt) {
  Result<RunPlan> plan = ReadPlanFile("/nonexistent/run.plan");
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code(), Status::Code::kNotFound);
  EXPECT_NE(plan.error().message().find("/nonexistent/run.plan"), std::string::npos);
}

}  // namespace
}  // namespace ingest::upload
