#include "engine/core/copy.h"

#include <cstring>

#if YOLO_WITH_CUDA
#include "engine/core/cuda_runtime.h"
#endif

namespace yolo {
namespace {

// Element-by-element copy of strided host tensors, one innermost row at a time.
void copy_strided_host(const Tensor& src, Tensor& dst) {
  const std::size_t elem = dtype_size(src.dtype());
  const int nd = src.ndim();
  if (src.numel() == 0) return;
  if (nd == 0 || (src.is_contiguous() && dst.is_contiguous())) {
    std::memcpy(dst.raw_data(), src.raw_data(), src.nbytes());
    return;
  }
  const std::int64_t inner = src.shape()[nd - 1];
  const std::int64_t rows = src.numel() / inner;
  const auto* s = static_cast<const char*>(src.raw_data());
  auto* d = static_cast<char*>(dst.raw_data());
  Shape index = src.shape();
  for (int i = 0; i < nd; ++i) index[i] = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    std::int64_t so = 0, doff = 0;
    for (int i = 0; i < nd - 1; ++i) {
      so += index[i] * src.strides()[i];
      doff += index[i] * dst.strides()[i];
    }
    const std::int64_t ss = src.strides()[nd - 1], ds = dst.strides()[nd - 1];
    for (std::int64_t j = 0; j < inner; ++j) {
      std::memcpy(d + static_cast<std::size_t>(doff + j * ds) * elem, s + static_cast<std::size_t>(so + j * ss) * elem,
                  elem);
    }
    for (int i = nd - 2; i >= 0; --i) {  // odometer increment over the outer dims
      if (++index[i] < src.shape()[i]) break;
      index[i] = 0;
    }
  }
}

}  // namespace

void copy(const Context& ctx, const Tensor& src, Tensor& dst) {
  YOLO_CHECK(src.dtype() == dst.dtype(), "copy: dtype mismatch {} vs {}", src.str(), dst.str());
  YOLO_CHECK(src.shape() == dst.shape(), "copy: shape mismatch {} vs {}", src.str(), dst.str());
  const Device from = src.device(), to = dst.device();
  if (from.is_cpu() && to.is_cpu()) {
    copy_strided_host(src, dst);
    return;
  }
  YOLO_CHECK(src.is_contiguous() && dst.is_contiguous(), "copy: device copies need contiguous tensors ({} -> {})",
             src.str(), dst.str());
  YOLO_CHECK(ctx.device().is_cuda() && (from == ctx.device() || to == ctx.device()),
             "copy {} -> {} must be issued on the CUDA side's context, not {}", from.str(), to.str(),
             ctx.device().str());
#if YOLO_WITH_CUDA
  using cuda_runtime::CopyKind;
  const CopyKind kind = from.is_cpu() ? CopyKind::host_to_device
                        : to.is_cpu() ? CopyKind::device_to_host
                                      : CopyKind::device_to_device;
  cuda_runtime::copy_async(ctx.cuda(), dst.raw_data(), src.raw_data(), src.nbytes(), kind);
  // A host destination is read by the caller right after: wait for it.
  if (to.is_cpu()) ctx.synchronize();
#else
  YOLO_FAIL("copy {} -> {}: this build has no CUDA backend", from.str(), to.str());
#endif
}

Tensor to_device(const Context& ctx, const Tensor& src) {
  Tensor dst = ctx.empty(src.shape(), src.dtype());
  copy(ctx, src, dst);
  return dst;
}

Tensor to_host(const Context& ctx, const Tensor& src) {
  Tensor dst = ctx.empty_host(src.shape(), src.dtype());
  copy(ctx, src, dst);
  return dst;
}

}  // namespace yolo
