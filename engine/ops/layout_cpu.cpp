// LayoutImpl<Cpu>: the shared bodies on the OpenMP launcher.
#include "engine/ops/layout_body.h"
#include "kernels/exec_cpu.h"

namespace yolo {
template struct LayoutImpl<Cpu>;
}  // namespace yolo
