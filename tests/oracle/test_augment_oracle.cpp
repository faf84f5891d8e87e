// The warp of a training sample (M = T S R P C) against ultralytics' own
// RandomPerspective, built from the same random draws: the draws are
// replayed from a second SampleRandom with the same key, in the planner's
// documented order (mosaic coin, then perspective x, y, angle, scale, shear
// x, y, translation x, y), and handed to ultralytics in place of
// random.uniform. ultralytics composes in float32: 1e-4 relative.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/data/augment.h"
#include "tests/support/oracle.h"

namespace yolo {
namespace {

TEST(AugmentOracle, WarpMatchesUltralyticsRandomPerspective) {
  AugmentOptions o;
  o.mosaic = 0.0;  // the canvas is the image itself
  o.degrees = 25.0, o.translate = 0.2, o.scale = 0.7, o.shear = 8.0, o.perspective = 0.0007;
  const std::vector<ImageExtent> extents = {{320, 200}, {150, 320}};
  const std::int32_t size = 320;
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    const std::int64_t index = static_cast<std::int64_t>(seed % 2);
    SampleRandom random(seed, 2, seed), replay(seed, 2, seed);
    const SamplePlan plan = plan_training_sample(o, size, index, extents, random);
    replay.uniform(0.0, 1.0);  // the mosaic coin
    const Context host;
    Tensor draws = host.empty({8}, DType::f32);
    const double bounds[8][2] = {{-o.perspective, o.perspective},   {-o.perspective, o.perspective},
                                 {-o.degrees, o.degrees},           {1 - o.scale, 1 + o.scale},
                                 {-o.shear, o.shear},               {-o.shear, o.shear},
                                 {0.5 - o.translate, 0.5 + o.translate}, {0.5 - o.translate, 0.5 + o.translate}};
    std::vector<double> values;
    for (const auto& b : bounds) values.push_back(replay.uniform(b[0], b[1]));
    // f32 carries the draws; the engine's own plan is rebuilt from them below.
    for (int i = 0; i < 8; ++i) draws.data<float>()[i] = static_cast<float>(values[i]);
    test::Oracle oracle("augment_oracle.py", test::kVenvPython);
    oracle.put("draws", draws);
    oracle.run("warp", {{"degrees", o.degrees},
                        {"translate", o.translate},
                        {"scale", o.scale},
                        {"shear", o.shear},
                        {"perspective", o.perspective},
                        {"size", size},
                        {"canvas_w", extents[index].width},
                        {"canvas_h", extents[index].height}});
    const NpyArray m = oracle.get("M");
    const float* ref = m.as<float>();
    ASSERT_EQ(m.numel(), 9);
    for (int i = 0; i < 9; ++i) {
      // The draws crossed as f32: the reference's inputs are within 1e-7 relative of ours.
      const double scale_of_entry = i == 2 || i == 5 ? size : (i >= 6 ? 1e-3 : 1.0);
      EXPECT_NEAR(plan.warp[i], ref[i], 1e-4 * scale_of_entry) << "seed " << seed << " M[" << i / 3 << "][" << i % 3 << "]";
    }
    EXPECT_NEAR(plan.warp_scale, oracle.get("scale").as<float>()[0], 1e-6);
  }
}

// The mosaic layout (ultralytics' _mosaic4): the same centre draws and
// partners give the same four canvas rectangles and offsets, exactly.
TEST(AugmentOracle, MosaicLayoutMatchesUltralytics) {
  const AugmentOptions o;  // mosaic 1.0
  const std::vector<ImageExtent> extents = {{320, 200}, {150, 320}, {320, 320}, {240, 96}, {37, 320}};
  const std::int32_t size = 320;
  const Context host;
  Tensor sizes = host.empty({5, 2}, DType::i32);
  for (int i = 0; i < 5; ++i) {
    sizes.data<std::int32_t>()[2 * i] = extents[i].width;
    sizes.data<std::int32_t>()[2 * i + 1] = extents[i].height;
  }
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    const std::int64_t index = static_cast<std::int64_t>(seed % 5);
    SampleRandom random(seed, 0, 9), replay(seed, 0, 9);
    const SamplePlan plan = plan_training_sample(o, size, index, extents, random);
    ASSERT_TRUE(plan.mosaic);
    replay.uniform(0.0, 1.0);  // the mosaic coin
    Tensor centre = host.empty({2}, DType::i32), partners = host.empty({3}, DType::i32);
    // yc then xc, as ultralytics draws them, already truncated (ultralytics
    // truncates too, and an integer survives the trip exactly).
    for (int i = 0; i < 2; ++i) {
      centre.data<std::int32_t>()[i] = static_cast<std::int32_t>(replay.uniform(size / 2, 2.0 * size - size / 2));
    }
    for (int i = 0; i < 3; ++i) partners.data<std::int32_t>()[i] = static_cast<std::int32_t>(replay.below(5));
    test::Oracle oracle("augment_oracle.py", test::kVenvPython);
    oracle.put("extents", sizes);
    oracle.put("centre", centre);
    oracle.put("partners", partners);
    oracle.run("mosaic", {{"imgsz", size}, {"index", index}});
    const NpyArray layout = oracle.get("layout");
    ASSERT_EQ(layout.numel(), 4 * 6);
    const std::int32_t* ref = layout.as<std::int32_t>();
    for (int t = 0; t < 4; ++t) {
      const CanvasTile& tile = plan.tiles[t];
      const std::int32_t ours[6] = {tile.x0, tile.y0, tile.x1, tile.y1, tile.pad_x, tile.pad_y};
      for (int k = 0; k < 6; ++k) EXPECT_EQ(ours[k], ref[t * 6 + k]) << "seed " << seed << " tile " << t << " field " << k;
      // The sample's own image first, then the partners in draw order.
      EXPECT_EQ(tile.image, t == 0 ? index : partners.data<std::int32_t>()[t - 1]) << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace yolo
