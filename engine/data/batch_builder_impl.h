#pragma once
// defines: BatchBuilderImpl<B>, the backend half of batch_builder.h (bodies
// in batch_builder_body.h).
#include "engine/data/batch_builder.h"
#include "kernels/exec.h"

namespace yolo {

template <class B>
struct BatchBuilderImpl {
  // images and samples are arrays on B's device.
  static void gather(const Context& ctx, const SourceImage* images, const SampleGeometry* samples, Tensor& out);
};

extern template struct BatchBuilderImpl<Cpu>;
extern template struct BatchBuilderImpl<Cuda>;

}  // namespace yolo
