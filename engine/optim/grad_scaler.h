#pragma once
// defines: GradScaler, the dynamic loss scale of fp16 mixed precision
// (PyTorch's torch.cuda.amp.GradScaler, which ultralytics uses): backward
// runs on the loss times the scale so that small gradients survive f16;
// the step is skipped and the scale halved when a gradient overflowed
// (inf/nan), and the scale doubles after `interval` good steps in a row.
// bf16 has f32's range and needs none: a disabled scaler scales by 1.
namespace yolo {

class GradScaler {
 public:
  explicit GradScaler(bool enabled, float scale = 65536.0f, int interval = 2000)
      : enabled_(enabled), scale_(scale), interval_(interval) {}

  bool enabled() const { return enabled_; }
  float scale() const { return enabled_ ? scale_ : 1.0f; }
  int good_steps() const { return good_steps_; }

  // After a step's gradients were checked.
  void update(bool finite) {
    if (!enabled_) return;
    if (!finite) {
      scale_ *= 0.5f, good_steps_ = 0;
    } else if (++good_steps_ == interval_) {
      scale_ *= 2.0f, good_steps_ = 0;
    }
  }

  // --resume.
  void restore(float scale, int good_steps) { scale_ = scale, good_steps_ = good_steps; }

 private:
  bool enabled_;
  float scale_;
  int interval_, good_steps_ = 0;
};

}  // namespace yolo
