"""ultralytics references for the model graph (engine/graph/), run with the
project's venv python (.venv: ultralytics on Debian's torch).

parity: builds a model from a YAML with ultralytics and a fixed seed, writes
its initial weights as an engine checkpoint (tools/convert), then runs, on the
test's image: a training forward, a backward of sum(out_i * dy_i) over the
levels, and an eval forward (with the running statistics that training
forward updated), in float64 (the reference) and in float32 (how far f32
drifts). Saves every output and every parameter gradient, in the engine's
layouts (NHWC, conv weights OHWI).
"""
import os
import sys

import numpy as np
import torch

from oracle_io import run

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "convert"))
import ultralytics_to_safetensors as convert  # noqa: E402


def nhwc(t):
    return t.detach().permute(0, 2, 3, 1).contiguous().numpy()


def per_level(raw):
    """Detect's training output as a list of (B, 4*reg_max + nc, H, W) per
    level. ultralytics 8.4 returns {"boxes": (B, 4*reg_max, A),
    "scores": (B, nc, A), "feats": [per-level inputs]}; older versions the
    per-level list itself."""
    if not isinstance(raw, dict):
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
    model = convert.model_from_yaml(p["yaml"], p.get("scale"), p["nc"], p["seed"])
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
        y = y[0] if isinstance(y, (tuple, list)) else y
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


run({"parity": parity, "summary": summary, "pt_checkpoint": pt_checkpoint})
