"""Checks a yolo-train run directory: every output file exists, results.csv
has one row per epoch with ultralytics' columns, and the training loss
(box + cls + dfl) of the last epoch is below the first's.

    check_training.py RUN_DIR EPOCHS [MIN_MAP50_95]

With MIN_MAP50_95, the best epoch's mAP50-95 must reach it (learning for real).
"""
import csv
import os
import sys


def main():
    run, epochs = sys.argv[1], int(sys.argv[2])
    for name in ("args.yaml", "results.csv", "results.png", "labels.jpg", "weights/last.safetensors",
                 "weights/best.safetensors", "train_batch0.jpg", "val_batch0_labels.jpg", "val_batch0_pred.jpg"):
        path = os.path.join(run, name)
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            sys.exit(f"missing or empty: {path}")
    with open(os.path.join(run, "results.csv")) as f:
        rows = list(csv.DictReader(f))
    if len(rows) != epochs:
        sys.exit(f"results.csv has {len(rows)} rows, expected {epochs}")
    for column in ("train/box_loss", "train/cls_loss", "train/dfl_loss", "metrics/mAP50-95(B)", "val/box_loss",
                   "val/cls_loss", "val/dfl_loss", "lr/pg0"):
        if column not in rows[0]:
            sys.exit(f"results.csv lacks {column}")
    loss = [sum(float(r[c]) for c in ("train/box_loss", "train/cls_loss", "train/dfl_loss")) for r in rows]
    if not loss[-1] < loss[0]:
        sys.exit(f"the training loss did not decrease: {loss}")
    best = max(float(r["metrics/mAP50-95(B)"]) for r in rows)
    if len(sys.argv) > 3 and not best >= float(sys.argv[3]):
        sys.exit(f"the best mAP50-95 is {best:.4f}, below {sys.argv[3]}")
    print(f"ok: {epochs} epochs, loss {loss[0]:.3f} -> {loss[-1]:.3f}, best mAP50-95 {best:.4f}")


if __name__ == "__main__":
    main()
