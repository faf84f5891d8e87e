// BoxLossImpl<Cuda>: the shared body on the grid-stride launcher.
#include "engine/loss/box_loss_body.h"
#include "kernels/exec_cuda.cuh"

namespace yolo {
template struct BoxLossImpl<Cuda>;
}  // namespace yolo
