#!/usr/bin/env bash
# The engine's YOLOv8n against ultralytics on PyTorch, same CPU, same thread
# count, in one run: time per image of a forward (eval) and of a training
# step (forward + backward), batch 16 at 320 and 640 px, and the ratio
# (torch time / engine time: above 1, the engine is faster).
#   tools/bench/model_vs_torch.sh [THREADS] [MIN_SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
threads=${1:-$(nproc)}
min_seconds=${2:-2}
bench="$root/build/bin/yolo-bench"
python="$root/.venv/bin/python"
[[ -x "$bench" ]] || { echo "model_vs_torch: $bench not found; run 'make build' first" >&2; exit 1; }
[[ -x "$python" ]] || { echo "model_vs_torch: $python not found; run tools/setup-deps.sh" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
OMP_NUM_THREADS=$threads "$bench" --filter='^model_.*/cpu' --benchmark_min_time="$min_seconds" \
  --benchmark_repetitions=3 --benchmark_format=json >"$tmp/engine.json" 2>"$tmp/engine.log" || {
  cat "$tmp/engine.log" >&2
  exit 1
}
YOLO_OFFLINE=1 "$python" "$here/torch_model_bench.py" "$threads" "$min_seconds" >"$tmp/torch.jsonl"

/usr/bin/python3 - "$tmp/engine.json" "$tmp/torch.jsonl" "$threads" <<'PY'
import json, sys
engine, peak = {}, {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("run_type") != "iteration":
        continue
    name = b["run_name"].rsplit("/", 1)[0].split("/min_time")[0]
    name = "/".join(p for p in name.split("/") if p != "cpu")
    seconds = b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    engine[name] = min(engine.get(name, float("inf")), seconds)
    peak[name] = b.get("peak_MiB", 0)
print(f"threads: {sys.argv[3]}")
print(f"{'benchmark':36} {'engine ms/img':>13} {'torch ms/img':>12} {'speed-up':>8} {'engine peak MiB':>15}")
for line in open(sys.argv[2]):
    t = json.loads(line)
    if t["name"] not in engine:
        sys.exit(f"model_vs_torch: yolo-bench has no {t['name']}")
    batch = int(t["name"].rsplit("/b", 1)[1])
    e, p = engine[t["name"]] / batch * 1e3, t["seconds"] / batch * 1e3
    print(f"{t['name']:36} {e:13.1f} {p:12.1f} {p / e:8.2f} {peak[t['name']]:15.0f}")
PY
