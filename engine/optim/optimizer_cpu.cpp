// OptimizerImpl<Cpu>: the shared bodies on the OpenMP launcher.
#include "engine/optim/optimizer_body.h"
#include "kernels/exec_cpu.h"

namespace yolo {
template struct OptimizerImpl<Cpu>;
}  // namespace yolo
