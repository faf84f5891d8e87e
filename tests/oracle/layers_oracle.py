"""PyTorch autograd references for the layer ops (engine/ops/).

The engine is NHWC with OHWI weights; torch is NCHW with OIHW weights. Each op
converts on the way in and out, runs torch's own layer with autograd, and
saves the forward result and every gradient. One call handles a list of
cases (params["cases"]); case i reads and writes arrays prefixed "i_", so a
test starts Python once per op family.
"""
import numpy as np
import torch
import torch.nn.functional as F

from oracle_io import run


def nchw(a):
    """NHWC numpy array -> NCHW float64-free torch tensor (f32), requiring grad."""
    return torch.from_numpy(a).permute(0, 3, 1, 2).contiguous().requires_grad_(True)


def nhwc(t):
    return t.detach().permute(0, 2, 3, 1).contiguous().numpy()


def cases(call):
    for i, case in enumerate(call.params["cases"]):
        yield case, (lambda name, i=i: call.load(f"{i}_{name}")), (lambda name, a, i=i: call.save(f"{i}_{name}", a))


def conv2d(call):
    for case, load, save in cases(call):
        x = nchw(load("x"))
        w = torch.from_numpy(load("w")).permute(0, 3, 1, 2).contiguous().requires_grad_(True)
        b = torch.from_numpy(load("b")).requires_grad_(True) if case["bias"] else None
        y = F.conv2d(x, w, b, stride=case["stride"], padding=case["padding"], dilation=case["dilation"],
                     groups=case["groups"])
        y.backward(nchw(load("dy")).detach())
        save("y", nhwc(y))
        save("dx", nhwc(x.grad))
        save("dw", w.grad.permute(0, 2, 3, 1).contiguous().numpy())
        if b is not None:
            save("db", b.grad.numpy())


def batchnorm(call):
    for case, load, save in cases(call):
        channels = load("gamma").shape[0]
        bn = torch.nn.BatchNorm2d(channels, eps=case["eps"], momentum=case["momentum"])
        with torch.no_grad():
            bn.weight.copy_(torch.from_numpy(load("gamma")))
            bn.bias.copy_(torch.from_numpy(load("beta")))
            bn.running_mean.copy_(torch.from_numpy(load("running_mean")))
            bn.running_var.copy_(torch.from_numpy(load("running_var")))
        act = F.silu if case["act"] == "silu" else (lambda z: z)
        x = nchw(load("x"))
        bn.train()
        y = act(bn(x))
        y.backward(nchw(load("dy")).detach())
        save("y", nhwc(y))
        save("dx", nhwc(x.grad))
        save("dgamma", bn.weight.grad.numpy())
        save("dbeta", bn.bias.grad.numpy())
        save("running_mean", bn.running_mean.numpy())
        save("running_var", bn.running_var.numpy())
        bn.eval()  # with the updated running statistics
        with torch.no_grad():
            save("y_eval", nhwc(act(bn(x))))


def pool(call):
    for case, load, save in cases(call):
        x = nchw(load("x"))
        k, s, p = case["kernel"], case["stride"], case["padding"]
        if case["kind"] == "max":
            y, index = F.max_pool2d(x, k, s, p, return_indices=True)
            save("argmax", nhwc(index).astype(np.int32))
        else:
            y = F.avg_pool2d(x, k, s, p, ceil_mode=False, count_include_pad=True)
        y.backward(nchw(load("dy")).detach())
        save("y", nhwc(y))
        save("dx", nhwc(x.grad))


def upsample(call):
    for case, load, save in cases(call):
        x = nchw(load("x"))
        y = F.interpolate(x, scale_factor=case["factor"], mode="nearest")
        y.backward(nchw(load("dy")).detach())
        save("y", nhwc(y))
        save("dx", nhwc(x.grad))


def channels(call):
    # concat of the inputs along channels, then a split of the result into
    # case["split"] sizes; each split output gets its own upstream gradient.
    for case, load, save in cases(call):
        inputs = [nchw(load(f"in{j}")) for j in range(case["inputs"])]
        y = torch.cat(inputs, 1)
        parts = torch.split(y, case["split"], dim=1)
        torch.autograd.backward(parts, [nchw(load(f"dpart{j}")).detach() for j in range(len(parts))])
        save("y", nhwc(y))
        for j, part in enumerate(parts):
            save(f"part{j}", nhwc(part))
        for j, t in enumerate(inputs):
            save(f"din{j}", nhwc(t.grad))


def activations(call):
    for case, load, save in cases(call):
        x = torch.from_numpy(load("x")).requires_grad_(True)
        y = torch.sigmoid(x)
        y.backward(torch.from_numpy(load("dy")))
        save("sigmoid", y.detach().numpy())
        save("sigmoid_dx", x.grad.numpy())
        a, b = torch.from_numpy(load("x")), torch.from_numpy(load("dy"))
        save("add", (a + b).numpy())


def dfl(call):
    # ultralytics' DFL: (rows, 4, reg_max) softmax over bins, then a fixed
    # 1x1 conv with weights 0..reg_max-1, i.e. the expectation.
    for case, load, save in cases(call):
        reg_max = case["reg_max"]
        x = torch.from_numpy(load("x"))
        rows = x.shape[0]
        prob = x.view(rows, 4, reg_max).softmax(2)
        save("out", (prob * torch.arange(reg_max, dtype=torch.float32)).sum(2).numpy())


def fold(call):
    # ultralytics' fuse_conv_and_bn: the folded conv equals conv -> bn.eval().
    for case, load, save in cases(call):
        w = torch.from_numpy(load("w")).permute(0, 3, 1, 2).contiguous()
        b = torch.from_numpy(load("b")) if case["bias"] else torch.zeros(w.shape[0])
        gamma, beta = torch.from_numpy(load("gamma")), torch.from_numpy(load("beta"))
        mean, var = torch.from_numpy(load("running_mean")), torch.from_numpy(load("running_var"))
        scale = gamma / torch.sqrt(var + case["eps"])
        save("w_folded", (w * scale.view(-1, 1, 1, 1)).permute(0, 2, 3, 1).contiguous().numpy())
        save("b_folded", (beta + (b - mean) * scale).numpy())
        x = nchw(load("x")).detach()
        conv = F.conv2d(x, w, b if case["bias"] else None, stride=case["stride"], padding=case["padding"],
                        groups=case["groups"])
        y = F.batch_norm(conv, mean, var, gamma, beta, training=False, eps=case["eps"])
        save("y", nhwc(y))


run({"conv2d": conv2d, "batchnorm": batchnorm, "pool": pool, "upsample": upsample, "channels": channels,
     "activations": activations, "dfl": dfl, "fold": fold})
