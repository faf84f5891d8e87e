"""ultralytics references for the detection-loss terms (engine/loss/), run
with the project's venv python: ultralytics' own DFLoss and the BCE its
v8DetectionLoss uses, with torch autograd for the gradients.
"""
import numpy as np
import torch
from ultralytics.utils.loss import DFLoss

from oracle_io import run


def dfl(call):
    reg_max, scale = call.params["reg_max"], call.params["scale"]
    logits = torch.from_numpy(call.load("logits")).requires_grad_(True)  # (P, 4 * reg_max)
    target = torch.from_numpy(call.load("target"))  # (P, 4)
    weight = torch.from_numpy(call.load("weight"))  # (P,)
    per_anchor = DFLoss(reg_max)(logits.view(-1, reg_max), target.clone())  # (P, 1): mean over the sides
    loss = (per_anchor * weight[:, None]).sum() * scale
    loss.backward()
    call.save("loss", np.array([loss.item()], dtype=np.float32))
    call.save("grad", logits.grad.numpy())


def bce(call):
    scale = call.params["scale"]
    logits = torch.from_numpy(call.load("logits")).requires_grad_(True)
    target = torch.from_numpy(call.load("target"))
    loss = torch.nn.BCEWithLogitsLoss(reduction="none")(logits, target).sum() * scale
    loss.backward()
    call.save("loss", np.array([loss.item()], dtype=np.float32))
    call.save("grad", logits.grad.numpy())


run({"dfl": dfl, "bce": bce})
