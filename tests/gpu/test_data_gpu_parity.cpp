// The training-batch gather kernel, the DataLoader and NMS on cuda against
// the cpu: the same functors, the same plans. Without a CUDA device each test is
// skipped with "skipped: no CUDA device".
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/backends.h"
#include "engine/core/copy.h"
#include "engine/data/augment.h"
#include "engine/data/batch_builder.h"
#include "engine/data/image_store.h"
#include "engine/data/loader.h"
#include "engine/eval/nms.h"

namespace yolo {
namespace {

// Two images of random words (B, G, R, unused bytes).
std::vector<std::vector<std::uint32_t>> random_images(const std::vector<ImageExtent>& extents) {
  std::vector<std::vector<std::uint32_t>> out;
  std::uint32_t state = 12345;
  for (const ImageExtent& e : extents) {
    auto& im = out.emplace_back(static_cast<std::size_t>(e.width) * e.height);
    for (auto& word : im) {
      state = state * 1664525u + 1013904223u;
      word = state >> 8;
    }
  }
  return out;
}

// The cpu and the gpu evaluate the same float expressions; they may differ
// where nvcc and g++ fuse a multiply-add differently: an ulp of a sample
// position times a full 255-level step between neighbours. Emulated on the
// cpu (with and without contraction, random images): at most 8.1e-5, so
// 5e-4 absolute.
void expect_close(const Tensor& cpu, const Tensor& gpu_on_host) {
  ASSERT_EQ(cpu.shape(), gpu_on_host.shape());
  const float* a = cpu.data<float>();
  const float* b = gpu_on_host.data<float>();
  for (std::int64_t i = 0; i < cpu.numel(); ++i) ASSERT_NEAR(a[i], b[i], 5e-4) << "element " << i;
}

TEST(DataParity, BatchBuilderMatchesCpu) {
  if (cuda_device_count() == 0) GTEST_SKIP() << "skipped: no CUDA device";
  const Context cpu, gpu(Device::cuda(0));
  const std::vector<ImageExtent> extents = {{160, 120}, {96, 160}, {160, 160}, {100, 70}};
  const auto pixels = random_images(extents);
  std::vector<HostImage> images;
  for (std::size_t i = 0; i < extents.size(); ++i) images.push_back({pixels[i].data(), extents[i].width, extents[i].height});
  AugmentOptions o;
  o.degrees = 10, o.shear = 5, o.perspective = 0.0005, o.flipud = 0.5;
  std::vector<SampleGeometry> geometries;
  for (std::uint64_t k = 0; k < 6; ++k) {
    SampleRandom random(3, 0, k);
    const SamplePlan plan = plan_training_sample(o, 160, static_cast<std::int64_t>(k % 4), extents, random);
    std::vector<std::int32_t> slots;
    for (const CanvasTile& t : plan.tiles) slots.push_back(t.image);
    geometries.push_back(sample_geometry(plan, slots));
  }
  Tensor on_cpu = cpu.empty({6, 160, 160, 3}, DType::f32), on_gpu = gpu.empty({6, 160, 160, 3}, DType::f32);
  build_batch(cpu, images, geometries, on_cpu);
  build_batch(gpu, images, geometries, on_gpu);
  expect_close(on_cpu, to_host(gpu, on_gpu));
}

// The loader on cuda (sources packed by the workers into pinned memory,
// uploaded asynchronously) against the loader on the cpu: same batches.
TEST(DataParity, LoaderOnCudaMatchesCpu) {
  if (cuda_device_count() == 0) GTEST_SKIP() << "skipped: no CUDA device";
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "yolo_gpu_loader";
  fs::create_directories(dir);
  std::vector<fs::path> files;
  std::vector<ImageExtent> extents;
  std::vector<std::vector<LabelBox>> labels;
  for (int i = 0; i < 6; ++i) {
    const int w = 80 + 10 * i, h = 120 - 8 * i;
    cv::Mat im(h, w, CV_8UC3);
    cv::randu(im, 0, 255);
    files.push_back(dir / ("im" + std::to_string(i) + ".png"));
    cv::imwrite(files.back().string(), im);
    extents.push_back({w, h});
    labels.push_back({LabelBox{i % 2, 0.5f, 0.5f, 0.4f, 0.4f}});
  }
  const ImageStore store(files, extents, 96, CacheMode::ram, 1);
  const Context cpu, gpu(Device::cuda(0));
  LoaderOptions on_cpu;
  on_cpu.batch = 4, on_cpu.workers = 2;
  LoaderOptions on_gpu = on_cpu;
  on_gpu.device = gpu.device();
  DataLoader a(store, labels, on_cpu), b(store, labels, on_gpu);
  a.start_epoch(1);
  b.start_epoch(1);
  for (int k = 0; k < 2; ++k) {
    std::optional<Batch> x = a.next(cpu), y = b.next(gpu);
    ASSERT_TRUE(x && y);
    EXPECT_EQ(x->indices, y->indices);
    expect_close(x->images, to_host(gpu, y->images));
  }
  EXPECT_FALSE(a.next(cpu).has_value());
  EXPECT_FALSE(b.next(gpu).has_value());
  fs::remove_all(dir);
}

// NMS on cuda (the bitmask schedule) against the cpu (greedy): the same
// detections. Scores are distinct, so the order is fully determined.
TEST(DataParity, NmsMatchesCpu) {
  if (cuda_device_count() == 0) GTEST_SKIP() << "skipped: no CUDA device";
  const Context cpu, gpu(Device::cuda(0));
  Tensor pred = cpu.empty({4, 2000, 4 + 10}, DType::f32);
  std::uint32_t state = 99;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return static_cast<float>(state >> 8) / 16777216.0f;
  };
  for (std::int64_t i = 0; i < pred.numel(); ++i) pred.data<float>()[i] = next();
  for (std::int64_t a = 0; a < 4 * 2000; ++a) {
    float* p = pred.data<float>() + a * 14;
    p[0] *= 300, p[1] *= 300, p[2] = 10 + 50 * p[2], p[3] = 10 + 50 * p[3];
  }
  for (const bool multi : {false, true}) {
    NmsOptions o = NmsOptions::validation();
    o.multi_label = multi;
    const Detections a = non_max_suppression(cpu, pred, o), b = non_max_suppression(gpu, to_device(gpu, pred), o);
    const Tensor counts = to_host(gpu, b.counts), scores = to_host(gpu, b.scores), boxes = to_host(gpu, b.boxes);
    for (int i = 0; i < 4; ++i) ASSERT_EQ(a.counts.data<std::int32_t>()[i], counts.data<std::int32_t>()[i]);
    for (std::int64_t i = 0; i < scores.numel(); ++i) ASSERT_EQ(a.scores.data<float>()[i], scores.data<float>()[i]);
    for (std::int64_t i = 0; i < boxes.numel(); ++i) ASSERT_EQ(a.boxes.data<float>()[i], boxes.data<float>()[i]);
  }
}

}  // namespace
}  // namespace yolo
