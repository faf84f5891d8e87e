#include "engine/graph/modules/detect.h"

#include <algorithm>
#include <cmath>

#include "engine/core/copy.h"
#include "engine/ops/channels.h"
#include "engine/ops/dfl.h"
#include "engine/ops/elementwise.h"

namespace yolo {

Detect::Detect(ParameterStore& store, const std::string& prefix, int nc, const std::vector<std::int64_t>& ch,
               DetectStyle style, int reg_max)
    : nc_(nc), reg_max_(reg_max), style_(style) {
  const bool dual = style == DetectStyle::dual_ddetect;
  YOLO_CHECK(!ch.empty() && (!dual || ch.size() % 2 == 0), "{}: {} needs {} input levels, got {}", prefix, type(),
             dual ? "an even number of" : "at least one", ch.size());
  levels_ = static_cast<int>(dual ? ch.size() / 2 : ch.size());
  if (dual) {
    heads_.push_back(make_head(store, prefix, "cv2", "cv3", "dfl", {ch.begin(), ch.begin() + levels_}));
    heads_.push_back(make_head(store, prefix, "cv4", "cv5", "dfl2", {ch.begin() + levels_, ch.end()}));
  } else {
    heads_.push_back(make_head(store, prefix, "cv2", "cv3", "dfl", ch));
  }
}

std::string_view Detect::type() const {
  switch (style_) {
    case DetectStyle::ultralytics:
      return "Detect";
    case DetectStyle::ddetect:
      return "DDetect";
    case DetectStyle::dual_ddetect:
      return "DualDDetect";
  }
  return "Detect";
}

Detect::Head Detect::make_head(ParameterStore& store, const std::string& prefix, const std::string& box_name,
                               const std::string& cls_name, const std::string& dfl_name,
                               const std::vector<std::int64_t>& ch) {
  std::int64_t c2 = 0, c3 = 0;
  int groups = 1;
  if (style_ == DetectStyle::ultralytics) {
    c2 = std::max<std::int64_t>({16, ch[0] / 4, 4 * reg_max_});
    c3 = std::max<std::int64_t>(ch[0], std::min(nc_, 100));
  } else {
    c2 = (std::max<std::int64_t>({ch[0] / 4, 4 * reg_max_, 16}) + 3) / 4 * 4;  // make_divisible(., 4)
    c3 = std::max<std::int64_t>(ch[0], std::min(2 * nc_, 128));
    groups = 4;
  }
  Head h;
  h.branches.resize(ch.size());
  // Registration order as in PyTorch: every box branch, then every class branch.
  for (std::size_t i = 0; i < ch.size(); ++i) {
    const std::string p = prefix + "." + box_name + "." + std::to_string(i);
    Branch& b = h.branches[i];
    b.box_a = std::make_unique<ConvBlock>(store, p + ".0", ch[i], c2, 3);
    b.box_b = std::make_unique<ConvBlock>(store, p + ".1", c2, c2, 3, 1, -1, groups);
    b.box_out = std::make_unique<Conv2dLayer>(store, p + ".2", c2, 4 * reg_max_, 1, 1, 0, groups, true);
  }
  for (std::size_t i = 0; i < ch.size(); ++i) {
    const std::string p = prefix + "." + cls_name + "." + std::to_string(i);
    Branch& b = h.branches[i];
    b.cls_a = std::make_unique<ConvBlock>(store, p + ".0", ch[i], c3, 3);
    b.cls_b = std::make_unique<ConvBlock>(store, p + ".1", c3, c3, 3);
    b.cls_out = std::make_unique<Conv2dLayer>(store, p + ".2", c3, nc_, 1, 1, 0, 1, true);
  }
  for (Branch& b : h.branches) {
    for (Module* m : {static_cast<Module*>(b.box_a.get()), static_cast<Module*>(b.box_b.get()),
                      static_cast<Module*>(b.box_out.get()), static_cast<Module*>(b.cls_a.get()),
                      static_cast<Module*>(b.cls_b.get()), static_cast<Module*>(b.cls_out.get())})
      adopt(*m);
  }
  h.dfl = &store.add_parameter(prefix + "." + dfl_name + ".conv.weight", {1, 1, 1, reg_max_}, ParameterRole::fixed);
  own(*h.dfl);
  return h;
}

void Detect::initialise(const Context& ctx) {
  YOLO_CHECK(static_cast<int>(strides_.size()) == levels_, "{}: strides are not set", type());
  Tensor ramp = ctx.empty_host({1, 1, 1, reg_max_}, DType::f32);
  for (int i = 0; i < reg_max_; ++i) ramp.data<float>()[i] = static_cast<float>(i);
  for (Head& h : heads_) {
    for (int i = 0; i < levels_; ++i) {
      fill(ctx, h.branches[static_cast<std::size_t>(i)].box_out->bias()->value, 1.0);
      const double s = strides_[static_cast<std::size_t>(i)];
      fill(ctx, h.branches[static_cast<std::size_t>(i)].cls_out->bias()->value,
           std::log(5.0 / nc_ / ((640.0 / s) * (640.0 / s))));
    }
    copy(ctx, ramp, h.dfl->value);
  }
}

Tensor Detect::run_level(const Context& ctx, Branch& b, const Tensor& x) {
  Tensor box = b.box_out->forward(ctx, {b.box_b->run(ctx, b.box_a->run(ctx, x))})[0];
  Tensor cls = b.cls_out->forward(ctx, {b.cls_b->run(ctx, b.cls_a->run(ctx, x))})[0];
  Shape s = box.shape();
  s[3] = 4 * reg_max_ + nc_;
  Tensor level = ctx.empty(s, box.dtype());
  concat_channels(ctx, {box, cls}, level);
  return level;
}

Tensor Detect::run_level_backward(const Context& ctx, Branch& b, const Tensor& d) {
  Shape box = d.shape(), cls = d.shape();
  box[3] = 4 * reg_max_;
  cls[3] = nc_;
  Tensors parts = {ctx.empty(box, d.dtype()), ctx.empty(cls, d.dtype())};
  split_channels(ctx, d, parts);
  Tensor dbox = b.box_a->run_backward(ctx, b.box_b->run_backward(ctx, b.box_out->backward(ctx, {parts[0]})[0]));
  Tensor dcls = b.cls_a->run_backward(ctx, b.cls_b->run_backward(ctx, b.cls_out->backward(ctx, {parts[1]})[0]));
  add(ctx, dbox, dcls, dbox);
  return dbox;
}

Tensors Detect::forward(const Context& ctx, const Tensors& inputs) {
  const std::size_t expected = heads_.size() * static_cast<std::size_t>(levels_);
  YOLO_CHECK(inputs.size() == expected, "{}: {} inputs for {} levels", type(), inputs.size(), expected);
  Tensors outputs;
  for (std::size_t h = 0; h < heads_.size(); ++h)
    for (int i = 0; i < levels_; ++i)
      outputs.push_back(run_level(ctx, heads_[h].branches[static_cast<std::size_t>(i)],
                                  inputs[h * static_cast<std::size_t>(levels_) + static_cast<std::size_t>(i)]));
  dfl_flops_ = 0.0;
  if (training_) return outputs;
  YOLO_CHECK(static_cast<int>(strides_.size()) == levels_, "{}: strides are not set", type());
  const Tensors main(outputs.end() - levels_, outputs.end());
  std::int64_t anchors = 0;
  for (const Tensor& l : main) anchors += l.dim(1) * l.dim(2);
  Tensor out = ctx.empty({main[0].dim(0), anchors, 4 + nc_}, main[0].dtype());
  // The PyTorch heads run every DFL in eval mode (the dual head returns both
  // heads' boxes): so does their FLOP count.
  dfl_flops_ = static_cast<double>(heads_.size()) * static_cast<double>(main[0].dim(0) * anchors * 4 * reg_max_);
  std::int64_t offset = 0;
  for (int i = 0; i < levels_; ++i) {
    const Tensor& l = main[static_cast<std::size_t>(i)];
    detect_decode(ctx, l, strides_[static_cast<std::size_t>(i)], reg_max_, offset, out);
    offset += l.dim(1) * l.dim(2);
  }
  if (eval_levels_) {
    outputs.insert(outputs.begin(), out);
    return outputs;
  }
  return {out};
}

Tensors Detect::backward(const Context& ctx, const Tensors& grad_outputs) {
  const std::size_t expected = heads_.size() * static_cast<std::size_t>(levels_);
  YOLO_CHECK(grad_outputs.size() == expected, "{} backward: {} gradients for {} outputs", type(), grad_outputs.size(),
             expected);
  Tensors dx;
  for (std::size_t h = 0; h < heads_.size(); ++h)
    for (int i = 0; i < levels_; ++i)
      dx.push_back(
          run_level_backward(ctx, heads_[h].branches[static_cast<std::size_t>(i)],
                             grad_outputs[h * static_cast<std::size_t>(levels_) + static_cast<std::size_t>(i)]));
  return dx;
}

}  // namespace yolo
