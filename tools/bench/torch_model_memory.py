"""Peak memory of one PyTorch training step (forward + backward) of an
ultralytics model on the CPU: the process's peak resident set during the
step minus its resident set before it (psutil / getrusage), in MiB. One
model per process, so the peak is this step's. Prints a JSON line.
    torch_model_memory.py YAML SCALE SIZE BATCH THREADS
Run with the project's venv python.
"""
import json
import os
import resource
import sys

import psutil
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "convert"))
import ultralytics_to_safetensors as convert  # noqa: E402


def levels(raw):
    return [raw["boxes"], raw["scores"]] if isinstance(raw, dict) else list(raw)


def main():
    yaml_path, scale, size, batch, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    model = convert.model_from_yaml(yaml_path, scale if scale != "-" else None, None, 0)
    model.train()
    image = torch.rand(batch, 3, size, size)
    seeds = [torch.full_like(o, 1e-3) for o in levels(model(torch.rand(1, 3, size, size)))]
    before = psutil.Process().memory_info().rss
    outs = levels(model(image))
    sum((o * g.expand_as(o) if g.shape[0] == 1 else o * g).sum() for o, g in zip(outs, seeds)).backward()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(json.dumps({"model": os.path.basename(yaml_path), "scale": scale, "size": size, "batch": batch,
                      "peak_step_MiB": (peak - before) / 2**20}))


main()
