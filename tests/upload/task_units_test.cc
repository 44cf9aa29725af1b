#include "upload/task_units.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "engine/media_kind.h"

namespace ingest::upload {
namespace {

// A scan made by hand: each path becomes a record of source 0 ("corpus/"), classified by its
// extension, 100 bytes each (videos of 25 frames).
ScanResult FakeScan(const std::vector<std::string>& paths, const std::string& source = "corpus") {
  ScanResult scan;
  scan.sources.push_back({source, ScanSource::Type::kDirectory, std::nullopt});
  scan.names.push_back(std::make_unique<NameArena>());
  for (const std::string& p : paths) {
    FileRecord f;
    f.rel_path = scan.names.back()->Add(p);
    f.kind = ClassifyName(p);
    f.size = 100;
    if (f.kind == MediaKind::kVideo) f.frame_count = 25;  // as the scan's probe would count
    scan.files.push_back(f);
  }
  return scan;
}

std::vector<std::string> Names(const std::vector<TaskUnit>& units) {
  std::vector<std::string> out;
  for (const TaskUnit& u : units) out.push_back(u.name);
  return out;
}

std::vector<std::string> Paths(const ScanResult& scan, const TaskUnit& unit) {
  std::vector<std::string> out;
  for (uint32_t r : unit.records) out.emplace_back(scan.files[r].rel_path);
  return out;
}

TEST(TaskUnitsTest, OneTaskPerFolderSkipsContextImagesAndGivesVideosTheirOwn) {
  ScanResult scan = FakeScan({"cam2/0001.jpg", "cam1/0002.jpg", "cam1/0001.jpg", "top.png",
                              "cam1/related_images/0001_jpg/ctx.jpg", "drive/clip.mp4",
                              "cam1/sub/x.png", "notes.txt"});
  UnitOptions o;
  o.per = TaskPer::kFolder;
  o.name_template = "{name}";
  Result<std::vector<TaskUnit>> units = GroupIntoUnits(scan, o);
  ASSERT_TRUE(units.has_value()) << units.error().ToString();
  // Ordered by path: the top folder ("") first, then code-point order.
  EXPECT_EQ(Names(*units),
            (std::vector<std::string>{"corpus", "cam1", "cam1/sub", "cam2", "clip"}));
  EXPECT_EQ((*units)[1].records.size(), 2u);  // cam1's two frames, not its context image
  EXPECT_EQ((*units)[1].frames, 2u);
  EXPECT_EQ((*units)[4].frames, 25u);  // a video's probed frame count
  EXPECT_EQ((*units)[1].bytes, 200u);
  EXPECT_EQ(Paths(scan, (*units)[4]), (std::vector<std::string>{"drive/clip.mp4"}));
  EXPECT_EQ((*units)[4].folder, "drive");
  EXPECT_EQ((*units)[2].stem, "sub");
}

TEST(TaskUnitsTest, OneTaskPerVideoKeepsTheImagesTogether) {
  ScanResult scan = FakeScan({"b.mp4", "a.avi", "x.jpg", "y.jpg", "set.zip"});
  UnitOptions o;
  o.per = TaskPer::kVideo;
  o.name_template = "{index}-{stem}";
  Result<std::vector<TaskUnit>> units = GroupIntoUnits(scan, o);
  ASSERT_TRUE(units.has_value()) << units.error().ToString();
  EXPECT_EQ(Names(*units), (std::vector<std::string>{"1-corpus", "2-a", "3-b", "4-set"}));
  EXPECT_EQ((*units)[0].records.size(), 2u);
}

TEST(TaskUnitsTest, OneTaskPerFile) {
  ScanResult scan = FakeScan({"d/b.jpg", "d/a.jpg", "c.mp4", "readme.md"});
  UnitOptions o;
  o.per = TaskPer::kFile;
  o.name_template = "{folder}/{stem} of {count}";
  Result<std::vector<TaskUnit>> units = GroupIntoUnits(scan, o);
  ASSERT_TRUE(units.has_value()) << units.error().ToString();
  EXPECT_EQ(Names(*units),
            (std::vector<std::string>{"corpus/c of 3", "d/a of 3", "d/b of 3"}));
}

TEST(TaskUnitsTest, SplitEveryCutsInTheFinalOrderAndNumbersParts) {
  ScanResult scan = FakeScan({"img10.jpg", "img2.jpg", "img1.jpg", "img3.jpg", "img20.jpg"});
  UnitOptions o;
  o.split_every = 2;
  o.sorting = SortingMethod::kNatural;
  o.name_template = "{name} part {part}";
  Result<std::vector<TaskUnit>> units = GroupIntoUnits(scan, o);
  ASSERT_TRUE(units.has_value()) << units.error().ToString();
  EXPECT_EQ(Names(*units),
            (std::vector<std::string>{"corpus part 1", "corpus part 2", "corpus part 3"}));
  EXPECT_EQ(Paths(scan, (*units)[0]), (std::vector<std::string>{"img1.jpg", "img2.jpg"}));
  EXPECT_EQ(Paths(scan, (*units)[1]), (std::vector<std::string>{"img3.jpg", "img10.jpg"}));
  EXPECT_EQ(Paths(scan, (*units)[2]), (std::vector<std::string>{"img20.jpg"}));
  EXPECT_FALSE((*units)[0].ordered);  // natural order survives in a subset
  o.sorting = SortingMethod::kRandom;
  units = GroupIntoUnits(scan, o);
  ASSERT_TRUE(units.has_value());
  EXPECT_TRUE((*units)[0].ordered);  // a shuffled part must keep its order as cut
}

TEST(TaskUnitsTest, SplitEveryCutsAUnitThatPacksOnItsRelativePaths) {
  ScanResult scan = FakeScan({"b/1.png", "a/2.png", "b/0.png", "a/1.png"});
  UnitOptions o;
  o.split_every = 3;
  o.name_template = "{part}";
  Result<std::vector<TaskUnit>> units = GroupIntoUnits(scan, o);  // --pack auto: 1.png clashes
  ASSERT_TRUE(units.has_value()) << units.error().ToString();
  ASSERT_EQ(units->size(), 2u);
  EXPECT_EQ(Paths(scan, (*units)[0]), (std::vector<std::string>{"a/1.png", "a/2.png", "b/0.png"}));
  EXPECT_EQ(Paths(scan, (*units)[1]), (std::vector<std::string>{"b/1.png"}));
  EXPECT_TRUE((*units)[0].packed && (*units)[1].packed);  // b/1.png alone still goes packed
  o.pack = PackMode::kNone;  // base-name order (the plan then refuses the clash)
  units = GroupIntoUnits(scan, o);
  ASSERT_TRUE(units.has_value());
  EXPECT_EQ(Paths(scan, (*units)[0])[0], "b/0.png");
  EXPECT_EQ(Paths(scan, (*units)[1]), (std::vector<std::string>{"a/2.png"}));
  EXPECT_FALSE((*units)[0].packed);
  // --pack zip orders on the relative paths without clashes too.
  ScanResult unique = FakeScan({"b/1.png", "a/2.png"});
  o.pack = PackMode::kZip;
  o.split_every = 1;
  units = GroupIntoUnits(unique, o);
  ASSERT_TRUE(units.has_value());
  EXPECT_EQ(Paths(unique, (*units)[0]), (std::vector<std::string>{"a/2.png"}));
  EXPECT_TRUE((*units)[0].packed);
}

TEST(TaskUnitsTest, SplitEveryPadsPartsAndIndices) {
  std::vector<std::string> paths;
  for (int i = 0; i < 12; ++i) paths.push_back("f" + std::to_string(100 + i) + ".png");
  ScanResult scan = FakeScan(paths);
  UnitOptions o;
  o.split_every = 1;
  o.name_template = "{index}:{part}";
  Result<std::vector<TaskUnit>> units = GroupIntoUnits(scan, o);
  ASSERT_TRUE(units.has_value()) << units.error().ToString();
  ASSERT_EQ(units->size(), 12u);
  EXPECT_EQ((*units)[0].name, "01:01");
  EXPECT_EQ((*units)[11].name, "12:12");
}

TEST(TaskUnitsTest, CollidingNamesAreRefusedWithTheFieldThatSeparatesThem) {
  ScanResult scan = FakeScan({"a/1.jpg", "a/2.jpg", "a/3.jpg"});
  UnitOptions o;
  o.split_every = 1;
  o.name_template = "{name}";
  Result<std::vector<TaskUnit>> units = GroupIntoUnits(scan, o);
  ASSERT_FALSE(units.has_value());
  EXPECT_NE(units.error().message().find("{part}"), std::string::npos) << units.error().message();
  EXPECT_NE(units.error().message().find("'corpus'"), std::string::npos);

  ScanResult videos = FakeScan({"x/clip.mp4", "y/clip.mp4"});
  o = UnitOptions();
  o.per = TaskPer::kVideo;
  o.name_template = "{stem}";
  units = GroupIntoUnits(videos, o);
  ASSERT_FALSE(units.has_value());
  EXPECT_NE(units.error().message().find("'clip' (tasks 1 and 2)"), std::string::npos)
      << units.error().message();
  o.name_template = "{folder}-{stem}";
  units = GroupIntoUnits(videos, o);
  ASSERT_TRUE(units.has_value());
  EXPECT_EQ(Names(*units), (std::vector<std::string>{"x-clip", "y-clip"}));
}

TEST(TaskUnitsTest, BadTemplatesAreRefused) {
  ScanResult scan = FakeScan({"a.mp4", "b.mp4"});
  UnitOptions o;
  o.per = TaskPer::kVideo;
  o.name_template = "{nmae}";
  Result<std::vector<TaskUnit>> units = GroupIntoUnits(scan, o);
  ASSERT_FALSE(units.has_value());
  EXPECT_NE(units.error().message().find("unknown field {nmae}"), std::string::npos);
  o.name_template = "{name";
  EXPECT_FALSE(GroupIntoUnits(scan, o).has_value());
}

TEST(TaskUnitsTest, SplitWithoutTaskPerRefusesVideos) {
  ScanResult scan = FakeScan({"a.jpg", "b.mp4"});
  UnitOptions o;
  o.split_every = 10;
  o.name_template = "{name}-{part}";
  Result<std::vector<TaskUnit>> units = GroupIntoUnits(scan, o);
  ASSERT_FALSE(units.has_value());
  EXPECT_NE(units.error().message().find("--task-per"), std::string::npos);
}

TEST(TaskUnitsTest, WithoutTaskPerTheWholeScanIsOneUnitNamedAsGiven) {
  ScanResult scan = FakeScan({"a.jpg", "b.mp4", "c.txt"});
  UnitOptions o;
  o.name_template = "my {name} task";
  Result<std::vector<TaskUnit>> units = GroupIntoUnits(scan, o);
  ASSERT_TRUE(units.has_value());
  ASSERT_EQ(units->size(), 1u);
  EXPECT_EQ((*units)[0].name, "my {name} task");  // not a template without --task-per
  EXPECT_EQ((*units)[0].records.size(), 3u);      // the plan decides what one task takes
}

TEST(TaskUnitsTest, TheSameTreeGivesTheSameUnitsWhateverTheScanOrder) {
  std::vector<std::string> paths;
  for (int d = 0; d < 20; ++d) {
    for (int i = 0; i < 15; ++i) {
      paths.push_back("cam" + std::to_string(d) + "/f" + std::to_string(i) + ".jpg");
    }
    paths.push_back("videos/v" + std::to_string(d) + ".mp4");
  }
  UnitOptions o;
  o.per = TaskPer::kFolder;
  o.split_every = 4;
  o.sorting = SortingMethod::kRandom;
  o.seed = 7;
  o.name_template = "{name}/{part}";
  std::vector<std::vector<std::string>> seen;
  std::mt19937 rng(3);
  for (int round = 0; round < 3; ++round) {
    ScanResult scan = FakeScan(paths);
    Result<std::vector<TaskUnit>> units = GroupIntoUnits(scan, o);
    ASSERT_TRUE(units.has_value()) << units.error().ToString();
    std::vector<std::string> flat;
    for (const TaskUnit& u : *units) {
      flat.push_back(u.name);
      for (const std::string& p : Paths(scan, u)) flat.push_back("  " + p);
    }
    seen.push_back(flat);
    std::shuffle(paths.begin(), paths.end(), rng);  // another scan order next round
  }
  EXPECT_EQ(seen[0], seen[1]);
  EXPECT_EQ(seen[0], seen[2]);
  EXPECT_EQ(seen[0].front(), "cam0/1");
}

}  // namespace
}  // namespace ingest::upload
