#pragma once
// defines: ChannelCopyKernel, the strided copy behind concat and split of
// NHWC tensors along channels: both are (rows, channels) matrices and a
// block of columns moves from one to the other.
#include <cstdint>

#include "engine/core/hd.h"

namespace yolo {

// dst[r, dst_offset + c] = src[r, src_offset + c],  c < width
template <class T>
struct ChannelCopyKernel {
  const T* src;
  std::int64_t src_channels, src_offset;
  T* dst;
  std::int64_t dst_channels, dst_offset;
  YOLO_HD void operator()(std::int64_t r, std::int64_t c) const {
    dst[r * dst_channels + dst_offset + c] = src[r * src_channels + src_offset + c];
  }
};

}  // namespace yolo
