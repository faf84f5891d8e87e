// BatchNormImpl<Cuda>: the shared bodies on the grid-stride launcher.
#include "engine/ops/batchnorm_body.h"
#include "kernels/exec_cuda.cuh"

namespace yolo {
template struct BatchNormImpl<Cuda>;
}  // namespace yolo
