"""ultralytics' TaskAlignedAssigner (8.4, as v8DetectionLoss configures it:
topk 10, alpha 0.5, beta 6.0, strides 8/16/32) on the test's inputs. Run
with the project's venv python.
"""
import numpy as np
import torch
from ultralytics.utils.tal import TaskAlignedAssigner

from oracle_io import run


def assign(call):
    scores = torch.from_numpy(call.load("pred_scores"))
    boxes = torch.from_numpy(call.load("pred_boxes"))
    anchors = torch.from_numpy(call.load("anchors"))
    gt_boxes = torch.from_numpy(call.load("gt_boxes"))
    gt_labels = torch.from_numpy(call.load("gt_labels")).float()[..., None]
    mask_gt = torch.from_numpy(call.load("gt_valid")).float()[..., None]
    assigner = TaskAlignedAssigner(topk=10, num_classes=scores.shape[2], alpha=0.5, beta=6.0, stride=[8, 16, 32])
    _, target_boxes, target_scores, fg, gt_index = assigner(scores, boxes, anchors, gt_labels, gt_boxes, mask_gt)
    call.save("fg", fg.to(torch.uint8).numpy())
    call.save("gt_index", gt_index.to(torch.int32).numpy())
    call.save("target_boxes", target_boxes.float().numpy())
    call.save("target_scores", target_scores.float().numpy())


run({"assign": assign})
