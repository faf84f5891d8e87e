#pragma once
// defines: concat_channels, split_channels: joining and cutting NHWC
// tensors along the channel (last) dimension. Each is the other's backward.
#include <vector>

#include "engine/core/context.h"

namespace yolo {

// out[..., offset_i : offset_i + C_i] = inputs[i]; all other dims equal.
void concat_channels(const Context& ctx, const std::vector<Tensor>& inputs, Tensor& out);
// outputs[i] = in[..., offset_i : offset_i + C_i] (C2f's chunk, CBLinear's split).
void split_channels(const Context& ctx, const Tensor& in, std::vector<Tensor>& outputs);

}  // namespace yolo
