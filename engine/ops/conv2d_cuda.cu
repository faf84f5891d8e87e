// Conv2dImpl<Cuda>: conv2d.h on cuDNN's convolution API, NHWC activations and
// KRSC ("OHWI") filters. Each direction of each shape has a Plan in the
// context's op cache: its descriptors and the algorithm cuDNN's Find timed
// fastest on the first call (like torch.backends.cudnn.benchmark).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "engine/core/cuda_check.h"
#include "engine/core/cuda_resources.h"
#include "engine/ops/conv2d_impl.h"
#include "engine/ops/elementwise.h"

namespace yolo {
namespace {

// The most scratch memory an algorithm may use: faster algorithms that need
// more are not worth starving the activations of a training step.
constexpr std::size_t kMaxWorkspaceBytes = std::size_t{256} << 20;
// Left untouched by Find's workspace, for whatever else runs on the device.
constexpr std::size_t kFreeMemoryMargin = std::size_t{256} << 20;

cudnnDataType_t cudnn_dtype(DType t) {
  switch (t) {
    case DType::f32:
      return CUDNN_DATA_FLOAT;
    case DType::f16:
      return CUDNN_DATA_HALF;
    case DType::bf16:
      return CUDNN_DATA_BFLOAT16;
    default:
      YOLO_FAIL("conv2d on cuda: cuDNN has no convolution for {}; use f32, f16 or bf16", dtype_name(t));
  }
}

// cuDNN's legacy API takes int dimensions.
int to_int(std::int64_t v) {
  YOLO_CHECK(v <= std::numeric_limits<int>::max(), "conv2d on cuda: dimension {} exceeds cuDNN's int range", v);
  return static_cast<int>(v);
}

void check_int_range(const Shape& s) {
  YOLO_CHECK(s.numel() <= std::numeric_limits<int>::max(),
             "conv2d on cuda: {} has more elements than cuDNN's int strides reach", s.str());
}

// One direction of one convolution shape. Built once, then only read.
struct Plan {
  cudnnTensorDescriptor_t x = nullptr;     // x or dx: (N, H, W, C)
  cudnnTensorDescriptor_t y = nullptr;     // y or dy: (N, OH, OW, O)
  cudnnTensorDescriptor_t bias = nullptr;  // b or db: 1 x O x 1 x 1, only with a bias
  cudnnFilterDescriptor_t w = nullptr;     // w or dw: (O, KH, KW, C / groups)
  cudnnConvolutionDescriptor_t conv = nullptr;
  int algo = 0;  // the direction's cudnnConvolution*Algo_t
  std::size_t workspace_bytes = 0;

  Plan() = default;
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  // Statuses are ignored: a destructor must not throw, and a descriptor that
  // fails to free leaks nothing but host memory. The handle is not needed.
  ~Plan() {
    if (conv != nullptr) static_cast<void>(cudnnDestroyConvolutionDescriptor(conv));
    if (w != nullptr) static_cast<void>(cudnnDestroyFilterDescriptor(w));
    if (bias != nullptr) static_cast<void>(cudnnDestroyTensorDescriptor(bias));
    if (y != nullptr) static_cast<void>(cudnnDestroyTensorDescriptor(y));
    if (x != nullptr) static_cast<void>(cudnnDestroyTensorDescriptor(x));
  }
};

// Names every parameter a Plan depends on (OH and OW follow from the rest).
std::string plan_key(std::string_view direction, const Shape& x, const Shape& w, DType dtype, const Conv2dGeometry& g,
                     bool bias) {
  return fmt::format("conv2d_cuda.{} x{}x{}x{}x{} w{}x{}x{}x{} s{} p{} d{} g{} {} bias{}", direction, x[0], x[1], x[2],
                     x[3], w[0], w[1], w[2], w[3], g.stride, g.padding, g.dilation, g.groups, dtype_name(dtype),
                     bias ? 1 : 0);
}

// The descriptors of x (N,H,W,C), w (O,KH,KW,C/groups) and y (N,OH,OW,O).
// A throw part-way leaves the created descriptors to ~Plan.
std::shared_ptr<Plan> describe(const Shape& x, const Shape& w, const Shape& y, DType dtype, const Conv2dGeometry& g,
                               bool bias) {
  const cudnnDataType_t t = cudnn_dtype(dtype);
  check_int_range(x);
  check_int_range(y);
  auto p = std::make_shared<Plan>();
  // cuDNN always takes dimensions in N, C, H, W order; the format sets the strides.
  CUDNN_CHECK(cudnnCreateTensorDescriptor(&p->x));
  CUDNN_CHECK(
      cudnnSetTensor4dDescriptor(p->x, CUDNN_TENSOR_NHWC, t, to_int(x[0]), to_int(x[3]), to_int(x[1]), to_int(x[2])));
  CUDNN_CHECK(cudnnCreateTensorDescriptor(&p->y));
  CUDNN_CHECK(
      cudnnSetTensor4dDescriptor(p->y, CUDNN_TENSOR_NHWC, t, to_int(y[0]), to_int(y[3]), to_int(y[1]), to_int(y[2])));
  CUDNN_CHECK(cudnnCreateFilterDescriptor(&p->w));
  CUDNN_CHECK(
      cudnnSetFilter4dDescriptor(p->w, t, CUDNN_TENSOR_NHWC, to_int(w[0]), to_int(w[3]), to_int(w[1]), to_int(w[2])));
  if (bias) {
    CUDNN_CHECK(cudnnCreateTensorDescriptor(&p->bias));
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(p->bias, CUDNN_TENSOR_NHWC, t, 1, to_int(w[0]), 1, 1));
  }
  CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&p->conv));
  // f32 accumulation for every dtype (16-bit data then runs cuDNN's "pseudo half" configuration).
  CUDNN_CHECK(cudnnSetConvolution2dDescriptor(p->conv, g.padding, g.padding, g.stride, g.stride, g.dilation, g.dilation,
                                              CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  CUDNN_CHECK(cudnnSetConvolutionGroupCount(p->conv, g.groups));
  // f32 must match the CPU oracle to 1e-5, so FMA kernels only (no TF32).
  // For 16-bit data, tensor-op math lets Find time tensor-core kernels too.
  CUDNN_CHECK(cudnnSetConvolutionMathType(p->conv, dtype == DType::f32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH));
  return p;
}

// The workspace Find may use: the cap, or less when the device is short of
// free memory. The caching allocator's free blocks would count as used, so
// they go back to the driver first (as PyTorch empties its cache around Find).
std::size_t find_workspace_limit(const Context& ctx) {
  ctx.synchronize();
  ctx.allocator().release_cached();
  std::size_t free_bytes = 0, total_bytes = 0;
  CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  return free_bytes > kFreeMemoryMargin ? std::min(kMaxWorkspaceBytes, free_bytes - kFreeMemoryMargin) : 0;
}

// Device scratch from the context's caching allocator, returned when the
// Tensor goes; stream order keeps its next user behind this call's kernels.
Tensor scratch(const Context& ctx, std::size_t bytes) {
  return ctx.empty({static_cast<std::int64_t>(std::max<std::size_t>(bytes, 1))}, DType::u8);
}

// Winograd and FFT algorithms: fast, with a larger rounding error than a
// direct sum; left out under ConvAlgorithms::direct.
bool transforms_inputs(cudnnConvolutionFwdAlgo_t a) {
  return a == CUDNN_CONVOLUTION_FWD_ALGO_FFT || a == CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING ||
         a == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD || a == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;
}
bool transforms_inputs(cudnnConvolutionBwdDataAlgo_t a) {
  return a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT || a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING ||
         a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD || a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED;
}
bool transforms_inputs(cudnnConvolutionBwdFilterAlgo_t a) {
  return a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT || a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING ||
         a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD || a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED;
}

// Keeps the fastest result that ran, fits `limit`, is deterministic (no
// atomics: a run must repeat from its seed, as ultralytics' deterministic
// default asks of PyTorch), for f32 used FMA math, and is allowed by the
// context's ConvAlgorithms.
// Find reports an (algorithm, math type) pair and may time math types other
// than the descriptor's, so the descriptor takes the one that was timed.
template <class Perf, std::size_t N>
void choose(Plan& p, const std::array<Perf, N>& results, int count, DType dtype, std::size_t limit,
            ConvAlgorithms allowed, const std::string& key) {
  const Perf* best = nullptr;
  for (int i = 0; i < count; ++i) {
    const Perf& r = results[static_cast<std::size_t>(i)];
    const bool usable = r.status == CUDNN_STATUS_SUCCESS && r.memory <= limit && r.determinism == CUDNN_DETERMINISTIC &&
                        (dtype != DType::f32 || r.mathType == CUDNN_FMA_MATH) &&
                        (allowed == ConvAlgorithms::fastest || !transforms_inputs(r.algo));
    if (usable && (best == nullptr || r.time < best->time)) best = &r;
  }
  YOLO_CHECK(best != nullptr, "conv2d on cuda: cuDNN has no allowed algorithm for {} within a {} MiB workspace", key,
             limit >> 20);
  p.algo = static_cast<int>(best->algo);
  p.workspace_bytes = best->memory;
  CUDNN_CHECK(cudnnSetConvolutionMathType(p.conv, best->mathType));
}

}  // namespace

// y = conv(x, w) + b
template <>
void Conv2dImpl<Cuda>::forward(const Context& ctx, const Tensor& x, const Tensor& w, const Tensor& b,
                               const Conv2dGeometry& g, Tensor& y, Activation act) {
  const cudnnHandle_t handle = ctx.cuda().cudnn;  // bound to the compute stream (cuda_runtime.cu)
  const bool has_bias = b.defined();
  const std::string key = plan_key("forward", x.shape(), w.shape(), x.dtype(), g, has_bias);
  const Plan& p = ctx.op_cache().get<Plan>(key, [&] {
    std::shared_ptr<Plan> plan = describe(x.shape(), w.shape(), y.shape(), x.dtype(), g, has_bias);
    const std::size_t limit = find_workspace_limit(ctx);
    Tensor workspace = scratch(ctx, limit);
    std::array<cudnnConvolutionFwdAlgoPerf_t, CUDNN_CONVOLUTION_FWD_ALGO_COUNT> results{};
    int count = 0;
    // Times the algorithms on the real buffers; the call below overwrites y.
    CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(handle, plan->x, x.raw_data(), plan->w, w.raw_data(), plan->conv,
                                                       plan->y, y.raw_data(), static_cast<int>(results.size()), &count,
                                                       results.data(), workspace.raw_data(), limit));
    choose(*plan, results, count, x.dtype(), limit, ctx.conv_algorithms(), key);
    return plan;
  });
  Tensor workspace = scratch(ctx, p.workspace_bytes);
  const float one = 1.0f, zero = 0.0f;  // float scaling factors for float, half and bf16 data alike
  CUDNN_CHECK(cudnnConvolutionForward(handle, &one, p.x, x.raw_data(), p.w, w.raw_data(), p.conv,
                                      static_cast<cudnnConvolutionFwdAlgo_t>(p.algo), workspace.raw_data(),
                                      p.workspace_bytes, &zero, p.y, y.raw_data()));
  // y += b, broadcast over N, OH, OW.
  if (has_bias) CUDNN_CHECK(cudnnAddTensor(handle, &one, p.bias, b.raw_data(), &one, p.y, y.raw_data()));
  // y = silu(y) in place: cuDNN's fused conv-bias-activation offers no SiLU.
  if (act == Activation::silu) silu_forward(ctx, y, y);
}

// dx = conv_transpose(dy, w)
template <>
void Conv2dImpl<Cuda>::backward_data(const Context& ctx, const Tensor& dy, const Tensor& w, const Conv2dGeometry& g,
                                     Tensor& dx) {
  const cudnnHandle_t handle = ctx.cuda().cudnn;
  const std::string key = plan_key("backward_data", dx.shape(), w.shape(), dx.dtype(), g, false);
  const Plan& p = ctx.op_cache().get<Plan>(key, [&] {
    std::shared_ptr<Plan> plan = describe(dx.shape(), w.shape(), dy.shape(), dx.dtype(), g, false);
    const std::size_t limit = find_workspace_limit(ctx);
    Tensor workspace = scratch(ctx, limit);
    std::array<cudnnConvolutionBwdDataAlgoPerf_t, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT> results{};
    int count = 0;
    // Writes dx, which the call below overwrites.
    CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(
        handle, plan->w, w.raw_data(), plan->y, dy.raw_data(), plan->conv, plan->x, dx.raw_data(),
        static_cast<int>(results.size()), &count, results.data(), workspace.raw_data(), limit));
    choose(*plan, results, count, dx.dtype(), limit, ctx.conv_algorithms(), key);
    return plan;
  });
  Tensor workspace = scratch(ctx, p.workspace_bytes);
  const float one = 1.0f, zero = 0.0f;  // beta 0: activation gradients are overwritten
  CUDNN_CHECK(cudnnConvolutionBackwardData(handle, &one, p.w, w.raw_data(), p.y, dy.raw_data(), p.conv,
                                           static_cast<cudnnConvolutionBwdDataAlgo_t>(p.algo), workspace.raw_data(),
                                           p.workspace_bytes, &zero, p.x, dx.raw_data()));
}

// dw = accumulate * dw + dL/dw;  db = accumulate * db + sum over N, OH, OW of dy
template <>
void Conv2dImpl<Cuda>::backward_weights(const Context& ctx, const Tensor& x, const Tensor& dy, const Conv2dGeometry& g,
                                        Tensor& dw, Tensor& db, float accumulate) {
  const cudnnHandle_t handle = ctx.cuda().cudnn;
  const bool has_bias = db.defined();
  const std::string key = plan_key("backward_weights", x.shape(), dw.shape(), x.dtype(), g, has_bias);
  const Plan& p = ctx.op_cache().get<Plan>(key, [&] {
    std::shared_ptr<Plan> plan = describe(x.shape(), dw.shape(), dy.shape(), x.dtype(), g, has_bias);
    const std::size_t limit = find_workspace_limit(ctx);
    Tensor workspace = scratch(ctx, limit);
    // Find writes its filter argument: when accumulating, dw holds gradients
    // accumulated over earlier micro-batches, so it times into a stand-in.
    Tensor dw_scratch = ctx.empty(dw.shape(), dw.dtype());
    std::array<cudnnConvolutionBwdFilterAlgoPerf_t, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT> results{};
    int count = 0;
    CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(
        handle, plan->x, x.raw_data(), plan->y, dy.raw_data(), plan->conv, plan->w, dw_scratch.raw_data(),
        static_cast<int>(results.size()), &count, results.data(), workspace.raw_data(), limit));
    choose(*plan, results, count, x.dtype(), limit, ctx.conv_algorithms(), key);
    return plan;
  });
  Tensor workspace = scratch(ctx, p.workspace_bytes);
  const float one = 1.0f, beta = accumulate;  // cuDNN's beta: 0 overwrites, 1 adds
  CUDNN_CHECK(cudnnConvolutionBackwardFilter(handle, &one, p.x, x.raw_data(), p.y, dy.raw_data(), p.conv,
                                             static_cast<cudnnConvolutionBwdFilterAlgo_t>(p.algo), workspace.raw_data(),
                                             p.workspace_bytes, &beta, p.w, dw.raw_data()));
  if (has_bias)
    CUDNN_CHECK(cudnnConvolutionBackwardBias(handle, &one, p.y, dy.raw_data(), &beta, p.bias, db.raw_data()));
}

}  // namespace yolo
