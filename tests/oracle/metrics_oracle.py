"""Detection metrics of one fixture by two references. Run with the project's venv python.

(a) ultralytics 8.4 itself: DetectionValidator._process_batch (box_iou +
    match_predictions) on a validator built without __init__, DetMetrics
    (ap_per_class, Metric), ConfusionMatrix.process_batch, and the text of
    DetectionValidator.print_results captured from its logger.
(b) pycocotools' COCOeval over the same boxes (iscrowd 0, one area range
    [0, 1e10], maxDets 300): each detection's dtMatches and the precision
    array (T, R, K) reduced per class and threshold as COCOeval.summarize does.

Per fixture k, inputs k_preds (P, 7) f32 rows (image, x1, y1, x2, y2,
score, class) and k_targets (T, 6) f32 rows (image, x1, y1, x2, y2, class);
params fixtures: [{images, classes}, ...]. Outputs k_<name>, each in the
input's row order; floats go back as f32.
"""
import contextlib
import logging
import os

import numpy as np
import torch
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from ultralytics.models.yolo.detect.val import DetectionValidator
from ultralytics.utils import LOGGER
from ultralytics.utils.metrics import ConfusionMatrix, DetMetrics

from oracle_io import run


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines = []

    def emit(self, record):
        if record.levelno == logging.INFO:
            self.lines.append(record.getMessage())


def ultralytics_reference(call, preds, targets, images, nc):
    names = {c: f"class{c}" for c in range(nc)}
    validator = DetectionValidator.__new__(DetectionValidator)  # only what the methods below read
    validator.iouv = torch.linspace(0.5, 0.95, 10)
    validator.niou = validator.iouv.numel()
    metrics = DetMetrics(names=names)
    confusion = ConfusionMatrix(names=names)
    tp_rows = np.zeros((len(preds), 10), np.uint8)
    for image in range(images):
        pi = np.flatnonzero(preds[:, 0] == image)
        # NMS hands the validator its detections by descending confidence;
        # the stable sort keeps tied ones in input order (the engine's rule).
        pi = pi[np.argsort(-preds[pi, 5], kind="stable")]
        ti = np.flatnonzero(targets[:, 0] == image)
        pred = {k: torch.from_numpy(np.ascontiguousarray(preds[pi, cols]))
                for k, cols in (("bboxes", slice(1, 5)), ("conf", 5), ("cls", 6))}
        batch = {"bboxes": torch.from_numpy(np.ascontiguousarray(targets[ti, 1:5])),
                 "cls": torch.from_numpy(np.ascontiguousarray(targets[ti, 5]))}
        tp = validator._process_batch(pred, batch)["tp"]
        cls = batch["cls"].numpy()
        no_pred = len(pi) == 0  # as DetectionValidator.update_metrics
        metrics.update_stats({"tp": tp, "target_cls": cls, "target_img": np.unique(cls),
                              "conf": np.zeros(0) if no_pred else pred["conf"].numpy(),
                              "pred_cls": np.zeros(0) if no_pred else pred["cls"].numpy(),
                              "im_name": f"{image}.jpg"})
        confusion.process_batch(pred, batch, conf=0.25)
        tp_rows[pi] = tp
    metrics.process()
    box = metrics.box

    # print_results as the validator runs it (verbose, not training), its lines captured.
    validator.metrics, validator.seen, validator.nc, validator.names = metrics, images, nc, names
    validator.training = False
    validator.args = type("Args", (), {"verbose": True, "task": "detect"})()
    handler, printing = _Lines(), LOGGER.handlers
    LOGGER.handlers = [handler]  # captured, not printed
    try:
        validator.print_results()
    finally:
        LOGGER.handlers = printing
    table = "".join(line + "\n" for line in [validator.get_desc(), *handler.lines])

    call.save("iouv", validator.iouv.numpy().astype(np.float32))
    call.save("tp", tp_rows)
    k = len(box.ap_class_index)
    call.save("ap_classes", np.asarray(box.ap_class_index, np.int32).reshape(k))
    call.save("ap", np.asarray(box.all_ap, np.float32).reshape(k, 10))
    call.save("p", np.asarray(box.p, np.float32).reshape(k))
    call.save("r", np.asarray(box.r, np.float32).reshape(k))
    call.save("means", np.array([*metrics.mean_results(), metrics.fitness], np.float32))
    call.save("nt_per_class", metrics.nt_per_class.astype(np.int32))
    call.save("nt_per_image", metrics.nt_per_image.astype(np.int32))
    for name in ("p_curve", "r_curve", "f1_curve", "prec_values"):
        curve = np.asarray(getattr(box, name), np.float32)
        call.save(name, curve[:k].reshape(k, 1000))  # prec_values is one row of zeros without classes
    call.save("confusion", confusion.matrix.astype(np.float32))
    call.save("table", np.frombuffer(table.encode(), np.uint8))


def coco_reference(call, preds, targets, images, nc):
    def xywh(row):
        x1, y1, x2, y2 = (float(v) for v in row)  # f32 -> f64 exactly; so are the differences
        return [x1, y1, x2 - x1, y2 - y1]

    gt = COCO()
    gt.dataset = {
        "images": [{"id": i + 1} for i in range(images)],
        "categories": [{"id": c + 1} for c in range(nc)],
        "annotations": [{"id": j + 1, "image_id": int(t[0]) + 1, "category_id": int(t[5]) + 1, "bbox": xywh(t[1:5]),
                         "area": float((t[3] - t[1]) * (t[4] - t[2])), "iscrowd": 0} for j, t in enumerate(targets)],
    }
    results = [{"image_id": int(d[0]) + 1, "category_id": int(d[6]) + 1, "bbox": xywh(d[1:5]), "score": float(d[5])}
               for d in preds]  # loadRes numbers them 1, 2, ... in this order
    matched = np.zeros((len(preds), 10), np.uint8)
    per_class = np.full((nc, 10), -1.0, np.float32)
    means = np.array([-1.0, -1.0], np.float32)  # mAP50-95, mAP50; -1 as COCOeval when nothing is defined
    ran = len(results) > 0  # loadRes cannot load an empty list (it reads anns[0])
    if ran:
        with contextlib.redirect_stdout(open(os.devnull, "w")):
            gt.createIndex()
            ev = COCOeval(gt, gt.loadRes(results), "bbox")
            ev.params.maxDets = [1, 10, 300]  # summarize reads maxDets[2]; evaluate uses the last
            ev.params.areaRng, ev.params.areaRngLbl = [[0.0, 1e10]], ["all"]
            ev.evaluate()
            ev.accumulate()
        for e in ev.evalImgs:
            if e is not None:
                for j, dt_id in enumerate(e["dtIds"]):
                    matched[dt_id - 1] = e["dtMatches"][:, j] > 0
        precision = ev.eval["precision"][:, :, :, 0, -1]  # (T, R, K): all areas, the largest maxDets
        for c in range(nc):
            if (precision[:, :, c] > -1).all():
                per_class[c] = precision[:, :, c].mean(1)
        valid = precision > -1
        if valid.any():
            means = np.array([precision[valid].mean(), precision[0][valid[0]].mean()], np.float32)
    call.save("coco_ran", np.array([int(ran)], np.int32))
    call.save("coco_matched", matched)
    call.save("coco_ap", per_class)
    call.save("coco_means", means)


class _Prefixed:
    """One fixture's view of the call: its arrays are named "<k>_<name>"."""

    def __init__(self, call, k):
        self.call, self.prefix = call, f"{k}_"

    def load(self, name):
        return self.call.load(self.prefix + name)

    def save(self, name, array):
        self.call.save(self.prefix + name, array)


def evaluate(call):
    """Every fixture in one run: torch and ultralytics load once."""
    for k, fixture in enumerate(call.params["fixtures"]):
        one = _Prefixed(call, k)
        preds = one.load("preds").reshape(-1, 7)
        targets = one.load("targets").reshape(-1, 6)
        ultralytics_reference(one, preds, targets, fixture["images"], fixture["classes"])
        coco_reference(one, preds, targets, fixture["images"], fixture["classes"])


run({"evaluate": evaluate})
