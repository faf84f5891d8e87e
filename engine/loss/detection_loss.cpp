// YOLOv8's and YOLOv9's detection loss, composed from the loss ops and the
// glue kernels of kernels/detection_loss.h, in ultralytics' v8DetectionLoss order:
// decode the head, assign targets, then BCE, box and DFL losses and their
// gradients, all normalised by the target-score sum, which stays on the device.
#include "engine/loss/detection_loss.h"

#include "engine/core/copy.h"
#include "engine/loss/detection_loss_impl.h"
#include "engine/loss/loss_terms.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/tensor_checks.h"
#include "kernels/detection_loss.h"

namespace yolo {
namespace {

// Anchors at cell centres, (x + 0.5, y + 0.5) in grid cells and in pixels,
// with their stride (ultralytics' make_anchors), for a set of level sizes:
// built once per shape and kept in the context's op cache.
struct AnchorGrid {
  Tensor cells, pixels, strides;  // (A, 2), (A, 2), (A)
};

const AnchorGrid& anchor_grid(const Context& ctx, const std::vector<Tensor>& levels,
                              const std::vector<float>& strides) {
  std::string key = "detection_loss.anchors";
  for (std::size_t i = 0; i < levels.size(); ++i)
    key += fmt::format(":{}x{}s{}", levels[i].dim(1), levels[i].dim(2), strides[i]);
  return ctx.op_cache().get<AnchorGrid>(key, [&] {
    std::int64_t A = 0;
    for (const Tensor& l : levels) A += l.dim(1) * l.dim(2);
    Tensor cells = ctx.empty_host({A, 2}, DType::f32), pixels = ctx.empty_host({A, 2}, DType::f32);
    Tensor per_anchor = ctx.empty_host({A}, DType::f32);
    std::int64_t a = 0;
    for (std::size_t i = 0; i < levels.size(); ++i)
      for (std::int64_t y = 0; y < levels[i].dim(1); ++y)
        for (std::int64_t x = 0; x < levels[i].dim(2); ++x, ++a) {
          const float ax = static_cast<float>(x) + 0.5f, ay = static_cast<float>(y) + 0.5f;
          cells.data<float>()[2 * a] = ax;
          cells.data<float>()[2 * a + 1] = ay;
          pixels.data<float>()[2 * a] = ax * strides[i];
          pixels.data<float>()[2 * a + 1] = ay * strides[i];
          per_anchor.data<float>()[a] = strides[i];
        }
    return std::make_shared<AnchorGrid>(
        AnchorGrid{to_device(ctx, cells), to_device(ctx, pixels), to_device(ctx, per_anchor)});
  });
}

}  // namespace

Tensor detection_loss(const Context& ctx, const std::vector<Tensor>& levels, const std::vector<float>& strides,
                      const DetectionTargets& targets, const DetectionLossOptions& o, std::vector<Tensor>& grads) {
  constexpr std::string_view op = "detection_loss";
  YOLO_CHECK(!levels.empty() && levels.size() == strides.size(), "{}: {} levels for {} strides", op, levels.size(),
             strides.size());
  const int R = o.reg_max;
  const std::int64_t B = levels[0].dim(0), C = levels[0].dim(3) - 4 * R;
  YOLO_CHECK(C >= 1, "{}: a level has {} channels, fewer than 4 * reg_max + 1", op, levels[0].dim(3));
  std::int64_t A = 0;
  for (const Tensor& l : levels) {
    check_operand(ctx, l, op, "a level");
    YOLO_CHECK(l.ndim() == 4 && l.dim(0) == B && l.dim(3) == 4 * R + C && l.dtype() == DType::f32,
               "{}: levels must be f32 (B, H, W, {}), got {}", op, 4 * R + C, l.str());
    A += l.dim(1) * l.dim(2);
  }
  const AnchorGrid& grid = anchor_grid(ctx, levels, strides);
  const Tensor &anchors = grid.cells, &anchors_px = grid.pixels, &anchor_strides = grid.strides;
  const float image_h = static_cast<float>(levels[0].dim(1)) * strides[0];
  const float image_w = static_cast<float>(levels[0].dim(2)) * strides[0];

  Tensor dist = ctx.empty({B * A, 4 * R}, DType::f32), cls = ctx.empty({B, A, C}, DType::f32);
  std::vector<HeadLevel> geometry;
  Tensor result = ctx.empty({4}, DType::f32);
  dispatch_backend(ctx.device(), [&]<class Backend>() {
    using Impl = DetectionLossImpl<Backend>;
    std::int64_t offset = 0;
    for (const Tensor& l : levels) {
      geometry.push_back({B, l.dim(1) * l.dim(2), A, offset, 4 * R, static_cast<int>(C)});
      Impl::gather(ctx, l, geometry.back(), dist, cls);
      offset += l.dim(1) * l.dim(2);
    }
    Tensor box = ctx.empty({B * A, 4}, DType::f32), box_px = ctx.empty({B * A, 4}, DType::f32);
    Impl::decode(ctx, dist, anchors, anchor_strides, R, box, box_px);
    Tensor probs = ctx.empty({B, A, C}, DType::f32);
    Impl::sigmoid(ctx, cls, probs);
    TaskAlignedAssignerOptions assigner = o.assigner;
    const bool yolov9 = o.flavour == LossFlavour::yolov9;
    assigner.min_side = yolov9 ? 0.0f : (strides.size() > 1 ? strides[1] : strides[0]);  // ultralytics' stride_val
    assigner.resolve_over_all_gts = yolov9;
    const TaskAlignment t = task_aligned_assign(ctx, probs, box_px.view({B, A, 4}), anchors_px, targets.boxes,
                                                targets.labels, targets.valid, assigner);
    Tensor weight = ctx.empty({B * A}, DType::f32), target_box = ctx.empty({B * A, 4}, DType::f32);
    Tensor target_ltrb = ctx.empty({B * A, 4}, DType::f32);
    Impl::prepare_targets(ctx, t.fg, t.target_scores, t.target_boxes, anchors, anchor_strides, R, weight, target_box,
                          target_ltrb);
    Tensor score_sum = ctx.empty({1}, DType::f32), scales = ctx.empty({6}, DType::f32);
    Impl::sum(ctx, t.target_scores, score_sum);
    Impl::scales(ctx, score_sum, o, static_cast<float>(B), scales);

    // Classification: BCE over every anchor and class.
    Tensor cls_xb = ctx.empty({1}, DType::f32), dcls = ctx.empty({B, A, C}, DType::f32);
    bce_with_logits_loss(ctx, cls, t.target_scores, scales.slice(0, 4, 5), cls_xb, dcls);
    // Box: the IoU term over every anchor, background at weight 0. MPDIoU
    // needs the image size, so it runs on pixel boxes (the loss is the same).
    Tensor box_terms = ctx.empty({B * A}, DType::f32), g_box = ctx.empty({B * A, 4}, DType::f32);
    const bool pixels = o.iou == IouType::mpdiou;
    box_loss(ctx, pixels ? box_px : box, pixels ? t.target_boxes.view({B * A, 4}) : target_box, weight, o.iou, image_w,
             image_h, box_terms, g_box);
    Tensor box_sum = ctx.empty({1}, DType::f32);
    Impl::sum(ctx, box_terms, box_sum);
    // DFL, then the box gradient through the decode into the same logits.
    Tensor dfl_xb = ctx.empty({1}, DType::f32), ddist = ctx.empty({B * A, 4 * R}, DType::f32);
    dfl_loss(ctx, dist, target_ltrb, weight, scales.slice(0, 5, 6), R, dfl_xb, ddist);
    Impl::chain(ctx, dist, g_box, scales.slice(0, 3, 4), pixels ? &anchor_strides : nullptr, R, ddist);
    Impl::components(ctx, box_sum, cls_xb, dfl_xb, scales, static_cast<float>(B), result);

    grads.clear();
    for (std::size_t i = 0; i < levels.size(); ++i) {
      grads.push_back(ctx.empty(levels[i].shape(), DType::f32));
      Impl::scatter(ctx, ddist, dcls, geometry[i], grads.back());
    }
  });
  return result;
}

Tensor dual_detection_loss(const Context& ctx, const std::vector<Tensor>& auxiliary, const std::vector<Tensor>& main,
                           const std::vector<float>& strides, const DetectionTargets& targets,
                           const DetectionLossOptions& options, std::vector<Tensor>& grads, float aux_weight) {
  std::vector<Tensor> aux_grads, main_grads;
  const Tensor aux = detection_loss(ctx, auxiliary, strides, targets, options, aux_grads);
  Tensor result = detection_loss(ctx, main, strides, targets, options, main_grads);
  axpy(ctx, aux_weight, aux, result);  // every component and the total are linear in the two losses
  grads.clear();
  for (Tensor& g : aux_grads) {
    scale(ctx, aux_weight, g, g);
    grads.push_back(g);
  }
  grads.insert(grads.end(), main_grads.begin(), main_grads.end());
  return result;
}

}  // namespace yolo
