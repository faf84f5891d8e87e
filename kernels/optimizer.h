#pragma once
// defines: the fused optimizer and EMA kernels over a model's flat parameter
// buffers (engine/optim/): SgdKernel, AdamWKernel, EmaKernel, and gradient
// clipping's SquareKernel and ClipByNormKernel. One launch
// updates every parameter; the group of each element (ultralytics' three:
// decayed weights, batch-norm weights, biases; or fixed) picks its
// learning rate and whether weight decay applies.
#include <cmath>
#include <cstdint>

#include "engine/core/hd.h"

namespace yolo {

// Per-element group ids (engine/graph/parameter_store.h's ParameterRole order).
inline constexpr std::uint8_t kGroupDecay = 0, kGroupBnWeight = 1, kGroupBias = 2, kGroupFixed = 3;

struct GroupRates {
  float lr[3];  // by group; fixed elements are never touched
};

// torch.optim.SGD(momentum, nesterov=True) with weight decay on group 0:
//   g = grad + wd p (decay group only); buf = momentum buf + g;
//   step = g + momentum buf (nesterov) or buf; p -= lr[group] step.
// The first step starts from buf = 0, which is torch's buf = g.
struct SgdKernel {
  float* param;
  const float* grad;
  float* momentum_buffer;
  const std::uint8_t* group;
  GroupRates rates;
  float momentum, weight_decay;
  bool nesterov;

  YOLO_HD void operator()(std::int64_t i) const {
    const std::uint8_t gi = group[i];
    if (gi == kGroupFixed) return;
    const float g = grad[i] + (gi == kGroupDecay ? weight_decay * param[i] : 0.0f);
    const float buf = momentum * momentum_buffer[i] + g;
    momentum_buffer[i] = buf;
    param[i] -= rates.lr[gi] * (nesterov ? g + momentum * buf : buf);
  }
};

// torch.optim.AdamW with weight decay on group 0 only (ultralytics' groups):
//   p *= 1 - lr wd (decoupled); m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
//   p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
struct AdamWKernel {
  float* param;
  const float* grad;
  float* exp_avg;
  float* exp_avg_sq;
  const std::uint8_t* group;
  GroupRates rates;
  float beta1, beta2, eps, weight_decay;
  float bias_correction1, bias_correction2;  // 1 - beta^t

  YOLO_HD void operator()(std::int64_t i) const {
    const std::uint8_t gi = group[i];
    if (gi == kGroupFixed) return;
    const float lr = rates.lr[gi];
    float p = param[i];
    if (gi == kGroupDecay) p *= 1.0f - lr * weight_decay;
    const float g = grad[i];
    const float m = beta1 * exp_avg[i] + (1.0f - beta1) * g;
    const float v = beta2 * exp_avg_sq[i] + (1.0f - beta2) * g * g;
    exp_avg[i] = m, exp_avg_sq[i] = v;
    param[i] = p - lr * (m / bias_correction1) / (sqrtf(v / bias_correction2) + eps);
  }
};

// ultralytics' ModelEMA over parameters and batch-norm statistics alike:
//   ema = d ema + (1 - d) model.
struct EmaKernel {
  float* ema;
  const float* model;
  float decay;

  YOLO_HD void operator()(std::int64_t i) const { ema[i] = decay * ema[i] + (1.0f - decay) * model[i]; }
};

// out[i] = g[i]^2 (summed after by Primitives::sum into ||g||^2).
struct SquareKernel {
  const float* grad;
  float* out;
  YOLO_HD void operator()(std::int64_t i) const { out[i] = grad[i] * grad[i]; }
};

// torch.nn.utils.clip_grad_norm_: g *= min(1, max_norm / (||g|| + 1e-6)),
// ||g|| = sqrt(*sum_of_squares), read on the device (no host round trip).
struct ClipByNormKernel {
  float* grad;
  const float* sum_of_squares;
  float max_norm;
  YOLO_HD void operator()(std::int64_t i) const {
    const float coef = max_norm / (sqrtf(*sum_of_squares) + 1e-6f);
    grad[i] *= coef < 1.0f ? coef : 1.0f;
  }
};

// out[0] = sqrt(in[0]).
struct SquareRootKernel {
  const float* in;
  float* out;
  YOLO_HD void operator()(std::int64_t i) const { out[i] = sqrtf(in[i]); }
};

}  // namespace yolo
