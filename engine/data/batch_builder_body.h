#pragma once
// defines: the body of BatchBuilderImpl<B>. Included with the backend's
// launcher (exec_cpu.h or exec_cuda.cuh) and instantiated for that backend.
#include "engine/data/batch_builder_impl.h"
#include "kernels/augment.h"

namespace yolo {

template <class B>
void BatchBuilderImpl<B>::gather(const Context& ctx, const SourceImage* images, const SampleGeometry* samples,
                                 Tensor& out) {
  const auto batch = out.dim(0), h = out.dim(1), w = out.dim(2);
  // cost: a bilinear sample and an HSV round trip, ~100 elementwise steps per pixel.
  Exec<B>::parallel_for_lanes(ctx, batch * h, w,
                              BuildBatchKernel<float>{images, samples, static_cast<std::int32_t>(h),
                                                      static_cast<std::int32_t>(w), out.data<float>()},
                              100);
}

}  // namespace yolo
