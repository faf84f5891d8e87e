"""Data-parallel faults, end to end with yolo-train on the CPU (Gloo): every
case must end every process with a clear message within its time limit.

    check_ddp_faults.py YOLO_TRAIN DATA_YAML RUN_DIR CASE

CASE is one of:
  kill      SIGKILL rank 1 mid-epoch: the launcher exits non-zero naming it,
            no worker outlives it, and the last checkpoint is whole
  hang      SIGSTOP rank 1: rank 0's collective times out (--ddp-timeout 4),
            the launcher names rank 0 and ends the stopped rank
  interrupt SIGINT to the launcher (Ctrl-C): forwarded to the workers, which
            end; the launcher says so and exits 130
  port      --master-port of a port in use: a one-line error naming it
  mismatch  two ranks started by hand (torchrun's variables) with different
            flags: both stop, saying the configurations differ
  absent    a two-node job whose second node never starts: node 0's ranks
            give up after the timeout, naming what they waited for
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train_args(yolo_train, data, run, name, epochs=3):
    return [yolo_train, "--data", data, "--cfg", "yolov8n.yaml", "--img", "96", "--batch", "4", "--epochs",
            str(epochs), "--workers", "1", "--project", run, "--name", name, "--exist-ok", "--ddp-timeout", "4"]


def children(pid):
    """The worker processes of the launcher `pid`, by rank."""
    workers = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            if parent != pid:
                continue
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
            workers[int(env[b"RANK"])] = int(entry)
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return workers


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def checkpoint_is_whole(path):
    """A safetensors file whose header parses and whose data is all there."""
    with open(path, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
        data = len(f.read())
    header.pop("__metadata__", None)
    return header and max(e["data_offsets"][1] for e in header.values()) == data


def expect(condition, message):
    if not condition:
        sys.exit("FAILED: " + message)


def run_launcher_and(case_action, args, limit):
    """Starts the launcher, waits until the second epoch has trained, applies the
    fault, and returns (exit code, output, seconds from fault to exit, workers)."""
    launcher = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    for line in launcher.stdout:
        output.append(line)
        if line.startswith("epoch 2/"):  # epoch 1's checkpoint is written
            break
    workers = children(launcher.pid)
    expect(len(workers) == 2, f"expected 2 workers, found {workers}; output:\n{''.join(output)}")
    start = time.monotonic()
    case_action(workers, launcher)
    try:
        rest, _ = launcher.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        launcher.kill()
        sys.exit(f"FAILED: the launcher did not exit within {limit} s of the fault")
    return launcher.returncode, "".join(output) + rest, time.monotonic() - start, workers


def main():
    yolo_train, data, run, case = sys.argv[1:5]
    if case == "kill":
        args = train_args(yolo_train, data, run, "ddp-kill", epochs=200) + ["--nproc-per-node", "2"]
        code, out, seconds, workers = run_launcher_and(lambda w, _: os.kill(w[1], signal.SIGKILL), args, 60)
        expect(code != 0, "the launcher exited 0")
        expect(f"rank 1 (local rank 1, pid {workers[1]}) failed: killed by signal 9" in out,
               "no message naming rank 1:\n" + out)
        expect(not alive(workers[0]), "rank 0 outlived the launcher")
        last = os.path.join(run, "ddp-kill", "weights", "last.safetensors")
        expect(os.path.exists(last) and checkpoint_is_whole(last), f"{last} is missing or damaged")
        print(f"ok: rank 1 killed, launcher exited {code} after {seconds:.1f} s")
    elif case == "hang":
        args = train_args(yolo_train, data, run, "ddp-hang", epochs=200) + ["--nproc-per-node", "2"]
        code, out, seconds, workers = run_launcher_and(lambda w, _: os.kill(w[1], signal.SIGSTOP), args, 60)
        expect(code != 0, "the launcher exited 0")
        expect("failed on rank 0 of 2" in out and "rank 0 (local rank 0" in out,
               "no timeout message from rank 0:\n" + out)
        expect(not alive(workers[1]), "the stopped rank 1 outlived the launcher")
        print(f"ok: rank 1 stopped, rank 0 timed out, launcher exited {code} after {seconds:.1f} s")
    elif case == "interrupt":
        args = train_args(yolo_train, data, run, "ddp-interrupt", epochs=200) + ["--nproc-per-node", "2"]
        code, out, seconds, workers = run_launcher_and(lambda w, launcher: launcher.send_signal(signal.SIGINT), args, 60)
        expect(code == 130, f"the launcher exited {code}, not 130 (128 + SIGINT)")
        expect("interrupted (Interrupt): stopped the workers" in out, "no interruption message:\n" + out)
        expect(not any(alive(pid) for pid in workers.values()), "a worker outlived the launcher")
        print(f"ok: Ctrl-C reached the workers, launcher exited {code} after {seconds:.1f} s")
    elif case == "port":
        with socket.socket() as busy:
            busy.bind(("0.0.0.0", 0))
            busy.listen()
            port = busy.getsockname()[1]
            args = train_args(yolo_train, data, run, "ddp-port") + ["--nproc-per-node", "2", "--master-port", str(port)]
            done = subprocess.run(args, capture_output=True, text=True, timeout=60)
        expect(done.returncode != 0, "exited 0 with its port in use")
        expect(f"port {port} is already in use (another run?): choose a free one with --master-port" in done.stderr,
               "no port message:\n" + done.stderr)
        print(f"ok: port {port} in use reported")
    elif case == "mismatch":
        port = free_port()
        processes = []
        for rank, epochs in ((0, 3), (1, 4)):
            env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2", LOCAL_WORLD_SIZE="2",
                       MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
            processes.append(subprocess.Popen(train_args(yolo_train, data, run, "ddp-mismatch", epochs), env=env,
                                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        for rank, p in enumerate(processes):
            _, err = p.communicate(timeout=60)
            expect(p.returncode != 0, f"rank {rank} exited 0")
            expect("runs a different configuration (flags, model, data or hyper-parameters) than rank 0" in err,
                   f"rank {rank} gave no mismatch message:\n{err}")
        print("ok: both ranks stopped on the mismatch")
    elif case == "absent":
        args = train_args(yolo_train, data, run, "ddp-absent") + [
            "--nproc-per-node", "1", "--nnodes", "2", "--node-rank", "0", "--master-port", str(free_port())]
        start = time.monotonic()
        done = subprocess.run(args, capture_output=True, text=True, timeout=60)
        seconds = time.monotonic() - start
        expect(done.returncode != 0, "exited 0 without its second node")
        expect("a rank did not join or failed" in done.stderr, "no rendezvous timeout message:\n" + done.stderr)
        print(f"ok: the absent node reported after {seconds:.1f} s")
    else:
        sys.exit(f"unknown case {case}")


if __name__ == "__main__":
    main()
