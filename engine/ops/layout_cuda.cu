// LayoutImpl<Cuda>: the shared bodies on the grid-stride launcher.
#include "engine/ops/layout_body.h"
#include "kernels/exec_cuda.cuh"

namespace yolo {
template struct LayoutImpl<Cuda>;
}  // namespace yolo
