"""PyTorch references for kernels/primitives.h."""
import numpy as np
import torch

from oracle_io import run


def reductions(call):
    x = torch.from_numpy(call.load("x"))
    offsets = call.load("offsets").tolist()
    call.save("sum", np.array([x.double().sum().item()], dtype=np.float32))
    call.save("max", np.array([x.max().item()], dtype=np.float32))
    seg_sum = [x[a:b].double().sum().item() for a, b in zip(offsets[:-1], offsets[1:])]
    seg_max = [x[a:b].max().item() if b > a else -np.inf for a, b in zip(offsets[:-1], offsets[1:])]
    call.save("segmented_sum", np.array(seg_sum, dtype=np.float32))
    call.save("segmented_max", np.array(seg_max, dtype=np.float32))


def scan(call):
    x = torch.from_numpy(call.load("x")).long()
    inclusive = torch.cumsum(x, 0)
    call.save("exclusive", (inclusive - x).int().numpy())


def sort(call):
    keys = torch.from_numpy(call.load("keys"))
    values = torch.from_numpy(call.load("values"))
    descending = call.params["descending"]
    sorted_keys, order = torch.sort(keys, stable=True, descending=descending)
    call.save("keys", sorted_keys.numpy())
    call.save("values", values[order].numpy())


def topk(call):
    x = torch.from_numpy(call.load("x"))
    values, indices = torch.topk(x, call.params["k"], dim=1, largest=True, sorted=True)
    call.save("values", values.numpy())
    call.save("indices", indices.int().numpy())


run({"reductions": reductions, "scan": scan, "sort": sort, "topk": topk})
