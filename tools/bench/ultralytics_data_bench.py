"""Times ultralytics' own training DataLoader on a YOLO dataset: the loader
DetectionTrainer builds (build_yolo_dataset + build_dataloader, mode "train":
augment on, rect off, default hyper-parameters from get_cfg(): mosaic 1.0,
RandomPerspective translate 0.1 / scale 0.5, HSV 0.015/0.7/0.4, fliplr 0.5,
albumentations if installed), with the given worker count and image cache.
Skips K warm-up batches, then times N batches with the wall clock and prints
ONE JSON line on stdout:
  {"pipeline": "ultralytics", "workers": W, "batch": B, "imgsz": S, "batches": N,
   "images": ..., "seconds": ..., "images_per_second": ...}
Everything ultralytics logs goes to stderr.
  .venv/bin/python tools/bench/ultralytics_data_bench.py --data DATA_YAML [--imgsz 640] [--batch 16]
      [--workers 1] [--batches 20] [--warmup 3] [--cache ram|disk|none] [--seed 0] [--float]
Run with the project's venv python (ultralytics on Debian's torch).
tools/bench/data_vs_ultralytics.sh runs it beside yolo-bench's data_loader/workers:W.
"""
import argparse
import json
import os
import sys
import time

# stdout carries only the result line: keep a private handle on it and point
# fd 1 at stderr before ultralytics installs its logger (a StreamHandler on
# sys.stdout) and before the DataLoader forks its workers (which inherit fd 1).
_result_out = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)

import torch  # noqa: E402

from ultralytics.cfg import get_cfg  # noqa: E402
from ultralytics.data import build_dataloader, build_yolo_dataset  # noqa: E402
from ultralytics.data.utils import check_det_dataset  # noqa: E402
from ultralytics.utils import LOCAL_RANK, RANK  # noqa: E402
from ultralytics.utils.torch_utils import init_seeds  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="data.yaml (its train split is loaded)")
    p.add_argument("--imgsz", type=int, default=640)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--workers", type=int, default=1, help="DataLoader worker processes (0: in the main process)")
    p.add_argument("--batches", type=int, default=20, help="timed batches")
    p.add_argument("--warmup", type=int, default=3, help="untimed batches first (worker start-up, first reads)")
    p.add_argument("--cache", choices=("ram", "disk", "none"), default="ram")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--float", action="store_true",
                   help="also time DetectionTrainer.preprocess_batch's img.float() / 255 on each batch, in the main "
                        "process as the trainer does (the loader itself yields uint8)")
    return p.parse_args()


def main():
    args = parse_args()
    # One intra-op thread in this (main) process: with workers >= 1 it only
    # unpickles finished batches from shared memory, the workers do all the
    # decoding and augmentation (torch's worker loop sets 1 thread in each worker,
    # and importing ultralytics sets cv2.setNumThreads(0) everywhere). With
    # workers=0 the whole pipeline runs here, single-threaded, as in a CPU trainer.
    # It also keeps a stray intra-op pool from competing with the workers for the
    # machine's cores.
    torch.set_num_threads(1)

    # The trainer's configuration: DEFAULT_CFG plus what a user would pass.
    # (DetectionTrainer itself forces workers=0 on a CPU device; we use W as
    # given, since the point is to compare 1 and 2 workers.)
    cfg = get_cfg(overrides={
        "task": "detect",
        "mode": "train",
        "data": args.data,
        "imgsz": args.imgsz,
        "batch": args.batch,
        "workers": args.workers,
        "cache": False if args.cache == "none" else args.cache,
        "seed": args.seed,
        "rect": False,
    })
    init_seeds(cfg.seed + 1 + RANK, deterministic=cfg.deterministic)  # as BaseTrainer.__init__
    data = check_det_dataset(cfg.data)  # as BaseTrainer.get_dataset for a detect task

    # DetectionTrainer.build_dataset: stride = max(model stride, 32) = 32 for YOLOv8.
    dataset = build_yolo_dataset(cfg, data["train"], args.batch, data, mode="train", rect=False, stride=32)
    # DetectionTrainer.get_dataloader(mode="train", rank=LOCAL_RANK = -1 outside DDP).
    loader = build_dataloader(dataset, batch=args.batch, workers=cfg.workers, shuffle=True, rank=LOCAL_RANK,
                              drop_last=cfg.compile, device=torch.device("cpu"))
    print(f"ultralytics_data_bench: {len(dataset)} images, {loader.num_workers} worker(s), cache={dataset.cache}, "
          f"{len(loader)} batches/epoch", file=sys.stderr)

    def batches():
        # InfiniteDataLoader yields one epoch per iter() (its workers persist
        # across epochs), so chain epochs for runs longer than the dataset.
        while True:
            yield from loader

    stream = batches()
    for _ in range(args.warmup):
        next(stream)
    images = 0
    start = time.perf_counter()
    for _ in range(args.batches):
        batch = next(stream)
        if args.float:
            batch["img"] = batch["img"].float() / 255
        images += batch["img"].shape[0]
    seconds = time.perf_counter() - start

    print(json.dumps({"pipeline": "ultralytics", "workers": args.workers, "batch": args.batch, "imgsz": args.imgsz,
                      "batches": args.batches, "images": images, "seconds": seconds,
                      "images_per_second": images / seconds}), file=_result_out, flush=True)
    # The loader is infinite and its workers persistent: stop them the way the
    # trainer does at the end of training (joins them, with timeouts), so none
    # keeps a core busy into whatever runs next. Then leave with os._exit:
    # interpreter teardown with a live InfiniteDataLoader (its __del__, torch's
    # atexit hooks and the multiprocessing queues' feeder threads) can block.
    loader.close()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
