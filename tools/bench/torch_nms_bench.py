"""ultralytics 8.4's non_max_suppression (torchvision's nms inside) at the
shapes of `yolo-bench --benchmark_filter=^nms`: batch 16, 8400 anchors, 80
classes, boxes clustered on a 10 x 10 grid, each anchor with one class
score u * u and the others below 0.02 -- the same distribution the engine's
benchmark draws (not the same numbers). Mean per call over >= 1 s, best of 3.

    .venv/bin/python tools/bench/torch_nms_bench.py [threads]
"""
import sys
import time

import torch
import torchvision  # noqa: F401  (ultralytics uses torchvision's nms when it is imported)
from ultralytics.utils.nms import non_max_suppression

B, A, C = 16, 8400, 80


def prediction(seed=5):
    g = torch.Generator().manual_seed(seed)
    u = lambda *s: torch.rand(*s, generator=g)  # noqa: E731
    p = torch.empty(B, A, 4 + C)
    p[..., 0] = torch.randint(0, 10, (B, A), generator=g) * 64.0 + 40 * u(B, A)
    p[..., 1] = torch.randint(0, 10, (B, A), generator=g) * 64.0 + 40 * u(B, A)
    p[..., 2] = 10 + 120 * u(B, A)
    p[..., 3] = 10 + 120 * u(B, A)
    p[..., 4:] = 0.02 * u(B, A, C)
    top = torch.randint(0, C, (B, A), generator=g)
    p.scatter_(2, (4 + top)[..., None], (u(B, A) * u(B, A))[..., None])
    return p.transpose(1, 2).contiguous()  # ultralytics' (B, 4 + nc, A)


def timed(fn):
    best = float("inf")
    for _ in range(3):
        n, start = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            if time.perf_counter() - start >= 1.0:
                break
        best = min(best, (time.perf_counter() - start) / n)
    return best


def main():
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    pred = prediction()
    for name, conf in (("conf0.001", 0.001), ("conf0.25", 0.25)):
        ms = 1000 * timed(lambda: non_max_suppression(pred, conf_thres=conf, iou_thres=0.7, max_det=300))
        print(f"ultralytics nms/b{B}/{A}x{C}/{name}: {ms:.1f} ms")


if __name__ == "__main__":
    main()
