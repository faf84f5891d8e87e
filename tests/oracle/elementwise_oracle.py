"""PyTorch references for engine/ops/elementwise.h."""
import numpy as np
import torch

from oracle_io import run

DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def bits16(t):
    """Raw bits of a 16-bit float tensor, as uint16."""
    return t.view(torch.int16).numpy().view(np.uint16)


def silu(call):
    # Inputs arrive as f32; 16-bit cases round them first, compute in f32 and
    # round the result, which is what the engine promises for f16/bf16.
    dtype = DTYPES[call.params["dtype"]]
    x = torch.from_numpy(call.load("x")).to(dtype).float().requires_grad_(True)
    dy = torch.from_numpy(call.load("dy")).to(dtype).float()
    y = torch.nn.functional.silu(x)
    y.backward(dy)
    call.save("y", y.detach().to(dtype).float().numpy())
    call.save("dx", x.grad.to(dtype).float().numpy())


def cast(call):
    x = torch.from_numpy(call.load("x"))
    call.save("half_bits", bits16(x.half()))
    call.save("bf16_bits", bits16(x.bfloat16()))
    every_half = torch.arange(65536, dtype=torch.int32).to(torch.int16).view(torch.float16)
    call.save("every_half_as_float", every_half.float().numpy())


def axpy_scale(call):
    alpha = call.params["alpha"]
    x = torch.from_numpy(call.load("x"))
    y = torch.from_numpy(call.load("y"))
    call.save("axpy", (y + alpha * x).numpy())
    call.save("scale", (alpha * x).numpy())


def fill(call):
    # torch.full converts the Python float the way the engine's fill does.
    values = call.params["values"]
    call.save("f32", np.array([torch.full((1,), v, dtype=torch.float32).item() for v in values], dtype=np.float32))
    call.save("f16_bits", np.concatenate([bits16(torch.full((1,), v, dtype=torch.float16)) for v in values]))
    call.save("bf16_bits", np.concatenate([bits16(torch.full((1,), v, dtype=torch.bfloat16)) for v in values]))
    call.save("i32", np.array([torch.full((1,), int(v), dtype=torch.int32).item() for v in values], dtype=np.int32))


run({"silu": silu, "cast": cast, "axpy_scale": axpy_scale, "fill": fill})
