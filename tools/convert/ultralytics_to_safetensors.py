#!/usr/bin/env python3
"""Converts an ultralytics model into a yolo-engine checkpoint.

    ultralytics_to_safetensors.py best.pt out.safetensors
    ultralytics_to_safetensors.py --yaml models/yolov8.yaml --scale n [--nc 3] [--seed 0] out.safetensors

The first form reads a checkpoint written by ultralytics (the EMA weights if
present, as ultralytics itself does); the second builds a freshly initialised
model from a YAML with ultralytics (tests use it for parity). The output is
the state_dict in PyTorch's layouts and ultralytics' names, which is exactly
what the engine's checkpoints hold (engine/graph/checkpoint.h), without
BatchNorm's num_batches_tracked counters, plus the metadata the engine needs
to rebuild the model (its YAML, nc, class names).

Run it with the project's venv (tools/setup-deps.sh makes .venv with
ultralytics on Debian's torch).
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch
import yaml

FORMAT = "yolo-engine.checkpoint.v1"  # engine/graph/checkpoint.h: kCheckpointFormat


def write_safetensors(path, tensors, metadata):
    """The safetensors layout, written atomically (temporary file + rename)."""
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        array = np.ascontiguousarray(array, dtype=np.float32)
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        blobs.append(array.tobytes())
        offset += array.nbytes
    header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def model_from_pt(path):
    ckpt = torch.load(path, map_location="cpu")  # ultralytics checkpoints pickle the model object
    model = ckpt.get("ema") or ckpt["model"]
    return model.float()


def model_from_yaml(path, scale, nc, seed):
    from ultralytics.nn.tasks import DetectionModel

    with open(path) as f:
        cfg = yaml.safe_load(f)
    if scale:
        cfg["scale"] = scale
    torch.manual_seed(seed)
    return DetectionModel(cfg, nc=nc, verbose=False)


def convert(model, out, yaml_text, scale=None):
    state = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    names = getattr(model, "names", None)
    metadata = {"format": FORMAT, "model_yaml": yaml_text, "nc": model.yaml.get("nc", len(names or [])),
                "source": "ultralytics"}
    if scale:
        metadata["scale"] = scale  # the engine rebuilds the model at this scale (engine/graph/checkpoint.h)
    if names:
        metadata["names"] = json.dumps(names if isinstance(names, list) else [names[i] for i in sorted(names)])
    write_safetensors(out, state, metadata)
    return len(state)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("weights", nargs="?", help="an ultralytics .pt checkpoint")
    p.add_argument("out", help="the .safetensors file to write")
    p.add_argument("--yaml", help="build from this model YAML instead of reading weights")
    p.add_argument("--scale", help="scale letter for a YAML with scales (n, s, m, l, x)")
    p.add_argument("--nc", type=int, help="class count (YAML form)")
    p.add_argument("--seed", type=int, default=0, help="torch seed for the initial weights (YAML form)")
    args = p.parse_args()
    if bool(args.yaml) == bool(args.weights):
        p.error("give either a .pt file or --yaml")
    if args.yaml:
        model = model_from_yaml(args.yaml, args.scale, args.nc, args.seed)
        with open(args.yaml) as f:
            text = f.read()
    else:
        model = model_from_pt(args.weights)
        text = yaml.safe_dump(model.yaml, sort_keys=False)
    n = convert(model, args.out, text, args.scale)
    print(f"{args.out}: {n} tensors", file=sys.stderr)


if __name__ == "__main__":
    main()
