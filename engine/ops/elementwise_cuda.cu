// ElementwiseImpl<Cuda>: the shared bodies on the grid-stride launcher.
#include "kernels/exec_cuda.cuh"
#include "engine/ops/elementwise_body.h"

namespace yolo {
template struct ElementwiseImpl<Cuda>;
}  // namespace yolo
