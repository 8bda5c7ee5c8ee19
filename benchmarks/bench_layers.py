"""Benchmark of the analog layers (pcm_literate.layers).

  python benchmarks/bench_layers.py [--repeats 15] [--rounds 3] [--device cpu|cuda|all] [--json out.json]

Prints, measured side by side in one run (rounds interleave the variants, each round takes the median of
`repeats` steps, and the table shows the median over rounds):
  * one training step (forward + backward + optimizer step) of nn.Linear 512 × 512 at batch 256 and of
    ResNet-32 at batch 128 (32 × 32 inputs): digital, ours with the default AnalogConfig (PCM-like weight
    noise, 8-bit DAC/ADC with straight-through gradients, output noise), the same with aihwkit's IR drop (1.0) and
    per-read weight noise (0.0175, PCM_READ) of its standard preset, ours without training noise, and
    ours with additive Gaussian weight noise (2 % of max|W|), and aihwkit 1.1's TorchInferenceRPUConfig tile without
    training noise and with the same additive noise (its ADD_NORMAL modifier) when aihwkit is importable
    (`pip install aihwkit==1.1.0 --no-deps`; never a dependency of this package): the like-for-like pairs;
  * the cost of the random numbers alone: one training step's Gaussian draws, timed on their own, and the
    floor they set: no layer that draws fresh weight and output noise at every forward can beat the digital
    step plus its draws;
  * deployed evaluation: C chips × K times with evaluate_chips against C·K plain forward passes plus C programmings.
Ratios are to the digital step of the same model on the same device.
"""
import argparse, copy, statistics, time
import torch
from timing import timed  # benchmarks/timing.py (the script folder is on sys.path)
from torch import nn
from pcm_literate.layers import AnalogConfig
from pcm_literate.convert import convert_to_analog
from pcm_literate.deploy import evaluate_chips, program_analog, set_drift_time
from pcm_literate.models import resnet32

def train_step(model, x, y):
    "One SGD step as a closure"
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    loss_fn = (lambda out: nn.functional.cross_entropy(out, y)) if y is not None else (lambda out: out.square().mean())
    def step():
        opt.zero_grad(set_to_none=True); loss_fn(model(x)).backward(); opt.step()
    return step

ADDITIVE = 0.02  # the like-for-like training noise: Gaussian, std 2 % of the layer's largest |W|, drawn at every forward

def aihwkit_model(digital, additive=None):
    "The model on aihwkit 1.1's pure-PyTorch inference tile (with additive weight noise `additive` × max|W|), or None and the reason"
    try:
        from aihwkit.nn.conversion import convert_to_analog as aihw_convert
        from aihwkit.simulator.configs import TorchInferenceRPUConfig, WeightModifierParameter, WeightModifierType
    except Exception as e: return None, f"{type(e).__name__}: {e}"
    config = TorchInferenceRPUConfig()
    if additive is not None: config.modifier = WeightModifierParameter(type=WeightModifierType.ADD_NORMAL, std_dev=additive, rel_to_actual_wmax=True)
    return aihw_convert(copy.deepcopy(digital), config), None

def variants(digital):
    "The models to compare: digital, ours (default, without training noise, with additive noise) and aihwkit's like-for-like pairs"
    out = {'digital': digital, 'ours (default)': convert_to_analog(digital, AnalogConfig()),
           'ours (no training noise)': convert_to_analog(digital, AnalogConfig(train_noise='none')),
           'ours (additive noise)': convert_to_analog(digital, AnalogConfig(train_noise='additive', train_noise_scale=ADDITIVE)),
           'ours (default + IR drop, read noise)': convert_to_analog(digital, AnalogConfig(ir_drop=1.0, w_noise=0.0175))}
    aihw, why = aihwkit_model(digital)
    if aihw is not None:
        out['aihwkit (no training noise)'] = aihw
        out['aihwkit (additive noise)'] = aihwkit_model(digital, ADDITIVE)[0]
    return out, why

PAIRS = [('no training noise', 'ours (no training noise)', 'aihwkit (no training noise)'), ('additive noise', 'ours (additive noise)', 'aihwkit (additive noise)')]

def normals_per_step(model, x):
    "Gaussian draws of one training forward of `model` on `x` with the default config: weight noise and output noise"
    n = sum(m.weight.numel() for m in model.modules() if hasattr(m, 'config'))
    outs = []
    hooks = [m.register_forward_hook(lambda m, i, o: outs.append(o.numel())) for m in model.modules() if hasattr(m, 'config')]
    with torch.no_grad(): model(x)
    for h in hooks: h.remove()
    return n + sum(outs)

def bench_training(name, digital, x, y, device, repeats, rounds):
    "Median step times of every variant, interleaved over rounds"
    models, why = variants(digital.to(device))
    steps = {k: train_step(m.to(device).train(), x, y) for k, m in models.items()}
    times = {k: [] for k in steps}
    for _ in range(rounds):
        for k, s in steps.items(): times[k].append(timed(s, repeats, device))
    med = {k: statistics.median(v) for k, v in times.items()}
    n = normals_per_step(models['ours (default)'], x)
    med['random numbers alone'] = timed(lambda: torch.randn(n, device=device), repeats, device)
    med['floor: digital + draws'] = med['digital'] + med['random numbers alone']
    print(f"\n{name} on {device} (training step, median of {rounds} rounds × {repeats} steps)")
    for k, v in med.items(): print(f"  {k:28s} {v * 1e3:9.2f} ms   {v / med['digital']:5.2f}× digital")
    if why: print(f"  aihwkit not measured: {why}")
    for pair, a, b in PAIRS:
        if b in med: print(f"  like for like, {pair}: ours {med[a] / med[b]:.2f}× aihwkit's step")
    return {k: dict(seconds=v, ratio=v / med['digital']) for k, v in med.items()} | ({'aihwkit_unavailable': why} if why else {})

def bench_deployed(device, chips=4, times=(0.0, 3600.0, 86400.0, 2592000.0), repeats=3):
    "evaluate_chips (C programmings, C·K reads and forwards) against C·K plain forwards + C programmings"
    torch.manual_seed(0)
    model = convert_to_analog(resnet32(), AnalogConfig()).to(device)
    x = torch.randn(128, 3, 32, 32, device=device)
    metric = lambda m, data: m(data).sum().item()
    full = timed(lambda: evaluate_chips(model, x, list(times), chips, metric), repeats, device)
    program_analog(model, torch.Generator(device=device).manual_seed(0))
    set_drift_time(model, 0.0)
    fwd = timed(lambda: model(x), repeats, device)
    prog = timed(lambda: program_analog(model, torch.Generator(device=device).manual_seed(0)), repeats, device)
    floor = chips * len(times) * fwd + chips * prog
    print(f"\nResNet-32 deployed evaluation on {device}: {chips} chips × {len(times)} times, batch 128")
    print(f"  evaluate_chips {full:.3f} s; {chips}·{len(times)} forwards ({fwd * 1e3:.1f} ms each) + {chips} programmings ({prog * 1e3:.1f} ms each) = {floor:.3f} s; overhead {full / floor:.2f}×")
    return dict(evaluate_chips=full, forward=fwd, program=prog, floor=floor, overhead=full / floor)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--repeats', type=int, default=15); p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--device', default='all', help="'cpu', 'cuda' or 'all' (every device torch sees)")
    p.add_argument('--json', default=None, help='write the results here')
    args = p.parse_args()
    devices = ['cpu'] + (['cuda'] if torch.cuda.is_available() else []) if args.device == 'all' else [args.device]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads" + (f", {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""))
    res = {}
    for d in map(torch.device, devices):
        torch.manual_seed(0)
        res[f'linear512_{d.type}'] = bench_training('Linear 512 × 512, batch 256', nn.Linear(512, 512), torch.randn(256, 512, device=d), None, d, args.repeats, args.rounds)
        res[f'resnet32_{d.type}'] = bench_training('ResNet-32, batch 128', resnet32(), torch.randn(128, 3, 32, 32, device=d),
                                                   torch.randint(0, 10, (128,), device=d), d, max(3, args.repeats // 3), args.rounds)
        res[f'deployed_{d.type}'] = bench_deployed(d)
    if args.json:
        import sys
        from pcm_literate.records import Results, provenance, save_results
        records = [dict(measure=name, variant=k, **v) for name, r in res.items() if 'deployed' not in name for k, v in r.items() if isinstance(v, dict)]
        records += [dict(measure=name, **r) for name, r in res.items() if 'deployed' in name]
        try: import aihwkit; records.append(dict(measure='aihwkit', version=aihwkit.__version__))
        except Exception: pass
        save_results(Results('bench-layers', provenance('python benchmarks/bench_layers.py ' + ' '.join(sys.argv[1:]), devices[-1]), records), args.json)

if __name__ == '__main__': main()
