#!/usr/bin/env bash
# yolo-train against ultralytics' trainer (PyTorch on the CPU, same thread
# count), same synthetic dataset, model (yolov8n from its YAML), image size,
# batch, epochs and hyper-parameters (ultralytics' defaults, SGD), in one
# run: training images/s (the training part of each epoch: validation left
# out on both sides), peak RSS (GNU time's maximum resident set size of each
# command) and the final epoch's mAP50-95 of both.
#   tools/bench/train_vs_ultralytics.sh [IMGSZ] [EPOCHS] [IMAGES] [BATCH]   defaults: 320 5 256 16
# Targets (issue 8): >= 2x ultralytics' throughput, peak memory no higher,
# mAP50-95 not below ultralytics' minus 0.02 (compare at enough epochs to
# learn: e.g. 160 60 300 16, the make demo setting).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
train="$root/build/bin/yolo-train"
make_shapes="$root/build/bin/make-shapes"
python="$root/.venv/bin/python"
[[ -x "$train" && -x "$make_shapes" ]] || { echo "train_vs_ultralytics: run 'make build' first" >&2; exit 1; }
[[ -x "$python" ]] || { echo "train_vs_ultralytics: $python not found; run tools/setup-deps.sh" >&2; exit 1; }
imgsz=${1:-320}
epochs=${2:-5}
images=${3:-256}
batch=${4:-16}
workers=2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "+ $make_shapes --out shapes --images $images --imgsz $imgsz --seed 0"
"$make_shapes" --out "$tmp/shapes" --images "$images" --imgsz "$imgsz" --seed 0 >/dev/null

engine=("$train" --data "$tmp/shapes/data.yaml" --cfg yolov8n.yaml --img "$imgsz" --batch "$batch"
        --epochs "$epochs" --workers "$workers" --optimizer SGD --project "$tmp/runs" --name engine --exist-ok)
echo "+ /usr/bin/time -v ${engine[*]}"
/usr/bin/time -v "${engine[@]}" >"$tmp/engine.log" 2>"$tmp/engine.time" || { cat "$tmp/engine.log" "$tmp/engine.time" >&2; exit 1; }

peer=("$python" "$here/ultralytics_train_bench.py" --data "$tmp/shapes/data.yaml" --imgsz "$imgsz" --batch "$batch"
      --epochs "$epochs" --workers "$workers" --project "$tmp/runs")
echo "+ /usr/bin/time -v ${peer[*]}"
/usr/bin/time -v "${peer[@]}" >"$tmp/peer.json" 2>"$tmp/peer.time" || { tail -30 "$tmp/peer.time" >&2; exit 1; }

python3 - "$tmp" <<'PY'
import csv, json, re, sys
tmp = sys.argv[1]
def rss_mb(path):
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(path).read()).group(1)) / 1024
log = open(f"{tmp}/engine.log").read()
m = re.search(r"(\d+) images, (\d+) batches of", log)
n_images, n_batches = int(m.group(1)), int(m.group(2))
rates = [float(r) for r in re.findall(r"^epoch \d+/\d+: .*?([\d.]+) it/s", log, re.M)]
seconds = sum(n_batches / r for r in rates)
engine_ips = n_images * len(rates) / seconds
rows = list(csv.DictReader(open(f"{tmp}/runs/engine/results.csv")))
engine_map = float(rows[-1]["metrics/mAP50-95(B)"])
peer = json.loads(open(f"{tmp}/peer.json").read().strip().splitlines()[-1])
e_rss, p_rss = rss_mb(f"{tmp}/engine.time"), rss_mb(f"{tmp}/peer.time")
print(f"{'':24}{'yolo-train':>14}{'ultralytics':>14}{'ratio':>10}")
print(f"{'training images/s':24}{engine_ips:>14.1f}{peer['images_per_second']:>14.1f}{engine_ips / peer['images_per_second']:>9.2f}x")
print(f"{'peak RSS (MB)':24}{e_rss:>14.0f}{p_rss:>14.0f}{e_rss / p_rss:>9.2f}x")
print(f"{'final mAP50-95':24}{engine_map:>14.3f}{peer['map50_95']:>14.3f}{engine_map - peer['map50_95']:>+10.3f}")
PY
