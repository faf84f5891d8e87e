#include "engine/dist/sync_batchnorm.h"

#include <cmath>

#include "engine/core/copy.h"
#include "engine/core/error.h"

namespace yolo {

// The per-channel arithmetic is a few hundred values per layer, done on the
// host for either backend (on CUDA this costs a synchronisation per batch
// norm: the price of SyncBN there is the collectives' latency anyway).
std::int64_t CommunicatorBatchNormSync::combine_moments(const Context& ctx, Tensor& mean, Tensor& m2,
                                                        std::int64_t count) {
  const std::int64_t C = mean.numel();
  const Tensor local_mean = to_host(ctx, mean), local_m2 = to_host(ctx, m2);
  const Context host;
  // [count * mean_c for each c, count]: f32 holds counts exactly below 2^24.
  Tensor sums = host.empty({C + 1}, DType::f32);
  float* s = sums.data<float>();
  for (std::int64_t c = 0; c < C; ++c) s[c] = static_cast<float>(count) * local_mean.data<float>()[c];
  s[C] = static_cast<float>(count);
  Tensor on_device = to_device(ctx, sums);
  communicator_.all_reduce(on_device, ReduceOp::sum);
  sums = to_host(ctx, on_device);
  s = sums.data<float>();
  const double global_count = s[C];
  YOLO_CHECK(global_count > 0 && global_count < 16777216.0,
             "SyncBN: {} values per channel in the global batch: beyond what f32 counts exactly", global_count);

  Tensor global_mean = host.empty({C}, DType::f32), deviations = host.empty({C}, DType::f32);
  for (std::int64_t c = 0; c < C; ++c) {
    const double g = s[c] / global_count;
    const double d = local_mean.data<float>()[c] - g;
    global_mean.data<float>()[c] = static_cast<float>(g);
    deviations.data<float>()[c] = static_cast<float>(local_m2.data<float>()[c] + static_cast<double>(count) * d * d);
  }
  Tensor m2_device = to_device(ctx, deviations);
  communicator_.all_reduce(m2_device, ReduceOp::sum);
  copy(ctx, to_device(ctx, global_mean), mean);
  copy(ctx, m2_device, m2);
  return static_cast<std::int64_t>(global_count);
}

void CommunicatorBatchNormSync::sum_gradient_sums(const Context& ctx, Tensor& sums) {
  communicator_.all_reduce(sums, ReduceOp::sum);
}

}  // namespace yolo
