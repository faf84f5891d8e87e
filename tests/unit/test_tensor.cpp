#include <gtest/gtest.h>

#include "engine/core/context.h"

namespace yolo {
namespace {

TEST(Tensor, EmptyIsContiguousWithRowMajorStrides) {
  Context ctx;
  Tensor t = ctx.empty({2, 3, 4, 5}, DType::f16);
  EXPECT_EQ(t.numel(), 120);
  EXPECT_EQ(t.nbytes(), 240u);
  EXPECT_EQ(t.strides(), Shape({60, 20, 5, 1}));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.dim(-1), 5);
  EXPECT_EQ(t.str(), "f16[2, 3, 4, 5] on cpu");
  EXPECT_FALSE(Tensor().defined());
}

TEST(Tensor, ViewInfersOneDimensionAndSharesStorage) {
  Context ctx;
  Tensor t = ctx.empty({4, 6}, DType::f32);
  Tensor v = t.view({2, -1, 3});
  EXPECT_EQ(v.shape(), Shape({2, 4, 3}));
  EXPECT_TRUE(v.same_storage(t));
  EXPECT_EQ(v.raw_data(), t.raw_data());
  EXPECT_THROW(t.view({5, -1}), Error);
  EXPECT_THROW(t.view({-1, -1}), Error);
  EXPECT_THROW(t.view({4, 5}), Error);
}

TEST(Tensor, SliceIsAStridedViewOfTheSameMemory) {
  Context ctx;
  Tensor t = ctx.empty({2, 4, 4, 8}, DType::f32);  // NHWC
  for (int i = 0; i < 256; ++i) t.data<float>()[i] = static_cast<float>(i);
  Tensor channels = t.slice(3, 2, 5);  // channels 2..4 of every pixel
  EXPECT_EQ(channels.shape(), Shape({2, 4, 4, 3}));
  EXPECT_EQ(channels.strides(), t.strides());
  EXPECT_FALSE(channels.is_contiguous());
  EXPECT_EQ(channels.data<float>()[0], 2.0f);
  EXPECT_THROW(channels.view({-1}), Error);
  Tensor rows = t.slice(0, 1, 2);  // a batch slice stays contiguous
  EXPECT_TRUE(rows.is_contiguous());
  EXPECT_EQ(rows.data<float>()[0], 128.0f);
  EXPECT_THROW(t.slice(3, 5, 9), Error);
  EXPECT_THROW(t.slice(4, 0, 1), Error);
}

TEST(Tensor, TypedAccessChecksTheDtype) {
  Context ctx;
  Tensor t = ctx.empty({3}, DType::i32);
  EXPECT_NO_THROW(t.data<std::int32_t>());
  EXPECT_THROW(t.data<float>(), Error);
  EXPECT_THROW(Tensor().raw_data(), Error);
}

TEST(Tensor, StorageReturnsMemoryToItsAllocator) {
  Context ctx;
  const auto before = ctx.allocator().stats().live_bytes;
  {
    Tensor a = ctx.empty({1000}, DType::f32);
    Tensor alias = a.view({10, 100});
    EXPECT_EQ(ctx.allocator().stats().live_bytes, before + 4000);
  }
  EXPECT_EQ(ctx.allocator().stats().live_bytes, before);
  EXPECT_GE(ctx.allocator().stats().peak_bytes, before + 4000);
}

TEST(DType, NamesRoundTrip) {
  for (DType t : {DType::f32, DType::f16, DType::bf16, DType::u8, DType::i32, DType::i64}) {
    EXPECT_EQ(parse_dtype(dtype_name(t)), t);
  }
  EXPECT_EQ(parse_dtype("fp16"), DType::f16);
  EXPECT_THROW(parse_dtype("f64"), Error);
}

}  // namespace
}  // namespace yolo
