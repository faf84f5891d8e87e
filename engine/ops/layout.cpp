// Checks the arguments of upsample.h, channels.h and dfl.h, then runs the op
// on the context's backend.
#include "engine/ops/layout_impl.h"
#include "engine/ops/tensor_checks.h"

namespace yolo {
namespace {

// a and b have equal dims except the last; same float dtype.
void check_same_rows(const Tensor& a, const Tensor& b, std::string_view op) {
  bool same = a.ndim() == b.ndim() && a.ndim() >= 1 && a.dtype() == b.dtype();
  for (int d = 0; same && d + 1 < a.ndim(); ++d) same = a.dim(d) == b.dim(d);
  YOLO_CHECK(same, "{}: {} and {} differ in more than the channel dimension", op, a.str(), b.str());
}

void check_upsample(const Context& ctx, const Tensor& small, const Tensor& large, int factor, std::string_view op,
                    std::string_view small_name, std::string_view large_name) {
  check_operand(ctx, small, op, small_name);
  check_operand(ctx, large, op, large_name);
  check_float(small, op, small_name);
  YOLO_CHECK(factor >= 1, "{}: factor must be >= 1, got {}", op, factor);
  YOLO_CHECK(small.ndim() == 4 && small.dim(3) > 0, "{}: {} must be (N, H, W, C) with C > 0, got {}", op, small_name,
             small.str());
  YOLO_CHECK(small.ndim() == 4 && small.dtype() == large.dtype() &&
                 large.shape() == Shape({small.dim(0), small.dim(1) * factor, small.dim(2) * factor, small.dim(3)}),
             "{}: {} {} and {} {} do not differ by an x{} upsampling", op, small_name, small.str(), large_name,
             large.str(), factor);
}

}  // namespace

void upsample_nearest_forward(const Context& ctx, const Tensor& x, int factor, Tensor& y) {
  check_upsample(ctx, x, y, factor, "upsample_nearest_forward", "x", "y");
  dispatch_backend(ctx.device(), [&]<class B>() { LayoutImpl<B>::upsample_forward(ctx, x, factor, y); });
}

void upsample_nearest_backward(const Context& ctx, const Tensor& dy, int factor, Tensor& dx) {
  check_upsample(ctx, dx, dy, factor, "upsample_nearest_backward", "dx", "dy");
  dispatch_backend(ctx.device(), [&]<class B>() { LayoutImpl<B>::upsample_backward(ctx, dy, factor, dx); });
}

void concat_channels(const Context& ctx, const std::vector<Tensor>& inputs, Tensor& out) {
  check_operand(ctx, out, "concat_channels", "out");
  check_float(out, "concat_channels", "out");
  std::int64_t channels = 0;
  for (const Tensor& t : inputs) {
    check_operand(ctx, t, "concat_channels", "an input");
    check_same_rows(t, out, "concat_channels");
    channels += t.dim(-1);
  }
  YOLO_CHECK(!inputs.empty() && channels == out.dim(-1), "concat_channels: {} inputs with {} channels in all, out {}",
             inputs.size(), channels, out.str());
  dispatch_backend(ctx.device(), [&]<class B>() {
    std::int64_t offset = 0;
    for (const Tensor& t : inputs) {
      if (t.dim(-1) > 0) LayoutImpl<B>::copy_channels(ctx, t, 0, out, offset, t.dim(-1));  // empty: nothing to copy
      offset += t.dim(-1);
    }
  });
}

void split_channels(const Context& ctx, const Tensor& in, std::vector<Tensor>& outputs) {
  check_operand(ctx, in, "split_channels", "in");
  check_float(in, "split_channels", "in");
  std::int64_t channels = 0;
  for (const Tensor& t : outputs) {
    check_operand(ctx, t, "split_channels", "an output");
    check_same_rows(t, in, "split_channels");
    channels += t.dim(-1);
  }
  YOLO_CHECK(!outputs.empty() && channels == in.dim(-1), "split_channels: {} outputs with {} channels in all, in {}",
             outputs.size(), channels, in.str());
  dispatch_backend(ctx.device(), [&]<class B>() {
    std::int64_t offset = 0;
    for (Tensor& t : outputs) {
      if (t.dim(-1) > 0) LayoutImpl<B>::copy_channels(ctx, in, offset, t, 0, t.dim(-1));
      offset += t.dim(-1);
    }
  });
}

void dfl_decode(const Context& ctx, const Tensor& x, int reg_max, Tensor& out) {
  check_operand(ctx, x, "dfl_decode", "x");
  check_operand(ctx, out, "dfl_decode", "out");
  check_float(x, "dfl_decode", "x");
  YOLO_CHECK(reg_max >= 1, "dfl_decode: reg_max must be >= 1, got {}", reg_max);
  YOLO_CHECK(x.ndim() == 2 && x.dim(1) == 4 * reg_max, "dfl_decode: x must be (R, {}), got {}", 4 * reg_max, x.str());
  YOLO_CHECK(out.dtype() == x.dtype() && out.shape() == Shape({x.dim(0), 4}),
             "dfl_decode: out must be {}[{}, 4], got {}", dtype_name(x.dtype()), x.dim(0), out.str());
  dispatch_backend(ctx.device(), [&]<class B>() { LayoutImpl<B>::dfl_decode(ctx, x, reg_max, out); });
}

void detect_decode(const Context& ctx, const Tensor& x, float stride, int reg_max, std::int64_t anchor_offset,
                   Tensor& out) {
  check_operand(ctx, x, "detect_decode", "x");
  check_operand(ctx, out, "detect_decode", "out");
  check_float(x, "detect_decode", "x");
  YOLO_CHECK(reg_max >= 1 && stride > 0.0f, "detect_decode: bad reg_max {} or stride {}", reg_max, stride);
  YOLO_CHECK(x.ndim() == 4 && x.dim(3) > 4 * reg_max, "detect_decode: x must be (B, H, W, {} + nc), got {}",
             4 * reg_max, x.str());
  const std::int64_t nc = x.dim(3) - 4 * reg_max;
  YOLO_CHECK(out.ndim() == 3 && out.dim(0) == x.dim(0) && out.dim(2) == 4 + nc && out.dtype() == x.dtype() &&
                 anchor_offset >= 0 && anchor_offset + x.dim(1) * x.dim(2) <= out.dim(1),
             "detect_decode: out {} cannot hold anchors [{}, {}) of x {}", out.str(), anchor_offset,
             anchor_offset + x.dim(1) * x.dim(2), x.str());
  dispatch_backend(ctx.device(),
                   [&]<class B>() { LayoutImpl<B>::detect_decode(ctx, x, stride, reg_max, anchor_offset, out); });
}

}  // namespace yolo
