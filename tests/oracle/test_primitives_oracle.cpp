// Portable primitives (cpu) against PyTorch.
#include <gtest/gtest.h>

#include <random>

#include "kernels/primitives.h"
#include "tests/support/oracle.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

using P = Primitives<Cpu>;

TEST(PrimitivesOracle, ReductionsMatchTorch) {
  Context ctx;
  const std::int64_t n = 16 * 8400 + 17;
  Tensor x = test::random_uniform(ctx, {n}, 201, -3.0f, 3.0f);
  Tensor offsets = ctx.empty({7}, DType::i64);
  const std::int64_t o[] = {0, 1, 1, 8400, 60000, 60000, n};
  std::copy(std::begin(o), std::end(o), offsets.data<std::int64_t>());
  test::Oracle oracle("primitives_oracle.py");
  oracle.put("x", x);
  oracle.put("offsets", offsets);
  oracle.run("reductions");

  float sum = 0, max = 0, seg_sum[6], seg_max[6];
  P::sum(ctx, x.data<float>(), n, &sum);
  P::max(ctx, x.data<float>(), n, &max);
  P::segmented_sum(ctx, x.data<float>(), o, 6, seg_sum);
  P::segmented_max(ctx, x.data<float>(), o, 6, seg_max);
  // Both sides accumulate in double and round once: equal up to that rounding.
  test::expect_close(&sum, oracle.get("sum").as<float>(), 1, 1e-6, 0, "sum");
  test::expect_close(&max, oracle.get("max").as<float>(), 1, 0, 0, "max");
  test::expect_close(seg_sum, oracle.get("segmented_sum").as<float>(), 6, 1e-6, 1e-6, "segmented_sum");
  test::expect_close(seg_max, oracle.get("segmented_max").as<float>(), 6, 0, 0, "segmented_max");
}

TEST(PrimitivesOracle, ExclusiveScanMatchesTorchCumsum) {
  Context ctx;
  const std::int64_t n = 100003;
  Tensor x = ctx.empty({n}, DType::i32), out = ctx.empty({n}, DType::i32);
  std::mt19937 rng(202);
  for (std::int64_t i = 0; i < n; ++i) x.data<std::int32_t>()[i] = static_cast<std::int32_t>(rng() % 20);
  test::Oracle oracle("primitives_oracle.py");
  oracle.put("x", x);
  oracle.run("scan");
  P::exclusive_scan(ctx, x.data<std::int32_t>(), n, out.data<std::int32_t>());
  const auto ref = oracle.get("exclusive");
  EXPECT_EQ(std::memcmp(out.raw_data(), ref.as<std::int32_t>(), out.nbytes()), 0);
}

class SortOracle : public ::testing::TestWithParam<bool> {};

TEST_P(SortOracle, StableSortMatchesTorchIncludingTies) {
  const bool descending = GetParam();
  Context ctx;
  const std::int64_t n = 8400 * 3 + 1;
  Tensor keys = ctx.empty({n}, DType::f32), values = ctx.empty({n}, DType::i32);
  std::mt19937 rng(203);
  for (std::int64_t i = 0; i < n; ++i) {
    keys.data<float>()[i] = static_cast<float>(rng() % 500) * 0.25f - 60.0f;  // many ties
    values.data<std::int32_t>()[i] = static_cast<std::int32_t>(i);
  }
  test::Oracle oracle("primitives_oracle.py");
  oracle.put("keys", keys);
  oracle.put("values", values);
  oracle.run("sort", {{"descending", descending}});
  P::sort_by_key(ctx, keys.data<float>(), values.data<std::int32_t>(), n,
                 descending ? SortOrder::descending : SortOrder::ascending);
  EXPECT_EQ(std::memcmp(keys.raw_data(), oracle.get("keys").as<float>(), keys.nbytes()), 0);
  EXPECT_EQ(std::memcmp(values.raw_data(), oracle.get("values").as<std::int32_t>(), values.nbytes()), 0);
}

INSTANTIATE_TEST_SUITE_P(Orders, SortOracle, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "descending" : "ascending"; });

TEST(PrimitivesOracle, TopKMatchesTorch) {
  Context ctx;
  const std::int64_t rows = 37, cols = 8400, k = 10;  // the assigner's top-10 anchors per GT
  Tensor x = test::random_uniform(ctx, {rows, cols}, 204, 0.0f, 1.0f);
  test::Oracle oracle("primitives_oracle.py");
  oracle.put("x", x);
  oracle.run("topk", {{"k", k}});
  Tensor values = ctx.empty({rows, k}, DType::f32), indices = ctx.empty({rows, k}, DType::i32);
  P::top_k(ctx, x.data<float>(), rows, cols, k, values.data<float>(), indices.data<std::int32_t>());
  // Distinct random values: torch's unspecified tie order does not arise.
  EXPECT_EQ(std::memcmp(values.raw_data(), oracle.get("values").as<float>(), values.nbytes()), 0);
  EXPECT_EQ(std::memcmp(indices.raw_data(), oracle.get("indices").as<std::int32_t>(), indices.nbytes()), 0);
}

}  // namespace
}  // namespace yolo
