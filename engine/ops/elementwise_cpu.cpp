// ElementwiseImpl<Cpu>: the shared bodies on the OpenMP launcher.
#include "kernels/exec_cpu.h"
#include "engine/ops/elementwise_body.h"

namespace yolo {
template struct ElementwiseImpl<Cpu>;
}  // namespace yolo
