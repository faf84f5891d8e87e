#pragma once
// defines: GradientCheck, check_gradients: a finite-difference check of an
// op's backward against its forward, on every element of every input.
//
// With fixed random output weights g_k (one tensor per output, values in
// [-1, 1]) the scalar L = sum_k sum(g_k * y_k) (accumulated in double) has
// dL/dx = backward(g). The check calls backward(g) once, then for each input
// element x_i the central difference (L(x_i + h) - L(x_i - h)) / 2h, and
// expects |analytic - numeric| <= atol + rtol * |numeric| everywhere; each
// input that fails reports its worst element (input index, element index,
// both values) as one gtest failure.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/core/context.h"

namespace yolo::test {

struct GradientCheck {
  double step = 1e-2;  // h: the central difference evaluates x - h and x + h
  double rtol = 1e-2;
  double atol = 1e-3;
  std::uint32_t seed = 20240917;  // of the output weights g_k (output k uses seed + k)
};

// Every output of the forward as f32 host tensors.
using ForwardFn = std::function<std::vector<Tensor>()>;
// The gradient of L for each input, in the order of `inputs`, each the
// input's shape, as f32 host tensors; output_grads[k] is g_k (y_k's shape).
using BackwardFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& output_grads)>;

// `inputs` are contiguous f32 host tensors that `forward` reads (through
// shared storage): the check writes x_i +- h into them and restores every
// element afterwards. `backward` is called exactly once, right after a
// forward at the unperturbed inputs, so it may use what that forward left
// behind (saved statistics, argmax indices). Neither may keep state that
// changes the next forward's result.
void check_gradients(const std::string& name, const std::vector<Tensor*>& inputs, const ForwardFn& forward,
                     const BackwardFn& backward, const GradientCheck& options = {});

}  // namespace yolo::test
