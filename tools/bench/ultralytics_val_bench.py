"""Validates a yolo-engine checkpoint with ultralytics' own DetectionValidator
and prints ONE JSON line on stdout:
  {"validator": "ultralytics", "map50": ..., "map50_95": ..., "precision": ..., "recall": ...,
   "inference_ms": ...}
The checkpoint's tensors are ultralytics' state_dict (names and PyTorch
layouts, engine/graph/checkpoint.h): the model is rebuilt by ultralytics from
the YAML and scale in its metadata and loaded with them, then validated as
`yolo val rect=True` would (conf 0.001, IoU 0.7, multi-label NMS, batch
norms fused). rect=True: yolo-val's rectangular batches, as the YOLOv5/YOLOv9
repositories' val.py and older ultralytics; ultralytics 8.4 itself now
defaults to square letterboxing (--square for that). tools/bench/val_vs_ultralytics.sh runs it beside yolo-val.
  .venv/bin/python tools/bench/ultralytics_val_bench.py CHECKPOINT DATA_YAML --imgsz 640 --batch 16
Everything ultralytics logs goes to stderr.
"""
import argparse
import json
import os
import struct
import sys

_result_out = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import yaml  # noqa: E402


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        if name.startswith("train_state/"):
            continue  # the trainer's state for --resume, not the model's
        begin, end = entry["data_offsets"]
        assert entry["dtype"] == "F32", f"{name}: {entry['dtype']}"
        tensors[name] = torch.from_numpy(np.frombuffer(data[begin:end], dtype=np.float32).reshape(entry["shape"]).copy())
    return tensors, metadata


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("checkpoint")
    parser.add_argument("data")
    parser.add_argument("--imgsz", type=int, default=640)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--square", action="store_true", help="ultralytics 8.4's default: rect=False")
    args = parser.parse_args()

    from ultralytics.models.yolo.detect import DetectionValidator
    from ultralytics.nn.tasks import DetectionModel

    tensors, metadata = read_safetensors(args.checkpoint)
    cfg = yaml.safe_load(metadata["model_yaml"])
    if "scale" in metadata:
        cfg["scale"] = metadata["scale"]
    nc = int(metadata["nc"])
    model = DetectionModel(cfg, nc=nc, verbose=False)
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    missing = [m for m in missing if not m.endswith("num_batches_tracked")]
    assert not missing and not unexpected, f"missing {missing}, unexpected {unexpected}"
    model.eval()
    validator = DetectionValidator(args=dict(data=args.data, imgsz=args.imgsz, batch=args.batch, conf=0.001, iou=0.7,
                                             rect=not args.square, device="cpu", plots=False, half=False, workers=2, verbose=False))
    results = validator(model=model)
    speed = validator.speed
    json.dump({"validator": "ultralytics", "map50": results["metrics/mAP50(B)"],
               "map50_95": results["metrics/mAP50-95(B)"], "precision": results["metrics/precision(B)"],
               "recall": results["metrics/recall(B)"], "inference_ms": speed["inference"]}, _result_out)
    _result_out.write("\n")
    _result_out.flush()


if __name__ == "__main__":
    sys.exit(main())
