#pragma once
// defines: lr_factor, warmup_iterations, StepSettings and step_settings:
// ultralytics' learning-rate schedule (linear or cosine from 1 to lrf over
// the epochs), its warmup (learning rates, momentum and gradient
// accumulation ramped over the first iterations) and nominal-batch
// accumulation.
#include <cstdint>

#include "engine/optim/optimizer.h"
#include "engine/train/hyperparameters.h"

namespace yolo {

// Linear: (1 - e / E)(1 - lrf) + lrf; cosine (--cos-lr): ((1 - cos(e pi / E)) / 2)(lrf - 1) + 1.
double lr_factor(double epoch, int epochs, double lrf, bool cosine);

// ultralytics 8.4: round(min(warmup_epochs, epochs - 1) * batches_per_epoch),
// leaving at least the last epoch to the schedule; 0 = no warmup.
std::int64_t warmup_iterations(double warmup_epochs, std::int64_t batches_per_epoch, int epochs);

struct StepSettings {
  GroupLearningRates lr;  // [0] decayed weights, [1] batch-norm weights, [2] biases
  float momentum;
  int accumulate;  // optimizer step every `accumulate` batches
};

// At iteration ni (batches since the start) of epoch `epoch`: after the
// warmup, lr0 * lr_factor(epoch) for every group, the hyp's momentum and
// accumulate = max(round(nbs / batch), 1), capped at the run's batches
// (total_batches) so that a short run still steps. During it (nw > 0,
// ni <= nw), each linearly from its start -- biases from warmup_bias_lr,
// the others from 0, momentum from warmup_momentum, accumulate from 1 -- as
// np.interp over [0, nw].
StepSettings step_settings(const Hyperparameters& h, std::int64_t ni, std::int64_t nw, int epoch, int epochs,
                           bool cosine, int batch, std::int64_t total_batches);

}  // namespace yolo
