"""Times ultralytics' YOLOv8 (built from the engine's own YAML) on PyTorch's
CPU backend, as users run it: forward in eval mode, and a training step's
forward + backward of sum(out_i * g_i), batch 16. Prints JSON lines
{"name", "seconds"} matching yolo-bench's model_* benchmark names.
Run with the project's venv python (ultralytics on Debian's torch).
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "convert"))
import ultralytics_to_safetensors as convert  # noqa: E402
from timing import best_mean  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
CASES = [("yolov8n", "models/yolov8.yaml", "n", 320, 16), ("yolov8n", "models/yolov8.yaml", "n", 640, 16)]


def levels(raw):
    if isinstance(raw, dict):  # ultralytics >= 8.4: boxes and scores over all anchors
        return [raw["boxes"], raw["scores"]]
    return list(raw)


def main():
    threads, min_seconds = int(sys.argv[1]), float(sys.argv[2])
    torch.set_num_threads(threads)
    for name, yaml_path, scale, size, batch in CASES:
        model = convert.model_from_yaml(os.path.join(ROOT, yaml_path), scale, None, 0)
        image = torch.rand(batch, 3, size, size)
        model.eval()

        def forward():
            with torch.no_grad():
                model(image)

        print(json.dumps({"name": f"model_forward/{name}/{size}px/b{batch}", "seconds": best_mean(forward, min_seconds)}),
              flush=True)
        model.train()
        seeds = [torch.full_like(o, 1e-3) for o in levels(model(image))]

        def train_step():
            outs = levels(model(image))
            sum((o * g).sum() for o, g in zip(outs, seeds)).backward()

        print(json.dumps({"name": f"model_train_step/{name}/{size}px/b{batch}",
                          "seconds": best_mean(train_step, min_seconds)}), flush=True)


main()
