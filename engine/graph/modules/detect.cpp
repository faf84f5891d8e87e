#include "engine/graph/modules/detect.h"

#include <algorithm>
#include <cmath>

#include "engine/core/copy.h"
#include "engine/ops/channels.h"
#include "engine/ops/dfl.h"
#include "engine/ops/elementwise.h"

namespace yolo {

Detect::Detect(ParameterStore& store, const std::string& prefix, int nc, const std::vector<std::int64_t>& ch,
               int reg_max)
    : nc_(nc), reg_max_(reg_max) {
  YOLO_CHECK(!ch.empty(), "{}: Detect needs at least one input level", prefix);
  const std::int64_t c2 = std::max<std::int64_t>({16, ch[0] / 4, 4 * reg_max});
  const std::int64_t c3 = std::max<std::int64_t>(ch[0], std::min(nc, 100));
  // Registration order follows ultralytics' (all of cv2, then all of cv3).
  branches_.resize(ch.size());
  for (std::size_t i = 0; i < ch.size(); ++i) {
    const std::string p = prefix + ".cv2." + std::to_string(i);
    Branch& b = branches_[i];
    b.box_a = std::make_unique<ConvBlock>(store, p + ".0", ch[i], c2, 3);
    b.box_b = std::make_unique<ConvBlock>(store, p + ".1", c2, c2, 3);
    b.box_out = std::make_unique<Conv2dLayer>(store, p + ".2", c2, 4 * reg_max, 1, 1, 0, 1, true);
  }
  for (std::size_t i = 0; i < ch.size(); ++i) {
    const std::string p = prefix + ".cv3." + std::to_string(i);
    Branch& b = branches_[i];
    b.cls_a = std::make_unique<ConvBlock>(store, p + ".0", ch[i], c3, 3);
    b.cls_b = std::make_unique<ConvBlock>(store, p + ".1", c3, c3, 3);
    b.cls_out = std::make_unique<Conv2dLayer>(store, p + ".2", c3, nc, 1, 1, 0, 1, true);
  }
  for (Branch& b : branches_) {
    for (Module* m : {static_cast<Module*>(b.box_a.get()), static_cast<Module*>(b.box_b.get()),
                      static_cast<Module*>(b.box_out.get()), static_cast<Module*>(b.cls_a.get()),
                      static_cast<Module*>(b.cls_b.get()), static_cast<Module*>(b.cls_out.get())})
      adopt(*m);
  }
  dfl_ = &store.add_parameter(prefix + ".dfl.conv.weight", {1, 1, 1, reg_max}, ParameterRole::fixed);
  own(*dfl_);
}

void Detect::initialise(const Context& ctx) {
  YOLO_CHECK(strides_.size() == branches_.size(), "Detect: strides are not set");
  for (std::size_t i = 0; i < branches_.size(); ++i) {
    fill(ctx, branches_[i].box_out->bias()->value, 1.0);
    const double s = strides_[i];
    fill(ctx, branches_[i].cls_out->bias()->value, std::log(5.0 / nc_ / ((640.0 / s) * (640.0 / s))));
  }
  Tensor ramp = ctx.empty_host({1, 1, 1, reg_max_}, DType::f32);
  for (int i = 0; i < reg_max_; ++i) ramp.data<float>()[i] = static_cast<float>(i);
  copy(ctx, ramp, dfl_->value);
}

Tensors Detect::forward(const Context& ctx, const Tensors& inputs) {
  YOLO_CHECK(inputs.size() == branches_.size(), "Detect: {} inputs for {} levels", inputs.size(), branches_.size());
  Tensors levels;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Branch& b = branches_[i];
    Tensor box = b.box_out->forward(ctx, {b.box_b->run(ctx, b.box_a->run(ctx, inputs[i]))})[0];
    Tensor cls = b.cls_out->forward(ctx, {b.cls_b->run(ctx, b.cls_a->run(ctx, inputs[i]))})[0];
    Shape s = box.shape();
    s[3] = 4 * reg_max_ + nc_;
    Tensor level = ctx.empty(s, box.dtype());
    concat_channels(ctx, {box, cls}, level);
    levels.push_back(level);
  }
  dfl_flops_ = 0.0;
  if (training_) return levels;
  YOLO_CHECK(strides_.size() == levels.size(), "Detect: strides are not set");
  std::int64_t anchors = 0;
  for (const Tensor& l : levels) anchors += l.dim(1) * l.dim(2);
  Tensor out = ctx.empty({levels[0].dim(0), anchors, 4 + nc_}, levels[0].dtype());
  dfl_flops_ = static_cast<double>(levels[0].dim(0) * anchors * 4 * reg_max_);
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    detect_decode(ctx, levels[i], strides_[i], reg_max_, offset, out);
    offset += levels[i].dim(1) * levels[i].dim(2);
  }
  return {out};
}

Tensors Detect::backward(const Context& ctx, const Tensors& grad_outputs) {
  YOLO_CHECK(grad_outputs.size() == branches_.size(), "Detect backward: {} gradients for {} levels",
             grad_outputs.size(), branches_.size());
  Tensors dx;
  for (std::size_t i = 0; i < branches_.size(); ++i) {
    Branch& b = branches_[i];
    const Tensor& d = grad_outputs[i];
    Shape box = d.shape(), cls = d.shape();
    box[3] = 4 * reg_max_;
    cls[3] = nc_;
    Tensors parts = {ctx.empty(box, d.dtype()), ctx.empty(cls, d.dtype())};
    split_channels(ctx, d, parts);
    Tensor dbox = b.box_a->run_backward(ctx, b.box_b->run_backward(ctx, b.box_out->backward(ctx, {parts[0]})[0]));
    Tensor dcls = b.cls_a->run_backward(ctx, b.cls_b->run_backward(ctx, b.cls_out->backward(ctx, {parts[1]})[0]));
    add(ctx, dbox, dcls, dbox);
    dx.push_back(dbox);
  }
  return dx;
}

}  // namespace yolo
