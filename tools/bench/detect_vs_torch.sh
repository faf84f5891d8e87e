#!/usr/bin/env bash
# yolo-detect against ultralytics' predict (PyTorch on the CPU, 2 threads):
# YOLOv8n (untrained: the speed does not depend on the weights) on 32
# random 640x480 JPEGs at --img 640, batch 1 and 16, in one run. Images per
# second from the mean per-image preprocess + inference + postprocess
# milliseconds each side reports (yolo-detect's Speed line, ultralytics'
# Results.speed); neither includes reading the files.
#   tools/bench/detect_vs_torch.sh
# onnxruntime is not among the installed packages, so it is not compared.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
detect="$root/build/bin/yolo-detect"
python="$root/.venv/bin/python"
[[ -x "$detect" ]] || { echo "detect_vs_torch: $detect not found; run 'make build' first" >&2; exit 1; }
[[ -x "$python" ]] || { echo "detect_vs_torch: $python not found; run tools/setup-deps.sh" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
/usr/bin/python3 - "$tmp/images" <<'PY'
import os, sys
import cv2
import numpy as np
out = sys.argv[1]
os.makedirs(out)
rng = np.random.default_rng(0)
for i in range(32):
    cv2.imwrite(os.path.join(out, f"{i:03d}.jpg"), cv2.GaussianBlur(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8), (0, 0), 3))
PY
"$python" "$root/tools/convert/ultralytics_to_safetensors.py" --yaml "$root/models/yolov8.yaml" --scale n --nc 80 \
  "$tmp/yolov8n.safetensors" 2>/dev/null

printf '%5s %14s %18s %6s\n' batch "engine img/s" "ultralytics img/s" ratio
for b in 1 16; do
  speed=$("$detect" --weights "$tmp/yolov8n.safetensors" --source "$tmp/images" --img 640 --batch "$b" --nosave \
            --project "$tmp/runs" --name b$b | grep '^Speed:')
  engine=$(echo "$speed" | /usr/bin/python3 -c "import re,sys; v=[float(x) for x in re.findall(r'([0-9.]+)ms', sys.stdin.read())]; print(1000/sum(v))")
  ultra=$(OMP_NUM_THREADS=2 "$python" "$here/ultralytics_predict_bench.py" --source "$tmp/images" \
            --yaml "$root/models/yolov8.yaml" --batch "$b" --threads 2 2>/dev/null | tail -1 |
          /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['images_per_second'])")
  /usr/bin/python3 -c "print(f'{$b:5d} {$engine:14.1f} {$ultra:18.1f} {$engine / $ultra:6.2f}')"
done
