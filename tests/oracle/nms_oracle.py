"""ultralytics 8.4's non_max_suppression (torchvision.ops.nms underneath:
torchvision is imported first, which is what makes ultralytics use it) on
the test's predictions. Run with the project's venv python.
"""
import numpy as np
import torch
import torchvision  # noqa: F401  (ultralytics uses torchvision's nms when it is imported)
from ultralytics.utils.nms import non_max_suppression

from oracle_io import run


def nms(call):
    p = call.params
    pred = torch.from_numpy(call.load("pred")).transpose(1, 2).contiguous()  # (B, A, 4+nc) -> ultralytics' (B, 4+nc, A)
    out = non_max_suppression(pred, conf_thres=p["conf"], iou_thres=p["iou"], multi_label=p["multi_label"],
                              agnostic=p["agnostic"], max_det=p["max_det"])
    rows = [np.concatenate([np.full((len(o), 1), b, np.float32), o.numpy()], 1) for b, o in enumerate(out)]
    call.save("detections", np.concatenate(rows, 0).astype(np.float32) if rows else np.zeros((0, 7), np.float32))


run({"nms": nms})
