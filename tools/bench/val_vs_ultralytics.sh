#!/usr/bin/env bash
# The same checkpoint and dataset through yolo-val and through ultralytics'
# DetectionValidator (the model rebuilt by ultralytics and loaded with the
# checkpoint's tensors), in one run: P, R, mAP50, mAP50-95 and inference
# time per image of both. The metrics should agree closely (the pipelines
# differ only in image resizing and floating-point order); any larger gap is
# a bug in one of them.
#   tools/bench/val_vs_ultralytics.sh CHECKPOINT DATA_YAML [IMGSZ] [BATCH]   defaults: 640 16
# e.g. after `make demo`:
#   tools/bench/val_vs_ultralytics.sh build/demo/runs/train/weights/best.safetensors build/demo/shapes/data.yaml 160
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
val="$root/build/bin/yolo-val"
python="$root/.venv/bin/python"
[[ $# -ge 2 ]] || { sed -n '2,10p' "$0" >&2; exit 2; }
[[ -x "$val" ]] || { echo "val_vs_ultralytics: $val not found; run 'make build' first" >&2; exit 1; }
checkpoint=$1 data=$2 imgsz=${3:-640} batch=${4:-16}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "+ $val --weights $checkpoint --data $data --img $imgsz --batch $batch"
"$val" --weights "$checkpoint" --data "$data" --img "$imgsz" --batch "$batch" --project "$tmp" --name val >"$tmp/engine.log" 2>&1 ||
  { cat "$tmp/engine.log" >&2; exit 1; }
echo "+ $python $here/ultralytics_val_bench.py $checkpoint $data --imgsz $imgsz --batch $batch"
"$python" "$here/ultralytics_val_bench.py" "$checkpoint" "$data" --imgsz "$imgsz" --batch "$batch" >"$tmp/peer.json" 2>"$tmp/peer.log" ||
  { tail -30 "$tmp/peer.log" >&2; exit 1; }
python3 - "$tmp" <<'PY'
import json, re, sys
tmp = sys.argv[1]
log = open(f"{tmp}/engine.log").read()
row = re.search(r"^\s+all\s+\d+\s+\d+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", log, re.M)
p, r, m50, m = (float(x) for x in row.groups())
ms = float(re.search(r"Speed: [\d.]+ms preprocess, ([\d.]+)ms inference", log).group(1))
peer = json.loads(open(f"{tmp}/peer.json").read().strip().splitlines()[-1])
print(f"{'':22}{'yolo-val':>12}{'ultralytics':>14}{'difference':>12}")
for name, a, b in (("precision", p, peer["precision"]), ("recall", r, peer["recall"]), ("mAP50", m50, peer["map50"]),
                   ("mAP50-95", m, peer["map50_95"])):
    print(f"{name:22}{a:>12.4f}{b:>14.4f}{a - b:>+12.4f}")
print(f"{'inference ms/image':22}{ms:>12.2f}{peer['inference_ms']:>14.2f}{peer['inference_ms'] / ms:>11.2f}x")
PY
