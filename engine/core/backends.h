#pragma once
// defines: what was built (cpu, cuda) and which devices this machine has.
#include <string>

#include "engine/core/device.h"

namespace yolo {

bool cuda_built();
int cuda_device_count();  // 0 when CUDA is not built, or no driver or device
// One line per backend built: "cpu: oneDNN 2.6.3, OpenMP, 2 threads".
std::string describe_backends();
// One line per device found, and why there is no CUDA device if there is none.
std::string describe_devices();
// Throws a clear error when `device` cannot be used on this machine/build.
void require_device(const Device& device);

}  // namespace yolo
