// ImageStore and DataLoader: cache modes agree, batches are reproducible for
// any number of workers, validation letterboxes, a worker's error reaches
// the trainer instead of aborting or hanging.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/core/error.h"
#include "engine/data/image_store.h"
#include "engine/data/loader.h"
#include "engine/data/plot_batch.h"

namespace yolo {
namespace {

namespace fs = std::filesystem;

struct TinySet {
  fs::path dir;
  std::vector<fs::path> files;
  std::vector<ImageExtent> extents;
  std::vector<std::vector<LabelBox>> labels;
};

// n images of varied sizes with one coloured box each, as PNG (lossless).
TinySet make_set(const std::string& name, int n) {
  TinySet s;
  s.dir = fs::temp_directory_path() / fmt::format("yolo_loader_{}_{}", name, ::getpid());
  fs::remove_all(s.dir);
  fs::create_directories(s.dir);
  for (int i = 0; i < n; ++i) {
    const int w = 60 + 17 * i, h = 90 - 5 * i;
    cv::Mat im(h, w, CV_8UC3, cv::Scalar(20 * i, 255 - 20 * i, 100));
    cv::rectangle(im, cv::Point(w / 4, h / 4), cv::Point(3 * w / 4, 3 * h / 4), cv::Scalar(0, 0, 255), cv::FILLED);
    const fs::path file = s.dir / fmt::format("{:03d}.png", i);
    cv::imwrite(file.string(), im);
    s.files.push_back(file);
    s.extents.push_back(ImageExtent{w, h});
    s.labels.push_back({LabelBox{i % 3, 0.5f, 0.5f, 0.5f, 0.5f}});
  }
  return s;
}

std::vector<Batch> run_epoch(DataLoader& loader, const Context& ctx, std::int64_t epoch) {
  loader.start_epoch(epoch);
  std::vector<Batch> out;
  while (auto b = loader.next(ctx)) out.push_back(std::move(*b));
  return out;
}

bool same_pixels(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data<float>(), b.data<float>(), a.nbytes()) == 0;
}

TEST(ImageStore, ResizedExtentFollowsUltralytics) {
  EXPECT_EQ(resized_extent({1280, 720}, 640).width, 640);
  EXPECT_EQ(resized_extent({1280, 720}, 640).height, 360);
  EXPECT_EQ(resized_extent({100, 33}, 64).height, 22);  // ceil(33 * 0.64) = 22
  EXPECT_EQ(resized_extent({30, 20}, 64).width, 64);    // small images are scaled up
  EXPECT_EQ(resized_extent({30, 20}, 64).height, 43);
  EXPECT_EQ(resized_extent({64, 10}, 64).height, 10);
}

TEST(ImageStore, CacheModesGiveTheSameImages) {
  const TinySet s = make_set("modes", 4);
  const ImageStore none(s.files, s.extents, 64, CacheMode::none, 2);
  const ImageStore ram(s.files, s.extents, 64, CacheMode::ram, 2);
  const ImageStore disk(s.files, s.extents, 64, CacheMode::disk, 2);
  for (std::int64_t i = 0; i < 4; ++i) {
    EXPECT_TRUE(fs::exists(s.files[i].string() + ".npy"));
    const auto a = none.get(i), b = ram.get(i), c = disk.get(i);
    EXPECT_EQ(a->width, none.extent(i).width);
    EXPECT_EQ(a->height, none.extent(i).height);
    EXPECT_EQ(a->pixels, b->pixels);
    EXPECT_EQ(a->pixels, c->pixels);
  }
  EXPECT_GT(ram.cached_bytes(), 0);
  EXPECT_THROW(parse_cache_mode("gpu"), Error);
  EXPECT_EQ(parse_cache_mode("true"), CacheMode::ram);
  fs::remove_all(s.dir);
}

TEST(DataLoader, BatchesAreReproducibleForAnyWorkerCount) {
  const TinySet s = make_set("repro", 7);
  const ImageStore store(s.files, s.extents, 64, CacheMode::ram, 2);
  const Context ctx;
  LoaderOptions one;
  one.batch = 3, one.workers = 1, one.seed = 11;
  LoaderOptions three = one;
  three.workers = 3, three.prefetch = 1;
  DataLoader a(store, s.labels, one), b(store, s.labels, three);
  EXPECT_EQ(a.batches_per_epoch(), 3);
  const std::vector<Batch> ea = run_epoch(a, ctx, 2), eb = run_epoch(b, ctx, 2);
  ASSERT_EQ(ea.size(), 3u);
  ASSERT_EQ(eb.size(), 3u);
  std::int64_t images = 0;
  for (std::size_t k = 0; k < ea.size(); ++k) {
    EXPECT_EQ(ea[k].number, static_cast<std::int64_t>(k));
    EXPECT_EQ(ea[k].indices, eb[k].indices);
    EXPECT_TRUE(same_pixels(ea[k].images, eb[k].images)) << "batch " << k;
    ASSERT_EQ(ea[k].labels.size(), eb[k].labels.size());
    for (std::size_t i = 0; i < ea[k].labels.size(); ++i) {
      ASSERT_EQ(ea[k].labels[i].size(), eb[k].labels[i].size());
      for (std::size_t j = 0; j < ea[k].labels[i].size(); ++j) {
        const PixelBox &p = ea[k].labels[i][j], &q = eb[k].labels[i][j];
        EXPECT_EQ(p.cls, q.cls);
        EXPECT_EQ(p.x1, q.x1);
        EXPECT_EQ(p.y1, q.y1);
        EXPECT_EQ(p.x2, q.x2);
        EXPECT_EQ(p.y2, q.y2);
      }
    }
    images += ea[k].images.dim(0);
    const float* px = ea[k].images.data<float>();
    for (std::int64_t i = 0; i < ea[k].images.numel(); ++i) {
      ASSERT_GE(px[i], 0.0f);
      ASSERT_LE(px[i], 1.0f);
    }
  }
  EXPECT_EQ(images, 7);
  EXPECT_EQ(ea.back().images.dim(0), 1);  // the last batch is partial, as in ultralytics
  // Another epoch, another order or other draws.
  const std::vector<Batch> next_epoch = run_epoch(a, ctx, 3);
  EXPECT_FALSE(next_epoch[0].indices == ea[0].indices && same_pixels(next_epoch[0].images, ea[0].images));
  fs::remove_all(s.dir);
}

TEST(DataLoader, ValidationLetterboxesWithoutAugmentation) {
  const TinySet s = make_set("val", 3);
  const ImageStore store(s.files, s.extents, 96, CacheMode::none, 1);
  LoaderOptions o;
  o.batch = 3, o.augment = false, o.shuffle = false;
  DataLoader loader(store, s.labels, o);
  const Context ctx;
  const std::vector<Batch> batches = run_epoch(loader, ctx, 0);
  ASSERT_EQ(batches.size(), 1u);
  const Batch& b = batches[0];
  EXPECT_EQ(b.indices, (std::vector<std::int64_t>{0, 1, 2}));
  for (int i = 0; i < 3; ++i) {
    const ImageExtent e = store.extent(i);
    const float left = static_cast<float>((96 - e.width) / 2), top = static_cast<float>((96 - e.height) / 2);
    ASSERT_EQ(b.labels[i].size(), 1u);
    // The box is the middle half of the image, moved by the padding.
    EXPECT_NEAR(b.labels[i][0].x1, left + e.width * 0.25f, 1e-3);
    EXPECT_NEAR(b.labels[i][0].y2, top + e.height * 0.75f, 1e-3);
    // A padding pixel is grey 114, the image's centre is the red box.
    const float* image = b.images.data<float>() + static_cast<std::int64_t>(i) * 96 * 96 * 3;
    if (top > 0) {
      EXPECT_FLOAT_EQ(image[0], 114.0f / 255.0f);
    }
    const float* centre = image + (48 * 96 + 48) * 3;
    EXPECT_FLOAT_EQ(centre[0], 1.0f);  // R
    EXPECT_FLOAT_EQ(centre[2], 0.0f);  // B
  }
  fs::remove_all(s.dir);
}

// ultralytics' rectangular validation batches, worked by hand for these
// sizes (w x h = 60+17i x 90-5i, aspect h/w from 1.5 down to 0.37), imgsz
// 64, batch 3: by aspect the batches are {6, 5, 4}, {3, 2, 1}, {0}; their
// shapes (h, w) are (ceil(0.547 * 2 + 0.5), ceil(2.5)) * 32 = (64, 96),
// (96, 96), and (96, ceil(0.667 * 2 + 0.5) * 32) = (96, 64).
TEST(DataLoader, RectangularValidationBatches) {
  const TinySet s = make_set("rect", 7);
  const ImageStore store(s.files, s.extents, 64, CacheMode::ram, 1);
  LoaderOptions o;
  o.batch = 3, o.augment = false, o.shuffle = false, o.rect = true;
  DataLoader loader(store, s.labels, o);
  const Context ctx;
  const std::vector<Batch> batches = run_epoch(loader, ctx, 0);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].indices, (std::vector<std::int64_t>{6, 5, 4}));
  EXPECT_EQ(batches[1].indices, (std::vector<std::int64_t>{3, 2, 1}));
  EXPECT_EQ(batches[2].indices, (std::vector<std::int64_t>{0}));
  const std::int64_t shapes[3][2] = {{64, 96}, {96, 96}, {96, 64}};
  for (int b = 0; b < 3; ++b) {
    EXPECT_EQ(batches[b].images.dim(1), shapes[b][0]) << "batch " << b;
    EXPECT_EQ(batches[b].images.dim(2), shapes[b][1]) << "batch " << b;
  }
  o.augment = true;  // rect is for validation only
  EXPECT_THROW(DataLoader(store, s.labels, o), Error);
  fs::remove_all(s.dir);
}

TEST(DataLoader, AWorkersErrorReachesTheTrainer) {
  TinySet s = make_set("error", 8);
  const ImageStore store(s.files, s.extents, 64, CacheMode::none, 1);
  fs::remove(s.files[5]);  // gone after the check: decoding it fails in a worker
  LoaderOptions o;
  o.batch = 2, o.workers = 2, o.prefetch = 1, o.shuffle = false;
  o.hyp.mosaic = 0.0;  // only the batch's own images are read: the error is in batch 2
  DataLoader loader(store, s.labels, o);
  const Context ctx;
  loader.start_epoch(0);
  EXPECT_TRUE(loader.next(ctx).has_value());
  EXPECT_TRUE(loader.next(ctx).has_value());
  EXPECT_THROW(loader.next(ctx), Error);
  fs::remove_all(s.dir);
}

TEST(DataLoader, AbandonedEpochStopsCleanly) {
  const TinySet s = make_set("abandon", 6);
  const ImageStore store(s.files, s.extents, 64, CacheMode::ram, 1);
  LoaderOptions o;
  o.batch = 1, o.workers = 2;
  DataLoader loader(store, s.labels, o);
  const Context ctx;
  loader.start_epoch(0);
  ASSERT_TRUE(loader.next(ctx).has_value());
  loader.start_epoch(1);  // restart mid-epoch: the old workers stop
  std::int64_t count = 0;
  while (loader.next(ctx)) ++count;
  EXPECT_EQ(count, 6);
  fs::remove_all(s.dir);
}

TEST(PlotBatch, WritesAPictureOfTheBatch) {
  const TinySet s = make_set("plot", 4);
  const ImageStore store(s.files, s.extents, 64, CacheMode::ram, 1);
  LoaderOptions o;
  o.batch = 4;
  DataLoader loader(store, s.labels, o);
  const Context ctx;
  const std::vector<Batch> batches = run_epoch(loader, ctx, 0);
  const fs::path file = s.dir / "train_batch0.jpg";
  plot_batch(file, batches[0].images, batches[0].labels, {"a", "b", "c"});
  const cv::Mat picture = cv::imread(file.string());
  ASSERT_FALSE(picture.empty());
  EXPECT_EQ(picture.cols, 2 * 64);  // 4 images: a 2 x 2 grid
  EXPECT_EQ(picture.rows, 2 * 64);
  fs::remove_all(s.dir);
}

}  // namespace
}  // namespace yolo
