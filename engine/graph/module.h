#pragma once
// defines: Module, the unit of a model graph, and Tensors.
//
// A module computes its outputs from its inputs (forward) and, in training
// mode, keeps what its backward needs; backward turns the gradients of its
// outputs into the gradients of its inputs, adds (+=) the gradients of its
// parameters and releases what forward kept. There is no autograd tape:
// each module writes its own backward. Composite modules (C2f, Detect, ...)
// own child modules and declare them with adopt(), so that mode changes,
// FLOP counts and parameter lists reach the leaves.
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/core/context.h"

namespace yolo {

struct Parameter;
class BatchNormSync;
using Tensors = std::vector<Tensor>;

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // ultralytics' class name ("Conv", "C2f", ...), shown in the summary.
  virtual std::string_view type() const = 0;
  virtual Tensors forward(const Context& ctx, const Tensors& inputs) = 0;
  // One gradient per input, or an undefined Tensor where the input needs
  // none (the image). Call once per training forward.
  virtual Tensors backward(const Context& ctx, const Tensors& grad_outputs) = 0;

  void set_training(bool training);
  // SyncBN: the batch norms below this module combine their statistics
  // through `sync` (null: the local batch's).
  virtual void set_batchnorm_sync(BatchNormSync* sync);
  // Inference: every Conv block below folds its batch norm into its
  // convolution (from the current weights; eval forwards use the folded
  // copy, training forwards never do).
  virtual void fuse(const Context& ctx);
  // Half precision (f16, bf16; f32 = off), for --half inference or mixed
  // precision training: modules with weights keep copies of them in `dtype`
  // (from the current f32 weights; call again after they change) and use
  // them whenever their input comes in that dtype.
  virtual void set_half_precision(const Context& ctx, DType dtype);
  bool training() const { return training_; }
  // The first layer reads the image, whose gradient nobody wants.
  virtual void set_needs_input_grad(bool needed) { needs_input_grad_ = needed; }

  // Multiply-accumulates of the last forward, counted as thop counts them
  // for ultralytics' GFLOPs (conv: outputs x C/groups x KH x KW, bias free;
  // affine batch norm: 4 per element; pooling, upsampling, activations: 0);
  // composites sum their children.
  virtual double last_flops() const;
  // This module's and its children's parameters, in registration order.
  void collect_parameters(std::vector<Parameter*>& out) const;
  // The SharedLeaf bits this module and its children use.
  virtual unsigned shared_leaves() const;
  // How many leaf torch.nn.Modules (no children) the PyTorch version holds:
  // the summary's "layers" as ultralytics 8.4 counts them. A module without
  // children is one leaf; a composite, its children's leaves.
  virtual int torch_layer_count() const;
  // How many torch.nn.Modules of any kind (containers too) the PyTorch
  // version holds: the YOLOv9 repository's summary counts model.modules().
  virtual int torch_module_count() const;

 protected:
  void adopt(Module& child) { children_.push_back(&child); }
  void own(Parameter& p) { parameters_.push_back(&p); }
  const std::vector<Module*>& children() const { return children_; }

  bool training_ = true;
  bool needs_input_grad_ = true;

 private:
  std::vector<Module*> children_;
  std::vector<Parameter*> parameters_;
};

// A module with one input and one output (most of them): composites call
// run / run_backward on their children directly.
class UnaryModule : public Module {
 public:
  virtual Tensor run(const Context& ctx, const Tensor& x) = 0;
  virtual Tensor run_backward(const Context& ctx, const Tensor& dy) = 0;
  Tensors forward(const Context& ctx, const Tensors& inputs) final;
  Tensors backward(const Context& ctx, const Tensors& grad_outputs) final;
};

// Extra leaves a model's summary counts once however many modules share them:
// ultralytics' Conv and RepConvN each hold one class-wide SiLU.
enum SharedLeaf : unsigned { kConvSilu = 1u, kRepConvSilu = 2u };

}  // namespace yolo
