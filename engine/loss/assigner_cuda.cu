// AssignerImpl<Cuda>: the shared body on the grid-stride launcher.
#include "engine/loss/assigner_body.h"
#include "kernels/exec_cuda.cuh"

namespace yolo {
template struct AssignerImpl<Cuda>;
}  // namespace yolo
