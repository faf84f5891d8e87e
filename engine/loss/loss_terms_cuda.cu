// LossTermsImpl<Cuda>: the shared bodies on the grid-stride launcher.
#include "engine/loss/loss_terms_body.h"
#include "kernels/exec_cuda.cuh"

namespace yolo {
template struct LossTermsImpl<Cuda>;
}  // namespace yolo
