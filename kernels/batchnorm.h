#pragma once
// defines: the functors of batch normalisation over NHWC tensors seen as
// (M, C) with M = N*H*W, with an optional activation fused after it:
//   statistics   BnPartialMomentsKernel -> BnCombineMomentsKernel
//   coefficients BnTrainCoefficientsKernel / BnEvalCoefficientsKernel
//   forward      BnApplyKernel            y = act(x * scale[c] + shift[c])
//   backward     BnPartialGradSumsKernel (may also write dz) -> BnCombineGradSumsKernel
//                -> BnParamGradKernel, BnBackwardDataKernel
//   inference    FoldBatchNormWeightKernel, FoldBatchNormBiasKernel
//
// Reductions are split in fixed chunks of rows (BnChunking) so that every
// backend and thread count adds in the same order: results are deterministic,
// and the per-chunk partials combine in double. Moments use Chan's parallel
// formula (no E[x^2] - E[x]^2 cancellation).
#include <cstdint>

#include "kernels/math.h"
#include "kernels/numeric.h"

namespace yolo {

struct ActIdentity {
  YOLO_HD static float forward(float z) { return z; }
  YOLO_HD static float derivative(float) { return 1.0f; }
};

struct ActSilu {
  // silu(z) = z * sigmoid(z)
  YOLO_HD static float forward(float z) { return z * sigmoid(z); }
  // silu'(z) = s * (1 + z * (1 - s)),  s = sigmoid(z)
  YOLO_HD static float derivative(float z) {
    const float s = sigmoid(z);
    return s * (1.0f + z * (1.0f - s));
  }
};

// Rows [chunk * rows_per_chunk, min(rows, (chunk + 1) * rows_per_chunk)).
// The chunk count depends only on the shape, never on the hardware.
struct BnChunking {
  std::int64_t rows = 0, channels = 0, rows_per_chunk = 1, chunks = 0;

  YOLO_HD BnChunking() = default;
  YOLO_HD BnChunking(std::int64_t m, std::int64_t c) : rows(m), channels(c) {
    // About 64k (chunk, channel) partials: enough parallel work for a GPU,
    // and a chunk of >= 32 rows keeps each pass over it cache-resident.
    std::int64_t wanted = (std::int64_t{1} << 16) / (c > 0 ? c : 1);
    wanted = wanted < 1 ? 1 : wanted;
    rows_per_chunk = (m + wanted - 1) / wanted;
    rows_per_chunk = rows_per_chunk < 32 ? 32 : rows_per_chunk;
    chunks = (m + rows_per_chunk - 1) / rows_per_chunk;
  }
  YOLO_HD std::int64_t begin(std::int64_t chunk) const { return chunk * rows_per_chunk; }
  YOLO_HD std::int64_t end(std::int64_t chunk) const {
    const std::int64_t e = (chunk + 1) * rows_per_chunk;
    return e < rows ? e : rows;
  }
};

// mean[p,c] = sum_r x[r,c] / n_p;  m2[p,c] = sum_r (x[r,c] - mean[p,c])^2, r in chunk p.
// A lane functor (Exec::parallel_for_lanes): channels [c0, c0 + L) of chunk p.
template <class T>
struct BnPartialMomentsKernel {
  const T* x;
  BnChunking chunking;
  float* partial_mean;  // (chunks, C)
  float* partial_m2;    // (chunks, C)
  template <int L>
  YOLO_HD void operator()(std::int64_t p, std::int64_t c0) const {
    const std::int64_t C = chunking.channels, r0 = chunking.begin(p), r1 = chunking.end(p);
    float sum[L], m2[L];
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) sum[l] = m2[l] = 0.0f;
    for (std::int64_t r = r0; r < r1; ++r) YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) sum[l] += to_float(x[r * C + c0 + l]);
    const auto n = static_cast<float>(r1 - r0);
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) sum[l] /= n;  // now the chunk's mean
    for (std::int64_t r = r0; r < r1; ++r) {
      YOLO_LANE_LOOP
      for (int l = 0; l < L; ++l) {
        const float d = to_float(x[r * C + c0 + l]) - sum[l];
        m2[l] += d * d;
      }
    }
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) {
      partial_mean[p * C + c0 + l] = sum[l];
      partial_m2[p * C + c0 + l] = m2[l];
    }
  }
};

// Chan et al.: merging (n_a, mean_a, m2_a) with (n_b, mean_b, m2_b) gives
// n = n_a + n_b, mean = mean_a + d * n_b / n, m2 = m2_a + m2_b + d^2 n_a n_b / n,
// d = mean_b - mean_a. Chunks merge in index order, in double.
struct BnCombineMomentsKernel {
  const float* partial_mean;
  const float* partial_m2;
  BnChunking chunking;
  float* mean;  // (C)
  float* m2;    // (C)
  YOLO_HD void operator()(std::int64_t c) const {
    const std::int64_t C = chunking.channels;
    double n = 0.0, mu = 0.0, s = 0.0;
    for (std::int64_t p = 0; p < chunking.chunks; ++p) {
      const double nb = static_cast<double>(chunking.end(p) - chunking.begin(p));
      const double d = static_cast<double>(partial_mean[p * C + c]) - mu;
      const double total = n + nb;
      mu += d * nb / total;
      s += static_cast<double>(partial_m2[p * C + c]) + d * d * n * nb / total;
      n = total;
    }
    mean[c] = static_cast<float>(mu);
    m2[c] = static_cast<float>(s);
  }
};

// From the batch moments (over `count` values per channel):
//   invstd = 1 / sqrt(m2 / count + eps)        (biased variance normalises)
//   scale = gamma * invstd,  shift = beta - mean * scale
//   running_mean += momentum * (mean - running_mean)
//   running_var  += momentum * (m2 / (count - 1) - running_var)   (unbiased)
struct BnTrainCoefficientsKernel {
  const float* mean;
  const float* m2;
  double count;
  const float* gamma;
  const float* beta;
  float eps, momentum;
  float* running_mean;
  float* running_var;
  float* saved_mean;    // kept for backward
  float* saved_invstd;  // kept for backward
  float* scale;
  float* shift;
  YOLO_HD void operator()(std::int64_t c) const {
    const float var = static_cast<float>(static_cast<double>(m2[c]) / count);
    const float invstd = 1.0f / sqrtf(var + eps);
    const float unbiased = static_cast<float>(static_cast<double>(m2[c]) / (count > 1.0 ? count - 1.0 : 1.0));
    saved_mean[c] = mean[c];
    saved_invstd[c] = invstd;
    scale[c] = gamma[c] * invstd;
    shift[c] = beta[c] - mean[c] * scale[c];
    running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean[c];
    running_var[c] = (1.0f - momentum) * running_var[c] + momentum * unbiased;
  }
};

// scale = gamma / sqrt(running_var + eps),  shift = beta - running_mean * scale
struct BnEvalCoefficientsKernel {
  const float* gamma;
  const float* beta;
  const float* running_mean;
  const float* running_var;
  float eps;
  float* scale;
  float* shift;
  YOLO_HD void operator()(std::int64_t c) const {
    scale[c] = gamma[c] / sqrtf(running_var[c] + eps);
    shift[c] = beta[c] - running_mean[c] * scale[c];
  }
};

// y[r,c] = act(x[r,c] * scale[c] + shift[c])
template <class T, class Act>
struct BnApplyKernel {
  const T* x;
  const float* scale;
  const float* shift;
  std::int64_t channels;
  T* y;
  YOLO_HD void operator()(std::int64_t r, std::int64_t c) const {
    const std::int64_t i = r * channels + c;
    y[i] = convert<T>(Act::forward(to_float(x[i]) * scale[c] + shift[c]));
  }
};

// Backward through z = xhat * gamma + beta, xhat = (x - mean) * invstd,
// y = act(z): with dz = dy * act'(z), per chunk p and channel c
//   sum_dz[p,c] = sum_r dz[r,c],  sum_dz_xhat[p,c] = sum_r dz[r,c] * xhat[r,c]
// and, with kStoresDz, dz itself into dz_out (the input gradient's buffer), so
// that the second pass reads it instead of evaluating act' again (see
// BatchNormImpl::gradient_sums for when that pays).
// A lane functor (Exec::parallel_for_lanes): channels [c0, c0 + L) of chunk p.
template <class T, class Act, bool kStoresDz>
struct BnPartialGradSumsKernel {
  const T* x;
  const T* dy;
  const float* mean;
  const float* invstd;
  const float* gamma;
  const float* beta;
  BnChunking chunking;
  float* partial_sum_dz;       // (chunks, C)
  float* partial_sum_dz_xhat;  // (chunks, C)
  T* dz_out;                   // (M, C), written when kStoresDz
  template <int L>
  YOLO_HD void operator()(std::int64_t p, std::int64_t c0) const {
    const std::int64_t C = chunking.channels;
    float s[L], sx[L];
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) s[l] = sx[l] = 0.0f;
    for (std::int64_t r = chunking.begin(p); r < chunking.end(p); ++r) {
      YOLO_LANE_LOOP
      for (int l = 0; l < L; ++l) {
        const std::int64_t c = c0 + l;
        const float xhat = (to_float(x[r * C + c]) - mean[c]) * invstd[c];
        const float dz = to_float(dy[r * C + c]) * Act::derivative(xhat * gamma[c] + beta[c]);
        if constexpr (kStoresDz) dz_out[r * C + c] = convert<T>(dz);
        s[l] += dz;
        sx[l] += dz * xhat;
      }
    }
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) {
      partial_sum_dz[p * C + c0 + l] = s[l];
      partial_sum_dz_xhat[p * C + c0 + l] = sx[l];
    }
  }
};

// sums[c] = sum_p partial_sum_dz[p,c];  sums[C + c] = sum_p partial_sum_dz_xhat[p,c]   (in double)
struct BnCombineGradSumsKernel {
  const float* partial_sum_dz;
  const float* partial_sum_dz_xhat;
  BnChunking chunking;
  float* sums;  // (2, C)
  YOLO_HD void operator()(std::int64_t c) const {
    const std::int64_t C = chunking.channels;
    double s = 0.0, sx = 0.0;
    for (std::int64_t p = 0; p < chunking.chunks; ++p) {
      s += static_cast<double>(partial_sum_dz[p * C + c]);
      sx += static_cast<double>(partial_sum_dz_xhat[p * C + c]);
    }
    sums[c] = static_cast<float>(s);
    sums[C + c] = static_cast<float>(sx);
  }
};

// dgamma[c] = accumulate * dgamma[c] + sum_dz_xhat[c];  dbeta[c] = accumulate * dbeta[c] + sum_dz[c]
struct BnParamGradKernel {
  const float* sums;  // (2, C): sum_dz, sum_dz_xhat
  std::int64_t channels;
  float accumulate;  // 0 or 1
  float* dgamma;
  float* dbeta;
  YOLO_HD void operator()(std::int64_t c) const {
    // 0 * garbage would be NaN for an uninitialised gradient: select instead.
    dgamma[c] = sums[channels + c] + (accumulate != 0.0f ? dgamma[c] : 0.0f);
    dbeta[c] = sums[c] + (accumulate != 0.0f ? dbeta[c] : 0.0f);
  }
};

// dx = gamma * invstd * (dz - sum_dz / count - xhat * sum_dz_xhat / count),
// dz = dy * act'(z) (with ActIdentity, dy may be the dz the sums pass stored,
// even in dx's own buffer: each element is read before it is written).
template <class T, class Act>
struct BnBackwardDataKernel {
  const T* x;
  const T* dy;
  const float* mean;
  const float* invstd;
  const float* gamma;
  const float* beta;
  const float* sums;  // (2, C)
  float inv_count;
  std::int64_t channels;
  T* dx;
  YOLO_HD void operator()(std::int64_t r, std::int64_t c) const {
    const std::int64_t i = r * channels + c;
    const float xhat = (to_float(x[i]) - mean[c]) * invstd[c];
    const float dz = to_float(dy[i]) * Act::derivative(xhat * gamma[c] + beta[c]);
    const float mean_dz = sums[c] * inv_count, mean_dz_xhat = sums[channels + c] * inv_count;
    dx[i] = convert<T>(gamma[c] * invstd[c] * (dz - mean_dz - xhat * mean_dz_xhat));
  }
};

// w_folded[o,k] = w[o,k] * gamma[o] / sqrt(running_var[o] + eps)   (w seen as (O, KH*KW*C/groups))
template <class T>
struct FoldBatchNormWeightKernel {
  const T* w;
  const float* gamma;
  const float* running_var;
  float eps;
  std::int64_t row_length;
  T* w_folded;
  YOLO_HD void operator()(std::int64_t o, std::int64_t k) const {
    const std::int64_t i = o * row_length + k;
    w_folded[i] = convert<T>(to_float(w[i]) * (gamma[o] / sqrtf(running_var[o] + eps)));
  }
};

// b_folded[o] = beta[o] + (b[o] - running_mean[o]) * gamma[o] / sqrt(running_var[o] + eps)   (b = 0 if absent)
template <class T>
struct FoldBatchNormBiasKernel {
  const T* b;  // may be null
  const float* gamma;
  const float* beta;
  const float* running_mean;
  const float* running_var;
  float eps;
  T* b_folded;
  YOLO_HD void operator()(std::int64_t o) const {
    const float bias = b != nullptr ? to_float(b[o]) : 0.0f;
    b_folded[o] = convert<T>(beta[o] + (bias - running_mean[o]) * (gamma[o] / sqrtf(running_var[o] + eps)));
  }
};

}  // namespace yolo
