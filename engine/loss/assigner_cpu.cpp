// AssignerImpl<Cpu>: the shared body on the OpenMP launcher.
#include "engine/loss/assigner_body.h"
#include "kernels/exec_cpu.h"

namespace yolo {
template struct AssignerImpl<Cpu>;
}  // namespace yolo
