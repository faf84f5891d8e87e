#pragma once
// defines: save_checkpoint, load_checkpoint: a model's parameters and
// buffers as a safetensors file under ultralytics' state_dict names and in
// PyTorch's layouts (conv weights (O, C/groups, KH, KW)), so that the same
// file opens in PyTorch; plus string metadata (format version, the model
// YAML, nc, and whatever the trainer adds).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/graph/model.h"

namespace yolo {

constexpr const char* kCheckpointFormat = "yolo-engine.checkpoint.v1";
// Tensors under this prefix are the trainer's state for --resume (raw
// weights, optimizer moments): model loads skip them.
constexpr const char* kTrainStatePrefix = "train_state/";

// Writes atomically (temporary file, then rename). extra_tensors: host
// tensors named under kTrainStatePrefix.
void save_checkpoint(const Context& ctx, Model& model, const std::string& path,
                     const std::map<std::string, std::string>& extra_metadata = {},
                     const std::vector<std::pair<std::string, Tensor>>& extra_tensors = {});

struct CheckpointLoad {
  std::map<std::string, std::string> metadata;
  int loaded = 0;   // tensors copied into the model
  int skipped = 0;  // (not strict) model tensors missing or of another shape in the file
};

// Copies the file's tensors into the model. strict: every parameter and
// buffer must be present with its shape, and every tensor of the file must
// belong to the model, or a clear error names the tensor and the model is
// left unchanged. Not strict (fine-tuning on other classes): mismatches are
// skipped and counted, extra tensors ignored. BatchNorm's num_batches_tracked
// counters (PyTorch files) are ignored either way.
CheckpointLoad load_checkpoint(const Context& ctx, Model& model, const std::string& path, bool strict = true);

// The model a checkpoint was saved from (its YAML and scale from the
// metadata), built on ctx's device with the checkpoint's weights (strict).
std::unique_ptr<Model> load_model(const Context& ctx, const std::string& path);

// The model as yolo-val and yolo-detect run it (as ultralytics' val and
// predict): batch norms folded into the convolutions, and with `half` in
// f16 on CUDA or bf16 on the CPU.
std::unique_ptr<Model> load_model_for_inference(const Context& ctx, const std::string& path, bool half);

// The class names a checkpoint records (metadata "names", a JSON list), or
// none.
std::vector<std::string> checkpoint_class_names(const std::string& path);

}  // namespace yolo
