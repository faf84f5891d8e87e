#!/usr/bin/env python3
"""Layer, parameter, gradient and GFLOPs counts of a model YAML, as the reference code counts them.

Run it with the oracle venv (tools/setup-deps.sh makes it):

    .venv/bin/python tools/reference/model_info.py models/yolov8.yaml --scale s
    .venv/bin/python tools/reference/model_info.py models/detect/yolov9-c.yaml

It prints one JSON line {"layers", "params", "gradients", "gflops"} (plus "source" for models/detect/*).

* models/*.yaml (ultralytics modules, Detect head) are built with ultralytics' DetectionModel and counted
  by its model_info(): layers = leaf modules, GFLOPs from ultralytics-thop at --imgsz.
* models/detect/*.yaml use modules only the YOLOv9 authors' repository has (Silence, DDetect,
  DualDDetect), so ultralytics cannot build them. By default the script prints the numbers recorded in
  RECORDED below from that repository's own model summary, after checking that the file's rows are the
  ones they were recorded for. With --yolov9-repo DIR (a checkout of that repository, never vendored
  here) it builds the file with the checkout's models/yolo.py and counts it as the checkout's
  utils/torch_utils.model_info does (layers = all modules; GFLOPs from the `thop` module installed,
  which in .venv is ultralytics-thop: it counts nearest-neighbour upsampling as 0 ops where thop 0.1.1
  counts 1 per output element, so its GFLOPs come out lower in the third decimal).

--fused counts the model after Conv+BN (and RepConv) fusion instead, as both summaries print it for
inference; --imgsz changes the GFLOPs image size (the recorded table has 640 only).
"""

import argparse
import hashlib
import importlib.util
import json
import logging
import os
import sys
from copy import deepcopy
from pathlib import Path

# The venv's .pth sets these too; repeated so that no other interpreter set-up can make ultralytics go online.
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

import yaml  # noqa: E402

# The YOLOv9 repository's summary of each models/detect file, at 640x640.
#   code: github WongKinYiu/yolov9, commit 5b1ea9a8b3f0ffe4fe0e203ec6232d788bb3fcff (2024-06-10),
#         models/yolo.py Model(cfg) and utils/torch_utils.model_info; thop 0.1.1.post2209072238
#         (its requirements.txt: thop>=0.1.1), Debian's torch 1.13.1 (reports 1.13.0a0), CPU.
#   layers = len(list(model.modules())); gflops unrounded (the summary prints them with one decimal).
#   Each of our files builds the same modules, state_dict shapes and numbers as the repository's own
#   file of the same name. "rows" is sha256 of the parsed nc, multiples, backbone and head.
RECORDED_SOURCE = ("YOLOv9 repo (WongKinYiu/yolov9@5b1ea9a) models/yolo.py + utils/torch_utils.model_info, "
                   "thop 0.1.1.post2209072238, torch 1.13.1; numbers recorded in tools/reference/model_info.py")
RECORDED = {
    "yolov9-t": {"rows": "e1a74cba3e65d9e6",
                 "unfused": (1219, 3717680, 3717648, 16.5254144), "fused": (658, 3674576, 3396816, 16.1666048)},
    "yolov9-s": {"rows": "a31174e1c52b323b",
                 "unfused": (1219, 9804512, 9804480, 39.9471616), "fused": (658, 9659168, 8550720, 39.0550528)},
    "yolov9-m": {"rows": "69cf8c5e6acedb42",
                 "unfused": (938, 32878432, 32878400, 133.02246399999999), "fused": (588, 32667400, 31073376, 131.326976)},
    "yolov9-c": {"rows": "d5a40d45a73855f0",
                 "unfused": (962, 51182080, 51182048, 239.876608), "fused": (604, 50880768, 48556000, 237.6406016)},
    "yolov9-e": {"rows": "c0f992fb8164fdcf",
                 "unfused": (1475, 69529664, 69529632, 245.5254016), "fused": (839, 68669632, 61512096, 241.35813119999997)},
    "gelan-t": {"rows": "552c016d85d28214",
                "unfused": (920, 2442640, 2442624, 10.078054400000001), "fused": (489, 2407632, 2175056, 9.8191872)},
    "gelan-s": {"rows": "81e5b007e8fe616c",
                "unfused": (920, 7226208, 7226192, 27.039180800000004), "fused": (489, 7105888, 6177648, 26.382592)},
    "gelan-m": {"rows": "9e3e517ee26c3822",
                "unfused": (606, 20124000, 20123984, 77.3504256), "fused": (377, 19978672, 18873500, 76.31564800000001)},
    "gelan-c": {"rows": "ae1ee59cdde173aa",
                "unfused": (621, 25498752, 25498736, 103.5065856), "fused": (387, 25288768, 23646704, 102.14548480000002)},
    "gelan-e": {"rows": "297d3b953f07edf3",
                "unfused": (1228, 58114432, 58114416, 192.49955839999998), "fused": (690, 57345920, 50926448, 188.9544704)},
}
KEYS = ("layers", "params", "gradients", "gflops")


def rows_digest(d):
    """What the counts depend on, independent of comments and layout: 16 hex digits of a sha256."""
    key = [d.get("nc"), d.get("depth_multiple"), d.get("width_multiple"), d.get("backbone"), d.get("head")]
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def quiet_ultralytics():
    from ultralytics.utils import LOGGER

    LOGGER.setLevel(logging.WARNING)
    return LOGGER


def ultralytics_numbers(path, d, scale, imgsz, fused):
    from ultralytics.nn.tasks import DetectionModel, guess_model_scale
    from ultralytics.utils.torch_utils import model_info

    logger = quiet_ultralytics()
    if d.get("scales"):
        scale = scale or guess_model_scale(path)
        if scale not in d["scales"]:
            sys.exit(f"model_info: {path} has scales {'/'.join(d['scales'])}: pass --scale")
        d["scale"] = scale
    elif scale:
        sys.exit(f"model_info: {path} has no scales, --scale {scale} does not apply")
    d["yaml_file"] = str(path)
    model = DetectionModel(d, verbose=False)
    if fused:
        model.fuse(verbose=False)
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # model_info returns its numbers only when verbose; keep stdout for the JSON
    try:
        layers, params, gradients, gflops = model_info(model, verbose=True, imgsz=imgsz)
    finally:
        logger.setLevel(level)
    return dict(zip(KEYS, (layers, params, gradients, gflops)))


def yolov9_repo_numbers(path, repo, imgsz, fused):
    import types

    import torch

    repo = Path(repo).resolve()
    if not (repo / "models" / "yolo.py").is_file():
        sys.exit(f"model_info: {repo} is not a YOLOv9 repository checkout (no models/yolo.py)")
    if importlib.util.find_spec("IPython") is None:  # models/common.py imports it; building never uses it
        ipy = types.ModuleType("IPython")
        ipy.get_ipython = lambda: None
        ipy.display = types.ModuleType("IPython.display")
        ipy.display.display = lambda *a, **k: None
        sys.modules.update({"IPython": ipy, "IPython.display": ipy.display})
    sys.path.insert(0, str(repo))
    import thop
    from models.yolo import Model
    from utils.general import LOGGER

    LOGGER.setLevel(logging.WARNING)
    model = Model(str(path))
    if fused:
        model.fuse()
    # utils/torch_utils.model_info, without its rounding to one decimal
    p = next(model.parameters())
    stride = max(int(model.stride.max()), 32) if hasattr(model, "stride") else 32
    im = torch.empty((1, p.shape[1], stride, stride), device=p.device)
    flops = thop.profile(deepcopy(model), inputs=(im,), verbose=False)[0] / 1e9 * 2
    hw = imgsz if isinstance(imgsz, list) else [imgsz, imgsz]
    numbers = (len(list(model.modules())), sum(x.numel() for x in model.parameters()),
               sum(x.numel() for x in model.parameters() if x.requires_grad), flops * hw[0] / stride * hw[1] / stride)
    commit = ""
    head = repo / ".git" / "HEAD"
    if head.is_file():
        ref = head.read_text().strip()
        commit = "@" + ((repo / ".git" / ref[5:]).read_text().strip() if ref.startswith("ref: ") else ref)[:7]
    source = f"built with {repo}{commit} models/yolo.py; thop {getattr(thop, '__version__', '?')}, torch {torch.__version__}"
    return dict(zip(KEYS, numbers), source=source)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("yaml", type=Path, help="model YAML (models/*.yaml or models/detect/*.yaml)")
    ap.add_argument("--scale", help="scale letter of a file with scales (n/s/m/l/x); default: from the file name")
    ap.add_argument("--imgsz", type=int, default=640, help="square image size of the GFLOPs count (default 640)")
    ap.add_argument("--fused", action="store_true", help="count after Conv+BN / RepConv fusion")
    ap.add_argument("--yolov9-repo", metavar="DIR", help="models/detect/*: build with this YOLOv9 checkout")
    args = ap.parse_args()

    d = yaml.safe_load(args.yaml.read_text())
    modules = {row[2] for row in d.get("backbone", []) + d.get("head", [])}
    if not modules & {"DDetect", "DualDDetect", "Silence"}:
        out = ultralytics_numbers(args.yaml, d, args.scale, args.imgsz, args.fused)
    elif args.scale:
        sys.exit("model_info: --scale applies to ultralytics files with scales only")
    elif args.yolov9_repo:
        out = yolov9_repo_numbers(args.yaml, args.yolov9_repo, args.imgsz, args.fused)
    else:
        rec = RECORDED.get(args.yaml.stem)
        if rec is None:
            sys.exit(f"model_info: no recorded numbers for {args.yaml.stem}: pass --yolov9-repo DIR")
        if rows_digest(d) != rec["rows"]:
            sys.exit(f"model_info: {args.yaml} differs from the file its numbers were recorded for: "
                     "pass --yolov9-repo DIR, and update RECORDED")
        if args.imgsz != 640:
            sys.exit("model_info: recorded numbers are for --imgsz 640 only")
        out = dict(zip(KEYS, rec["fused" if args.fused else "unfused"]), source=RECORDED_SOURCE)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
