"""Trains with ultralytics (PyTorch, CPU) for the training comparison and
prints ONE JSON line on stdout:
  {"trainer": "ultralytics", "epochs": E, "images": N, "train_seconds": ...,
   "images_per_second": ..., "map50_95": ..., "map50": ..., "peak_rss_mb": ...}
images_per_second counts training images over the training part of each
epoch only (on_train_epoch_start to on_train_epoch_end: validation, which
both trainers run after every epoch, is left out). map50_95 is the final
epoch's, from its results.csv; peak_rss_mb this process's high-water mark
(train_vs_ultralytics.sh reports GNU time's figure for the whole command).
  .venv/bin/python tools/bench/ultralytics_train_bench.py --data DATA_YAML --imgsz 320 --batch 16
      --epochs 5 --workers 2 --project DIR
Everything ultralytics logs goes to stderr.
"""
import argparse
import csv
import json
import os
import resource
import sys
import time

_result_out = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)

from ultralytics import YOLO  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", default="yolov8n.yaml")
    parser.add_argument("--imgsz", type=int, default=320)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--close-mosaic", type=int, default=10)
    parser.add_argument("--project", required=True)
    args = parser.parse_args()

    seconds, started, counted = [0.0], [0.0], [0]

    def epoch_start(trainer):
        started[0] = time.perf_counter()

    def epoch_end(trainer):
        seconds[0] += time.perf_counter() - started[0]
        counted[0] += len(trainer.train_loader.dataset)

    model = YOLO(args.model)
    model.add_callback("on_train_epoch_start", epoch_start)
    model.add_callback("on_train_epoch_end", epoch_end)
    # As yolo-train's defaults: SGD chosen explicitly (the 'auto' rule picks
    # by run length and ultralytics 8.4 may pick its MuSGD), no AMP on the CPU.
    model.train(data=args.data, imgsz=args.imgsz, batch=args.batch, epochs=args.epochs, workers=args.workers,
                device="cpu", optimizer="SGD", lr0=0.01, momentum=0.937, close_mosaic=args.close_mosaic,
                project=args.project, name="ultralytics", exist_ok=True, plots=False, amp=False, seed=0,
                deterministic=False, verbose=False)
    with open(os.path.join(args.project, "ultralytics", "results.csv")) as f:
        rows = list(csv.DictReader(f))
    last = {k.strip(): v for k, v in rows[-1].items()}
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump({"trainer": "ultralytics", "epochs": args.epochs, "images": counted[0], "train_seconds": seconds[0],
               "images_per_second": counted[0] / seconds[0], "map50_95": float(last["metrics/mAP50-95(B)"]),
               "map50": float(last["metrics/mAP50(B)"]), "peak_rss_mb": own},
              _result_out)
    _result_out.write("\n")
    _result_out.flush()


if __name__ == "__main__":
    sys.exit(main())
