"""ultralytics references for the model graph (engine/graph/), run with the
project's venv python (.venv: ultralytics on Debian's torch).

parity: builds a model from a YAML with ultralytics and a fixed seed, writes
its initial weights as an engine checkpoint (tools/convert), then runs, on the
test's image: a training forward, a backward of sum(out_i * dy_i) over the
levels, and an eval forward (with the running statistics that training
forward updated). Saves every output and every parameter gradient, in the
engine's layouts (NHWC, conv weights OHWI).
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


def parity(call):
    p = call.params
    torch.use_deterministic_algorithms(True)
    model = convert.model_from_yaml(p["yaml"], p.get("scale"), p["nc"], p["seed"])
    with open(p["yaml"]) as f:
        convert.convert(model, p["checkpoint"], f.read())
    image = torch.from_numpy(call.load("image")).permute(0, 3, 1, 2).contiguous()
    model.train()
    outputs = per_level(model(image))
    loss = sum((o * torch.from_numpy(call.load(f"dy{i}")).permute(0, 3, 1, 2)).sum() for i, o in enumerate(outputs))
    loss.backward()
    for i, o in enumerate(outputs):
        call.save(f"out{i}", nhwc(o))
    for name, param in model.named_parameters():
        if param.grad is not None:
            g = param.grad.detach()
            call.save("grad." + name, (g.permute(0, 2, 3, 1) if g.ndim == 4 else g).contiguous().numpy())
    model.eval()
    with torch.no_grad():
        y = model(image)
    y = y[0] if isinstance(y, (tuple, list)) else y
    call.save("eval", y.permute(0, 2, 1).contiguous().numpy())  # (B, 4 + nc, A) -> (B, A, 4 + nc)


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


run({"parity": parity, "summary": summary})
