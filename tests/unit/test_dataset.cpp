// Datasets: data.yaml parsing, image lists, label paths, the label checks
// (every bad case in one split, exact counts and messages) and the label
// cache (hit, invalidation, corrupt cache, unwritable directory).
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "engine/data/data_config.h"
#include "engine/data/diagnostics.h"
#include "engine/data/label_cache.h"
#include "engine/data/label_check.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

using test::error_of;
namespace fs = std::filesystem;

void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << p;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A w x h colour gradient (something for the JPEG coder to code).
cv::Mat gradient(int w, int h) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) m.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 5), uchar(y * 7), uchar((x + y) * 3));
  return m;
}

std::vector<uchar> encode(const cv::Mat& m, const std::string& ext) {
  std::vector<uchar> buf;
  EXPECT_TRUE(cv::imencode(ext, m, buf));
  return buf;
}

void write_bytes(const fs::path& p, const std::vector<uchar>& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << p;
}

void write_image(const fs::path& p, int w, int h) {
  fs::create_directories(p.parent_path());
  ASSERT_TRUE(cv::imwrite(p.string(), gradient(w, h))) << p;
}

// A JPEG with an EXIF APP1 segment saying orientation 6 (rotate 90 degrees
// clockwise): a w x h picture that viewers (and ultralytics) show as h x w.
void write_exif_rotated_jpeg(const fs::path& p, int w, int h) {
  std::vector<uchar> jpeg = encode(gradient(w, h), ".jpg");
  // clang-format off
  const std::vector<uchar> app1 = {
      0xFF, 0xE1, 0x00, 34,                          // APP1, length 34 (itself included)
      'E',  'x',  'i',  'f',  0x00, 0x00,            // Exif header
      'M',  'M',  0x00, 0x2A, 0x00, 0x00, 0x00, 8,   // TIFF big-endian, IFD at 8
      0x00, 0x01,                                    // one entry
      0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 1,   // Orientation, SHORT, count 1
      0x00, 0x06, 0x00, 0x00,                        // value 6
      0x00, 0x00, 0x00, 0x00};                       // no next IFD
  // clang-format on
  jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());  // right after SOI
  write_bytes(p, jpeg);
}

bool same_boxes(const std::vector<LabelBox>& a, const std::vector<LabelBox>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const LabelBox& x, const LabelBox& y) {
    return x.cls == y.cls && x.xc == y.xc && x.yc == y.yc && x.w == y.w && x.h == y.h;
  });
}

void expect_same(const CheckedSplit& a, const CheckedSplit& b) {
  EXPECT_EQ(a.report, b.report);
  ASSERT_EQ(a.images.size(), b.images.size());
  for (std::size_t i = 0; i < a.images.size(); ++i) {
    EXPECT_EQ(a.images[i].image, b.images[i].image);
    EXPECT_EQ(a.images[i].width, b.images[i].width);
    EXPECT_EQ(a.images[i].height, b.images[i].height);
    EXPECT_TRUE(same_boxes(a.images[i].boxes, b.images[i].boxes)) << a.images[i].image;
  }
}

std::vector<std::string> names_of(const CheckedSplit& s) {
  std::vector<std::string> names;
  for (const CheckedImage& c : s.images) names.push_back(c.image.filename().string());
  return names;
}

// A temporary folder per test.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           fmt::format("yolo_dataset_{}_{}_{}", ::getpid(), info->test_suite_name(), info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir_, ec))
      if (e.is_directory()) fs::permissions(e.path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

// ---------------------------------------------------------------------------
// The bad-case split: one image per case, nc = 3.

class Dataset : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    images_ = dir_ / "images" / "train";
    labels_ = dir_ / "labels" / "train";
    auto image = [&](const std::string& name, int w = 64, int h = 48) { write_image(images_ / name, w, h); };
    auto label = [&](const std::string& stem, const std::string& text) { write_text(labels_ / (stem + ".txt"), text); };

    image("good.jpg");  // "1.0" is an integer class, as ultralytics reads it
    label("good", "0 0.5 0.5 0.2 0.2\n1.0 0.3 0.3 0.1 0.1\n");
    write_bytes(images_ / "corrupt.jpg", {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e', 0, 1, 2, 3});
    label("corrupt", "0 0.5 0.5 0.2 0.2\n");
    std::vector<uchar> jpeg = encode(gradient(64, 48), ".jpg");
    jpeg.resize(jpeg.size() * 2 / 3);  // cut: no FF D9 at the end
    write_bytes(images_ / "truncated.jpg", jpeg);
    label("truncated", "0 0.5 0.5 0.2 0.2\n");
    image("tiny.png", 8, 8);
    label("tiny", "0 0.5 0.5 0.2 0.2\n");
    image("columns.jpg");
    label("columns", "0 0.5 0.5 0.2 0.2\n0 0.5 0.5 0.2\n");
    image("nonnumber.jpg");
    label("nonnumber", "0 0.5 abc 0.2 0.2\n");
    image("nan.jpg");
    label("nan", "1 0.5 0.5 0.2 0.2\n\n0 nan 0.5 0.2 0.2\n");
    image("outside.jpg");
    label("outside", "0 1.5 0.5 0.2 0.2\n");
    image("badclass.jpg");
    label("badclass", "2 0.5 0.5 0.2 0.2\n3 0.5 0.5 0.2 0.2\n");
    image("dups.jpg");
    label("dups", "1 0.5 0.5 0.2 0.2\n2 0.1 0.1 0.1 0.1\n\n1 0.5 0.5 0.2 0.2\n");
    image("missing.jpg");
    image("empty.jpg");
    label("empty", "\n  \n");
    image("polygon.png");
    label("polygon", "2 0.1 0.2 0.5 0.2 0.3 0.6\n");
    image("tolerance.jpg");  // BOM, CRLF, w 1.005 and xc -0.005 within ultralytics' 1% tolerance
    label("tolerance", std::string("\xEF\xBB\xBF") + "0 0.5 0.5 1.005 0.2\r\n1 -0.005 0.5 0.2 0.2\r\n");
    write_exif_rotated_jpeg(images_ / "exif.jpg", 40, 20);
    label("exif", "0 0.5 0.5 0.5 0.5\n");
  }

  LabelCheckOptions options(bool use_cache = false) const {
    LabelCheckOptions o;
    o.nc = 3;
    o.use_cache = use_cache;
    o.split_name = "train";
    return o;
  }

  fs::path images_, labels_;
};

TEST_F(Dataset, EveryBadCaseIsCountedAndNamed) {
  const std::vector<fs::path> images = list_images({images_});
  ASSERT_EQ(images.size(), 15u);
  Diagnostics diag(false);
  const CheckedSplit s = check_split(images, options(), diag);

  EXPECT_EQ(s.report.images, 15);
  EXPECT_EQ(s.report.found, 5);  // good, dups, polygon, tolerance, exif
  EXPECT_EQ(s.report.missing, 1);
  EXPECT_EQ(s.report.empty, 1);
  EXPECT_EQ(s.report.corrupt, 8);
  EXPECT_EQ(s.report.duplicates_removed, 1);
  EXPECT_EQ(s.report.dropped_min_items, 0);
  EXPECT_FALSE(s.from_cache);
  EXPECT_EQ(names_of(s), (std::vector<std::string>{"dups.jpg", "empty.jpg", "exif.jpg", "good.jpg", "missing.jpg",
                                                   "polygon.png", "tolerance.jpg"}));

  const auto& kept = s.images;
  // dups: the repeated row 4 removed, order kept.
  EXPECT_TRUE(same_boxes(kept[0].boxes, {{1, 0.5f, 0.5f, 0.2f, 0.2f}, {2, 0.1f, 0.1f, 0.1f, 0.1f}}));
  EXPECT_TRUE(kept[1].boxes.empty());
  // exif: a 40x20 picture with orientation 6 is 20 wide, 40 high.
  EXPECT_EQ(kept[2].width, 20);
  EXPECT_EQ(kept[2].height, 40);
  EXPECT_EQ(kept[3].width, 64);
  EXPECT_EQ(kept[3].height, 48);
  EXPECT_TRUE(same_boxes(kept[3].boxes, {{0, 0.5f, 0.5f, 0.2f, 0.2f}, {1, 0.3f, 0.3f, 0.1f, 0.1f}}));
  EXPECT_TRUE(kept[4].boxes.empty());
  // polygon (0.1,0.2) (0.5,0.2) (0.3,0.6) -> its bounding box, in float32.
  EXPECT_TRUE(same_boxes(kept[5].boxes, {{2, (0.1f + 0.5f) / 2, (0.2f + 0.6f) / 2, 0.5f - 0.1f, 0.6f - 0.2f}}));
  EXPECT_TRUE(
      same_boxes(kept[6].boxes, {{0, 0.5f, 0.5f, 1.005f, 0.2f}, {1, -0.005f, 0.5f, 0.2f, 0.2f}}));  // not clipped

  // One warning per dropped image and per removed duplicate, in file order,
  // each naming the file (and line for label rows).
  const std::vector<std::string> w = diag.messages();
  ASSERT_EQ(w.size(), 9u) << fmt::format("{}", fmt::join(w, "\n"));
  EXPECT_EQ(diag.count(), 9u);
  auto has = [&](const std::string& what, std::vector<std::string> parts) {
    parts.insert(parts.begin(), "train: ");
    const bool found = std::any_of(w.begin(), w.end(), [&](const std::string& m) {
      return std::all_of(parts.begin(), parts.end(),
                         [&](const std::string& p) { return m.find(p) != std::string::npos; });
    });
    EXPECT_TRUE(found) << what << ": no warning with all of " << fmt::format("{}", fmt::join(parts, " | "));
  };
  has("bad class", {(labels_ / "badclass.txt").string() + ":2:", "class 3", "[0, 3)", "badclass.jpg dropped"});
  has("columns", {(labels_ / "columns.txt").string() + ":2:", "4 columns", "columns.jpg dropped"});
  has("corrupt bytes", {(images_ / "corrupt.jpg").string() + ": cannot decode"});
  has("duplicate", {(labels_ / "dups.txt").string() + ":4: duplicate of line 1"});
  has("nan", {(labels_ / "nan.txt").string() + ":3:", "'nan' is not a finite number", "nan.jpg dropped"});
  has("non-number", {(labels_ / "nonnumber.txt").string() + ":1:", "'abc'", "nonnumber.jpg dropped"});
  has("outside", {(labels_ / "outside.txt").string() + ":1:", "coordinate 1.5", "outside.jpg dropped"});
  has("tiny", {(images_ / "tiny.png").string() + ": image size 8x8"});
  has("truncated", {(images_ / "truncated.jpg").string() + ": truncated JPEG"});
  // In input (sorted) order: badclass < columns < corrupt < dups < nan < ...
  EXPECT_NE(w[0].find("badclass.txt"), std::string::npos);
  EXPECT_NE(w[8].find("truncated.jpg"), std::string::npos);

  EXPECT_EQ(split_summary("train", s.report),
            "train: 15 images, 5 found, 1 missing, 1 empty, 8 corrupt, 1 duplicate labels removed");
}

TEST_F(Dataset, SameResultOnOneOrManyThreads) {
  const std::vector<fs::path> images = list_images({images_});
  Diagnostics d1(false), d3(false);
  LabelCheckOptions o = options();
  o.threads = 1;
  const CheckedSplit one = check_split(images, o, d1);
  o.threads = 3;
  const CheckedSplit three = check_split(images, o, d3);
  expect_same(one, three);
  EXPECT_EQ(d1.messages(), d3.messages());
}

TEST_F(Dataset, MinItemsDropsImagesWithFewerBoxes) {
  Diagnostics diag(false);
  LabelCheckOptions o = options();
  o.min_items = 2;
  const CheckedSplit s = check_split(list_images({images_}), o, diag);
  EXPECT_EQ(names_of(s), (std::vector<std::string>{"dups.jpg", "good.jpg", "tolerance.jpg"}));
  EXPECT_EQ(s.report.dropped_min_items, 4);  // empty, exif, missing, polygon
  EXPECT_EQ(s.report.corrupt, 8);
  EXPECT_EQ(split_summary("train", s.report, 2),
            "train: 15 images, 5 found, 1 missing, 1 empty, 8 corrupt, 1 duplicate labels removed, "
            "4 dropped with fewer than 2 labels");
}

TEST_F(Dataset, NoUsableImageIsAnError) {
  Diagnostics diag(false);
  const std::vector<fs::path> bad = {images_ / "corrupt.jpg", images_ / "tiny.png", images_ / "outside.jpg"};
  const std::string e = error_of([&] { check_split(bad, options(true), diag); });
  EXPECT_NE(e.find("train: 3 images, 0 found, 0 missing, 0 empty, 3 corrupt"), std::string::npos) << e;
  EXPECT_NE(e.find("no usable image"), std::string::npos) << e;
  EXPECT_NE(e.find("corrupt.jpg"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(dir_ / "labels" / "train.cache")) << "nothing worth caching";
  // min_items can also leave nothing.
  LabelCheckOptions o = options();
  o.min_items = 3;
  EXPECT_NE(error_of([&] { check_split({images_ / "good.jpg"}, o, diag); }).find("1 dropped with fewer than 3"),
            std::string::npos);
  EXPECT_NE(error_of([&] { check_split({}, o, diag); }).find("no images"), std::string::npos);
}

TEST_F(Dataset, AllBackgroundsWarnOnce) {
  Diagnostics diag(false);
  const CheckedSplit s = check_split({images_ / "missing.jpg", images_ / "empty.jpg"}, options(), diag);
  EXPECT_EQ(s.images.size(), 2u);
  ASSERT_EQ(diag.count(), 1u);
  EXPECT_NE(diag.messages()[0].find("no labels found"), std::string::npos);
}

TEST_F(Dataset, DiagnosticsPrintsTheFirstWarningsThenACount) {
  Diagnostics diag(true, 2);
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 5; ++i) diag.warn(fmt::format("w{}", i));
  diag.flush();
  diag.warn("w5");  // a flush lets the next ones print again
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "warning: w0\nwarning: w1\nwarning: ... 3 more warnings\nwarning: w5\n");
  EXPECT_EQ(diag.count(), 6u);
  EXPECT_EQ(diag.messages().back(), "w5");
  Diagnostics quiet(false);
  ::testing::internal::CaptureStderr();
  quiet.warn("x");
  quiet.flush();
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(quiet.count(), 1u);
}

// ---------------------------------------------------------------------------
// The label cache.

class LabelCache : public Dataset {
 protected:
  fs::path cache() const { return dir_ / "labels" / "train.cache"; }
};

TEST_F(LabelCache, SecondRunHitsTheCacheWithIdenticalResults) {
  const std::vector<fs::path> images = list_images({images_});
  Diagnostics d1(false), d2(false);
  const CheckedSplit first = check_split(images, options(true), d1);
  EXPECT_FALSE(first.from_cache);
  EXPECT_EQ(first.cache_path, cache());
  ASSERT_TRUE(fs::is_regular_file(cache()));
  for (const auto& e : fs::directory_iterator(dir_ / "labels"))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << "temporary file left: " << e.path();

  const CheckedSplit second = check_split(images, options(true), d2);
  EXPECT_TRUE(second.from_cache);
  expect_same(first, second);
  EXPECT_EQ(d1.messages(), d2.messages()) << "the warnings are replayed";
  EXPECT_EQ(split_summary("train", second.report, 0, true),
            "train: 15 images, 5 found, 1 missing, 1 empty, 8 corrupt, 1 duplicate labels removed (from cache)");

  // The hit really skips the checks: a width edited inside the cache (hash
  // untouched) comes back as is.
  std::string text = read_text(cache());
  const std::string good = "[6,64,48,";  // good.jpg is image 6 in sorted order
  const std::size_t at = text.find(good);
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, good.size(), "[6,65,48,");
  write_text(cache(), text);
  Diagnostics d3(false);
  const CheckedSplit third = check_split(images, options(true), d3);
  EXPECT_TRUE(third.from_cache);
  EXPECT_EQ(third.images[3].image.filename(), "good.jpg");
  EXPECT_EQ(third.images[3].width, 65);
}

TEST_F(LabelCache, ChangingALabelInvalidatesIt) {
  const std::vector<fs::path> images = list_images({images_});
  Diagnostics diag(false);
  check_split(images, options(true), diag);
  write_text(labels_ / "missing.txt", "2 0.5 0.5 0.3 0.3\n");  // a label appears
  write_text(labels_ / "good.txt", "0 0.5 0.5 0.2 0.2\n");     // a label changes
  const CheckedSplit changed = check_split(images, options(true), diag);
  EXPECT_FALSE(changed.from_cache);
  EXPECT_EQ(changed.report.found, 6);
  EXPECT_EQ(changed.report.missing, 0);
  EXPECT_TRUE(same_boxes(changed.images[3].boxes, {{0, 0.5f, 0.5f, 0.2f, 0.2f}}));
  EXPECT_TRUE(same_boxes(changed.images[4].boxes, {{2, 0.5f, 0.5f, 0.3f, 0.3f}}));
  EXPECT_TRUE(check_split(images, options(true), diag).from_cache) << "rebuilt cache is used";
  // Another class count is another check.
  LabelCheckOptions o = options(true);
  o.nc = 2;
  const CheckedSplit nc2 = check_split(images, o, diag);
  EXPECT_FALSE(nc2.from_cache);
  EXPECT_EQ(nc2.report.corrupt, 11);  // + dups, polygon (class 2) and the new missing.txt (class 2)
}

TEST_F(LabelCache, CorruptCacheIsIgnoredAndRebuilt) {
  const std::vector<fs::path> images = list_images({images_});
  Diagnostics d0(false);
  const CheckedSplit reference = check_split(images, options(false), d0);
  EXPECT_FALSE(fs::exists(cache())) << "use_cache = false writes nothing";
  for (const std::string& garbage :
       {std::string("\x00\x01garbage", 9), std::string("{\"version\": 3}"), std::string()}) {
    write_text(cache(), garbage);
    Diagnostics diag(false);
    const CheckedSplit s = check_split(images, options(true), diag);
    EXPECT_FALSE(s.from_cache);
    expect_same(reference, s);
    EXPECT_EQ(diag.count(), 9u) << "no extra warning for a bad cache";
    EXPECT_TRUE(check_split(images, options(true), diag).from_cache);
  }
  // A cache of another dataset (same place, other images) does not match.
  Diagnostics diag(false);
  const std::vector<fs::path> fewer(images.begin(), images.begin() + 10);
  EXPECT_FALSE(check_split(fewer, options(true), diag).from_cache);
}

TEST_F(LabelCache, UnwritableDirectoryWarnsAndDoesNotFail) {
  const std::vector<fs::path> images = list_images({images_});
  Diagnostics d0(false);
  const CheckedSplit reference = check_split(images, options(false), d0);

  const fs::path labels_root = dir_ / "labels";
  fs::permissions(labels_root, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                   fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  bool blocked = !std::ofstream(labels_root / "probe").good();
  if (!blocked) {
    // Root ignores permission bits: block the rename instead, with a
    // directory where the cache file would go.
    fs::remove(labels_root / "probe");
    fs::permissions(labels_root, fs::perms::owner_write, fs::perm_options::add);
    fs::create_directory(cache());
    std::cout << "(running as root: the cache path is blocked by a directory instead of permissions)\n";
  }
  Diagnostics diag(false);
  CheckedSplit s;
  EXPECT_EQ(error_of([&] { s = check_split(images, options(true), diag); }), "");
  EXPECT_FALSE(s.from_cache);
  expect_same(reference, s);
  EXPECT_FALSE(fs::is_regular_file(cache()));
  ASSERT_EQ(diag.count(), 10u);  // the 9 label warnings + one about the cache
  EXPECT_NE(diag.messages().back().find("labels cache not saved"), std::string::npos) << diag.messages().back();
  EXPECT_NE(diag.messages().back().find(labels_root.string()), std::string::npos) << diag.messages().back();
  for (const auto& e : fs::directory_iterator(labels_root))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << "temporary file left: " << e.path();
}

// ---------------------------------------------------------------------------
// data.yaml and image lists.

class DataConfig : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    write_image(dir_ / "ds" / "images" / "train" / "a.jpg", 16, 16);
    write_image(dir_ / "ds" / "images" / "val" / "b.png", 16, 16);
  }
  fs::path yaml(const std::string& text) {
    const fs::path p = dir_ / "data.yaml";
    write_text(p, text);
    return p;
  }
};

TEST_F(DataConfig, ListNamesAndRelativeRoot) {
  // "../images/train" does not exist under ds/: retried as "images/train", as ultralytics does.
  const yolo::DataConfig c =
      load_data_config(yaml("path: ds\ntrain: ../images/train\nval: [images/val]\nnames: [cat, dog, '3']\n"));
  EXPECT_EQ(c.root, fs::canonical(dir_ / "ds"));
  EXPECT_EQ(c.train, std::vector<fs::path>{fs::canonical(dir_ / "ds/images/train")});
  EXPECT_EQ(c.val, std::vector<fs::path>{fs::canonical(dir_ / "ds/images/val")});
  EXPECT_TRUE(c.test.empty());
  EXPECT_EQ(c.names, (std::vector<std::string>{"cat", "dog", "3"}));
  EXPECT_EQ(c.nc, 3);
  EXPECT_EQ(c.channels, 3);
}

TEST_F(DataConfig, MapNamesNcAndDefaultRoot) {
  // No `path`: the yaml's directory. Map keys in any order; nc agreeing.
  const yolo::DataConfig c =
      load_data_config(yaml("train: ds/images/train\nval: ds/images/val\ntest:\nnc: 2\nnames:\n  1: dog\n  0: cat\n"));
  EXPECT_EQ(c.root, fs::canonical(dir_));
  EXPECT_EQ(c.names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(c.nc, 2);
  EXPECT_TRUE(c.test.empty());
  const std::string gap =
      error_of([&] { load_data_config(yaml("train: ds/images/train\nval: ds/images/val\nnames: {0: a, 2: c}\n")); });
  EXPECT_NE(gap.find("class indices 0-1"), std::string::npos) << gap;
}

TEST_F(DataConfig, NcOnlyNamesClasses) {
  const yolo::DataConfig c = load_data_config(yaml("train: ds/images/train\nval: ds/images/val\nnc: 3.0\n"));
  EXPECT_EQ(c.nc, 3);
  EXPECT_EQ(c.names, (std::vector<std::string>{"class_0", "class_1", "class_2"}));
}

TEST_F(DataConfig, ClearErrorsNameTheFileAndKey) {
  const std::string file = (dir_ / "data.yaml").string();
  auto error = [&](const std::string& text) { return error_of([&] { load_data_config(yaml(text)); }); };
  const std::string no_train = error("val: ds/images/val\nnames: [a]\n");
  EXPECT_NE(no_train.find(file), std::string::npos) << no_train;
  EXPECT_NE(no_train.find("'train:' key missing"), std::string::npos) << no_train;
  const std::string no_val = error("train: ds/images/train\nnames: [a]\n");
  EXPECT_NE(no_val.find("'val:' key missing"), std::string::npos) << no_val;
  const std::string no_names = error("train: ds/images/train\nval: ds/images/val\n");
  EXPECT_NE(no_names.find("'names:'"), std::string::npos) << no_names;
  const std::string mismatch = error("train: ds/images/train\nval: ds/images/val\nnc: 3\nnames: [a, b]\n");
  EXPECT_NE(mismatch.find("'names' length 2 and 'nc: 3' must match"), std::string::npos) << mismatch;
  const std::string bad_nc = error("train: ds/images/train\nval: ds/images/val\nnc: 1.5\n");
  EXPECT_NE(bad_nc.find("'nc:' must be an integer"), std::string::npos) << bad_nc;
  const std::string missing = error("train: ds/images/train\nval: [ds/images/val, ds/nowhere]\nnames: [a]\n");
  EXPECT_NE(missing.find(file), std::string::npos) << missing;
  EXPECT_NE(missing.find("'val:' path 'ds/nowhere' does not exist"), std::string::npos) << missing;
  const std::string malformed = error("train: [ds/images/train\nval: x\n");
  EXPECT_NE(malformed.find(file), std::string::npos) << malformed;
  EXPECT_NE(malformed.find("not valid YAML"), std::string::npos) << malformed;
  const std::string not_map = error("- a\n- b\n");
  EXPECT_NE(not_map.find("expected a mapping"), std::string::npos) << not_map;
  EXPECT_NE(error_of([&] { load_data_config(dir_ / "nope.yaml"); }).find("file not found"), std::string::npos);
}

TEST_F(DataConfig, TxtListEntries) {
  const fs::path ds = dir_ / "ds";
  write_image(ds / "images" / "other" / "c.jpg", 16, 16);
  write_image(dir_ / "elsewhere" / "d.jpg", 16, 16);
  // "./x" and "x" are relative to the list's directory; absolute stays; blank
  // lines and non-images are ignored; a.jpg twice (list + directory) once.
  write_text(ds / "train.txt", "\xEF\xBB\xBF./images/train/a.jpg\nimages/other/c.jpg\r\n\n" +
                                   (dir_ / "elsewhere" / "d.jpg").string() + "\nnotes.md\n");
  const yolo::DataConfig c =
      load_data_config(yaml("path: ds\ntrain: [train.txt, images/train]\nval: images/val\nnames: [a]\n"));
  const std::vector<fs::path> images = list_images(c.train);
  const fs::path root = fs::canonical(ds);
  EXPECT_EQ(images, (std::vector<fs::path>{root / "images/other/c.jpg", root / "images/train/a.jpg",
                                           dir_ / "elsewhere" / "d.jpg"}))
      << images.size() << " images, first " << images.front();
}

TEST_F(DataConfig, ListImagesWalksDirectories) {
  const fs::path d = dir_ / "walk";
  write_image(d / "b.png", 16, 16);
  write_image(d / "sub" / "deeper" / "a.bmp", 16, 16);
  write_bytes(d / "UPPER.JPG", encode(gradient(16, 16), ".jpg"));
  write_text(d / "readme.txt", "not a list here: ignored inside a directory\n");
  write_image(d / ".hidden.png", 16, 16);
  write_image(d / ".cache" / "x.png", 16, 16);
  const std::vector<fs::path> images = list_images({d});
  EXPECT_EQ(images, (std::vector<fs::path>{d / "UPPER.JPG", d / "b.png", d / "sub/deeper/a.bmp"}));
  const std::string e = error_of([&] { list_images({d / "nothing"}); });
  EXPECT_NE(e.find("nothing"), std::string::npos);
  EXPECT_NE(e.find("does not exist"), std::string::npos) << e;
  fs::create_directories(dir_ / "void");
  EXPECT_NE(error_of([&] { list_images({dir_ / "void"}); }).find("no images found"), std::string::npos);
  EXPECT_TRUE(is_image_file("x.WebP"));
  EXPECT_TRUE(is_image_file("x.tiff"));
  EXPECT_FALSE(is_image_file("x.gif"));
  EXPECT_FALSE(is_image_file("jpg"));
}

TEST(LabelPath, ReplacesTheLastImagesDirectory) {
  EXPECT_EQ(label_path_for("/d/images/train/a.jpg"), fs::path("/d/labels/train/a.txt"));
  EXPECT_EQ(label_path_for("/images/x/images/a.b.PNG"), fs::path("/images/x/labels/a.b.txt"));
  EXPECT_EQ(label_path_for("/d/pics/a.jpeg"), fs::path("/d/pics/a.txt"));
  EXPECT_EQ(label_path_for("/d/myimages/a.jpg"), fs::path("/d/myimages/a.txt"));
  EXPECT_EQ(label_cache_path({"/d/images/train/a.jpg"}), fs::path("/d/labels/train.cache"));
  EXPECT_EQ(label_cache_path({"/d/images/a.jpg"}), fs::path("/d/labels.cache"));
}

}  // namespace
}  // namespace yolo
