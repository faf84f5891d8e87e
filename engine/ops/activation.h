#pragma once
// defines: Activation, the activation an op applies to its result (fused,
// so it costs no extra pass over memory).

namespace yolo {

enum class Activation { identity, silu };

}  // namespace yolo
