#include "engine/graph/model.h"

#include <algorithm>
#include <bit>
#include <cfenv>
#include <cmath>
#include <map>

#include "engine/graph/modules/bottleneck.h"
#include "engine/graph/modules/c2f.h"
#include "engine/graph/modules/cb_fuse.h"
#include "engine/graph/modules/concat.h"
#include "engine/graph/modules/detect.h"
#include "engine/graph/modules/downsample.h"
#include "engine/graph/modules/elan.h"
#include "engine/graph/modules/sppf.h"
#include "engine/ops/elementwise.h"

namespace yolo {

struct Model::Row {
  ModelRow spec;
  std::vector<std::unique_ptr<Module>> modules;  // n > 1 without an n argument: a Sequential
  int repeats = 1;                               // after depth scaling
  std::int64_t out_channels = 0;
  double stride = 1.0;  // input pixels per output cell
  std::int64_t params = 0;
  std::string arguments;                      // as the summary prints them
  std::vector<std::int64_t> output_channels;  // a multi-output row's widths (CBLinear)
  int output_count = 1;                       // tensors the row produced in the last forward
  Tensors output;
};

namespace {

// Python's round(): halves go to the even neighbour.
int python_round(double x) { return static_cast<int>(std::nearbyint(x)); }

// ultralytics' make_divisible(x, 8) = ceil(x / 8) * 8
std::int64_t make_divisible(double x, int divisor = 8) {
  return static_cast<std::int64_t>(std::ceil(x / divisor)) * divisor;
}

// Positional argument `i` of a row, with a default, as the module's Python
// signature would read it.
class RowArgs {
 public:
  RowArgs(const ModelRow& row, const std::string& where) : row_(row), where_(where) {}
  std::int64_t integer(std::size_t i, std::int64_t fallback) const {
    if (i >= row_.args.size() || row_.args[i].kind == Arg::Kind::null) return fallback;
    const Arg& a = row_.args[i];
    YOLO_CHECK(a.kind == Arg::Kind::integer, "{}: argument {} must be an integer, got {}", where_, i, a.str());
    return a.integer;
  }
  bool boolean(std::size_t i, bool fallback) const {
    if (i >= row_.args.size() || row_.args[i].kind == Arg::Kind::null) return fallback;
    const Arg& a = row_.args[i];
    YOLO_CHECK(a.kind == Arg::Kind::boolean, "{}: argument {} must be True or False, got {}", where_, i, a.str());
    return a.boolean;
  }
  double number(std::size_t i, double fallback) const {
    if (i >= row_.args.size() || row_.args[i].kind == Arg::Kind::null) return fallback;
    const Arg& a = row_.args[i];
    YOLO_CHECK(a.kind == Arg::Kind::number || a.kind == Arg::Kind::integer, "{}: argument {} must be a number, got {}",
               where_, i, a.str());
    return a.kind == Arg::Kind::number ? a.number : static_cast<double>(a.integer);
  }
  void require_at_most(std::size_t n) const {
    YOLO_CHECK(row_.args.size() <= n, "{}: {} takes at most {} arguments, got {}", where_, row_.module, n,
               row_.args.size());
  }
  void require_at_least(std::size_t n) const {
    YOLO_CHECK(row_.args.size() >= n, "{}: {} needs at least {} arguments, got {}", where_, row_.module, n,
               row_.args.size());
  }

 private:
  const ModelRow& row_;
  const std::string& where_;
};

std::string join_args(const std::vector<std::string>& parts) {
  std::string s = "[";
  for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : "") + parts[i];
  return s + "]";
}

}  // namespace

Model::Model(const Context& ctx, ModelConfig config) : config_(std::move(config)) {
  build(ctx);
  store_.allocate(ctx);
  initialise(ctx);
}

Model::~Model() = default;

void Model::build(const Context& ctx) {
  static_cast<void>(ctx);
  const ModelScale& scale = config_.scale;
  std::vector<std::int64_t> channels;  // per row
  std::vector<double> strides;
  auto in_channels = [&](int f) {
    return f < 0 ? std::int64_t{config_.input_channels} : channels[static_cast<std::size_t>(f)];
  };
  auto in_stride = [&](int f) { return f < 0 ? 1.0 : strides[static_cast<std::size_t>(f)]; };
  for (const ModelRow& spec : config_.rows) {
    const std::string where = fmt::format("model config {}, layer {} ({})", config_.path, spec.index, spec.module);
    auto row = std::make_unique<Row>();
    row->spec = spec;
    const RowArgs args(spec, where);
    const std::string prefix = "model." + std::to_string(spec.index);
    int n = spec.repeats > 1 ? std::max(python_round(spec.repeats * scale.depth), 1) : spec.repeats;
    row->repeats = n;
    const std::string& m = spec.module;
    const int f0 = spec.from[0];
    const std::int64_t c1 = in_channels(f0);
    double stride = in_stride(f0);
    // ultralytics 8.4 scales every base module's output width (no nc exception).
    auto scaled = [&](std::int64_t c2) {
      return make_divisible(static_cast<double>(std::min(c2, scale.max_channels)) * scale.width);
    };
    auto single_input = [&] {
      YOLO_CHECK(spec.from.size() == 1, "{}: {} takes one input, 'from' lists {}", where, m, spec.from.size());
    };
    // Modules repeated n times without taking n form a Sequential model.i.j.
    auto make_repeated = [&](auto&& make_one) {
      for (int j = 0; j < n; ++j) {
        row->modules.push_back(make_one(n > 1 ? prefix + "." + std::to_string(j) : prefix, j));
      }
    };
    std::int64_t c2 = c1;
    if (m == "Conv") {
      single_input();
      args.require_at_least(1);
      args.require_at_most(7);
      c2 = scaled(args.integer(0, 0));
      const int k = static_cast<int>(args.integer(1, 1)), s = static_cast<int>(args.integer(2, 1));
      const int p = static_cast<int>(args.integer(3, -1)), g = static_cast<int>(args.integer(4, 1));
      const int d = static_cast<int>(args.integer(5, 1));
      const bool act = args.boolean(6, true);
      make_repeated([&](const std::string& name, int j) {
        return std::make_unique<ConvBlock>(store_, name, j == 0 ? c1 : c2, c2, k, s, p, g, d,
                                           act ? Activation::silu : Activation::identity);
      });
      for (int j = 0; j < n; ++j) stride *= s;
      row->arguments = join_args({std::to_string(c1), std::to_string(c2), std::to_string(k), std::to_string(s)});
    } else if (m == "C2f") {
      single_input();
      args.require_at_least(1);
      args.require_at_most(4);
      c2 = scaled(args.integer(0, 0));
      const bool shortcut = args.boolean(1, false);
      const int g = static_cast<int>(args.integer(2, 1));
      const double e = args.number(3, 0.5);
      row->modules.push_back(std::make_unique<C2f>(store_, prefix, c1, c2, n, shortcut, g, e));
      row->arguments =
          join_args({std::to_string(c1), std::to_string(c2), std::to_string(n), shortcut ? "True" : "False"});
      n = 1;
    } else if (m == "Bottleneck") {
      single_input();
      args.require_at_least(1);
      args.require_at_most(5);
      c2 = scaled(args.integer(0, 0));
      const bool shortcut = args.boolean(1, true);
      const int g = static_cast<int>(args.integer(2, 1));
      const double e = args.number(4, 0.5);
      // k = (k1, k2): only ultralytics' default (3, 3) is built here.
      YOLO_CHECK(spec.args.size() < 4 || spec.args[3].kind == Arg::Kind::null ||
                     (spec.args[3].kind == Arg::Kind::list && spec.args[3].list.size() == 2 &&
                      spec.args[3].list[0].integer == 3 && spec.args[3].list[1].integer == 3),
                 "{}: Bottleneck kernels other than (3, 3) are not supported, got {}", where, spec.args[3].str());
      make_repeated([&](const std::string& name, int j) {
        return std::make_unique<Bottleneck>(store_, name, j == 0 ? c1 : c2, c2, shortcut, g, 3, 3, e);
      });
      row->arguments = join_args({std::to_string(c1), std::to_string(c2)});
    } else if (m == "SPPF") {
      single_input();
      args.require_at_least(1);
      args.require_at_most(2);
      c2 = scaled(args.integer(0, 0));
      const int k = static_cast<int>(args.integer(1, 5));
      YOLO_CHECK(n == 1, "{}: SPPF cannot repeat", where);
      row->modules.push_back(std::make_unique<Sppf>(store_, prefix, c1, c2, c1 / 2, k, false));
      row->arguments = join_args({std::to_string(c1), std::to_string(c2), std::to_string(k)});
    } else if (m == "SPPELAN") {
      single_input();
      args.require_at_least(2);
      args.require_at_most(3);
      c2 = scaled(args.integer(0, 0));
      const std::int64_t c3 = args.integer(1, 0);
      const int k = static_cast<int>(args.integer(2, 5));
      YOLO_CHECK(n == 1 && c3 > 0, "{}: SPPELAN needs [c2, c3] and cannot repeat", where);
      auto sppelan = std::make_unique<Sppf>(store_, prefix, c1, c2, c3, k, true);
      sppelan->set_wrapped_pools(config_.yolov5_style);
      row->modules.push_back(std::move(sppelan));
      row->arguments = join_args({std::to_string(c1), std::to_string(c2), std::to_string(c3)});
    } else if (m == "RepNCSPELAN4" || m == "ELAN1") {
      single_input();
      const bool rep = m == "RepNCSPELAN4";
      args.require_at_least(3);
      args.require_at_most(rep ? 4 : 3);
      c2 = scaled(args.integer(0, 0));
      const std::int64_t c3 = args.integer(1, 0), c4 = args.integer(2, 0);
      const int repeats = rep ? static_cast<int>(args.integer(3, 1)) : -1;
      YOLO_CHECK(c3 > 0 && c3 % 2 == 0 && c4 > 0, "{}: {} needs an even c3 and a positive c4, got {} and {}", where, m,
                 c3, c4);
      make_repeated([&](const std::string& name, int j) {
        return std::make_unique<Elan>(store_, name, j == 0 ? c1 : c2, c2, c3, c4, repeats);
      });
      row->arguments = join_args({std::to_string(c1), std::to_string(c2), std::to_string(c3), std::to_string(c4)});
    } else if (m == "AConv" || m == "ADown") {
      single_input();
      args.require_at_least(1);
      args.require_at_most(1);
      c2 = scaled(args.integer(0, 0));
      make_repeated([&](const std::string& name, int j) -> std::unique_ptr<Module> {
        if (m == "AConv") return std::make_unique<AConv>(store_, name, j == 0 ? c1 : c2, c2);
        return std::make_unique<ADown>(store_, name, j == 0 ? c1 : c2, c2);
      });
      for (int j = 0; j < n; ++j) stride *= 2;
      row->arguments = join_args({std::to_string(c1), std::to_string(c2)});
    } else if (m == "nn.Identity" || m == "Silence") {
      single_input();
      make_repeated(
          [&](const std::string&, int) { return std::make_unique<Identity>(m == "Silence" ? "Silence" : "Identity"); });
      row->arguments = "[]";
    } else if (m == "CBLinear") {
      single_input();
      YOLO_CHECK(!spec.args.empty() && spec.args[0].kind == Arg::Kind::list && !spec.args[0].list.empty(),
                 "{}: CBLinear needs a list of output widths", where);
      std::vector<std::int64_t> c2s;
      std::vector<std::string> shown;
      for (const Arg& a : spec.args[0].list) {
        YOLO_CHECK(a.kind == Arg::Kind::integer && a.integer > 0, "{}: CBLinear widths must be positive integers",
                   where);
        c2s.push_back(a.integer);
        shown.push_back(std::to_string(a.integer));
      }
      YOLO_CHECK(n == 1, "{}: CBLinear cannot repeat", where);
      row->output_channels = c2s;
      auto cb = std::make_unique<CbLinear>(store_, prefix, c1, c2s, static_cast<int>(args.integer(1, 1)),
                                           static_cast<int>(args.integer(2, 1)));
      stride *= static_cast<double>(args.integer(2, 1));
      row->modules.push_back(std::move(cb));
      row->arguments = join_args({std::to_string(c1), join_args(shown)});
      c2 = 0;
    } else if (m == "CBFuse") {
      YOLO_CHECK(!spec.args.empty() && spec.args[0].kind == Arg::Kind::list &&
                     spec.args[0].list.size() + 1 == spec.from.size(),
                 "{}: CBFuse needs one index per source row ({} rows before the target)", where, spec.from.size() - 1);
      std::vector<int> idx, counts;
      std::vector<std::string> shown;
      const int target = spec.from.back();
      for (std::size_t i = 0; i + 1 < spec.from.size(); ++i) {
        const int f = spec.from[i];
        YOLO_CHECK(f >= 0 && !rows_[static_cast<std::size_t>(f)]->output_channels.empty(),
                   "{}: source layer {} is not a CBLinear", where, f);
        const auto& widths = rows_[static_cast<std::size_t>(f)]->output_channels;
        const Arg& a = spec.args[0].list[i];
        YOLO_CHECK(
            a.kind == Arg::Kind::integer && a.integer >= 0 && a.integer < static_cast<std::int64_t>(widths.size()),
            "{}: index {} does not name an output of layer {}", where, a.str(), f);
        YOLO_CHECK(widths[static_cast<std::size_t>(a.integer)] == in_channels(target),
                   "{}: output {} of layer {} has {} channels, the target {}", where, a.integer, f,
                   widths[static_cast<std::size_t>(a.integer)], in_channels(target));
        idx.push_back(static_cast<int>(a.integer));
        counts.push_back(static_cast<int>(widths.size()));
        shown.push_back(std::to_string(a.integer));
      }
      c2 = in_channels(target);
      stride = in_stride(target);
      row->modules.push_back(std::make_unique<CbFuse>(idx, counts));
      row->arguments = join_args({join_args(shown)});
    } else if (m == "nn.Upsample") {
      single_input();
      const int factor = static_cast<int>(args.number(1, 0));
      YOLO_CHECK(factor >= 1 && static_cast<double>(factor) == args.number(1, 0),
                 "{}: scale factor must be a positive integer", where);
      YOLO_CHECK(spec.args.size() < 3 || (spec.args[2].kind == Arg::Kind::string && spec.args[2].string == "nearest"),
                 "{}: only 'nearest' upsampling is supported", where);
      make_repeated([&](const std::string&, int) { return std::make_unique<UpsampleNearest>(factor); });
      for (int j = 0; j < n; ++j) stride /= factor;
      row->arguments = join_args({"None", std::to_string(factor), "'nearest'"});
    } else if (m == "Concat") {
      YOLO_CHECK(args.integer(0, 1) == 1, "{}: only channel concatenation (dimension 1) is supported", where);
      c2 = 0;
      for (int f : spec.from) {
        c2 += in_channels(f);
        YOLO_CHECK(in_stride(f) == stride, "{}: inputs of different resolutions (layers {} and {})", where, f0, f);
      }
      make_repeated([&](const std::string&, int) { return std::make_unique<Concat>(); });
      row->arguments = "[1]";
    } else if (m == "Detect" || m == "DDetect" || m == "DualDDetect") {
      args.require_at_least(1);
      const int nc = static_cast<int>(args.integer(0, 0));
      YOLO_CHECK(nc > 0, "{}: nc must be positive", where);
      std::vector<std::int64_t> ch;
      std::vector<float> level_strides;
      for (int f : spec.from) {
        ch.push_back(in_channels(f));
        level_strides.push_back(static_cast<float>(in_stride(f)));
      }
      const DetectStyle style = m == "Detect"    ? DetectStyle::ultralytics
                                : m == "DDetect" ? DetectStyle::ddetect
                                                 : DetectStyle::dual_ddetect;
      auto head = std::make_unique<Detect>(store_, prefix, nc, ch, style);
      // A dual head's two halves see the same levels: the strides of one half.
      if (style == DetectStyle::dual_ddetect) level_strides.resize(level_strides.size() / 2);
      head->set_strides(level_strides);
      row->modules.push_back(std::move(head));
      std::vector<std::string> chs;
      for (auto c : ch) chs.push_back(std::to_string(c));
      row->arguments = join_args({std::to_string(nc), join_args(chs)});
      c2 = 0;
    } else {
      YOLO_FAIL("{}: unknown module '{}'", where, m);
    }
    if (row->modules.empty()) YOLO_FAIL("{}: repeats {} built nothing", where, n);
    if (spec.from.size() > 1 && m != "Concat" && m.find("Detect") == std::string::npos && m != "CBFuse") {
      YOLO_FAIL("{}: {} takes one input, 'from' lists {}", where, m, spec.from.size());
    }
    row->out_channels = c2;
    row->stride = stride;
    channels.push_back(c2);
    strides.push_back(stride);
    rows_.push_back(std::move(row));
  }
  YOLO_CHECK(!rows_.empty() && rows_.back()->spec.module.find("Detect") != std::string::npos,
             "model config {}: the last layer must be a Detect head", config_.path);
  rows_.front()->modules.front()->set_needs_input_grad(false);
  last_use_.assign(rows_.size(), -1);
  for (const auto& r : rows_)
    for (int f : r->spec.from)
      if (f >= 0) last_use_[static_cast<std::size_t>(f)] = r->spec.index;
  for (auto& r : rows_) {
    std::vector<Parameter*> ps;
    for (auto& mod : r->modules) mod->collect_parameters(ps);
    for (Parameter* p : ps) r->params += p->shape.numel();
  }
}

void Model::initialise(const Context& ctx) {
  // PyTorch's default: kaiming_uniform(a = sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in))
  // for conv weights, and the same bound for conv biases.
  for (Parameter& p : store_.parameters()) {
    switch (p.role) {
      case ParameterRole::weight: {
        const double fan_in = static_cast<double>(p.shape.numel() / p.shape[0]);
        const float bound = static_cast<float>(1.0 / std::sqrt(fan_in));
        fill_uniform(ctx, p.value, -bound, bound);
        break;
      }
      case ParameterRole::bn_weight:
        fill(ctx, p.value, 1.0);
        break;
      case ParameterRole::bias: {
        // Batch-norm beta starts at 0; a conv bias like its weight (Detect's
        // are then overwritten by its bias_init).
        const std::string stem = p.name.substr(0, p.name.rfind('.'));
        const Parameter* w = store_.find_parameter(stem + ".weight");
        if (p.name.ends_with(".bn.bias") || w == nullptr) {
          fill(ctx, p.value, 0.0);
        } else {
          const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(w->shape.numel() / w->shape[0])));
          fill_uniform(ctx, p.value, -bound, bound);
        }
        break;
      }
      case ParameterRole::fixed:
        break;
    }
  }
  head().initialise(ctx);
}

Detect& Model::head() { return static_cast<Detect&>(*rows_.back()->modules.front()); }
const std::vector<float>& Model::strides() const {
  return static_cast<const Detect&>(*rows_.back()->modules.front()).strides();
}

void Model::train(bool training) {
  training_ = training;
  for (auto& r : rows_)
    for (auto& m : r->modules) m->set_training(training);
}

void Model::fuse(const Context& ctx) {
  for (auto& r : rows_)
    for (auto& m : r->modules) m->fuse(ctx);
}

void Model::set_half_precision(const Context& ctx, DType dtype, bool in_training) {
  YOLO_CHECK(dtype == DType::f32 || dtype == DType::f16 || dtype == DType::bf16,
             "half precision {}: expected f32 (off), f16 or bf16", dtype_name(dtype));
  half_dtype_ = dtype;
  half_in_training_ = in_training && dtype != DType::f32;
  refresh_half_weights(ctx);
}

void Model::refresh_half_weights(const Context& ctx) {
  for (auto& r : rows_)
    for (auto& m : r->modules) m->set_half_precision(ctx, half_dtype_);
}

void Model::set_batchnorm_sync(BatchNormSync* sync) {
  for (auto& r : rows_)
    for (auto& m : r->modules) m->set_batchnorm_sync(sync);
}

Tensors Model::forward(const Context& ctx, const Tensor& input) {
  const bool half = half_dtype_ != DType::f32 && (!training_ || half_in_training_);
  Tensor image = input;
  if (half && input.dtype() != half_dtype_) image = cast_to(ctx, input, half_dtype_);
  YOLO_CHECK(image.ndim() == 4 && image.dim(3) == config_.input_channels,
             "model {}: the input must be (B, H, W, {}), got {}", config_.stem, config_.input_channels, image.str());
  const double max_stride = *std::max_element(strides().begin(), strides().end());
  YOLO_CHECK(std::fmod(static_cast<double>(image.dim(1)), max_stride) == 0 &&
                 std::fmod(static_cast<double>(image.dim(2)), max_stride) == 0,
             "model {}: input {}x{} is not a multiple of the stride {}", config_.stem, image.dim(1), image.dim(2),
             max_stride);
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    Row& r = *rows_[i];
    // Every output of every source row, in order (a CBLinear row has several).
    Tensors inputs;
    for (int f : r.spec.from) {
      if (f < 0) {
        inputs.push_back(image);
      } else {
        const Tensors& o = rows_[static_cast<std::size_t>(f)]->output;
        YOLO_CHECK(!o.empty(), "layer {} reads layer {}, whose output is gone", i, f);
        inputs.insert(inputs.end(), o.begin(), o.end());
      }
    }
    for (auto& m : r.modules) inputs = m->forward(ctx, inputs);
    r.output = std::move(inputs);
    r.output_count = static_cast<int>(r.output.size());
    // Outputs nobody reads any more go back to the allocator now.
    for (int f : r.spec.from)
      if (f >= 0 && last_use_[static_cast<std::size_t>(f)] == static_cast<int>(i))
        rows_[static_cast<std::size_t>(f)]->output.clear();
  }
  last_forward_trained_ = training_;
  Tensors out = std::move(rows_.back()->output);
  rows_.back()->output.clear();
  if (half) {
    for (Tensor& o : out) o = cast_to(ctx, o, DType::f32);
  }
  return out;
}

void Model::backward(const Context& ctx, const Tensors& grad_outputs, const GradReadyHook& on_grads_ready) {
  YOLO_CHECK(training_ && last_forward_trained_, "model {}: backward needs a training forward just before it",
             config_.stem);
  YOLO_CHECK(static_cast<int>(grad_outputs.size()) == rows_.back()->output_count,
             "model {}: backward got {} gradients for {} outputs", config_.stem, grad_outputs.size(),
             rows_.back()->output_count);
  last_forward_trained_ = false;
  // Mixed precision: the layers take their gradients in the half dtype.
  Tensors half_grads;
  if (half_in_training_) {
    for (const Tensor& g : grad_outputs) half_grads.push_back(cast_to(ctx, g, half_dtype_));
  }
  const Tensors& outer = half_in_training_ ? half_grads : grad_outputs;
  // grads[k][t]: the gradient of row k's output t (undefined: none reached it).
  std::vector<Tensors> grads(rows_.size());
  grads.back() = outer;
  for (std::size_t k = rows_.size(); k-- > 0;) {
    Row& r = *rows_[k];
    const bool reached = std::any_of(grads[k].begin(), grads[k].end(), [](const Tensor& g) { return g.defined(); });
    if (!reached) continue;  // nothing downstream of this row reached the loss
    Tensors d = grads[k];
    d.resize(static_cast<std::size_t>(r.output_count));
    for (auto it = r.modules.rbegin(); it != r.modules.rend(); ++it) d = (*it)->backward(ctx, d);
    grads[k].clear();
    std::size_t pos = 0;
    for (const int f : r.spec.from) {
      const int count = f < 0 ? 1 : rows_[static_cast<std::size_t>(f)]->output_count;
      for (int t = 0; t < count; ++t, ++pos) {
        YOLO_CHECK(pos < d.size(), "layer {}: {} input gradients, more inputs than that", k, d.size());
        if (f < 0 || !d[pos].defined()) continue;
        Tensors& g = grads[static_cast<std::size_t>(f)];
        g.resize(static_cast<std::size_t>(count));
        if (!g[static_cast<std::size_t>(t)].defined()) {
          g[static_cast<std::size_t>(t)] = d[pos];
        } else {
          add(ctx, g[static_cast<std::size_t>(t)], d[pos],
              g[static_cast<std::size_t>(t)]);  // several readers: gradients add up
        }
      }
    }
    YOLO_CHECK(pos == d.size(), "layer {}: {} input gradients for {} inputs", k, d.size(), pos);
    if (on_grads_ready) {
      std::vector<Parameter*> ps;
      for (auto& m : r.modules) m->collect_parameters(ps);
      on_grads_ready(ps);
    }
  }
}

void Model::zero_grad(const Context& ctx) { fill(ctx, store_.grads(), 0.0); }

ModelSummary Model::summary(const Context& ctx) {
  ModelSummary s;
  s.name = config_.stem;
  s.parameters = store_.parameter_count();
  s.gradients = store_.trainable_count();
  // The layer count of the reference: ultralytics 8.4 counts leaf modules;
  // the YOLOv9 repository counts every module (model.modules()). Both count
  // the SiLU that all Conv blocks share (and RepConvN's) once.
  unsigned shared = 0;
  const bool v5 = config_.yolov5_style;
  s.layers = v5 ? 2 : 0;  // DetectionModel and its Sequential
  for (const auto& r : rows_) {
    if (v5 && r->modules.size() > 1) s.layers += 1;  // a repeated row's Sequential
    for (const auto& m : r->modules) {
      s.layers += v5 ? m->torch_module_count() : m->torch_layer_count();
      shared |= m->shared_leaves();
    }
  }
  s.layers += std::popcount(shared);
  // GFLOPs as thop counts them: at a (stride x stride) image, x2 (MACs to
  // FLOPs), scaled to 640. The YOLOv9 repository's thop 0.1 also counts one
  // operation per nearest-upsampled output element.
  const bool was_training = training_;
  train(false);
  const auto stride = static_cast<std::int64_t>(std::max(32.0f, *std::max_element(strides().begin(), strides().end())));
  Tensor probe = ctx.zeros({1, stride, stride, config_.input_channels}, DType::f32);
  forward(ctx, probe);
  double macs = 0.0;
  for (const auto& r : rows_) {
    for (const auto& m : r->modules) {
      macs += m->last_flops();
      if (const auto* up = dynamic_cast<const UpsampleNearest*>(m.get()); up != nullptr && v5)
        macs += static_cast<double>(up->last_output_elements());
    }
  }
  train(was_training);
  s.gflops = macs * 2.0 / 1e9 * (640.0 / static_cast<double>(stride)) * (640.0 / static_cast<double>(stride));
  s.table = fmt::format("{:>5}{:>26}{:>3}{:>11}  {:<16}{}\n", "", "from", "n", "params", "module", "arguments");
  for (const auto& r : rows_) {
    std::string from = r->spec.from.size() == 1 ? std::to_string(r->spec.from[0] < 0 ? -1 : r->spec.from[0]) : "[";
    if (r->spec.from.size() > 1) {
      for (std::size_t i = 0; i < r->spec.from.size(); ++i) from += (i ? ", " : "") + std::to_string(r->spec.from[i]);
      from += "]";
    }
    s.table += fmt::format("{:>5}{:>26}{:>3}{:>11}  {:<16}{}\n", r->spec.index, from, r->repeats, r->params,
                           std::string(r->modules.front()->type()), r->arguments);
  }
  return s;
}

namespace {
// 3157200 -> "3,157,200", as ultralytics prints counts.
std::string with_commas(std::int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (v < 0 ? "-" : "") + out;
}
}  // namespace

std::string ModelSummary::str() const {
  return fmt::format("{} summary: {} layers, {} parameters, {} gradients, {:.1f} GFLOPs", name, with_commas(layers),
                     with_commas(parameters), with_commas(gradients), gflops);
}

}  // namespace yolo
