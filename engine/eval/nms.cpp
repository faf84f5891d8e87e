#include "engine/eval/nms.h"

#include "engine/core/copy.h"
#include "engine/core/error.h"
#include "engine/eval/nms_impl.h"
#include "engine/ops/tensor_checks.h"

namespace yolo {

Detections non_max_suppression(const Context& ctx, const Tensor& prediction, const NmsOptions& options) {
  return non_max_suppression(ctx, prediction, options,
                             ctx.device().is_cpu() ? NmsSchedule::greedy : NmsSchedule::bitmask);
}

Detections non_max_suppression(const Context& ctx, const Tensor& prediction, const NmsOptions& options,
                               NmsSchedule schedule) {
  YOLO_CHECK(prediction.defined() && prediction.ndim() == 3 && prediction.dim(2) > 4,
             "nms: prediction must be (B, anchors, 4 + classes), got {}", prediction.defined() ? prediction.str() : "none");
  check_tensor(ctx, prediction, "nms", "prediction", DType::f32, prediction.shape());
  YOLO_CHECK(options.conf >= 0.0f && options.conf <= 1.0f, "nms: conf {} outside [0, 1]", options.conf);
  YOLO_CHECK(options.iou >= 0.0f && options.iou <= 1.0f, "nms: iou {} outside [0, 1]", options.iou);
  YOLO_CHECK(options.max_det >= 1 && options.max_nms >= 1, "nms: max_det {} and max_nms {} must be positive",
             options.max_det, options.max_nms);
  const std::int64_t nc = prediction.dim(2) - 4;
  // The class filter as a byte per class, on the device.
  const Context host;
  Tensor allowed = host.empty({nc}, DType::u8);
  for (std::int64_t c = 0; c < nc; ++c) allowed.data<std::uint8_t>()[c] = options.classes.empty() ? 1 : 0;
  for (const std::int32_t c : options.classes) {
    YOLO_CHECK(c >= 0 && c < nc, "nms: class {} of a {}-class model", c, nc);
    allowed.data<std::uint8_t>()[c] = 1;
  }
  const Tensor allowed_on_device = to_device(ctx, allowed);
  return dispatch_backend(ctx.device(),
                          [&]<class B>() { return NmsImpl<B>::run(ctx, prediction, allowed_on_device, options, schedule); });
}

}  // namespace yolo
