// LossTermsImpl<Cpu>: the shared bodies on the OpenMP launcher.
#include "engine/loss/loss_terms_body.h"
#include "kernels/exec_cpu.h"

namespace yolo {
template struct LossTermsImpl<Cpu>;
}  // namespace yolo
