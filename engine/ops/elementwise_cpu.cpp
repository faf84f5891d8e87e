// ElementwiseImpl<Cpu>: the shared bodies on the OpenMP launcher.
#include "engine/ops/elementwise_body.h"
#include "kernels/exec_cpu.h"

namespace yolo {
template struct ElementwiseImpl<Cpu>;
}  // namespace yolo
