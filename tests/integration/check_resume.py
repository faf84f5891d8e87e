"""--resume continues a run exactly: the same losses, metrics and weights as
a run never stopped, for the same seed on the CPU.

    check_resume.py YOLO_TRAIN DATA_YAML HYP_YAML RUN_DIR [EXTRA_FLAGS ...]

EXTRA_FLAGS go to every yolo-train command (e.g. --nproc-per-node 2
--ddp-threads: a data-parallel run resumes as exactly).

1. A 5-epoch run saving weights/epochN.safetensors after every epoch.
2. A copy of its directory resumed from epoch3.safetensors (as if killed
   then): results.csv (all but the time column) and every tensor of
   last.safetensors must equal the uninterrupted run's, bit for bit. With a
   nominal batch that leaves gradients pending at that epoch's end, the
   checkpoint carries them ("carrying accumulated gradients" is printed).
3. A run SIGKILLed once its first checkpoint exists, resumed with a bare
   --resume (the latest last.safetensors under the project): it completes
   every epoch, and equals the uninterrupted run too.
"""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time


def tensors(path):
    """name -> raw bytes of every tensor of a safetensors file (not the metadata)."""
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    header.pop("__metadata__", None)
    return {name: data[e["data_offsets"][0]:e["data_offsets"][1]] for name, e in header.items()}


def rows(run):
    """results.csv without the wall-clock time column."""
    with open(os.path.join(run, "results.csv")) as f:
        return [line.strip().split(",")[:1] + line.strip().split(",")[2:] for line in f]


def same_run(expected, actual, what):
    if rows(actual) != rows(expected):
        sys.exit(f"FAILED: {what}: results.csv differs:\n{rows(expected)}\n{rows(actual)}")
    a = tensors(os.path.join(expected, "weights", "last.safetensors"))
    b = tensors(os.path.join(actual, "weights", "last.safetensors"))
    if a.keys() != b.keys():
        sys.exit(f"FAILED: {what}: last.safetensors holds other tensors")
    differ = [name for name in a if a[name] != b[name]]
    if differ:
        sys.exit(f"FAILED: {what}: {len(differ)} tensors differ, e.g. {differ[:3]}")


def main():
    yolo_train, data, hyp, runs = sys.argv[1:5]
    extra = sys.argv[5:]
    shutil.rmtree(runs, ignore_errors=True)
    base = [yolo_train, "--data", data, "--cfg", "yolov8n.yaml", "--img", "96", "--batch", "2", "--epochs", "5",
            "--hyp", hyp, "--workers", "2", "--project", runs, "--save-period", "1"] + extra
    subprocess.run(base + ["--name", "full"], check=True, capture_output=True)
    full = os.path.join(runs, "full")

    cut = os.path.join(runs, "cut")
    shutil.copytree(full, cut)
    cut_at = os.path.join(cut, "weights", "epoch3.safetensors")
    carried = any(name == "train_state/grads" for name in tensors(cut_at))
    done = subprocess.run([yolo_train, "--resume", cut_at] + extra, capture_output=True, text=True)
    if done.returncode != 0 or "resuming" not in done.stdout or "from epoch 4/5" not in done.stdout:
        sys.exit(f"FAILED: resume from epoch 3:\n{done.stdout}\n{done.stderr}")
    same_run(full, cut, "resumed from epoch 3")

    killed = subprocess.Popen(base + ["--name", "killed"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last = os.path.join(runs, "killed", "weights", "last.safetensors")
    deadline = time.monotonic() + 60
    while not os.path.exists(last) and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    epochs_before = len(rows(os.path.join(runs, "killed"))) - 1
    done = subprocess.run([yolo_train, "--resume", "--project", runs] + extra, capture_output=True, text=True)
    if epochs_before >= 5:
        print("note: the run finished before the kill; resuming it must say so")
        if done.returncode == 0 or "already finished" not in done.stderr:
            sys.exit(f"FAILED: resuming a finished run:\n{done.stderr}")
    elif done.returncode != 0:
        sys.exit(f"FAILED: bare --resume after a kill at {epochs_before} epochs:\n{done.stdout}\n{done.stderr}")
    same_run(full, os.path.join(runs, "killed"), f"killed after {epochs_before} epochs, resumed")
    print(f"ok: resumed from epoch 3{' carrying accumulated gradients' if carried else ''} and after a kill at "
          f"{epochs_before} epochs, both equal the uninterrupted run")


if __name__ == "__main__":
    main()
