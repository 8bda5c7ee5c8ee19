"What the benchmark scripts share: the median time of a closure, synchronised on a GPU."
import statistics, time
import torch

def timed(fn, repeats, device):
    "Median seconds of `repeats` calls of fn (after two warm-up calls)"
    for _ in range(2): fn()
    out = []
    for _ in range(repeats):
        if device.type == 'cuda': torch.cuda.synchronize()
        t = time.perf_counter(); fn()
        if device.type == 'cuda': torch.cuda.synchronize()
        out.append(time.perf_counter() - t)
    return statistics.median(out)
