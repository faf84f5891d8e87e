"""ultralytics 8.4's predict on a folder of images: YOLOv8n (initialised
from models/yolov8.yaml at scale n, untrained: the speed does not depend on
the weights), CPU, the given batch and threads. Prints one JSON line with
the mean per-image preprocess, inference and postprocess milliseconds that
ultralytics itself reports (Results.speed), and images/s from their sum.

    .venv/bin/python tools/bench/ultralytics_predict_bench.py --source DIR --yaml models/yolov8.yaml
        [--imgsz 640] [--batch 1] [--threads 2]
"""
import argparse
import json

import torch
import yaml
from ultralytics import YOLO


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--source", required=True)
    p.add_argument("--yaml", required=True)
    p.add_argument("--imgsz", type=int, default=640)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)  # torch here defaults to 1 thread: unfair to it otherwise
    torch.manual_seed(0)
    with open(args.yaml) as f:
        cfg = yaml.safe_load(f)
    cfg["scale"] = "n"
    model = YOLO("yolov8n.yaml")  # the architecture; its weights are replaced below
    from ultralytics.nn.tasks import DetectionModel

    model.model = DetectionModel(cfg, nc=80, verbose=False)
    speeds = [r.speed for r in model.predict(source=args.source, imgsz=args.imgsz, batch=args.batch, device="cpu",
                                            conf=0.25, iou=0.7, save=False, verbose=False, stream=True)]
    mean = {k: sum(s[k] for s in speeds) / len(speeds) for k in ("preprocess", "inference", "postprocess")}
    total = sum(mean.values())
    print(json.dumps({"pipeline": "ultralytics", "batch": args.batch, "images": len(speeds), **mean,
                      "images_per_second": 1000.0 / total}))


if __name__ == "__main__":
    main()
