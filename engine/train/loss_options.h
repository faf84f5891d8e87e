#pragma once
// defines: training_loss_options, the detection loss a model trains and
// validates with: the hyp file's gains, and the loss of the code base its
// head comes from (LossFlavour).
#include <string_view>

#include "engine/loss/detection_loss.h"
#include "engine/train/hyperparameters.h"

namespace yolo {

// head_type: Detect::type(). The YOLOv9 repository's heads, DDetect and
// DualDDetect (models/detect/*.yaml), train with its loss (train.py's
// loss_tal, train_dual.py's loss_tal_dual); ultralytics' Detect
// (models/*.yaml, ultralytics' own yolov9t-e included) with v8DetectionLoss.
// The gains are the hyp file's in both (the YOLOv9 repository hard-codes
// 7.5 / 0.5 / 1.5, the defaults and every shipped hyp file's values).
DetectionLossOptions training_loss_options(const Hyperparameters& hyp, std::string_view head_type);

}  // namespace yolo
