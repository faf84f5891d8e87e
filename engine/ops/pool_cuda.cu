// PoolImpl<Cuda>: the shared bodies on the grid-stride launcher.
#include "engine/ops/pool_body.h"
#include "kernels/exec_cuda.cuh"

namespace yolo {
template struct PoolImpl<Cuda>;
}  // namespace yolo
