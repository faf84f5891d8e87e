"""Times PyTorch's CPU convolutions on the shapes of yolo-bench's conv2d
benchmarks (tools/yolo-bench/bench_conv.cpp: keep the table in sync) and
prints one JSON object per line: {"name", "direction", "seconds", "flops"}.

channels_last tensors, so torch runs oneDNN's NHWC kernels like the engine;
torch.set_num_threads(THREADS) so both use every core. Backward directions
call aten's convolution_backward with one output selected, which is what
autograd runs for that gradient.
"""
import json
import sys

import torch
from timing import best_mean

SHAPES = [  # label, (N, H, W, C), out channels, kernel, stride, padding
    ("stem_3to16_k3s2_320", (16, 320, 320, 3), 16, 3, 2, 1),
    ("c2f_16to16_k3_80", (16, 80, 80, 16), 16, 3, 1, 1),
    ("c2f_32to32_k3_40", (16, 40, 40, 32), 32, 3, 1, 1),
    ("down_64to128_k3s2_40", (16, 40, 40, 64), 128, 3, 2, 1),
    ("c2f_48to32_k1_80", (16, 80, 80, 48), 32, 1, 1, 0),
    ("head_80to80_k3_40", (16, 40, 40, 80), 80, 3, 1, 1),
]


def main():
    threads, min_seconds = int(sys.argv[1]), float(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    for label, (n, h, w, c), o, k, s, p in SHAPES:
        x = torch.rand(n, c, h, w).to(memory_format=torch.channels_last)
        weight = (torch.rand(o, c, k, k) * 0.2 - 0.1).to(memory_format=torch.channels_last)
        with torch.no_grad():
            y = torch.nn.functional.conv2d(x, weight, None, s, p)
        dy = torch.rand_like(y).contiguous(memory_format=torch.channels_last)
        flops = 2.0 * y.numel() * k * k * c

        def forward():
            with torch.no_grad():
                torch.nn.functional.conv2d(x, weight, None, s, p)

        def backward(mask):
            return lambda: torch.ops.aten.convolution_backward(dy, x, weight, None, [s, s], [p, p], [1, 1], False,
                                                               [0, 0], 1, mask)

        for direction, fn in (("forward", forward), ("backward_data", backward([True, False, False])),
                              ("backward_weights", backward([False, True, False]))):
            print(json.dumps({"name": label, "direction": direction, "seconds": best_mean(fn, min_seconds, repetitions=5),
                              "flops": flops}), flush=True)


main()
