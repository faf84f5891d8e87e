#!/usr/bin/env bash
# The engine's detection loss (its assigner, its fused CIoU box loss) against
# ultralytics on PyTorch, same CPU, same thread count, in one run: time per
# call and the speed-up (torch time / engine time). Batch 16, 640 px, 80
# classes, 20 boxes per image; the box loss over 16 x 100 x 10 positives.
#   tools/bench/loss_vs_torch.sh [THREADS] [MIN_SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
threads=${1:-$(nproc)}
min_seconds=${2:-1}
bench="$root/build/bin/yolo-bench"
python="$root/.venv/bin/python"
[[ -x "$bench" ]] || { echo "loss_vs_torch: $bench not found; run 'make build' first" >&2; exit 1; }
[[ -x "$python" ]] || { echo "loss_vs_torch: $python not found; run tools/setup-deps.sh" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
OMP_NUM_THREADS=$threads "$bench" --filter='^(detection_loss|assigner|box_loss)/.*/cpu' --benchmark_min_time="$min_seconds" \
  --benchmark_repetitions=3 --benchmark_format=json >"$tmp/engine.json" 2>"$tmp/engine.log" || {
  cat "$tmp/engine.log" >&2
  exit 1
}
"$python" "$here/torch_loss_bench.py" "$threads" "$min_seconds" >"$tmp/torch.jsonl"

/usr/bin/python3 - "$tmp/engine.json" "$tmp/torch.jsonl" "$threads" <<'PY'
import json, sys
engine = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("run_type") != "iteration":
        continue
    name = b["run_name"].rsplit("/cpu", 1)[0]
    seconds = b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    engine[name] = min(engine.get(name, float("inf")), seconds)
print(f"threads: {sys.argv[3]}")
print(f"{'benchmark':32} {'engine ms':>10} {'torch ms':>10} {'speed-up':>8}")
for line in open(sys.argv[2]):
    t = json.loads(line)
    if t["name"] not in engine:
        sys.exit(f"loss_vs_torch: yolo-bench has no {t['name']}")
    e, p = engine[t["name"]] * 1e3, t["seconds"] * 1e3
    print(f"{t['name']:32} {e:10.3f} {p:10.3f} {p / e:8.2f}")
PY
