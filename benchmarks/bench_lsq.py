"""Benchmark of LSQ and bin regularisation (pcm_literate.lsq).

  python benchmarks/bench_lsq.py [--repeats 15] [--rounds 3] [--device cpu|cuda|all] [--json out.json]

Prints, measured side by side in one run (rounds interleave the variants, each round takes the median of
`repeats` calls, and the table shows the median over rounds):
  * one training step (forward + backward + Adam step) of ResNet-20 at batch 128 on 32 × 32 inputs, 2 bits:
    full precision, LSQ (weights and activations quantised), LSQ + BR on the weights, LSQ + BR on weights and
    activations (the hooks capture every quantised ReLU's input);
  * the BR loss alone (forward + backward) over every weight tensor of that ResNet-20 at 2 and 4 bits: the
    vectorised `bin_regularization` against `bin_regularization_loop`, the per-bin Python loop of public BR code.
Ratios are to the full-precision step, and to the vectorised loss.
"""
import argparse, json, statistics, time
import torch
from timing import timed  # benchmarks/timing.py (the script folder is on sys.path)
import torch.nn.functional as F
from pcm_literate.models import CifarResNet
from pcm_literate.lsq import quantize_model, BinRegularizer, bin_regularization, bin_regularization_loop

def train_step(model, x, y, br=None):
    "One Adam step as a closure; `br` adds its loss"
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    def step():
        loss = F.cross_entropy(model(x), y)
        if br is not None: loss = loss + br.loss()
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    return step

def interleaved(fns, repeats, rounds, device):
    "Median over rounds of each closure's median time"
    times = {k: [] for k in fns}
    for _ in range(rounds):
        for k, f in fns.items(): times[k].append(timed(f, repeats, device))
    return {k: statistics.median(v) for k, v in times.items()}

def bench_steps(device, repeats, rounds, batch=128):
    "Training steps of ResNet-20 at 2 bits: fp, LSQ, LSQ + BR (weights), LSQ + BR (weights and activations)"
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(batch, 3, 32, 32, generator=g).to(device), torch.randint(0, 10, (batch,), generator=g).to(device)
    torch.manual_seed(0)
    fp = CifarResNet(3).to(device).train()
    models = {k: quantize_model(fp, 2).train() for k in ('LSQ', 'LSQ + BR (W)', 'LSQ + BR (W + A)')}
    for m in models.values(): m(x)  # the first batch starts the activation steps
    with BinRegularizer(models['LSQ + BR (W)'], 1e3, 0.0) as br_w, BinRegularizer(models['LSQ + BR (W + A)'], 1e3, 0.1) as br_wa:
        fns = {'full precision': train_step(fp, x, y), 'LSQ': train_step(models['LSQ'], x, y),
               'LSQ + BR (W)': train_step(models['LSQ + BR (W)'], x, y, br_w), 'LSQ + BR (W + A)': train_step(models['LSQ + BR (W + A)'], x, y, br_wa)}
        med = interleaved(fns, repeats, rounds, device)
    print(f"\nResNet-20, batch {batch}, 2 bits, on {device} (training step, median of {rounds} rounds × {repeats} steps)")
    for k, v in med.items(): print(f"  {k:20s} {v * 1e3:9.2f} ms   {v / med['full precision']:5.2f}× full precision")
    return {k: v for k, v in med.items()}

def bench_loss(device, repeats, rounds):
    "The BR loss over every weight of ResNet-20: vectorised against the per-bin loop, at 2 and 4 bits"
    out = {}
    for bits in (2, 4):
        torch.manual_seed(0)
        q = quantize_model(CifarResNet(3), bits).to(device)
        layers = [m for m in q.modules() if hasattr(m, "weight_quantizer")]  # the quantised layers
        def loss(fn):
            def run():
                total = sum(fn(m.weight, m.weight_quantizer.step, m.weight_quantizer.q_n, m.weight_quantizer.q_p) for m in layers)
                total.backward()
            return run
        med = interleaved({'vectorised': loss(bin_regularization), 'per-bin loop': loss(bin_regularization_loop)}, repeats, rounds, device)
        print(f"\nBR loss + backward over ResNet-20's {sum(m.weight.numel() for m in layers)} weights at {bits} bits, on {device}")
        for k, v in med.items(): print(f"  {k:14s} {v * 1e3:9.2f} ms   {v / med['vectorised']:5.2f}× vectorised")
        out[f'{bits} bits'] = med
    return out

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--repeats', type=int, default=15)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--device', default='cpu', help="cpu, cuda, or all")
    p.add_argument('--json', default=None)
    a = p.parse_args()
    devices = ['cpu', 'cuda'] if a.device == 'all' else [a.device]
    res = {}
    for d in devices:
        dev = torch.device(d)
        res[d] = dict(training_step=bench_steps(dev, a.repeats, a.rounds), br_loss=bench_loss(dev, a.repeats, a.rounds))
    if a.json:
        with open(a.json, 'w') as f: json.dump(dict(torch=torch.__version__, threads=torch.get_num_threads(), results=res), f, indent=1)

if __name__ == '__main__': main()
