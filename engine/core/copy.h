#pragma once
// defines: copy (between any two devices), to_device.
#include "engine/core/context.h"

namespace yolo {

// dst = src. Same dtype and shape. Host-device copies need both contiguous;
// host-to-host copies accept strided views (slices).
// `ctx` is the context of the CUDA side (either side's, for cpu to cpu).
void copy(const Context& ctx, const Tensor& src, Tensor& dst);

// A contiguous copy on ctx's device of `src` (on the host or on that device).
Tensor to_device(const Context& ctx, const Tensor& src);
// A contiguous host copy of `src` (on ctx's device or on the host).
Tensor to_host(const Context& ctx, const Tensor& src);

}  // namespace yolo
