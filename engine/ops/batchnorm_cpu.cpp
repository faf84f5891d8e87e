// BatchNormImpl<Cpu>: the shared bodies on the OpenMP launcher.
#include "engine/ops/batchnorm_body.h"
#include "kernels/exec_cpu.h"

namespace yolo {
template struct BatchNormImpl<Cpu>;
}  // namespace yolo
