// Conv2dImpl<Cpu>: convolutions on oneDNN.
//
// Activations stay NHWC (oneDNN's nhwc tag); the weights are the user's OHWI
// (ohwi, or gohwi with groups). Each primitive lets oneDNN pick the weight
// layout its fastest kernel wants ("any") and reorders to or from OHWI: the
// weights are small next to the activations, so the reorder is cheap and the
// convolution runs its best kernel. Under ConvAlgorithms::fastest a 3x3
// stride-1 f32 convolution runs oneDNN's Winograd F(4x4, 3x3) kernels where
// oneDNN has them: 1.05-2.7x the speed of the direct kernels on YOLOv8n's
// layers (docs/BENCHMARKS.md), with an error up to ~2e-6 of the output's
// scale. They want blocked activations (nChw16c), so those plans reorder to
// and from NHWC around the call, and they take no eltwise post-op, so a fused
// SiLU runs as a pass of its own after them. Everything built for a shape
// (primitive descriptors, primitives, memory objects, internal buffers) is
// cached in the context's OpCache, so the steady state only swaps data handles
// and executes.
#include <omp.h>

#include <dnnl.hpp>
#include <optional>
#include <unordered_map>

#include "engine/core/cpu_resources.h"
#include "engine/ops/conv2d_impl.h"
#include "engine/ops/elementwise.h"

namespace yolo {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Args = std::unordered_map<int, memory>;

memory::data_type dnnl_type(DType t) {
  switch (t) {
    case DType::f32:
      return memory::data_type::f32;
    case DType::bf16:
      return memory::data_type::bf16;
    default:
      YOLO_FAIL("conv2d on cpu: {} is not supported (f32 or bf16)", dtype_name(t));
  }
}

// The oneDNN view of one convolution: logical dims (NCHW order, whatever the
// memory layout) and the geometry in oneDNN's conventions.
struct ConvDims {
  memory::dims src, weights, bias, dst;
  memory::dims strides, dilates, padding;
  Tag weights_tag;
  memory::data_type type;
  bool winograd_shape;  // 3x3, stride 1, no dilation, no groups, f32

  ConvDims(const Shape& x, const Shape& w, const Shape& y, const Conv2dGeometry& g, DType dtype)
      : src{x[0], x[3], x[1], x[2]},
        bias{w[0]},
        dst{y[0], y[3], y[1], y[2]},
        strides{g.stride, g.stride},
        dilates{g.dilation - 1, g.dilation - 1},  // oneDNN counts the gaps
        padding{g.padding, g.padding},
        weights_tag(g.groups == 1 ? Tag::ohwi : Tag::gohwi),
        type(dnnl_type(dtype)),
        winograd_shape(dtype == DType::f32 && g.groups == 1 && g.stride == 1 && g.dilation == 1 && w[1] == 3 &&
                       w[2] == 3) {
    if (g.groups == 1) {
      weights = {w[0], w[3], w[1], w[2]};
    } else {
      weights = {g.groups, w[0] / g.groups, w[3], w[1], w[2]};
    }
  }

  // The caller's activations (NHWC), and what a primitive of `algorithm` is
  // offered: NHWC for the direct kernels, any layout for Winograd's.
  memory::desc user_src_md() const { return {src, type, Tag::nhwc}; }
  memory::desc user_dst_md() const { return {dst, type, Tag::nhwc}; }
  static Tag activation_tag(dnnl::algorithm algorithm) {
    return algorithm == dnnl::algorithm::convolution_winograd ? Tag::any : Tag::nhwc;
  }
  memory::desc user_weights_md() const { return {weights, type, weights_tag}; }
  memory::desc any_weights_md(memory::data_type t) const { return {weights, t, Tag::any}; }
  memory::desc bias_md(memory::data_type t) const { return {bias, t, Tag::a}; }

  dnnl::convolution_forward::primitive_desc forward_pd(const dnnl::engine& engine, dnnl::algorithm algorithm,
                                                       bool with_bias, const dnnl::primitive_attr& attr = {}) const {
    const Tag act = activation_tag(algorithm);
    const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, algorithm, {src, type, act},
                                            any_weights_md(type), with_bias ? bias_md(type) : memory::desc(),
                                            {dst, type, act}, strides, dilates, padding, padding);
    return {d, attr, engine};
  }
};

// Builds a plan's primitive descriptor with Winograd when the context allows
// it, the shape suits it and oneDNN has a kernel for it, else with the direct
// algorithm. `make` takes the algorithm and throws dnnl::error when oneDNN has
// no kernel.
template <class MakePd>
auto pick_algorithm(const Context& ctx, const ConvDims& d, MakePd&& make) {
  if (ctx.conv_algorithms() == ConvAlgorithms::fastest && d.winograd_shape) {
    try {
      return make(dnnl::algorithm::convolution_winograd);
    } catch (const dnnl::error& e) {
      if (e.status != dnnl_unimplemented) throw;  // else: no kernel for this shape or machine, direct below
    }
  }
  return make(dnnl::algorithm::convolution_direct);
}

std::string conv_key(const char* direction, const Tensor& x, const Tensor& w, const Conv2dGeometry& g, bool bias,
                     int threads, Activation act = Activation::identity) {
  const Shape& s = x.shape();
  const Shape& k = w.shape();
  return fmt::format("conv2d.cpu.{}:{}x{}x{}x{}:{}x{}x{}x{}:s{}p{}d{}g{}:{}:b{}:t{}:a{}", direction, s[0], s[1], s[2],
                     s[3], k[0], k[1], k[2], k[3], g.stride, g.padding, g.dilation, g.groups, dtype_name(x.dtype()),
                     bias ? 1 : 0, threads, static_cast<int>(act));
}

dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

// SiLU as oneDNN's post-op: swish(x) = x * sigmoid(alpha x) with alpha 1,
// applied to each output as the kernel writes it.
dnnl::primitive_attr forward_attr(Activation act) {
  dnnl::primitive_attr attr = user_scratchpad();
  if (act == Activation::silu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_swish, 1.0f, 0.0f);
    attr.set_post_ops(ops);
  }
  return attr;
}

// A buffer of ours for `md` (so the allocator counts it).
Tensor byte_buffer(const Context& ctx, const memory::desc& md) {
  return ctx.empty({std::max<std::int64_t>(1, static_cast<std::int64_t>(md.get_size()))}, DType::u8);
}

// A memory object over a buffer of ours, for the plan's lifetime.
struct OwnedMemory {
  Tensor buffer;
  memory mem;
  OwnedMemory(const Context& ctx, const memory::desc& md)
      : buffer(byte_buffer(ctx, md)), mem(md, ctx.cpu().engine, buffer.raw_data()) {}
};

memory unbound(const memory::desc& md, const dnnl::engine& engine) { return memory(md, engine, DNNL_MEMORY_NONE); }

// Points `mem` at a buffer of ours for one call; the buffer must live until
// the primitive ran. For what a plan should not hold for the context's
// lifetime: the blocked activations, and the scratchpads (Winograd's holds
// transformed tiles, 7-10 MB for each of YOLOv8n's 3x3 layers at batch 16,
// in each direction).
Tensor bind_call_buffer(const Context& ctx, memory& mem) {
  Tensor buffer = byte_buffer(ctx, mem.get_desc());
  mem.set_data_handle(buffer.raw_data());
  return buffer;
}

// An activation as a primitive reads or writes it: the caller's NHWC memory
// and, when the primitive wants another layout (Winograd's blocked one), a
// buffer of that layout taken from the allocator for the call, with the
// reorder into it (an input) or out of it (an output).
class ConvActivation {
 public:
  enum class Role { input, output };

  ConvActivation(const dnnl::engine& engine, const memory::desc& user_md, const memory::desc& wanted, Role role)
      : role_(role), user_(unbound(user_md, engine)), primitive_(unbound(wanted, engine)) {
    if (!same_bytes(user_md, wanted))
      reorder_ = role == Role::input ? dnnl::reorder(user_, primitive_) : dnnl::reorder(primitive_, user_);
  }
  const memory& for_primitive() const { return primitive_; }

  // Points at the caller's tensor; an input is reordered into the blocked
  // buffer at once. The returned buffer must live until the primitive ran.
  Tensor bind(const Context& ctx, dnnl::stream& stream, void* data) {
    user_.set_data_handle(data);
    if (!reorder_) {
      primitive_.set_data_handle(data);
      return {};
    }
    Tensor buffer = bind_call_buffer(ctx, primitive_);
    if (role_ == Role::input) reorder_->execute(stream, user_, primitive_);
    return buffer;
  }
  // After the primitive ran: an output is reordered into the caller's tensor.
  void finish_output(dnnl::stream& stream) {
    if (reorder_) reorder_->execute(stream, primitive_, user_);
  }

 private:
  // nChw16c with exactly 16 channels puts every value where nhwc does.
  static bool same_bytes(const memory::desc& nhwc, const memory::desc& wanted) {
    if (wanted == nhwc) return true;
    const memory::dims dims = nhwc.dims();
    return dims[1] == 16 && wanted == memory::desc(dims, nhwc.data_type(), Tag::nChw16c);
  }

  Role role_;
  memory user_, primitive_;
  std::optional<dnnl::reorder> reorder_;
};
using Role = ConvActivation::Role;

// oneDNN's OpenMP runtime sizes its primitives by the calling thread's
// thread count, at creation and at execution: make it the context's for the
// call, and give the caller's setting back (a later Context on this thread
// takes its default from it).
class ContextThreads {
 public:
  explicit ContextThreads(const Context& ctx) : previous_(omp_get_max_threads()) {
    omp_set_num_threads(ctx.num_threads());
  }
  ~ContextThreads() { omp_set_num_threads(previous_); }
  ContextThreads(const ContextThreads&) = delete;
  ContextThreads& operator=(const ContextThreads&) = delete;

 private:
  int previous_;
};

template <class F>
void translate_dnnl_errors(const char* what, F&& f) {
  try {
    f();
  } catch (const dnnl::error& e) {
    YOLO_FAIL("conv2d {} on cpu: oneDNN failed: {} (status {})", what, e.what(), static_cast<int>(e.status));
  }
}

// The weights a forward or backward-data primitive reads: the user's OHWI
// memory and, when oneDNN wants another layout, a buffer of that layout and
// the reorder that fills it on each call.
struct ConvWeights {
  memory user;
  std::optional<OwnedMemory> blocked;
  std::optional<dnnl::reorder> to_blocked;

  ConvWeights(const Context& ctx, const ConvDims& d, const memory::desc& wanted)
      : user(unbound(d.user_weights_md(), ctx.cpu().engine)) {
    if (wanted != d.user_weights_md()) {
      blocked.emplace(ctx, wanted);
      to_blocked.emplace(user, blocked->mem);
    }
  }
  const memory& for_primitive() const { return blocked ? blocked->mem : user; }
  // Points at w's data and brings the primitive's copy up to date.
  void bind(dnnl::stream& stream, void* w) {
    user.set_data_handle(w);
    if (to_blocked) to_blocked->execute(stream, user, blocked->mem);
  }
};

struct ForwardPlan {
  dnnl::convolution_forward conv;
  ConvActivation src, dst;
  memory bias;
  ConvWeights weights;
  memory scratchpad;  // bound per call (bind_call_buffer)
  Args args;
  bool activation_after;  // the activation as a pass of its own, not a post-op

  ForwardPlan(const Context& ctx, const ConvDims& d, const dnnl::convolution_forward::primitive_desc& pd,
              bool with_bias, bool activation_after)
      : conv(pd),
        src(ctx.cpu().engine, d.user_src_md(), pd.src_desc(), Role::input),
        dst(ctx.cpu().engine, d.user_dst_md(), pd.dst_desc(), Role::output),
        weights(ctx, d, pd.weights_desc()),
        scratchpad(unbound(pd.scratchpad_desc(), ctx.cpu().engine)),
        activation_after(activation_after) {
    args = {{DNNL_ARG_SRC, src.for_primitive()},
            {DNNL_ARG_DST, dst.for_primitive()},
            {DNNL_ARG_WEIGHTS, weights.for_primitive()},
            {DNNL_ARG_SCRATCHPAD, scratchpad}};
    if (with_bias) {
      bias = unbound(d.bias_md(d.type), ctx.cpu().engine);
      args[DNNL_ARG_BIAS] = bias;
    }
  }
};

struct BackwardDataPlan {
  dnnl::convolution_backward_data conv;
  ConvActivation diff_dst, diff_src;
  ConvWeights weights;
  memory scratchpad;  // bound per call (bind_call_buffer)
  Args args;

  BackwardDataPlan(const Context& ctx, const ConvDims& d, const dnnl::convolution_backward_data::primitive_desc& pd)
      : conv(pd),
        diff_dst(ctx.cpu().engine, d.user_dst_md(), pd.diff_dst_desc(), Role::input),
        diff_src(ctx.cpu().engine, d.user_src_md(), pd.diff_src_desc(), Role::output),
        weights(ctx, d, pd.weights_desc()),
        scratchpad(unbound(pd.scratchpad_desc(), ctx.cpu().engine)) {
    args = {{DNNL_ARG_DIFF_DST, diff_dst.for_primitive()},
            {DNNL_ARG_DIFF_SRC, diff_src.for_primitive()},
            {DNNL_ARG_WEIGHTS, weights.for_primitive()},
            {DNNL_ARG_SCRATCHPAD, scratchpad}};
  }
};

// The weight gradient is computed in f32 into oneDNN's preferred layout, then
// reordered into the user's dw (and db): with a sum post-op when accumulating,
// so accumulating costs no extra pass.
struct BackwardWeightsPlan {
  dnnl::convolution_backward_weights conv;
  ConvActivation src, diff_dst;
  memory user_dw, user_db;
  memory scratchpad;  // bound per call (bind_call_buffer)
  OwnedMemory dw, db;
  dnnl::reorder store_dw, accumulate_dw, store_db, accumulate_db;
  Args args;

  static dnnl::reorder make_reorder(const memory& from, const memory& to, bool accumulate) {
    dnnl::primitive_attr attr;
    if (accumulate) {
      dnnl::post_ops ops;
      ops.append_sum(1.0f);
      attr.set_post_ops(ops);
    }
    return dnnl::reorder(from, to, attr);
  }

  BackwardWeightsPlan(const Context& ctx, const ConvDims& d,
                      const dnnl::convolution_backward_weights::primitive_desc& pd, bool with_bias)
      : conv(pd),
        src(ctx.cpu().engine, d.user_src_md(), pd.src_desc(), Role::input),
        diff_dst(ctx.cpu().engine, d.user_dst_md(), pd.diff_dst_desc(), Role::input),
        user_dw(unbound(d.user_weights_md(), ctx.cpu().engine)),
        user_db(unbound(d.bias_md(d.type), ctx.cpu().engine)),
        scratchpad(unbound(pd.scratchpad_desc(), ctx.cpu().engine)),
        dw(ctx, pd.diff_weights_desc()),
        db(ctx, d.bias_md(memory::data_type::f32)),
        store_dw(make_reorder(dw.mem, user_dw, false)),
        accumulate_dw(make_reorder(dw.mem, user_dw, true)),
        store_db(make_reorder(db.mem, user_db, false)),
        accumulate_db(make_reorder(db.mem, user_db, true)) {
    args = {{DNNL_ARG_SRC, src.for_primitive()},
            {DNNL_ARG_DIFF_DST, diff_dst.for_primitive()},
            {DNNL_ARG_DIFF_WEIGHTS, dw.mem},
            {DNNL_ARG_SCRATCHPAD, scratchpad}};
    if (with_bias) args[DNNL_ARG_DIFF_BIAS] = db.mem;
  }
};

}  // namespace

// y = act(sum_{kh,kw,c} x[n, oh*s - p + kh*d, ow*s - p + kw*d, g*C/G + c] * w[o, kh, kw, c] + b[o])
template <>
void Conv2dImpl<Cpu>::forward(const Context& ctx, const Tensor& x, const Tensor& w, const Tensor& b,
                              const Conv2dGeometry& g, Tensor& y, Activation act) {
  translate_dnnl_errors("forward", [&] {
    const ContextThreads threads(ctx);
    const bool with_bias = b.defined();
    const std::string key = conv_key("fwd", x, w, g, with_bias, ctx.num_threads(), act);
    ForwardPlan& plan = ctx.op_cache().get<ForwardPlan>(key, [&] {
      const ConvDims d(x.shape(), w.shape(), y.shape(), g, x.dtype());
      // oneDNN's Winograd takes no eltwise post-op: with it, the activation
      // runs as a pass of its own, still well ahead of the direct kernel
      // with the activation fused (docs/BENCHMARKS.md).
      bool activation_after = false;
      const auto pd = pick_algorithm(ctx, d, [&](dnnl::algorithm algorithm) {
        const bool separate = algorithm == dnnl::algorithm::convolution_winograd && act != Activation::identity;
        auto made =
            d.forward_pd(ctx.cpu().engine, algorithm, with_bias, forward_attr(separate ? Activation::identity : act));
        activation_after = separate;  // only once the descriptor exists
        return made;
      });
      return std::make_shared<ForwardPlan>(ctx, d, pd, with_bias, activation_after);
    });
    dnnl::stream& stream = ctx.cpu().stream;
    const Tensor src_buffer = plan.src.bind(ctx, stream, x.raw_data());
    const Tensor dst_buffer = plan.dst.bind(ctx, stream, y.raw_data());
    if (with_bias) plan.bias.set_data_handle(b.raw_data());
    plan.weights.bind(stream, w.raw_data());
    const Tensor scratchpad_buffer = bind_call_buffer(ctx, plan.scratchpad);
    plan.conv.execute(stream, plan.args);
    plan.dst.finish_output(stream);
    stream.wait();
    if (plan.activation_after) {
      YOLO_CHECK(act == Activation::silu, "conv2d forward on cpu: no separate pass for activation {}",
                 static_cast<int>(act));
      silu_forward(ctx, y, y);
    }
  });
}

// dx[n, h, w, c] = sum over the (oh, ow, kh, kw) with oh*s - p + kh*d = h, ow*s - p + kw*d = w of dy[n, oh, ow, o] *
// w[o, kh, kw, c]
template <>
void Conv2dImpl<Cpu>::backward_data(const Context& ctx, const Tensor& dy, const Tensor& w, const Conv2dGeometry& g,
                                    Tensor& dx) {
  translate_dnnl_errors("backward_data", [&] {
    const ContextThreads threads(ctx);
    BackwardDataPlan& plan =
        ctx.op_cache().get<BackwardDataPlan>(conv_key("bwd_data", dx, w, g, false, ctx.num_threads()), [&] {
          const ConvDims d(dx.shape(), w.shape(), dy.shape(), g, dx.dtype());
          const dnnl::engine& engine = ctx.cpu().engine;
          const auto pd = pick_algorithm(ctx, d, [&](dnnl::algorithm algorithm) {
            const auto hint = d.forward_pd(engine, algorithm, false);
            const dnnl::convolution_backward_data::desc desc(algorithm, hint.src_desc(), d.any_weights_md(d.type),
                                                             hint.dst_desc(), d.strides, d.dilates, d.padding,
                                                             d.padding);
            return dnnl::convolution_backward_data::primitive_desc(desc, user_scratchpad(), engine, hint);
          });
          return std::make_shared<BackwardDataPlan>(ctx, d, pd);
        });
    dnnl::stream& stream = ctx.cpu().stream;
    const Tensor diff_dst_buffer = plan.diff_dst.bind(ctx, stream, dy.raw_data());
    const Tensor diff_src_buffer = plan.diff_src.bind(ctx, stream, dx.raw_data());
    plan.weights.bind(stream, w.raw_data());
    const Tensor scratchpad_buffer = bind_call_buffer(ctx, plan.scratchpad);
    plan.conv.execute(stream, plan.args);
    plan.diff_src.finish_output(stream);
    stream.wait();
  });
}

// dw[o, kh, kw, c] (+)= sum_{n, oh, ow} dy[n, oh, ow, o] * x[n, oh*s - p + kh*d, ow*s - p + kw*d, g*C/G + c];
// db[o] (+)= sum_{n, oh, ow} dy[n, oh, ow, o]
template <>
void Conv2dImpl<Cpu>::backward_weights(const Context& ctx, const Tensor& x, const Tensor& dy, const Conv2dGeometry& g,
                                       Tensor& dw, Tensor& db, float accumulate) {
  translate_dnnl_errors("backward_weights", [&] {
    const ContextThreads threads(ctx);
    const bool with_bias = db.defined();
    BackwardWeightsPlan& plan =
        ctx.op_cache().get<BackwardWeightsPlan>(conv_key("bwd_weights", x, dw, g, with_bias, ctx.num_threads()), [&] {
          const ConvDims d(x.shape(), dw.shape(), dy.shape(), g, x.dtype());
          const dnnl::engine& engine = ctx.cpu().engine;
          const memory::data_type f32 = memory::data_type::f32;
          const auto pd = pick_algorithm(ctx, d, [&](dnnl::algorithm algorithm) {
            const auto hint = d.forward_pd(engine, algorithm, with_bias);
            const dnnl::convolution_backward_weights::desc desc(
                algorithm, hint.src_desc(), d.any_weights_md(f32), with_bias ? d.bias_md(f32) : memory::desc(),
                hint.dst_desc(), d.strides, d.dilates, d.padding, d.padding);
            return dnnl::convolution_backward_weights::primitive_desc(desc, user_scratchpad(), engine, hint);
          });
          return std::make_shared<BackwardWeightsPlan>(ctx, d, pd, with_bias);
        });
    dnnl::stream& stream = ctx.cpu().stream;
    const Tensor src_buffer = plan.src.bind(ctx, stream, x.raw_data());
    const Tensor diff_dst_buffer = plan.diff_dst.bind(ctx, stream, dy.raw_data());
    plan.user_dw.set_data_handle(dw.raw_data());
    const Tensor scratchpad_buffer = bind_call_buffer(ctx, plan.scratchpad);
    plan.conv.execute(stream, plan.args);
    (accumulate != 0.0f ? plan.accumulate_dw : plan.store_dw).execute(stream, plan.dw.mem, plan.user_dw);
    if (with_bias) {
      plan.user_db.set_data_handle(db.raw_data());
      (accumulate != 0.0f ? plan.accumulate_db : plan.store_db).execute(stream, plan.db.mem, plan.user_db);
    }
    stream.wait();
  });
}

}  // namespace yolo
