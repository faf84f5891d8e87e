// Every op and primitive on cuda against the cpu result. Without a CUDA
// device each test is skipped with "skipped: no CUDA device".
#include <gtest/gtest.h>

#include <random>

#include "engine/core/backends.h"
#include "engine/core/copy.h"
#include "engine/ops/elementwise.h"
#include "kernels/primitives.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

class GpuParity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda_device_count() == 0) GTEST_SKIP() << "skipped: no CUDA device";
    gpu_ = std::make_unique<Context>(Device::cuda(0));
  }
  Tensor up(const Tensor& host) const { return to_device(*gpu_, host); }
  Tensor down(const Tensor& dev) const { return to_host(*gpu_, dev); }

  Context cpu_;
  std::unique_ptr<Context> gpu_;
};

TEST_F(GpuParity, ElementwiseOpsInEveryFloatDtype) {
  const std::int64_t n = 1000003;
  Tensor x32 = test::random_uniform(cpu_, {n}, 301, -10.0f, 10.0f), dy32 = test::random_uniform(cpu_, {n}, 302);
  for (DType t : {DType::f32, DType::f16, DType::bf16}) {
    Tensor x = cpu_.empty({n}, t), dy = cpu_.empty({n}, t);
    copy_cast(cpu_, x32, x);
    copy_cast(cpu_, dy32, dy);
    Tensor y = cpu_.empty({n}, t), dx = cpu_.empty({n}, t), acc = cpu_.empty({n}, t);
    silu_forward(cpu_, x, y);
    silu_backward(cpu_, x, dy, dx);
    copy_cast(cpu_, dy, acc);
    axpy(cpu_, 0.3f, x, acc);
    scale(cpu_, -1.5f, acc, acc);

    Tensor gx = up(x), gdy = up(dy), gy = gpu_->empty({n}, t), gdx = gpu_->empty({n}, t), gacc = up(dy);
    silu_forward(*gpu_, gx, gy);
    silu_backward(*gpu_, gx, gdy, gdx);
    axpy(*gpu_, 0.3f, gx, gacc);
    scale(*gpu_, -1.5f, gacc, gacc);
    // Same functors; the GPU contracts a*b+c into FMAs, so allow a few ulp
    // (f32) or one unit of the 16-bit format.
    const double rtol = t == DType::f32 ? 1e-6 : (t == DType::f16 ? 1e-3 : 8e-3);
    const std::string name(dtype_name(t));
    test::expect_close(down(gy), y, rtol, 1e-30, "silu_forward " + name);
    test::expect_close(down(gdx), dx, rtol, 1e-30, "silu_backward " + name);
    test::expect_close(down(gacc), acc, rtol, 1e-6, "axpy+scale " + name);
  }
}

TEST_F(GpuParity, CastAndFillAreExact) {
  const std::int64_t n = 300007;
  Tensor x = test::random_uniform(cpu_, {n}, 303, -70000.0f, 70000.0f);
  for (DType t : {DType::f16, DType::bf16, DType::u8, DType::i32, DType::i64}) {
    Tensor c = cpu_.empty({n}, t), g = gpu_->empty({n}, t);
    copy_cast(cpu_, x, c);
    Tensor gx = up(x);
    copy_cast(*gpu_, gx, g);
    Tensor back = down(g);
    EXPECT_EQ(std::memcmp(back.raw_data(), c.raw_data(), c.nbytes()), 0) << dtype_name(t);
    fill(*gpu_, g, 7.0);
    fill(cpu_, c, 7.0);
    back = down(g);
    EXPECT_EQ(std::memcmp(back.raw_data(), c.raw_data(), c.nbytes()), 0) << "fill " << dtype_name(t);
  }
}

TEST_F(GpuParity, FillUniformDrawsTheSameStream) {
  Context cpu_seeded(Device::cpu(), {.seed = 99});
  Context gpu_seeded(Device::cuda(0), {.seed = 99});
  const std::int64_t n = 100003;
  Tensor c = cpu_seeded.empty({n}, DType::f32), g = gpu_seeded.empty({n}, DType::f32);
  fill_uniform(cpu_seeded, c, -3.0f, 3.0f);
  fill_uniform(gpu_seeded, g, -3.0f, 3.0f);
  // Same integer stream; lo + (hi-lo)*u may be one FMA on the GPU.
  test::expect_close(to_host(gpu_seeded, g), c, 2.4e-7, 1e-6, "fill_uniform");
}

TEST_F(GpuParity, Reductions) {
  const std::int64_t n = 16 * 8400 * 80 + 5;
  Tensor x = test::random_uniform(cpu_, {n}, 304);
  Tensor offsets = cpu_.empty({5}, DType::i64);
  const std::int64_t o[] = {0, 100, 100, 600000, n};
  std::copy(std::begin(o), std::end(o), offsets.data<std::int64_t>());
  Tensor cpu_out = cpu_.empty({10}, DType::f32);
  float* c = cpu_out.data<float>();
  Primitives<Cpu>::sum(cpu_, x.data<float>(), n, c);
  Primitives<Cpu>::max(cpu_, x.data<float>(), n, c + 1);
  Primitives<Cpu>::segmented_sum(cpu_, x.data<float>(), o, 4, c + 2);
  Primitives<Cpu>::segmented_max(cpu_, x.data<float>(), o, 4, c + 6);
  Tensor gx = up(x), go = up(offsets), gout = gpu_->empty({10}, DType::f32);
  float* g = gout.data<float>();
  Primitives<Cuda>::sum(*gpu_, gx.data<float>(), n, g);
  Primitives<Cuda>::max(*gpu_, gx.data<float>(), n, g + 1);
  Primitives<Cuda>::segmented_sum(*gpu_, gx.data<float>(), go.data<std::int64_t>(), 4, g + 2);
  Primitives<Cuda>::segmented_max(*gpu_, gx.data<float>(), go.data<std::int64_t>(), 4, g + 6);
  // CUB sums in float in a tree; ours in double: about sqrt(n) ulp apart.
  test::expect_close(down(gout), cpu_out, 1e-4, 1e-3, "reductions");
}

TEST_F(GpuParity, ScanSortTopK) {
  const std::int64_t n = 100003;
  std::mt19937 rng(305);
  Tensor counts = cpu_.empty({n}, DType::i32), keys = cpu_.empty({n}, DType::f32), values = cpu_.empty({n}, DType::i32);
  for (std::int64_t i = 0; i < n; ++i) {
    counts.data<std::int32_t>()[i] = static_cast<std::int32_t>(rng() % 7);
    keys.data<float>()[i] = static_cast<float>(rng() % 1000) * 0.5f;
    values.data<std::int32_t>()[i] = static_cast<std::int32_t>(i);
  }
  Tensor gcounts = up(counts), gkeys = up(keys), gvalues = up(values);
  Tensor scanned = cpu_.empty({n}, DType::i32), gscanned = gpu_->empty({n}, DType::i32);
  Primitives<Cpu>::exclusive_scan(cpu_, counts.data<std::int32_t>(), n, scanned.data<std::int32_t>());
  Primitives<Cuda>::exclusive_scan(*gpu_, gcounts.data<std::int32_t>(), n, gscanned.data<std::int32_t>());
  EXPECT_EQ(std::memcmp(down(gscanned).raw_data(), scanned.raw_data(), scanned.nbytes()), 0) << "scan";

  Primitives<Cpu>::sort_by_key(cpu_, keys.data<float>(), values.data<std::int32_t>(), n, SortOrder::descending);
  Primitives<Cuda>::sort_by_key(*gpu_, gkeys.data<float>(), gvalues.data<std::int32_t>(), n, SortOrder::descending);
  EXPECT_EQ(std::memcmp(down(gkeys).raw_data(), keys.raw_data(), keys.nbytes()), 0) << "sort keys";
  EXPECT_EQ(std::memcmp(down(gvalues).raw_data(), values.raw_data(), values.nbytes()), 0) << "sort values (stable)";

  const std::int64_t rows = 64, cols = 8400, k = 10;
  Tensor m = test::random_uniform(cpu_, {rows, cols}, 306);
  for (std::int64_t i = 0; i < rows * cols; i += 3) m.data<float>()[i] = 0.5f;  // ties
  Tensor tv = cpu_.empty({rows, k}, DType::f32), ti = cpu_.empty({rows, k}, DType::i32);
  Primitives<Cpu>::top_k(cpu_, m.data<float>(), rows, cols, k, tv.data<float>(), ti.data<std::int32_t>());
  Tensor gm = up(m), gtv = gpu_->empty({rows, k}, DType::f32), gti = gpu_->empty({rows, k}, DType::i32);
  Primitives<Cuda>::top_k(*gpu_, gm.data<float>(), rows, cols, k, gtv.data<float>(), gti.data<std::int32_t>());
  EXPECT_EQ(std::memcmp(down(gtv).raw_data(), tv.raw_data(), tv.nbytes()), 0) << "top_k values";
  EXPECT_EQ(std::memcmp(down(gti).raw_data(), ti.raw_data(), ti.nbytes()), 0) << "top_k indices";
}

}  // namespace
}  // namespace yolo
