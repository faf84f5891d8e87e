#!/usr/bin/env bash
# The engine's convolutions against PyTorch's on this CPU, same shapes, same
# thread count, in one run: GFLOP/s of each and the ratio (engine / torch).
#   tools/bench/ops_vs_torch.sh [THREADS] [MIN_SECONDS]
# Both sides report the same statistic: the mean time per call of a loop of
# at least MIN_SECONDS, best of 5 such loops (Google Benchmark repetitions).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
threads=${1:-$(nproc)}
min_seconds=${2:-1}
bench="$root/build/bin/yolo-bench"
[[ -x "$bench" ]] || { echo "ops_vs_torch: $bench not found; run 'make build' first" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
OMP_NUM_THREADS=$threads "$bench" --filter='^conv2d_.*/cpu' --benchmark_min_time="$min_seconds" \
  --benchmark_repetitions=5 --benchmark_format=json >"$tmp/engine.json" 2>"$tmp/engine.log" || {
  cat "$tmp/engine.log" >&2
  exit 1
}
/usr/bin/python3 "$here/torch_conv_bench.py" "$threads" "$min_seconds" >"$tmp/torch.jsonl"

/usr/bin/python3 - "$tmp/engine.json" "$tmp/torch.jsonl" "$threads" <<'PY'
import json, sys
engine = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("run_type") != "iteration":
        continue
    direction, label = b["run_name"].split("/")[0].removeprefix("conv2d_"), b["run_name"].split("/")[1]
    seconds = b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    key = (label, direction)
    engine[key] = min(engine.get(key, float("inf")), seconds)
print(f"threads: {sys.argv[3]}")
print(f"{'shape':24} {'direction':17} {'engine GFLOP/s':>14} {'torch GFLOP/s':>14} {'ratio':>6}")
ratios = []
for line in open(sys.argv[2]):
    t = json.loads(line)
    key = (t["name"], t["direction"])
    if key not in engine:
        sys.exit(f"ops_vs_torch: yolo-bench has no conv2d_{t['direction']}/{t['name']}: tables out of sync")
    e, p = t["flops"] / engine[key] / 1e9, t["flops"] / t["seconds"] / 1e9
    ratios.append(e / p)
    print(f"{t['name']:24} {t['direction']:17} {e:14.1f} {p:14.1f} {e / p:6.2f}")
geo = 1.0
for r in ratios:
    geo *= r
print(f"geometric mean ratio: {geo ** (1 / len(ratios)):.2f}")
PY
