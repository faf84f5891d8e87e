// NmsImpl<Cpu>: the shared body on the OpenMP launcher.
#include "engine/eval/nms_body.h"
#include "kernels/exec_cpu.h"

namespace yolo {
template struct NmsImpl<Cpu>;
}  // namespace yolo
