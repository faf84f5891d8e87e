// ElementwiseImpl<Cuda>: the shared bodies on the grid-stride launcher.
#include "engine/ops/elementwise_body.h"
#include "kernels/exec_cuda.cuh"

namespace yolo {
template struct ElementwiseImpl<Cuda>;
}  // namespace yolo
