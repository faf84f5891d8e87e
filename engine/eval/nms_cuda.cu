// NmsImpl<Cuda>: the shared body on the grid-stride launcher.
#include "engine/eval/nms_body.h"
#include "kernels/exec_cuda.cuh"

namespace yolo {
template struct NmsImpl<Cuda>;
}  // namespace yolo
