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


def detection(call):
    """ultralytics' v8DetectionLoss on the test's head outputs and labels.
    Saves the GT exactly as its preprocess made it (padded xyxy pixels), the
    loss items (box, cls, dfl), the total (their sum times B) and
    d total / d level outputs (NHWC)."""
    import os
    import sys
    from types import SimpleNamespace

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "convert"))
    import ultralytics_to_safetensors as convert
    from ultralytics.utils.loss import v8DetectionLoss

    p = call.params
    model = convert.model_from_yaml(p["yaml"], p["scale"], p["nc"], 0)
    model.args = SimpleNamespace(box=7.5, cls=0.5, dfl=1.5)
    criterion = v8DetectionLoss(model)
    levels = [torch.from_numpy(call.load(f"level{i}")).permute(0, 3, 1, 2).contiguous().requires_grad_(True)
              for i in range(p["levels"])]
    b, reg4 = levels[0].shape[0], 4 * criterion.reg_max
    preds = {"boxes": torch.cat([l[:, :reg4].reshape(b, reg4, -1) for l in levels], 2),
             "scores": torch.cat([l[:, reg4:].reshape(b, p["nc"], -1) for l in levels], 2), "feats": levels}
    labels = torch.from_numpy(call.load("labels"))  # (N, 6): image, class, x, y, w, h normalised
    batch = {"batch_idx": labels[:, 0], "cls": labels[:, 1:2], "bboxes": labels[:, 2:6]}
    loss, items = criterion(preds, batch)
    loss.sum().backward()
    imgsz = torch.tensor(levels[0].shape[2:], dtype=torch.float32) * criterion.stride[0]
    targets = torch.cat((batch["batch_idx"].view(-1, 1), batch["cls"].view(-1, 1), batch["bboxes"]), 1)
    gt = criterion.preprocess(targets, b, scale_tensor=imgsz[[1, 0, 1, 0]])
    call.save("gt_boxes", gt[..., 1:5].contiguous().numpy())
    call.save("gt_labels", gt[..., 0].to(torch.int32).numpy())
    call.save("gt_valid", (gt[..., 1:5].sum(-1) > 0).to(torch.uint8).numpy())
    call.save("items", torch.stack(list(items.values())).float().numpy())
    call.save("total", np.array([loss.sum().item()], dtype=np.float32))
    for i, l in enumerate(levels):
        call.save(f"grad{i}", l.grad.permute(0, 2, 3, 1).contiguous().numpy())


run({"dfl": dfl, "bce": bce, "detection": detection})
