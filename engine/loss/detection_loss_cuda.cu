// DetectionLossImpl<Cuda>: the shared bodies on the grid-stride launcher.
#include "engine/loss/detection_loss_body.h"
#include "kernels/exec_cuda.cuh"

namespace yolo {
template struct DetectionLossImpl<Cuda>;
}  // namespace yolo
