#pragma once
// defines: CommunicatorBatchNormSync, SyncBN (--sync-bn): every batch norm
// normalises with the statistics of the global batch (all ranks' images),
// combined through the communicator in forward and backward.
#include "engine/dist/communicator.h"
#include "engine/ops/batchnorm.h"

namespace yolo {

class CommunicatorBatchNormSync final : public BatchNormSync {
 public:
  explicit CommunicatorBatchNormSync(Communicator& communicator) : communicator_(communicator) {}

  // One all-gather of (mean, M2, count), merged with Chan et al.'s parallel
  // formula: exact in the way a one-pass sum of squares is not.
  std::int64_t combine_moments(const Context& ctx, Tensor& mean, Tensor& m2, std::int64_t count) override;
  // sum dz and sum dz * xhat over ranks: one all-reduce.
  void sum_gradient_sums(const Context& ctx, Tensor& sums) override;

 private:
  Communicator& communicator_;
};

}  // namespace yolo
