// OptimizerImpl<Cuda>: the shared bodies on the grid-stride launcher.
#include "engine/optim/optimizer_body.h"
#include "kernels/exec_cuda.cuh"

namespace yolo {
template struct OptimizerImpl<Cuda>;
}  // namespace yolo
