"""ultralytics references for the model graph (engine/graph/), run with the
project's venv python (.venv: ultralytics on Debian's torch); for the YOLOv9
repository's models (models/detect/: DDetect, DualDDetect, CBLinear, CBFuse,
AConv, ADown), that repository's own model code, from the yolov9pip sdist
that tools/setup-deps.sh extracts into the venv (reference "yolov9").

parity: builds a model from a YAML with ultralytics and a fixed seed, writes
its initial weights as an engine checkpoint (tools/convert), then runs, on the
test's image: a training forward, a backward of sum(out_i * dy_i) over the
levels, and an eval forward (with the running statistics that training
forward updated), in float64 (the reference) and in float32 (how far f32
drifts). Saves every output and every parameter gradient, in the engine's
layouts (NHWC, conv weights OHWI).
"""
import contextlib
import io
import os
import sys

import numpy as np
import torch

from oracle_io import run

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "convert"))
import ultralytics_to_safetensors as convert  # noqa: E402

# torch's float32 drift, which sets the test's tolerance, depends on its
# thread count (its summation order): pin it, whatever OMP_NUM_THREADS says.
torch.set_num_threads(1)


def yolov9_repo_model(path, nc, seed):
    """The YOLOv9 repository's DetectionModel built from our YAML (its own
    parse_model, initialize_weights and head bias init). Its version in the
    sdist predates ELAN1, so the t and s models cannot be built here."""
    import yolov9_repo  # noqa: F401  (the repository's code on sys.path)
    from models.yolo import DetectionModel as RepoDetectionModel
    from utils.general import LOGGER

    LOGGER.setLevel("WARNING")  # its layer table
    torch.manual_seed(seed)
    with contextlib.redirect_stdout(io.StringIO()):
        return RepoDetectionModel(path, ch=3, nc=nc)


def build(p):
    if p.get("reference", "ultralytics") == "yolov9":
        return yolov9_repo_model(p["yaml"], p["nc"], p["seed"])
    return convert.model_from_yaml(p["yaml"], p.get("scale"), p["nc"], p["seed"])


def nhwc(t):
    return t.detach().permute(0, 2, 3, 1).contiguous().numpy()


def per_level(raw):
    """Detect's training output as a list of (B, 4*reg_max + nc, H, W) per
    level. ultralytics 8.4 returns {"boxes": (B, 4*reg_max, A),
    "scores": (B, nc, A), "feats": [per-level inputs]}; older versions and
    the YOLOv9 repository's DDetect the per-level list itself, its
    DualDDetect [auxiliary levels, main levels]."""
    if not isinstance(raw, dict):
        if isinstance(raw[0], (list, tuple)):
            return [level for head in raw for level in head]
        return list(raw)
    levels, start = [], 0
    for f in raw["feats"]:
        b, _, h, w = f.shape
        end = start + h * w
        both = torch.cat([raw["boxes"][:, :, start:end], raw["scores"][:, :, start:end]], 1)
        levels.append(both.reshape(b, -1, h, w))
        start = end
    return levels


def rel_error(a, b):
    """max |a - b| relative to max |b| (the test's per-tensor measure)."""
    return float((a.double() - b.double()).abs().max() / b.double().abs().max().clamp_min(1e-30))


def parity(call):
    """The reference is the same model run in float64: the exact answer to
    f32 rounding. Torch's own float32 run gives, per tensor, how far an f32
    implementation drifts from it on this model (err.*): deep random-init
    nets with batch norm over a few values per channel amplify rounding."""
    import copy

    p = call.params
    torch.use_deterministic_algorithms(True)
    model = build(p)
    with open(p["yaml"]) as f:
        convert.convert(model, p["checkpoint"], f.read())
    exact = copy.deepcopy(model).double()
    image = torch.from_numpy(call.load("image")).permute(0, 3, 1, 2).contiguous()
    runs = []
    for m, dtype in ((exact, torch.float64), (model, torch.float32)):
        m.train()
        outputs = per_level(m(image.to(dtype)))
        dys = [torch.from_numpy(call.load(f"dy{i}")).permute(0, 3, 1, 2).to(dtype) for i in range(len(outputs))]
        sum((o * d).sum() for o, d in zip(outputs, dys)).backward()
        grads = {n: q.grad.detach() for n, q in m.named_parameters() if q.grad is not None}
        m.eval()
        with torch.no_grad():
            y = m(image.to(dtype))
        y = y[0] if isinstance(y, (tuple, list)) else y  # (y, training outputs)
        y = y[-1] if isinstance(y, (tuple, list)) else y  # DualDDetect's [auxiliary, main]: the main head
        runs.append((outputs, grads, y))
    (out64, grads64, eval64), (out32, grads32, eval32) = runs
    for i, (a, b) in enumerate(zip(out32, out64)):
        call.save(f"out{i}", nhwc(b).astype(np.float32))
        call.save(f"err.out{i}", np.array([rel_error(a.detach(), b.detach())], dtype=np.float32))
    for name, g in grads64.items():
        call.save("grad." + name, (g.permute(0, 2, 3, 1) if g.ndim == 4 else g).contiguous().float().numpy())
        call.save("err.grad." + name, np.array([rel_error(grads32[name], g)], dtype=np.float32))
    call.save("eval", eval64.permute(0, 2, 1).contiguous().float().numpy())  # (B, 4 + nc, A) -> (B, A, 4 + nc)
    call.save("err.eval", np.array([rel_error(eval32, eval64)], dtype=np.float32))


def summary(call):
    """ultralytics' own counts per case {yaml, scale}: layers, parameters,
    gradients (as model.info() counts them) and unrounded GFLOPs at 640."""
    from ultralytics.utils.torch_utils import get_flops

    for i, case in enumerate(call.params["cases"]):
        model = convert.model_from_yaml(case["yaml"], case.get("scale"), None, 0)
        n_p = sum(x.numel() for x in model.parameters())
        n_g = sum(x.numel() for x in model.parameters() if x.requires_grad)
        leaves = sum(1 for _, m in model.named_modules() if len(m._modules) == 0)  # model.info()'s "layers"
        call.save(f"{i}_counts", np.array([leaves, n_p, n_g], dtype=np.int64))
        call.save(f"{i}_gflops", np.array([get_flops(model, 640)], dtype=np.float32))  # npy reader: no f64


def pt_checkpoint(call):
    """A training checkpoint as ultralytics writes it (the model pickled in
    half precision, under "model" and "ema"), converted by the converter's
    command line; plus the same initial weights converted from the YAML."""
    import copy
    import subprocess

    p = call.params
    model = convert.model_from_yaml(p["yaml"], p.get("scale"), p["nc"], p["seed"])
    with open(p["yaml"]) as f:
        convert.convert(model, os.path.join(call.dir, "from_yaml.safetensors"), f.read())
    pt = os.path.join(call.dir, "last.pt")
    torch.save({"epoch": 3, "model": copy.deepcopy(model).half(), "ema": copy.deepcopy(model).half()}, pt)
    tool = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "convert", "ultralytics_to_safetensors.py")
    subprocess.run([sys.executable, tool, pt, os.path.join(call.dir, "from_pt.safetensors")], check=True)


def yolov9_repo_summary(call):
    """The YOLOv9 repository's own counts per case {yaml}, as its model_info()
    prints them: layers (every module), parameters, gradients and unrounded
    GFLOPs at 640 (thop at a stride-sized image, scaled). Its published
    summaries were made with thop 0.1, which counts one operation per
    element a nearest Upsample writes; thop 2 (installed here) counts none,
    so that rule is given to thop as a custom op."""
    from copy import deepcopy

    import thop

    def count_upsample(module, inputs, output):
        module.total_ops += torch.DoubleTensor([int(output.numel())])

    for i, case in enumerate(call.params["cases"]):
        model = yolov9_repo_model(case["yaml"], None, 0)
        n_p = sum(x.numel() for x in model.parameters())
        n_g = sum(x.numel() for x in model.parameters() if x.requires_grad)
        layers = len(list(model.modules()))
        stride = max(int(model.stride.max()), 32)
        image = torch.empty((1, 3, stride, stride))
        with contextlib.redirect_stdout(io.StringIO()):
            macs = thop.profile(deepcopy(model), inputs=(image,), custom_ops={torch.nn.Upsample: count_upsample},
                                verbose=False)[0]
        call.save(f"{i}_counts", np.array([layers, n_p, n_g], dtype=np.int64))
        call.save(f"{i}_gflops", np.array([macs * 2 / 1e9 * (640 / stride) ** 2], dtype=np.float32))


run({"parity": parity, "summary": summary, "yolov9_repo_summary": yolov9_repo_summary, "pt_checkpoint": pt_checkpoint})
