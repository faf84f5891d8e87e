"""The YOLOv9 repository's detection losses on the test's head outputs and
labels: utils/loss_tal.py's ComputeLoss (DDetect models, train.py) and
utils/loss_tal_dual.py's (DualDDetect models, train_dual.py), with torch
autograd for the gradients. The code is the yolov9pip sdist that
tools/setup-deps.sh extracts into the venv; run with the venv's python.
"""

import numpy as np
import torch

import yolov9_repo  # noqa: F401  (the repository's code on sys.path)
from oracle_io import run

import utils.tal.assigner as tal  # noqa: E402


class Head(torch.nn.Module):
    """What ComputeLoss reads of a DDetect / DualDDetect head."""

    def __init__(self, nc, strides, reg_max=16):
        super().__init__()
        self.nc, self.nl, self.reg_max = nc, len(strides), reg_max
        self.no = nc + 4 * reg_max
        self.stride = torch.tensor(strides, dtype=torch.float32)


class Model(torch.nn.Module):
    """What ComputeLoss reads of a model: its device (a parameter), .hyp
    (hyp.scratch-high.yaml's cls_pw and fl_gamma; train.py's label smoothing
    0) and the head as model.model[-1]."""

    def __init__(self, nc, strides):
        super().__init__()
        self.device_probe = torch.nn.Parameter(torch.zeros(1))
        self.hyp = {"cls_pw": 1.0, "fl_gamma": 0.0, "label_smoothing": 0.0}
        self.model = torch.nn.ModuleList([Head(nc, strides)])


def record_assignments(stats):
    """Wraps the assigner's get_pos_mask to count, per assignment (per head),
    what the test must exercise:
      multi_claimed  anchors that several GTs select (before resolution)
      resolved_elsewhere  of those, anchors whose highest-overlap GT over all
        GTs (YOLOv9) is not the one over the GTs containing it (ultralytics)
      raised_only  (GT, anchor) pairs of positive overlap inside a valid GT
        only once its sides below the middle stride are raised to it
        (ultralytics); at overlap 0 such a candidate would change nothing"""
    original = tal.TaskAlignedAssigner.get_pos_mask

    def get_pos_mask(self, pd_scores, pd_bboxes, gt_labels, gt_bboxes, anc_points, mask_gt):
        mask_pos, align_metric, overlaps = original(self, pd_scores, pd_bboxes, gt_labels, gt_bboxes, anc_points,
                                                    mask_gt)
        multi = mask_pos.sum(-2) > 1
        inside = tal.select_candidates_in_gts(anc_points, gt_bboxes) * mask_gt
        elsewhere = multi & (overlaps.argmax(1) != (overlaps * inside).argmax(1))
        stride_val = stats["stride_val"]
        xy, wh = (gt_bboxes[..., :2] + gt_bboxes[..., 2:]) / 2, gt_bboxes[..., 2:] - gt_bboxes[..., :2]
        wh = torch.where(wh < stride_val, torch.full_like(wh, stride_val), wh)
        raised = tal.select_candidates_in_gts(anc_points, torch.cat((xy - wh / 2, xy + wh / 2), -1)) * mask_gt
        raised_only = (raised > 0) & (inside == 0) & (overlaps > 0)
        stats["counts"].append([int(multi.sum()), int(elsewhere.sum()), int(raised_only.sum())])
        return mask_pos, align_metric, overlaps

    tal.TaskAlignedAssigner.get_pos_mask = get_pos_mask


def compute(call, dual):
    """ComputeLoss on levels0.. (and, dual, the auxiliary head's aux0..
    first). Saves the GT as its preprocess pads it (xyxy pixels), the loss
    items (box, cls, dfl), the total (their sum times B), d total / d every
    level (NHWC; the auxiliary levels' as aux_grad<i>) and the counts of
    record_assignments, one row per head (auxiliary first)."""
    if dual:
        from utils.loss_tal_dual import ComputeLoss
    else:
        from utils.loss_tal import ComputeLoss
    p = call.params
    strides = [float(s) for s in p["strides"]]
    stats = {"stride_val": strides[1] if len(strides) > 1 else strides[0], "counts": []}
    record_assignments(stats)
    criterion = ComputeLoss(Model(p["nc"], strides))

    def levels(prefix):
        return [torch.from_numpy(call.load(f"{prefix}{i}")).permute(0, 3, 1, 2).contiguous().requires_grad_(True)
                for i in range(len(strides))]

    main = levels("level")
    aux = levels("aux") if dual else []
    targets = torch.from_numpy(call.load("labels"))  # (N, 6): image, class, x, y, w, h normalised
    loss, items = criterion([aux, main] if dual else main, targets)
    loss.backward()
    b = main[0].shape[0]
    imgsz = torch.tensor(main[0].shape[2:], dtype=torch.float32) * criterion.stride[0]
    gt = criterion.preprocess(targets, b, scale_tensor=imgsz[[1, 0, 1, 0]])
    call.save("gt_boxes", gt[..., 1:5].contiguous().numpy())
    call.save("gt_labels", gt[..., 0].to(torch.int32).numpy())
    call.save("gt_valid", (gt[..., 1:5].sum(-1) > 0).to(torch.uint8).numpy())
    call.save("items", items.float().numpy())
    call.save("total", np.array([loss.item()], dtype=np.float32))
    call.save("counts", np.array(stats["counts"], dtype=np.int32))
    for prefix, group in (("grad", main), ("aux_grad", aux)):
        for i, level in enumerate(group):
            call.save(f"{prefix}{i}", level.grad.permute(0, 2, 3, 1).contiguous().numpy())


run({"single": lambda call: compute(call, dual=False), "dual": lambda call: compute(call, dual=True)})
