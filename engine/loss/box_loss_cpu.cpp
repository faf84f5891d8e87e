// BoxLossImpl<Cpu>: the shared body on the OpenMP launcher.
#include "engine/loss/box_loss_body.h"
#include "kernels/exec_cpu.h"

namespace yolo {
template struct BoxLossImpl<Cpu>;
}  // namespace yolo
