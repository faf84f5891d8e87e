#!/usr/bin/env bash
# All-reduce bandwidth between ranks, 1 KB to MAX_MB, as nccl-tests report
# it (algbw = bytes / time; busbw = algbw * 2 (n - 1) / n): Gloo between
# processes on the CPU, or NCCL between GPUs.
#   tools/bench/allreduce.sh [NPROC] [DEVICE] [MAX_MB]    defaults: 2 cpu 256
# e.g. tools/bench/allreduce.sh 8 0,1,2,3,4,5,6,7 on an 8-GPU machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bench="$root/build/bin/yolo-bench"
[[ -x "$bench" ]] || { echo "allreduce: $bench not found; run 'make build' first" >&2; exit 1; }
nproc=${1:-2}
device=${2:-cpu}
max_mb=${3:-256}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "+ $bench allreduce --nproc $nproc --device $device --max-mb $max_mb"
"$bench" allreduce --nproc "$nproc" --device "$device" --max-mb "$max_mb"
