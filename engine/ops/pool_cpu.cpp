// PoolImpl<Cpu>: the shared bodies on the OpenMP launcher.
#include "engine/ops/pool_body.h"
#include "kernels/exec_cpu.h"

namespace yolo {
template struct PoolImpl<Cpu>;
}  // namespace yolo
