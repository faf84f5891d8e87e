// BatchBuilderImpl<Cuda>: the shared body on the grid-stride launcher.
#include "engine/data/batch_builder_body.h"
#include "kernels/exec_cuda.cuh"

namespace yolo {
template struct BatchBuilderImpl<Cuda>;
}  // namespace yolo
