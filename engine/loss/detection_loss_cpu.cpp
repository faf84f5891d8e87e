// DetectionLossImpl<Cpu>: the shared bodies on the OpenMP launcher.
#include "engine/loss/detection_loss_body.h"
#include "kernels/exec_cpu.h"

namespace yolo {
template struct DetectionLossImpl<Cpu>;
}  // namespace yolo
