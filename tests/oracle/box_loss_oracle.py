"""ultralytics references for the box loss's IoU terms (engine/loss/box_loss.h),
run with the project's venv python (.venv: ultralytics on Debian's torch).

box_loss: pred, target (P, 4) xyxy and weight (P), f32; params "types" (a
list of iou, giou, diou, ciou, mpdiou), "image_w", "image_h". For each type,
the per-anchor loss of ultralytics' BboxLoss, (1 - iou) * weight, and its
autograd gradient w.r.t. pred: saves loss_<type> (P) and grad_<type> (P, 4).
iou, giou, diou and ciou call ultralytics' bbox_iou(xywh=False) itself;
MPDIoU (Ma & Xu 2023), which ultralytics does not have, is the paper's
formula on that same IoU.
"""
import torch
from ultralytics.utils.metrics import bbox_iou

from oracle_io import run

FLAGS = {"iou": {}, "giou": {"GIoU": True}, "diou": {"DIoU": True}, "ciou": {"CIoU": True}}


def mpdiou(pred, target, image_w, image_h):
    """MPDIoU = IoU - d1^2 / (w^2 + h^2) - d2^2 / (w^2 + h^2): d1, d2 the distances of
    the top-left and of the bottom-right corners, w x h the input image."""
    iou = bbox_iou(pred, target, xywh=False)
    diag2 = image_w**2 + image_h**2
    d1 = (pred[..., 0:1] - target[..., 0:1]).pow(2) + (pred[..., 1:2] - target[..., 1:2]).pow(2)
    d2 = (pred[..., 2:3] - target[..., 2:3]).pow(2) + (pred[..., 3:4] - target[..., 3:4]).pow(2)
    return iou - d1 / diag2 - d2 / diag2


def box_loss(call):
    pred_in = torch.from_numpy(call.load("pred"))
    target = torch.from_numpy(call.load("target"))
    weight = torch.from_numpy(call.load("weight")).unsqueeze(-1)
    for kind in call.params["types"]:
        pred = pred_in.clone().requires_grad_(True)
        if kind == "mpdiou":
            iou = mpdiou(pred, target, call.params["image_w"], call.params["image_h"])
        else:
            iou = bbox_iou(pred, target, xywh=False, **FLAGS[kind])
        loss = (1.0 - iou) * weight  # BboxLoss, before the sum over anchors / target_scores_sum
        loss.sum().backward()
        call.save(f"loss_{kind}", loss.detach().squeeze(-1).numpy())
        call.save(f"grad_{kind}", pred.grad.numpy())


run({"box_loss": box_loss})
