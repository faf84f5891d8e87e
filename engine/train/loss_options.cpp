#include "engine/train/loss_options.h"

#include "engine/core/error.h"

namespace yolo {

DetectionLossOptions training_loss_options(const Hyperparameters& hyp, std::string_view head_type) {
  DetectionLossOptions o;
  o.box_gain = static_cast<float>(hyp.box), o.cls_gain = static_cast<float>(hyp.cls);
  o.dfl_gain = static_cast<float>(hyp.dfl);
  if (head_type == "DDetect" || head_type == "DualDDetect") {
    o.flavour = LossFlavour::yolov9;
  } else {
    YOLO_CHECK(head_type == "Detect", "no detection loss for a {} head", head_type);
    o.flavour = LossFlavour::ultralytics;
  }
  return o;
}

}  // namespace yolo
