#include <gtest/gtest.h>

#include "engine/core/copy.h"

namespace yolo {
namespace {

TEST(Copy, HostCopyGathersAStridedSlice) {
  Context ctx;
  Tensor t = ctx.empty({2, 3, 5}, DType::i32);
  for (int i = 0; i < 30; ++i) t.data<std::int32_t>()[i] = i;
  Tensor middle = t.slice(2, 1, 4);  // (2, 3, 3), strided
  Tensor packed = to_device(ctx, middle);
  ASSERT_TRUE(packed.is_contiguous());
  const std::int32_t* p = packed.data<std::int32_t>();
  int k = 0;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int c = 1; c < 4; ++c) EXPECT_EQ(p[k++], a * 15 + b * 5 + c);
}

TEST(Copy, ScattersIntoAStridedDestination) {
  Context ctx;
  Tensor dst = ctx.zeros({4, 6}, DType::f32);
  Tensor src = ctx.empty({4, 2}, DType::f32);
  for (int i = 0; i < 8; ++i) src.data<float>()[i] = static_cast<float>(i + 1);
  Tensor columns = dst.slice(1, 3, 5);
  copy(ctx, src, columns);
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 6; ++c) {
      const float expected = (c == 3 || c == 4) ? static_cast<float>(r * 2 + (c - 3) + 1) : 0.0f;
      EXPECT_EQ(dst.data<float>()[r * 6 + c], expected) << r << "," << c;
    }
  }
}

TEST(Copy, RejectsMismatchedTensors) {
  Context ctx;
  Tensor a = ctx.empty({2, 3}, DType::f32);
  Tensor b = ctx.empty({3, 2}, DType::f32);
  Tensor c = ctx.empty({2, 3}, DType::f16);
  EXPECT_THROW(copy(ctx, a, b), Error);
  EXPECT_THROW(copy(ctx, a, c), Error);
}

}  // namespace
}  // namespace yolo
