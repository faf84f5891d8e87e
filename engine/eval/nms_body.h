#pragma once
// defines: the body of NmsImpl<B>. Included with the backend's launcher
// (exec_cpu.h or exec_cuda.cuh) and instantiated for that backend.
#include <algorithm>

#include "engine/eval/nms_impl.h"
#include "kernels/nms.h"
#include "kernels/primitives.h"

namespace yolo {

template <class B>
Detections NmsImpl<B>::run(const Context& ctx, const Tensor& prediction, const Tensor& allowed,
                           const NmsOptions& options, NmsSchedule schedule) {
  const std::int64_t batch = prediction.dim(0), anchors = prediction.dim(1);
  const auto nc = static_cast<std::int32_t>(prediction.dim(2) - 4);
  const bool multi = options.multi_label && nc > 1;  // as ultralytics: one class has one label
  const std::int64_t columns = multi ? anchors * nc : anchors;
  const auto k = static_cast<std::int32_t>(std::min<std::int64_t>(options.max_nms, columns));
  const std::int32_t words = (k + 63) / 64, max_det = options.max_det;

  // 1. Candidates and the k best of each image.
  Tensor key = ctx.empty({batch, columns}, DType::f32);
  Tensor label = ctx.empty({batch, multi ? 1 : anchors}, DType::i32);
  Exec<B>::parallel_for(ctx, batch * columns,
                        NmsCandidateKernel{prediction.data<float>(), allowed.data<std::uint8_t>(), anchors, nc,
                                           options.conf, multi, key.data<float>(), label.data<std::int32_t>()});
  Tensor top_values = ctx.empty({batch, k}, DType::f32), top_index = ctx.empty({batch, k}, DType::i32);
  Primitives<B>::top_k(ctx, key.data<float>(), batch, columns, k, top_values.data<float>(),
                       top_index.data<std::int32_t>());
  key = Tensor();

  // 2. Their boxes, scores and classes.
  Tensor boxes = ctx.empty({batch, k, 4}, DType::f32), scores = ctx.empty({batch, k}, DType::f32);
  Tensor classes = ctx.empty({batch, k}, DType::i32);
  Exec<B>::parallel_for(ctx, batch * k,
                        NmsGatherKernel{prediction.data<float>(), top_values.data<float>(),
                                        top_index.data<std::int32_t>(), label.data<std::int32_t>(), anchors, nc, k,
                                        multi, boxes.data<float>(), scores.data<float>(),
                                        classes.data<std::int32_t>()});

  // 3. The greedy suppression, in the schedule asked for.
  Tensor kept = ctx.empty({batch, max_det}, DType::i32);
  Detections out;
  out.counts = ctx.empty({batch}, DType::i32);
  if (schedule == NmsSchedule::greedy) {
    Tensor removed = ctx.empty({batch, k}, DType::u8);
    Exec<B>::parallel_for(ctx, batch,
                          NmsGreedyKernel{boxes.data<float>(), scores.data<float>(), classes.data<std::int32_t>(), k,
                                          max_det, options.iou, options.agnostic, removed.data<std::uint8_t>(),
                                          kept.data<std::int32_t>(), out.counts.data<std::int32_t>()});
  } else {
    // Bits one image at a time (k x k bits each: at most max_nms^2 / 8 bytes).
    Tensor mask = ctx.empty({batch, k, words}, DType::i64);
    auto* bits = reinterpret_cast<std::uint64_t*>(mask.data<std::int64_t>());
    for (std::int64_t b = 0; b < batch; ++b) {
      Exec<B>::parallel_for_2d(ctx, k, words,
                               NmsMaskKernel{boxes.data<float>() + b * k * 4, scores.data<float>() + b * k,
                                             classes.data<std::int32_t>() + b * k, k, words, options.iou,
                                             options.agnostic, bits + b * k * words});
    }
    Tensor removed = ctx.empty({batch, words}, DType::i64);
    Exec<B>::parallel_for(ctx, batch,
                          NmsScanKernel{scores.data<float>(), bits, static_cast<std::int64_t>(k) * words, k, words,
                                        max_det, reinterpret_cast<std::uint64_t*>(removed.data<std::int64_t>()),
                                        kept.data<std::int32_t>(), out.counts.data<std::int32_t>()});
  }

  // 4. The kept detections, in score order.
  out.boxes = ctx.empty({batch, max_det, 4}, DType::f32);
  out.scores = ctx.empty({batch, max_det}, DType::f32);
  out.classes = ctx.empty({batch, max_det}, DType::i32);
  Exec<B>::parallel_for(ctx, batch * max_det,
                        NmsOutputKernel{boxes.data<float>(), scores.data<float>(), classes.data<std::int32_t>(),
                                        kept.data<std::int32_t>(), out.counts.data<std::int32_t>(), k, max_det,
                                        out.boxes.data<float>(), out.scores.data<float>(),
                                        out.classes.data<std::int32_t>()});
  return out;
}

}  // namespace yolo
