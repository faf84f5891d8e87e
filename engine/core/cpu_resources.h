#pragma once
// defines: CpuResources, the oneDNN engine and stream of a cpu Context.
// Include only where oneDNN is called: dnnl.hpp is a heavy header.
#include <dnnl.hpp>

namespace yolo {

struct CpuResources {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};

}  // namespace yolo
