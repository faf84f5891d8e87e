#pragma once
// defines: NmsImpl<B>, the backend half of nms.h (bodies in nms_body.h).
#include "engine/eval/nms.h"
#include "kernels/exec.h"

namespace yolo {

template <class B>
struct NmsImpl {
  static Detections run(const Context& ctx, const Tensor& prediction, const Tensor& allowed, const NmsOptions& options,
                        NmsSchedule schedule);
};

extern template struct NmsImpl<Cpu>;
extern template struct NmsImpl<Cuda>;

}  // namespace yolo
