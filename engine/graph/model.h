#pragma once
// defines: Model, ModelSummary, GradReadyHook: a YOLO graph built from a
// ModelConfig, its parameters in a ParameterStore, and the executor that
// runs the rows forward in order and backward in reverse.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/graph/model_config.h"
#include "engine/graph/module.h"
#include "engine/graph/parameter_store.h"

namespace yolo {

class Detect;

// --half: f16 on CUDA; bf16 on the CPU, where oneDNN has bf16 convolutions
// and no f16 ones.
inline DType half_precision_for(const Device& device) { return device.is_cuda() ? DType::f16 : DType::bf16; }

struct ModelSummary {
  int layers = 0;               // leaf torch modules, as ultralytics 8.4 counts them
  std::int64_t parameters = 0;  // every element
  std::int64_t gradients = 0;   // trainable elements
  double gflops = 0.0;          // at 640 x 640, as ultralytics (thop) counts them
  std::string table;            // one line per row: from, n, params, module, arguments
  std::string str() const;      // "yolov8n summary: 225 layers, ..."
  std::string name;
};

// Called after each row's backward with that row's parameters, whose
// gradients are then final for this step: the data-parallel reducer starts
// all-reducing a bucket once all of its parameters have been reported.
using GradReadyHook = std::function<void(const std::vector<Parameter*>&)>;

class Model {
 public:
  // Builds the graph on ctx's device with ultralytics' parse rules, and
  // initialises it (PyTorch's default conv init from ctx's seed, batch norm
  // gamma 1 / beta 0, Detect's bias init).
  Model(const Context& ctx, ModelConfig config);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelConfig& config() const { return config_; }
  ParameterStore& store() { return store_; }
  const ParameterStore& store() const { return store_; }
  Detect& head();
  const std::vector<float>& strides() const;  // per Detect level

  void train(bool training);
  // SyncBN for every batch norm of the model (null: off).
  void set_batchnorm_sync(BatchNormSync* sync);
  // Inference: batch norms folded into their convolutions (see
  // Module::fuse). Call once the weights are final; eval mode only.
  void fuse(const Context& ctx);
  // Half precision (f16 or bf16; f32: off). Every layer runs in dtype on
  // half copies of the weights; forwards cast the image in and return f32
  // outputs. Eval forwards only (--half inference; call after fuse()), or
  // training ones too (mixed precision: backward takes f32 output gradients
  // and adds to the f32 master gradients).
  void set_half_precision(const Context& ctx, DType dtype, bool in_training = false);
  // Mixed precision: after each optimizer step the half copies follow the
  // f32 weights.
  void refresh_half_weights(const Context& ctx);
  bool training() const { return training_; }

  // image (B, H, W, C). Training: per level (B, H/s, W/s, 4*reg_max + nc);
  // eval: one (B, anchors, 4 + nc) tensor (see Detect).
  Tensors forward(const Context& ctx, const Tensor& image);
  // Gradients of the training outputs; adds to the parameter gradients.
  void backward(const Context& ctx, const Tensors& grad_outputs, const GradReadyHook& on_grads_ready = {});
  void zero_grad(const Context& ctx);

  // ultralytics' model summary (counts, and GFLOPs from a forward at the
  // largest stride, scaled to 640 px).
  ModelSummary summary(const Context& ctx);

 private:
  struct Row;
  void build(const Context& ctx);
  void initialise(const Context& ctx);

  ModelConfig config_;
  ParameterStore store_;
  std::vector<std::unique_ptr<Row>> rows_;
  std::vector<int> last_use_;  // the last row reading each row's output
  bool training_ = true;
  DType half_dtype_ = DType::f32;
  bool half_in_training_ = false;
  bool last_forward_trained_ = false;  // backward follows a training forward, once
};

}  // namespace yolo
