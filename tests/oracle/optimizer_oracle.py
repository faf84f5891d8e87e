"""torch.optim.SGD (Nesterov) and AdamW with ultralytics' three parameter
groups (weights with decay, batch-norm weights and biases without) on the
test's parameters, gradients and per-step learning rates."""
import numpy as np
import torch

from oracle_io import run


def optimize(call):
    p = call.params
    names = ["weight", "bn_weight", "bias"]
    params = [torch.nn.Parameter(torch.from_numpy(call.load(f"{n}_init")).double()) for n in names]
    grads = {n: call.load(f"{n}_grads") for n in names}  # (steps, numel)
    lrs = call.load("lrs")  # (steps, 3)
    groups = [{"params": [params[0]], "weight_decay": p["weight_decay"]},
              {"params": [params[1]], "weight_decay": 0.0},
              {"params": [params[2]], "weight_decay": 0.0}]
    if p["type"] == "sgd":
        opt = torch.optim.SGD(groups, lr=0.01, momentum=p["momentum"], nesterov=True)
    else:
        opt = torch.optim.AdamW(groups, lr=0.01, betas=(p["momentum"], 0.999), eps=1e-8)
    for step in range(lrs.shape[0]):
        for k, (param, name) in enumerate(zip(params, names)):
            param.grad = torch.from_numpy(grads[name][step]).double().reshape(param.shape)
            opt.param_groups[k]["lr"] = float(lrs[step, k])
        opt.step()
    for param, name in zip(params, names):
        call.save(name, param.detach().float().numpy())


def clip(call):
    g = torch.nn.Parameter(torch.zeros(call.load("grads").shape, dtype=torch.float64))
    g.grad = torch.from_numpy(call.load("grads")).double()
    norm = torch.nn.utils.clip_grad_norm_([g], max_norm=call.params["max_norm"])
    call.save("clipped", g.grad.float().numpy())
    call.save("norm", np.array([float(norm)], np.float32))


run({"optimize": optimize, "clip": clip})
