// BatchBuilderImpl<Cpu>: the shared body on the OpenMP launcher.
#include "engine/data/batch_builder_body.h"
#include "kernels/exec_cpu.h"

namespace yolo {
template struct BatchBuilderImpl<Cpu>;
}  // namespace yolo
