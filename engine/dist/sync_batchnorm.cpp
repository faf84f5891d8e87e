#include "engine/dist/sync_batchnorm.h"


#include "engine/core/copy.h"
#include "engine/core/error.h"

namespace yolo {

// One all-gather of every rank's (mean, M2, count), then every rank
// combines them in rank order (so all get the same bits). The per-channel
// arithmetic is a few hundred values per layer, done on the host for either
// backend (on CUDA a synchronisation per batch norm: the price of SyncBN
// there is the collective's latency anyway).
std::int64_t CommunicatorBatchNormSync::combine_moments(const Context& ctx, Tensor& mean, Tensor& m2,
                                                        std::int64_t count) {
  const std::int64_t C = mean.numel(), row = 2 * C + 1;
  const Context host;
  Tensor mine = host.empty({row}, DType::f32);
  Tensor mine_mean = mine.slice(0, 0, C), mine_m2 = mine.slice(0, C, 2 * C);
  copy(host, to_host(ctx, mean), mine_mean);
  copy(host, to_host(ctx, m2), mine_m2);
  // f32 holds counts exactly below 2^24 values per channel and rank.
  YOLO_CHECK(count < 16777216, "SyncBN: {} values per channel on one rank: beyond what f32 counts exactly", count);
  mine.data<float>()[2 * C] = static_cast<float>(count);
  const int ranks = communicator_.size();
  Tensor mine_device = to_device(ctx, mine), all_device = ctx.empty({ranks, row}, DType::f32);
  communicator_.all_gather(mine_device, all_device);
  const Tensor all = to_host(ctx, all_device);

  // Chan et al.: merging (n_a, mean_a, M2_a) with (n_b, mean_b, M2_b),
  //   n = n_a + n_b,  delta = mean_b - mean_a,
  //   mean = mean_a + delta n_b / n,  M2 = M2_a + M2_b + delta^2 n_a n_b / n.
  Tensor global_mean = host.empty({C}, DType::f32), global_m2 = host.empty({C}, DType::f32);
  double total = 0;
  for (std::int64_t c = 0; c < C; ++c) {
    double n = 0, mu = 0, m = 0;
    for (int r = 0; r < ranks; ++r) {
      const float* p = all.data<float>() + static_cast<std::int64_t>(r) * row;
      const double nb = p[2 * C];
      if (nb == 0) continue;
      const double delta = p[c] - mu, merged = n + nb;
      mu += delta * nb / merged;
      m += p[C + c] + delta * delta * n * nb / merged;
      n = merged;
    }
    global_mean.data<float>()[c] = static_cast<float>(mu);
    global_m2.data<float>()[c] = static_cast<float>(m);
    total = n;
  }
  copy(ctx, to_device(ctx, global_mean), mean);
  copy(ctx, to_device(ctx, global_m2), m2);
  return static_cast<std::int64_t>(total);
}

void CommunicatorBatchNormSync::sum_gradient_sums(const Context& ctx, Tensor& sums) {
  communicator_.all_reduce(sums, ReduceOp::sum);
}

}  // namespace yolo
