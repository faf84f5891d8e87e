// The layer ops on cuda against the cpu result: conv2d (cuDNN vs oneDNN),
// batchnorm, pooling, upsampling, concat/split, dfl_decode, add, sigmoid
// (the same portable functors on both backends). Shapes are YOLOv8n's at
// batch 2, plus an odd one per op. Without a CUDA device each test is
// skipped with "skipped: no CUDA device".
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/backends.h"
#include "engine/core/copy.h"
#include "engine/ops/batchnorm.h"
#include "engine/ops/channels.h"
#include "engine/ops/conv2d.h"
#include "engine/ops/dfl.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/pool.h"
#include "engine/ops/upsample.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

// |gpu - cpu| <= rtol * |cpu| + atol + floor * max|cpu| for every element.
struct Tol {
  double rtol = 0.0;
  double atol = 0.0;
  double floor = 0.0;  // relative to the largest |reference| of the tensor
};

// cuDNN against oneDNN in f32: the same products, summed in another order
// (and by other algorithms: implicit GEMM, Winograd, FFT; FMA math only, no
// TF32). The difference scales with the size of the sums, not of each
// output, so an output that cancels to near zero keeps its terms' error:
// 1e-5 relative with an absolute floor of 1e-5 times the largest |reference|.
constexpr Tol kConvF32{.rtol = 1e-5, .atol = 0.0, .floor = 1e-5};
// cuDNN in f16 against oneDNN in f32 on the same f16-rounded inputs (oneDNN
// has no f16 kernel): products of f16 values are exact in f32 and cuDNN
// accumulates in f32, so what is left is the rounding of each output to f16
// (at most 2^-10 relative) plus the f32 summation order: 1e-2 relative, with
// a floor of 1e-3 of the largest output for outputs that cancel to near zero.
constexpr Tol kConv16{.rtol = 1e-2, .atol = 0.0, .floor = 1e-3};
// One portable functor, one order of operations on both backends: only FMA
// contraction differs (nvcc contracts a*b+c; the host compiler may or may
// not), which moves an f32 result by a few ulp.
constexpr Tol kFunctorF32{.rtol = 1e-6, .atol = 1e-6, .floor = 0.0};
// Batchnorm's functors, over reductions: a contracted FMA in each of the
// (fixed-order) per-chunk sums moves the statistics by a few ulp, and every
// output built on them (y, dx, dgamma, dbeta) inherits that relative to
// its terms: 1e-5 relative, and a floor of 1e-6 of the largest |reference|
// for the outputs that cancel (xhat * gamma + beta near 0, sums of dz).
constexpr Tol kBatchNormF32{.rtol = 1e-5, .atol = 0.0, .floor = 1e-6};
// 16-bit outputs of the same functor: the f32 results agree to a few ulp,
// and their rounding to 16 bits can land one unit of the format apart (at
// most 2^-10 relative for f16, 2^-7 for bf16): 1e-2 relative, with a floor
// of 1e-5 of the largest |reference| for values next to zero.
constexpr Tol k16Bit{.rtol = 1e-2, .atol = 0.0, .floor = 1e-5};

Tol functor_tol(DType t) { return t == DType::f32 ? kFunctorF32 : k16Bit; }

std::string with_dtype(const std::string& what, DType t) { return what + " " + std::string(dtype_name(t)); }

class LayerParity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda_device_count() == 0) GTEST_SKIP() << "skipped: no CUDA device";
    gpu_ = std::make_unique<Context>(Device::cuda(0));
  }
  Tensor up(const Tensor& host) const { return to_device(*gpu_, host); }
  Tensor down(const Tensor& dev) const { return to_host(*gpu_, dev); }

  // A host copy of `host` in dtype t (a clone when t is its own dtype).
  Tensor cast(const Tensor& host, DType t) const {
    Tensor out = cpu_.empty(host.shape(), t);
    copy_cast(cpu_, host, out);
    return out;
  }
  // A device tensor full of NaN: an op that overwrites must not read it.
  Tensor gpu_nan(const Shape& shape, DType t) const {
    Tensor out = gpu_->empty(shape, t);
    fill(*gpu_, out, std::numeric_limits<double>::quiet_NaN());
    return out;
  }
  // Uniform values in [lo, hi) rounded to multiples of 1/8: many exact ties
  // (max pooling's first-maximum rule), exact in f16 and bf16 for |v| <= 16.
  Tensor coarse_uniform(const Shape& shape, std::uint32_t seed, float lo, float hi) const {
    Tensor t = test::random_uniform(cpu_, shape, seed, lo, hi);
    float* p = t.data<float>();
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = std::round(p[i] * 8.0f) / 8.0f;
    return t;
  }

  // gpu_result (on the device) against cpu_result (on the host).
  void expect_parity(const Tensor& gpu_result, const Tensor& cpu_result, const Tol& tol,
                     const std::string& what) const {
    double max_abs = 0.0;
    for (float v : test::host_floats(cpu_, cpu_result)) max_abs = std::max(max_abs, static_cast<double>(std::abs(v)));
    test::expect_close(down(gpu_result), cpu_result, tol.rtol, tol.atol + tol.floor * max_abs, what);
  }
  // Bit for bit: data movement, selections and indices.
  void expect_identical(const Tensor& gpu_result, const Tensor& cpu_result, const std::string& what) const {
    const Tensor back = down(gpu_result);
    ASSERT_EQ(back.shape(), cpu_result.shape()) << what;
    ASSERT_EQ(back.dtype(), cpu_result.dtype()) << what;
    EXPECT_EQ(std::memcmp(back.raw_data(), cpu_result.raw_data(), cpu_result.nbytes()), 0) << what;
  }

  Context cpu_;
  std::unique_ptr<Context> gpu_;
};

// ----------------------------------------------------------------- conv2d

// forward, backward_data, backward_weights (accumulate 0 into NaN, and 1 onto
// earlier gradients), with and without bias, f32 and f16. The cpu reference
// always runs in f32, on the values the GPU sees.
TEST_F(LayerParity, Conv2d) {
  struct Case {
    const char* name;
    Shape x, w;
    Conv2dGeometry g;
    bool bias;
  };
  const Case cases[] = {
      {"3x3 s1 p1", {2, 40, 40, 32}, {32, 3, 3, 32}, {.stride = 1, .padding = 1}, true},
      {"3x3 s2 p1 (downsampling)", {2, 40, 40, 32}, {64, 3, 3, 32}, {.stride = 2, .padding = 1}, true},
      {"1x1", {2, 40, 40, 64}, {32, 1, 1, 64}, {}, false},
      {"3x3 groups 4", {2, 20, 20, 32}, {64, 3, 3, 8}, {.stride = 1, .padding = 1, .dilation = 1, .groups = 4}, true},
      {"depthwise 3x3", {2, 20, 20, 64}, {64, 3, 3, 1}, {.stride = 1, .padding = 1, .dilation = 1, .groups = 64}, true},
      {"depthwise 5x5 s2",
       {2, 40, 40, 32},
       {32, 5, 5, 1},
       {.stride = 2, .padding = 2, .dilation = 1, .groups = 32},
       false},
      {"odd 13x11 3x3 s2 p2 d2 g2",
       {2, 13, 11, 6},
       {10, 3, 3, 3},
       {.stride = 2, .padding = 2, .dilation = 2, .groups = 2},
       true},
  };
  std::uint32_t seed = 1000;
  for (const Case& c : cases) {
    const Shape y_shape = conv2d_output_shape(c.x, c.w, c.g);
    const Shape b_shape{c.w[0]};
    // Weights scaled by 1/sqrt(fan in), so that outputs are O(1) and the bias matters.
    const float bound = 1.0f / std::sqrt(static_cast<float>(c.w[1] * c.w[2] * c.w[3]));
    const Tensor x32 = test::random_uniform(cpu_, c.x, seed++),
                 w32 = test::random_uniform(cpu_, c.w, seed++, -bound, bound);
    const Tensor b32 = test::random_uniform(cpu_, b_shape, seed++, -0.5f, 0.5f);
    const Tensor dy32 = test::random_uniform(cpu_, y_shape, seed++);
    const Tensor dw0 = test::random_uniform(cpu_, c.w, seed++), db0 = test::random_uniform(cpu_, b_shape, seed++);
    for (DType t : {DType::f32, DType::f16}) {
      const std::string what = with_dtype(c.name, t);
      const Tol tol = t == DType::f32 ? kConvF32 : kConv16;
      const DType f32 = DType::f32;
      // The operands in t, and the f32 reference operands holding the same values.
      const Tensor x = cast(x32, t), w = cast(w32, t), dy = cast(dy32, t), dw_init = cast(dw0, t);
      const Tensor b = c.bias ? cast(b32, t) : Tensor(), db_init = c.bias ? cast(db0, t) : Tensor();
      const Tensor rx = cast(x, f32), rw = cast(w, f32), rdy = cast(dy, f32);
      const Tensor rb = c.bias ? cast(b, f32) : Tensor();

      Tensor y = cpu_.empty(y_shape, f32), dx = cpu_.empty(c.x, f32), dw = cpu_.empty(c.w, f32);
      Tensor db = c.bias ? cpu_.empty(b_shape, f32) : Tensor();
      Tensor dw_acc = cast(dw_init, f32), db_acc = c.bias ? cast(db_init, f32) : Tensor();
      conv2d_forward(cpu_, rx, rw, rb, c.g, y);
      conv2d_backward_data(cpu_, rdy, rw, c.g, dx);
      conv2d_backward_weights(cpu_, rx, rdy, c.g, dw, db, 0.0f);
      conv2d_backward_weights(cpu_, rx, rdy, c.g, dw_acc, db_acc, 1.0f);

      const Tensor gx = up(x), gw = up(w), gdy = up(dy), gb = c.bias ? up(b) : Tensor();
      Tensor gy = gpu_->empty(y_shape, t), gdx = gpu_nan(c.x, t), gdw = gpu_nan(c.w, t);
      Tensor gdb = c.bias ? gpu_nan(b_shape, t) : Tensor();
      Tensor gdw_acc = up(dw_init), gdb_acc = c.bias ? up(db_init) : Tensor();
      conv2d_forward(*gpu_, gx, gw, gb, c.g, gy);
      conv2d_backward_data(*gpu_, gdy, gw, c.g, gdx);
      conv2d_backward_weights(*gpu_, gx, gdy, c.g, gdw, gdb, 0.0f);
      conv2d_backward_weights(*gpu_, gx, gdy, c.g, gdw_acc, gdb_acc, 1.0f);

      expect_parity(gy, y, tol, "conv2d_forward " + what);
      expect_parity(gdx, dx, tol, "conv2d_backward_data " + what);
      expect_parity(gdw, dw, tol, "conv2d_backward_weights dw, accumulate 0, " + what);
      expect_parity(gdw_acc, dw_acc, tol, "conv2d_backward_weights dw, accumulate 1, " + what);
      if (c.bias) {
        expect_parity(gdb, db, tol, "conv2d_backward_weights db, accumulate 0, " + what);
        expect_parity(gdb_acc, db_acc, tol, "conv2d_backward_weights db, accumulate 1, " + what);
      }
    }
  }
}

// -------------------------------------------------------------- batchnorm

// Training forward (y, saved statistics, running statistics), backward
// (accumulate 0 into NaN and 1 onto earlier gradients) and eval forward, for
// both activations, in f32 and bf16 (parameters and their gradients stay f32).
TEST_F(LayerParity, BatchNorm) {
  const Shape shapes[] = {{2, 40, 40, 32}, {2, 13, 11, 7}};  // the odd one ends in a partial chunk
  std::uint32_t seed = 2000;
  for (const Shape& shape : shapes) {
    const std::int64_t C = shape[3];
    const Tensor x32 = test::random_uniform(cpu_, shape, seed++, -2.0f, 3.0f);  // mean far from 0
    const Tensor dy32 = test::random_uniform(cpu_, shape, seed++);
    const Tensor gamma = test::random_uniform(cpu_, {C}, seed++, 0.5f, 1.5f);
    const Tensor beta = test::random_uniform(cpu_, {C}, seed++, -0.5f, 0.5f);
    const Tensor running_mean = test::random_uniform(cpu_, {C}, seed++, -0.2f, 0.2f);
    const Tensor running_var = test::random_uniform(cpu_, {C}, seed++, 0.5f, 1.5f);
    const Tensor dgamma0 = test::random_uniform(cpu_, {C}, seed++), dbeta0 = test::random_uniform(cpu_, {C}, seed++);
    // Fresh parameters for each run: the training forward updates the running statistics.
    auto cpu_bn = [&] {
      return BatchNorm{cast(gamma, DType::f32), cast(beta, DType::f32), cast(running_mean, DType::f32),
                       cast(running_var, DType::f32)};
    };
    auto gpu_bn = [&] { return BatchNorm{up(gamma), up(beta), up(running_mean), up(running_var)}; };

    for (DType t : {DType::f32, DType::bf16}) {
      for (Activation act : {Activation::identity, Activation::silu}) {
        const std::string what = with_dtype(shape.str() + (act == Activation::silu ? " silu" : " identity"), t);
        // y and dx in t; the statistics and parameter gradients are f32 either way.
        const Tol data_tol = t == DType::f32 ? kBatchNormF32 : k16Bit;
        const Tol stat_tol = kBatchNormF32;
        const Tensor x = cast(x32, t), dy = cast(dy32, t), gx = up(x), gdy = up(dy);

        BatchNorm bn = cpu_bn(), gbn = gpu_bn();
        Tensor y = cpu_.empty(shape, t), gy = gpu_->empty(shape, t);
        const BatchNormSaved saved = batchnorm_forward_train(cpu_, x, bn, act, y);
        const BatchNormSaved gsaved = batchnorm_forward_train(*gpu_, gx, gbn, act, gy);
        expect_parity(gy, y, data_tol, "batchnorm_forward_train y " + what);
        expect_parity(gsaved.mean_invstd, saved.mean_invstd, stat_tol, "batchnorm saved mean, invstd " + what);
        EXPECT_EQ(gsaved.count, saved.count) << what;
        expect_parity(gbn.running_mean, bn.running_mean, stat_tol, "batchnorm running_mean " + what);
        expect_parity(gbn.running_var, bn.running_var, stat_tol, "batchnorm running_var " + what);

        Tensor dx = cpu_.empty(shape, t), dgamma = cpu_.empty({C}, DType::f32), dbeta = cpu_.empty({C}, DType::f32);
        Tensor dgamma_acc = cast(dgamma0, DType::f32), dbeta_acc = cast(dbeta0, DType::f32);
        batchnorm_backward(cpu_, x, dy, bn, saved, act, dx, dgamma, dbeta, 0.0f);
        batchnorm_backward(cpu_, x, dy, bn, saved, act, dx, dgamma_acc, dbeta_acc, 1.0f);
        Tensor gdx = gpu_nan(shape, t), gdgamma = gpu_nan({C}, DType::f32), gdbeta = gpu_nan({C}, DType::f32);
        Tensor gdgamma_acc = up(dgamma0), gdbeta_acc = up(dbeta0);
        batchnorm_backward(*gpu_, gx, gdy, gbn, gsaved, act, gdx, gdgamma, gdbeta, 0.0f);
        expect_parity(gdx, dx, data_tol, "batchnorm_backward dx " + what);
        gdx = gpu_nan(shape, t);
        batchnorm_backward(*gpu_, gx, gdy, gbn, gsaved, act, gdx, gdgamma_acc, gdbeta_acc, 1.0f);
        expect_parity(gdx, dx, data_tol, "batchnorm_backward dx (accumulate 1) " + what);
        expect_parity(gdgamma, dgamma, stat_tol, "batchnorm_backward dgamma, accumulate 0, " + what);
        expect_parity(gdbeta, dbeta, stat_tol, "batchnorm_backward dbeta, accumulate 0, " + what);
        expect_parity(gdgamma_acc, dgamma_acc, stat_tol, "batchnorm_backward dgamma, accumulate 1, " + what);
        expect_parity(gdbeta_acc, dbeta_acc, stat_tol, "batchnorm_backward dbeta, accumulate 1, " + what);

        // Eval with the original running statistics: no reductions, so the
        // functor tolerance.
        const BatchNorm ebn = cpu_bn(), gebn = gpu_bn();
        Tensor ye = cpu_.empty(shape, t), gye = gpu_->empty(shape, t);
        batchnorm_forward_eval(cpu_, x, ebn, act, ye);
        batchnorm_forward_eval(*gpu_, gx, gebn, act, gye);
        expect_parity(gye, ye, functor_tol(t), "batchnorm_forward_eval " + what);
      }
    }
  }
}

TEST_F(LayerParity, FoldBatchNorm) {
  const std::int64_t O = 64;
  const Shape w_shape{O, 3, 3, 32};
  const Tensor w32 = test::random_uniform(cpu_, w_shape, 2100, -0.2f, 0.2f);
  const Tensor b32 = test::random_uniform(cpu_, {O}, 2101);
  const BatchNorm bn{test::random_uniform(cpu_, {O}, 2102, 0.5f, 1.5f), test::random_uniform(cpu_, {O}, 2103),
                     test::random_uniform(cpu_, {O}, 2104), test::random_uniform(cpu_, {O}, 2105, 0.1f, 2.0f)};
  const BatchNorm gbn{up(bn.gamma), up(bn.beta), up(bn.running_mean), up(bn.running_var)};
  for (DType t : {DType::f32, DType::f16}) {
    for (bool with_bias : {true, false}) {
      const std::string what = with_dtype(with_bias ? "with bias" : "without bias", t);
      const Tensor w = cast(w32, t), b = with_bias ? cast(b32, t) : Tensor();
      Tensor wf = cpu_.empty(w_shape, t), bf = cpu_.empty({O}, t);
      fold_batchnorm(cpu_, w, b, bn, wf, bf);
      const Tensor gw = up(w), gb = with_bias ? up(b) : Tensor();
      Tensor gwf = gpu_nan(w_shape, t), gbf = gpu_nan({O}, t);
      fold_batchnorm(*gpu_, gw, gb, gbn, gwf, gbf);
      expect_parity(gwf, wf, functor_tol(t), "fold_batchnorm w " + what);
      expect_parity(gbf, bf, functor_tol(t), "fold_batchnorm b " + what);
    }
  }
}

// ---------------------------------------------------------------- pooling

// Forward and backward; max pooling's y and argmax bit for bit (a selection,
// ties broken by the same first-maximum rule), on inputs full of ties.
TEST_F(LayerParity, Pooling) {
  struct Case {
    const char* name;
    Shape x;
    Pool2dGeometry g;
    bool max;
  };
  const Case cases[] = {
      {"SPPF max k5 s1 p2", {2, 20, 20, 128}, {.kernel = 5, .stride = 1, .padding = 2}, true},
      {"ADown max k3 s2 p1", {2, 40, 40, 32}, {.kernel = 3, .stride = 2, .padding = 1}, true},
      {"ADown avg k2 s1 p0", {2, 40, 40, 32}, {.kernel = 2, .stride = 1, .padding = 0}, false},
      {"odd max k3 s2 p1", {2, 13, 11, 7}, {.kernel = 3, .stride = 2, .padding = 1}, true},
      {"odd max k2 s2 p0", {2, 13, 11, 7}, {.kernel = 2, .stride = 2, .padding = 0}, true},
      {"odd avg k3 s2 p1", {2, 13, 11, 7}, {.kernel = 3, .stride = 2, .padding = 1}, false},
      {"odd avg k2 s2 p0", {2, 13, 11, 7}, {.kernel = 2, .stride = 2, .padding = 0}, false},
  };
  std::uint32_t seed = 3000;
  for (const Case& c : cases) {
    const Shape y_shape = pool2d_output_shape(c.x, c.g);
    const Tensor x32 = coarse_uniform(c.x, seed++, -4.0f, 4.0f), dy32 = test::random_uniform(cpu_, y_shape, seed++);
    for (DType t : {DType::f32, DType::bf16}) {
      const std::string what = with_dtype(c.name, t);
      const Tensor x = cast(x32, t), dy = cast(dy32, t), gx = up(x), gdy = up(dy);
      Tensor y = cpu_.empty(y_shape, t), dx = cpu_.empty(c.x, t);
      Tensor gy = gpu_nan(y_shape, t), gdx = gpu_nan(c.x, t);
      if (c.max) {
        Tensor argmax = cpu_.empty(y_shape, DType::i32), gargmax = gpu_->empty(y_shape, DType::i32);
        maxpool2d_forward(cpu_, x, c.g, y, argmax);
        maxpool2d_backward(cpu_, dy, argmax, c.g, dx);
        maxpool2d_forward(*gpu_, gx, c.g, gy, gargmax);
        maxpool2d_backward(*gpu_, gdy, gargmax, c.g, gdx);
        expect_identical(gy, y, "maxpool2d_forward y " + what);
        expect_identical(gargmax, argmax, "maxpool2d_forward argmax " + what);
        expect_parity(gdx, dx, functor_tol(t), "maxpool2d_backward " + what);
      } else {
        avgpool2d_forward(cpu_, x, c.g, y);
        avgpool2d_backward(cpu_, dy, c.g, dx);
        avgpool2d_forward(*gpu_, gx, c.g, gy);
        avgpool2d_backward(*gpu_, gdy, c.g, gdx);
        expect_parity(gy, y, functor_tol(t), "avgpool2d_forward " + what);
        expect_parity(gdx, dx, functor_tol(t), "avgpool2d_backward " + what);
      }
    }
  }
}

// ------------------------------------------------------------- upsampling

TEST_F(LayerParity, UpsampleNearest) {
  struct Case {
    Shape x;
    int factor;
  };
  const Case cases[] = {{{2, 20, 20, 64}, 2}, {{2, 40, 40, 32}, 2}, {{2, 7, 5, 3}, 3}, {{2, 5, 5, 8}, 4}};
  std::uint32_t seed = 4000;
  for (const Case& c : cases) {
    const Shape y_shape{c.x[0], c.x[1] * c.factor, c.x[2] * c.factor, c.x[3]};
    const Tensor x32 = test::random_uniform(cpu_, c.x, seed++), dy32 = test::random_uniform(cpu_, y_shape, seed++);
    for (DType t : {DType::f32, DType::f16}) {
      const std::string what = with_dtype(c.x.str() + " x" + std::to_string(c.factor), t);
      const Tensor x = cast(x32, t), dy = cast(dy32, t);
      Tensor y = cpu_.empty(y_shape, t), dx = cpu_.empty(c.x, t);
      upsample_nearest_forward(cpu_, x, c.factor, y);
      upsample_nearest_backward(cpu_, dy, c.factor, dx);
      Tensor gy = gpu_nan(y_shape, t), gdx = gpu_nan(c.x, t);
      upsample_nearest_forward(*gpu_, up(x), c.factor, gy);
      upsample_nearest_backward(*gpu_, up(dy), c.factor, gdx);
      expect_identical(gy, y, "upsample_nearest_forward " + what);  // a copy
      expect_parity(gdx, dx, functor_tol(t), "upsample_nearest_backward " + what);
    }
  }
}

// ------------------------------------------------------- concat and split

// Data movement only: bit for bit.
TEST_F(LayerParity, ConcatAndSplit) {
  struct Case {
    Shape rows;  // every dimension but the channels
    std::vector<std::int64_t> channels;
  };
  const Case cases[] = {
      {{2, 40, 40}, {16, 16, 16}},  // C2f's concatenation at 40x40 (n = 1)
      {{2, 40, 40}, {16, 16}},      // C2f's chunk(2)
      {{2, 13, 11}, {3, 5, 1}},
  };
  std::uint32_t seed = 5000;
  for (const Case& c : cases) {
    auto with_channels = [&](std::int64_t ch) {
      Shape s = c.rows;
      s.push_back(ch);
      return s;
    };
    std::int64_t total = 0;
    for (std::int64_t ch : c.channels) total += ch;
    for (DType t : {DType::f32, DType::bf16}) {
      const std::string what = with_dtype(with_channels(total).str(), t);
      std::vector<Tensor> parts, gparts;
      for (std::int64_t ch : c.channels) {
        parts.push_back(cast(test::random_uniform(cpu_, with_channels(ch), seed++), t));
        gparts.push_back(up(parts.back()));
      }
      Tensor joined = cpu_.empty(with_channels(total), t), gjoined = gpu_nan(with_channels(total), t);
      concat_channels(cpu_, parts, joined);
      concat_channels(*gpu_, gparts, gjoined);
      expect_identical(gjoined, joined, "concat_channels " + what);

      // Split a different tensor back into the parts' shapes.
      const Tensor whole = cast(test::random_uniform(cpu_, with_channels(total), seed++), t);
      std::vector<Tensor> pieces, gpieces;
      for (std::int64_t ch : c.channels) {
        pieces.push_back(cpu_.empty(with_channels(ch), t));
        gpieces.push_back(gpu_nan(with_channels(ch), t));
      }
      split_channels(cpu_, whole, pieces);
      split_channels(*gpu_, up(whole), gpieces);
      for (std::size_t i = 0; i < pieces.size(); ++i)
        expect_identical(gpieces[i], pieces[i], "split_channels part " + std::to_string(i) + " " + what);
    }
  }
}

// ------------------------------------------------------------ dfl_decode

TEST_F(LayerParity, DflDecode) {
  struct Case {
    std::int64_t rows;
    int reg_max;
  };
  // YOLOv8's head at 640x640, batch 2: 8400 anchors each, reg_max 16; and an odd one.
  const Case cases[] = {{2 * 8400, 16}, {7, 5}};
  std::uint32_t seed = 6000;
  for (const Case& c : cases) {
    const Tensor x32 = test::random_uniform(cpu_, {c.rows, 4 * c.reg_max}, seed++, -8.0f, 8.0f);
    for (DType t : {DType::f32, DType::f16}) {
      const std::string what = with_dtype(std::to_string(c.rows) + " rows, reg_max " + std::to_string(c.reg_max), t);
      const Tensor x = cast(x32, t);
      Tensor out = cpu_.empty({c.rows, 4}, t), gout = gpu_nan({c.rows, 4}, t);
      dfl_decode(cpu_, x, c.reg_max, out);
      dfl_decode(*gpu_, up(x), c.reg_max, gout);
      expect_parity(gout, out, functor_tol(t), "dfl_decode " + what);
    }
  }
}

// ----------------------------------------------------- add and sigmoid

TEST_F(LayerParity, AddAndSigmoid) {
  const Shape shapes[] = {{2, 40, 40, 64}, {3, 7, 11, 5}};
  std::uint32_t seed = 7000;
  for (const Shape& shape : shapes) {
    const Tensor a32 = test::random_uniform(cpu_, shape, seed++, -10.0f, 10.0f);
    const Tensor b32 = test::random_uniform(cpu_, shape, seed++), dy32 = test::random_uniform(cpu_, shape, seed++);
    for (DType t : {DType::f32, DType::bf16}) {
      const std::string what = with_dtype(shape.str(), t);
      const Tensor a = cast(a32, t), b = cast(b32, t), dy = cast(dy32, t);
      Tensor sum = cpu_.empty(shape, t), y = cpu_.empty(shape, t), dx = cpu_.empty(shape, t);
      add(cpu_, a, b, sum);
      sigmoid_forward(cpu_, a, y);
      sigmoid_backward(cpu_, y, dy, dx);

      const Tensor ga = up(a), gb = up(b);
      Tensor gsum = gpu_nan(shape, t), gy = gpu_nan(shape, t), gdx = gpu_nan(shape, t);
      add(*gpu_, ga, gb, gsum);
      // y may be a: the residual Add in place.
      Tensor gsum_in_place = up(a);
      add(*gpu_, gsum_in_place, gb, gsum_in_place);
      sigmoid_forward(*gpu_, ga, gy);
      // The backward from the cpu's y: in 16 bits the two y can round one
      // unit apart, and near y = 1 that unit is all of 1 - y.
      sigmoid_backward(*gpu_, up(y), up(dy), gdx);
      expect_parity(gsum, sum, functor_tol(t), "add " + what);
      expect_parity(gsum_in_place, sum, functor_tol(t), "add in place " + what);
      expect_parity(gy, y, functor_tol(t), "sigmoid_forward " + what);
      expect_parity(gdx, dx, functor_tol(t), "sigmoid_backward " + what);
    }
  }
}

}  // namespace
}  // namespace yolo
