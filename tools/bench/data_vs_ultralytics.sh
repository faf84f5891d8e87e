#!/usr/bin/env bash
# The engine's training data pipeline against ultralytics' own, same CPU, same
# dataset, in one run: images per second the DataLoader delivers (RAM-cached
# images -> mosaic, random affine, HSV, flip; batch 16 at 640 px) with 1 and 2
# workers, and the ratio (engine img/s / ultralytics img/s: above 1, the
# engine is faster). Both sides skip 3 warm-up batches and time 40.
#   tools/bench/data_vs_ultralytics.sh [DATA_YAML]
# Without DATA_YAML it generates 256 synthetic 640 px images with
# build/bin/make-shapes (seed 0) in a temporary directory. With one,
# ultralytics writes its label cache (labels/*.cache) next to the dataset.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bench="$root/build/bin/yolo-bench"
make_shapes="$root/build/bin/make-shapes"
python="$root/.venv/bin/python"
batches=40
warmup=3
[[ -x "$bench" ]] || { echo "data_vs_ultralytics: $bench not found; run 'make build' first" >&2; exit 1; }
[[ -x "$python" ]] || { echo "data_vs_ultralytics: $python not found; run tools/setup-deps.sh" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Print a command (shell-quoted, so it can be pasted) on the script's stdout
# (fd 3: the command's own stdout is redirected to a file) and run it.
exec 3>&1
run() {
  echo "+ $(printf '%q ' "$@")" >&3
  "$@"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
if [[ $# -ge 1 ]]; then
  data=$(realpath "$1")
  [[ -f "$data" ]] || { echo "data_vs_ultralytics: $1 not found" >&2; exit 1; }
else
  [[ -x "$make_shapes" ]] || { echo "data_vs_ultralytics: $make_shapes not found; run 'make build' first" >&2; exit 1; }
  run "$make_shapes" --out "$tmp/shapes640" --images 256 --imgsz 640 --seed 0 >"$tmp/make-shapes.log" 2>&1 || {
    cat "$tmp/make-shapes.log" >&2
    exit 1
  }
  data="$tmp/shapes640/data.yaml"
  [[ -f "$data" ]] || { echo "data_vs_ultralytics: make-shapes wrote no $data" >&2; exit 1; }
fi

echo "data: $data"
for w in 1 2; do
  # Google Benchmark names it data_loader/workers:W/iterations:40/real_time.
  # The JSON goes to its own file: the loader's dataset report shares stdout.
  run env YOLO_BENCH_DATA="$data" "$bench" --benchmark_filter="^data_loader/workers:$w/" \
    --benchmark_out="$tmp/engine$w.json" --benchmark_out_format=json >"$tmp/engine$w.log" 2>&1 || {
    cat "$tmp/engine$w.log" >&2
    exit 1
  }
  run env YOLO_OFFLINE=1 "$python" "$here/ultralytics_data_bench.py" --data "$data" --imgsz 640 --batch 16 --workers "$w" \
    --batches "$batches" --warmup "$warmup" --cache ram --seed 0 >"$tmp/ultralytics$w.json" 2>"$tmp/ultralytics$w.log" || {
    cat "$tmp/ultralytics$w.log" >&2
    exit 1
  }
done

/usr/bin/python3 - "$tmp" <<'PY'
import json, os, sys
tmp = sys.argv[1]
print(f"{'workers':>7} {'engine img/s':>12} {'ultralytics img/s':>17} {'ratio':>6}")
for w in (1, 2):
    runs = [b for b in json.load(open(os.path.join(tmp, f"engine{w}.json")))["benchmarks"]
            if b.get("run_type", "iteration") == "iteration" and b["name"].startswith(f"data_loader/workers:{w}/")]
    if not runs:
        sys.exit(f"data_vs_ultralytics: yolo-bench has no data_loader/workers:{w}")
    if runs[0].get("error_occurred"):
        sys.exit(f"data_vs_ultralytics: yolo-bench data_loader/workers:{w}: {runs[0].get('error_message', 'error')}")
    engine = runs[0]["items_per_second"]
    lines = open(os.path.join(tmp, f"ultralytics{w}.json")).read().split("\n")
    ultra = json.loads([line for line in lines if line.strip()][-1])["images_per_second"]
    print(f"{w:7d} {engine:12.1f} {ultra:17.1f} {engine / ultra:6.2f}")
PY
