#!/usr/bin/env bash
# Data-parallel scaling of yolo-train on the CPU: the time per training step
# of 1 rank and of 2 ranks at the same batch per rank (so 2 ranks train
# twice the images per step), on the same synthetic shapes set, and how much
# of the gradient all-reduce backward hid; and the same 2 ranks with SyncBN. Efficiency = (2-rank images/s) /
# (2 x 1-rank images/s). Each run: EPOCHS epochs, the first left out.
#   tools/bench/ddp_scaling.sh [IMGSZ] [BATCH_PER_RANK] [EPOCHS]   defaults: 320 8 4
# On a 2-core machine the two ranks share the cores (1 thread each), so the
# 1-rank run is measured with 1 thread too (equal cores per rank) and with 2.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
train="$root/build/bin/yolo-train"
make_shapes="$root/build/bin/make-shapes"
[[ -x "$train" && -x "$make_shapes" ]] || { echo "ddp_scaling: run 'make build' first" >&2; exit 1; }
imgsz=${1:-320}
batch=${2:-8}
epochs=${3:-4}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
"$make_shapes" --out "$tmp/shapes" --images 160 --imgsz "$imgsz" --seed 0 >/dev/null

# Runs yolo-train and prints the mean it/s of epochs 2.. and the hidden share.
measure() {
  local label=$1
  shift
  echo "+ $*"
  "$@" --data "$tmp/shapes/data.yaml" --cfg yolov8n.yaml --img "$imgsz" --epochs "$epochs" --workers 1 \
    --noval --nosave --project "$tmp/runs" --name run --exist-ok >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
  python3 - "$tmp/log" "$label" <<'PY'
import re, sys
lines = [l for l in open(sys.argv[1]) if re.match(r"epoch \d+/\d+:", l)][1:]
its = [float(re.search(r"([\d.]+) it/s", l).group(1)) for l in lines]
hidden = [float(m.group(1)) for l in lines if (m := re.search(r"(\d+)% hidden", l))]
label = sys.argv[2]
per_step = 1 / (sum(its) / len(its))
extra = f", all-reduce {sum(hidden) / len(hidden):.0f}% hidden behind backward" if hidden else ""
print(f"{label}: {sum(its) / len(its):.2f} steps/s ({per_step * 1000:.0f} ms per step){extra}")
open(sys.argv[1] + "." + label.split()[0], "w").write(str(sum(its) / len(its)))
PY
}

OMP_NUM_THREADS=1 measure "1rank-1thread (batch $batch)" "$train" --batch "$batch"
OMP_NUM_THREADS=2 measure "1rank-2threads (batch $batch)" "$train" --batch "$batch"
measure "2ranks (batch $((2 * batch)), $batch per rank, 1 thread each)" "$train" --batch $((2 * batch)) --nproc-per-node 2
measure "2ranks-syncbn (the same with --sync-bn)" "$train" --batch $((2 * batch)) --nproc-per-node 2 --sync-bn
python3 - "$tmp/log" <<'PY'
import sys
base = sys.argv[1]
one = float(open(base + ".1rank-1thread").read())
two = float(open(base + ".2ranks").read())
print(f"scaling efficiency (2 ranks vs 2 x 1 rank at 1 thread each): {two / one * 100:.0f}%")
PY
