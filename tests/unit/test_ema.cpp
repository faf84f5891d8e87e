// ModelEma: ema = d ema + (1 - d) model with d = decay (1 - exp(-n / tau)),
// over parameters and batch-norm statistics; copy_to hands the average over.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/optim/ema.h"

namespace yolo {
namespace {

TEST(ModelEma, FollowsUltralyticsFormula) {
  const Context ctx;
  ParameterStore store;
  Parameter& p = store.add_parameter("p", {3}, ParameterRole::weight);
  Buffer& mean = store.add_buffer("bn.running_mean", {2}, 0.5f);
  store.allocate(ctx);
  for (int i = 0; i < 3; ++i) p.value.data<float>()[i] = static_cast<float>(i);
  ModelEma ema(ctx, store, 0.9f, 2.0f);
  double expected[3] = {0, 1, 2}, expected_mean = 0.5;
  for (int n = 1; n <= 4; ++n) {
    for (int i = 0; i < 3; ++i) p.value.data<float>()[i] += 1.0f;  // the model moves
    mean.value.data<float>()[0] = static_cast<float>(n);
    const double d = 0.9 * (1.0 - std::exp(-n / 2.0));
    EXPECT_NEAR(ema.update(ctx, store), d, 1e-7);
    for (int i = 0; i < 3; ++i) expected[i] = d * expected[i] + (1 - d) * (i + n);
    expected_mean = d * expected_mean + (1 - d) * n;
  }
  EXPECT_EQ(ema.updates(), 4);
  ParameterStore copy;
  Parameter& q = copy.add_parameter("p", {3}, ParameterRole::weight);
  Buffer& copy_mean = copy.add_buffer("bn.running_mean", {2}, 0.0f);
  copy.allocate(ctx);
  ema.copy_to(ctx, copy);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(q.value.data<float>()[i], expected[i], 1e-5);
  EXPECT_NEAR(copy_mean.value.data<float>()[0], expected_mean, 1e-5);
  EXPECT_NEAR(copy_mean.value.data<float>()[1], 0.5, 1e-6);  // unchanged by the model: stays
}

}  // namespace
}  // namespace yolo
