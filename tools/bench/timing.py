"""The statistic every tools/bench/*_vs_torch.sh comparison reports for the
PyTorch side, matching yolo-bench's: the mean time per call of a loop that
runs for at least min_seconds, best of `repetitions` such loops (after one
warm-up call, which builds oneDNN's primitives)."""
import time


def best_mean(fn, min_seconds, repetitions=3):
    fn()
    best = float("inf")
    for _ in range(repetitions):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < min_seconds:
            fn()
            calls += 1
        best = min(best, (time.perf_counter() - start) / calls)
    return best
