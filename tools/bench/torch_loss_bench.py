"""Times ultralytics' v8DetectionLoss on PyTorch's CPU backend on the same
work as yolo-bench's detection_loss and assigner benchmarks (batch 16,
640 px, 80 classes, 20 boxes per image): the loss with its backward to the
head outputs, the TaskAlignedAssigner alone, and the CIoU box loss with its
backward over 16 x 100 x 10 positive anchors (ultralytics' bbox_iou, as
BboxLoss calls it). Prints JSON lines
{"name", "seconds"}. Run with the project's venv python.
"""
import json
import os
import sys
from types import SimpleNamespace

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "convert"))
import ultralytics_to_safetensors as convert  # noqa: E402
from ultralytics.utils.loss import v8DetectionLoss  # noqa: E402
from timing import best_mean  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
B, SIZE, NC, OBJECTS = 16, 640, 80, 20


def main():
    threads, min_seconds = int(sys.argv[1]), float(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(7)
    model = convert.model_from_yaml(os.path.join(ROOT, "models/yolov8.yaml"), "n", NC, 0)
    model.args = SimpleNamespace(box=7.5, cls=0.5, dfl=1.5)
    criterion = v8DetectionLoss(model)
    levels = [(torch.rand(B, 64 + NC, SIZE // s, SIZE // s) * 6 - 3).requires_grad_(True) for s in (8, 16, 32)]
    wh = torch.rand(B * OBJECTS, 2) * 200 + 16
    xy = torch.rand(B * OBJECTS, 2) * (SIZE - wh) + wh / 2
    batch = {"batch_idx": torch.arange(B).repeat_interleave(OBJECTS).float(),
             "cls": torch.randint(0, NC, (B * OBJECTS, 1)).float(),
             "bboxes": torch.cat([xy, wh], 1) / SIZE}

    def step():
        preds = {"boxes": torch.cat([l[:, :64].reshape(B, 64, -1) for l in levels], 2),
                 "scores": torch.cat([l[:, 64:].reshape(B, NC, -1) for l in levels], 2), "feats": levels}
        loss, _ = criterion(preds, batch)
        loss.sum().backward()

    print(json.dumps({"name": f"detection_loss/b{B}/{SIZE}px/{NC}", "seconds": best_mean(step, min_seconds)}), flush=True)

    scores = torch.rand(B, 8400, NC)
    boxes = torch.rand(B, 8400, 4) * SIZE
    anchors = torch.cat([torch.stack(torch.meshgrid(torch.arange(SIZE // s), torch.arange(SIZE // s), indexing="ij")[::-1], -1)
                         .reshape(-1, 2).float().add(0.5).mul(s) for s in (8, 16, 32)])
    targets = torch.cat((batch["batch_idx"].view(-1, 1), batch["cls"], batch["bboxes"]), 1)
    gt = criterion.preprocess(targets, B, scale_tensor=torch.tensor([SIZE] * 4, dtype=torch.float32))
    mask = (gt[..., 1:5].sum(-1, keepdim=True) > 0).float()
    assign = lambda: criterion.assigner(scores, boxes, anchors, gt[..., :1], gt[..., 1:5], mask)  # noqa: E731
    print(json.dumps({"name": f"assigner/b{B}/{SIZE}px/{NC}", "seconds": best_mean(assign, min_seconds)}), flush=True)

    from ultralytics.utils.metrics import bbox_iou

    def random_boxes(n):
        wh = torch.rand(n, 2) * 200 + 16
        xy = torch.rand(n, 2) * (SIZE - wh)
        return torch.cat([xy, xy + wh], 1)

    positives = B * 100 * 10
    pred, target, weight = random_boxes(positives).requires_grad_(True), random_boxes(positives), torch.rand(positives, 1)

    def box_loss():
        iou = bbox_iou(pred, target, xywh=False, CIoU=True)
        ((1.0 - iou) * weight).sum().backward()

    print(json.dumps({"name": f"box_loss/ciou/{positives}", "seconds": best_mean(box_loss, min_seconds)}), flush=True)


main()
