"""Benchmark of the Monte Carlo crossbar engine (pcm_literate.crossbar).

  python benchmarks/bench_crossbar.py [--repeats 3] [--reference DIR --reference-python PY --reference-repeats 3] [--json out.json]

The book's figures: python benchmarks/bench_crossbar.py --reference DIR --json benchmarks/results/crossbar_cpu.json

Prints, measured side by side in one run:
  * fig. 4a of Le Gallo et al. 2022 at 200 trials: median wall time on the CPU (and on CUDA when torch sees a GPU);
  * the floor set by random numbers alone: how many standard normals fig. 4a would draw for every device, how many the
    engine draws (every slicing of the sweep shares each trial's draws), and how long torch takes to draw them with one generator per CPU
    core, measured here; the engine's time as a multiple of both floors;
  * the cost of the device physics alone (programming, ν, Q_s and the two reads, with the normals given), per core and as a
    multiple of drawing those normals: eager, and fused by torch.compile where a C++ compiler is present. Every slicing
    computes the physics of its own devices from the shared draws, so the draws plus the physics of every device of every
    distinct chip are the least any engine built on this physics and these draws can take: the script prints that time and
    the engine's time as a multiple of it;
  * optionally the public reference implementation of Le Gallo et al. 2022 (lciric/pcm-bitslicing) run as it ships (its scripts/run_figure_4a.py,
    from a checkout given by --reference, with a Python that has numpy, joblib and matplotlib), and the ratio;
  * how the time per trial grows with the crossbar size N = 128 … 1024, with the number of chips and with the number
    of reads (times), on the CPU and on CUDA where torch sees a GPU.
No code of the reference is part of this project: the script only runs a checkout you provide.
"""
import argparse, os, statistics, subprocess, sys, tempfile, time
import torch
from pcm_literate.crossbar import CrossbarConfig, crossbar_errors, _same_chip
from pcm_literate.physics import PCMNoiseModel
from pcm_literate.experiments.legallo2022 import fig4a as legallo2022_fig4a
from pcm_literate.units import YEAR, MONTH
from pcm_literate.slicing import SliceConfig, program_slices

def median_time(fn, repeats):
    "Median wall time of `repeats` calls"
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return statistics.median(times), times

FIG4A = [SliceConfig('positional', n) for n in (1, 2, 4, 8)] + \
        [SliceConfig(a, n, b) for b in (2, 1) for a in ('equal_fill', 'max_fill', 'max_fill_ec') for n in (1, 2, 4, 8)]

def fig4a_normals(trials=200, N=128):
    "Standard normals fig. 4a would draw if every slicing drew for every one of its devices: programming noise, ν and two reads; plus each trial's data"
    return trials * sum(c.n_slices * 4 * N * N + (N * N + N) for c in FIG4A)

def engine_normals(slicings, trials, xb=CrossbarConfig(), reads=2):
    "Standard normals the engine draws for a sweep: each trial's data once, and for every slice position of the longest slicing its devices' programming noise, ν and reads, shared by all slicings"
    d = 2 if xb.mapping == 'pair' else 1
    return trials * (xb.size ** 2 + xb.size + max(c.n_slices for c in slicings) * (2 + reads) * d * xb.size ** 2)

def physics_devices(slicings, trials, xb=CrossbarConfig()):
    "Devices whose physics the engine computes for a sweep: every device of every distinct chip (with one slice all algorithms make the same chip, and max-fill with b_W = 2 is digital slicing of single bits)"
    distinct = {_same_chip(c): c.n_slices for c in slicings}
    return trials * (2 if xb.mapping == 'pair' else 1) * xb.size ** 2 * sum(distinct.values())

def randn_rate(threads):
    "Standard normals per second drawn by `threads` generators in parallel (float32, in-cache blocks)"
    from concurrent.futures import ThreadPoolExecutor
    block, reps = 2 ** 18, 200
    def work(i):
        g, out = torch.Generator().manual_seed(i), torch.empty(block)
        for _ in range(reps): torch.randn(block, generator=g, out=out)
    intra = torch.get_num_threads(); torch.set_num_threads(1)
    try:
        t = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool: list(pool.map(work, range(threads)))
        return threads * block * reps / (time.perf_counter() - t)
    finally: torch.set_num_threads(intra)

def device_physics(device_model, g_t, xi, times):
    "What the engine computes for programmed devices of targets `g_t` from their normals `xi` (2 + reads, D), with the model's own methods"
    nu = device_model.drift_coefficients(g_t, noise=xi[1])
    g = device_model.program(g_t, noise=xi[0])
    q = device_model.read_noise_q(g)
    return [device_model._read(g, nu, t, noise=xi[2 + s], q_s=q) for s, t in enumerate(times)]

def unchecked_physics(device_model, g_t, xi, times):
    "`device_physics` without the range checks (which torch.compile cannot fuse), for the fused kernel"
    mu, sigma = device_model.drift_stats(g_t)
    nu = sigma.mul_(xi[1]).add_(mu).abs_().mul_(device_model.drift_scale)
    g = device_model.prog_noise_std(g_t).mul_(xi[0]).add_(g_t).clamp_(min=0)
    q = device_model.read_noise_q(g)
    return [device_model._read(g, nu, t, noise=xi[2 + s], q_s=q) for s, t in enumerate(times)]

def per_thread_rate(work, threads):
    "Items per second when `threads` threads each run `work(i)` (which returns its item count), one intra-op thread each"
    from concurrent.futures import ThreadPoolExecutor
    intra = torch.get_num_threads(); torch.set_num_threads(1)
    try:
        t = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool: n = sum(pool.map(work, range(threads)))
        return n / (time.perf_counter() - t)
    finally: torch.set_num_threads(intra)

def physics_over_draws(repeats, times, compiled=False):
    "On one core: the median over `repeats` of the time the physics of programmed devices takes with its normals given (eager or torch.compile'd), over the time drawing those 2 + len(times) normals takes just before and after it; and the median devices per second of both"
    model, block, reps = PCMNoiseModel(), 2 ** 17, 10
    g_t = torch.linspace(model.g_max / block, model.g_max, block)  # every device programmed, targets spread over (0, G_max]
    xi = torch.randn(2 + len(times), block, generator=torch.Generator().manual_seed(0))
    if compiled: torch._dynamo.config.capture_scalar_outputs = True  # a read's time, float(t), stays in the fused graph
    physics = torch.compile(unchecked_physics) if compiled else device_physics
    gen, out = torch.Generator().manual_seed(1), torch.empty(2 + len(times), block)
    def draw(i):
        for _ in range(reps): torch.randn(out.shape, generator=gen, out=out)
        return block * reps
    def apply(i):
        for _ in range(reps): physics(model, g_t, xi, times)
        return block * reps
    per_thread_rate(apply, 1)  # warm-up, and compilation for one thread, as the engine's workers run
    ratios, draws, phys = [], [], []
    for _ in range(repeats):  # sandwiched, so that a slower spell of a shared machine hits both sides alike
        d0, p, d1 = per_thread_rate(draw, 1), per_thread_rate(apply, 1), per_thread_rate(draw, 1)
        ratios.append((1 / p) / (0.5 / d0 + 0.5 / d1)); draws.append(2 / (1 / d0 + 1 / d1)); phys.append(p)
    return statistics.median(ratios), statistics.median(draws), statistics.median(phys)

def run_reference(ref_dir, python, trials):
    "Wall time of the reference's scripts/run_figure_4a.py, as it ships, in a scratch folder"
    script = os.path.join(os.path.abspath(ref_dir), 'scripts', 'run_figure_4a.py')
    if not os.path.exists(script): raise SystemExit(f"no scripts/run_figure_4a.py in {ref_dir}")
    with tempfile.TemporaryDirectory() as scratch:
        t = time.perf_counter()
        r = subprocess.run([python, script], cwd=scratch, capture_output=True, text=True, env={**os.environ, 'MPLBACKEND': 'Agg'})
        dt = time.perf_counter() - t
    if r.returncode != 0: raise SystemExit(f"the reference failed:\n{r.stderr[-2000:]}")
    return dt

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--repeats', type=int, default=3, help='runs per measurement; the median is reported')
    ap.add_argument('--reference', default=None, help='checkout of lciric/pcm-bitslicing, the public reference implementation')
    ap.add_argument('--reference-repeats', type=int, default=3, help='runs of the reference, each beside a run of the engine; the median ratio is reported')
    ap.add_argument('--reference-python', default=sys.executable, help='Python with numpy, joblib and matplotlib for the reference')
    ap.add_argument('--sizes', default='128,256,512,1024', help='crossbar sizes N for the scaling table')
    ap.add_argument('--chips', default='8,32,128,512', help='numbers of chips for the time per trial at N = 128')
    ap.add_argument('--reads', default='1,2,4,8,16', help='numbers of reads (times) for the time per trial at N = 128')
    ap.add_argument('--json', default=None, help='write the figures here, as records with their provenance')
    args = ap.parse_args(argv)
    out = dict(cpu_threads=torch.get_num_threads(), torch=torch.__version__)
    devices = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])

    n_all, n = fig4a_normals(), engine_normals(FIG4A, 200)
    rate1 = randn_rate(1)
    legallo2022_fig4a(trials=4)  # warm-up
    runs, rates, refs = [], [], []
    for i in range(args.repeats):  # side by side: each engine run next to a measurement of the floor and (for the first few) a run of the reference, so a slow spell of a shared machine hits both
        rates.append(randn_rate(out['cpu_threads']))
        t = time.perf_counter(); legallo2022_fig4a(trials=200); runs.append(time.perf_counter() - t)
        if args.reference and i < args.reference_repeats: refs.append(run_reference(args.reference, args.reference_python, 200))
    rate_all = statistics.median(rates)
    out.update(fig4a_cpu_s=statistics.median(runs), normals_every_device=n_all, normals_drawn=n, randn_per_s_one_generator=rate1, randn_per_s_all_cores=rate_all,
               floor_every_device_s=n_all / rate_all, floor_s=n / rate_all, cpu_over_floor=statistics.median(t * r / n for t, r in zip(runs, rates)))
    print(f"fig. 4a, 200 trials, cpu: median {out['fig4a_cpu_s']:.2f} s over {args.repeats} runs ({', '.join(f'{t:.2f}' for t in runs)})")
    print(f"random-number floor: {n_all / 1e9:.2f}e9 normals if every slicing drew for its own devices, {n / 1e9:.2f}e9 drawn ({1 - n / n_all:.0%} fewer: all slicings share each trial's draws); "
          f"one generator {rate1 / 1e6:.0f} M/s, {out['cpu_threads']} generators {rate_all / 1e6:.0f} M/s -> {n / rate_all:.2f} s "
          f"({n_all / rate_all:.2f} s for every device); the CPU engine runs at {out['cpu_over_floor']:.1f}x the floor of what it draws (median of the runs' ratios)")
    if refs:
        out.update(reference_fig4a_s=statistics.median(refs), cpu_speedup_over_reference=statistics.median(r / t for r, t in zip(refs, runs)))
        print(f"reference implementation, fig. 4a as it ships (200 trials, joblib on all cores): median {out['reference_fig4a_s']:.2f} s over {len(refs)} runs "
              f"({', '.join(f'{t:.2f}' for t in refs)}); pcm-literate on the CPU is {out['cpu_speedup_over_reference']:.1f}x faster (median of the ratios to the engine run beside each)")
    if 'cuda' in devices:
        legallo2022_fig4a(trials=4, device='cuda'); torch.cuda.synchronize()
        def run():
            legallo2022_fig4a(trials=200, device='cuda'); torch.cuda.synchronize()
        med, all_t = median_time(run, args.repeats)
        out['fig4a_cuda_s'] = med
        print(f"fig. 4a, 200 trials, cuda: median {med:.3f} s over {args.repeats} runs ({', '.join(f'{t:.3f}' for t in all_t)})"
              + (f"; {out['reference_fig4a_s'] / med:.0f}x faster than the reference" if refs else ''))

    programmed = physics_devices(FIG4A, 200)  # every device of every distinct chip goes through the physics
    for kind in ('eager', 'compiled'):  # per core: one thread, as each of the engine's workers runs
        try: ratio, draws, physics = physics_over_draws(max(args.repeats, 9), [0.0, MONTH], compiled=kind == 'compiled')
        except Exception as e:  # torch.compile needs a working C++ compiler on the CPU
            print(f"device physics, {kind}: not measured ({type(e).__name__}: {str(e).splitlines()[0][:200]})"); continue
        bound = n / rate_all + programmed / (physics * out['cpu_threads'])  # the shared draws, then every distinct chip's physics on every core
        out.update({f'physics_{kind}_devices_per_s': physics, f'physics_{kind}_over_draws': ratio, f'floor_with_physics_{kind}_s': bound,
                    f'cpu_over_floor_with_physics_{kind}': out['fig4a_cpu_s'] / bound})
        print(f"device physics alone, {kind}, one core: {physics / 1e6:.0f} M programmed devices/s; drawing their 4 normals {draws / 1e6:.0f} M/s "
              f"({ratio:.2f}x, median of sandwiched runs); fig. 4a computes it for {programmed / 1e9:.2f}e9 devices, so draws plus physics take "
              f"at least {bound:.2f} s on {out['cpu_threads']} cores, and the engine runs at {out['fig4a_cpu_s'] / bound:.1f}x that")
    out['physics_devices'] = programmed

    cfg, points = SliceConfig('equal_fill', 4), []
    for dev in devices:
        points += [(dev, 'size', N, max(4, int(64 * (128 / N) ** 2)), 2) for N in [int(v) for v in args.sizes.split(',')]]
        points += [(dev, 'chips', 128, trials, 2) for trials in [int(v) for v in args.chips.split(',')]]
        points += [(dev, 'reads', 128, 64, reads) for reads in [int(v) for v in args.reads.split(',')]]
    def run(dev, sweep, N, trials, reads):
        "Wall time of one call of `crossbar_errors` at this point"
        times = [0.0] + [20.0 * (YEAR / 20.0) ** (k / (reads - 1)) for k in range(1, reads)]  # t0, then log-spaced up to a year
        t = time.perf_counter()
        crossbar_errors(cfg, times, trials, CrossbarConfig(size=N), device=dev)
        if dev == 'cuda': torch.cuda.synchronize()
        return time.perf_counter() - t
    for p in points: run(*p)  # warm-up
    walls = [[run(*p) for p in points] for _ in range(args.repeats)]  # round-robin: a slow spell of a shared machine hits every point alike
    print("\ntime per trial (equal-fill, n_W = 4): vs crossbar size N, vs the number of chips, vs the number of reads (medians, measured round-robin)")
    scaling = []
    for i, (dev, sweep, N, trials, reads) in enumerate(points):
        ms = 1e3 * statistics.median(w[i] for w in walls) / trials
        scaling.append(dict(measure='per_trial', sweep=sweep, device=dev, N=N, trials=trials, reads=reads, ms_per_trial=ms))
        print(f"  {dev:4s} {sweep:6s} N = {N:4d}, {trials:4d} trials, {reads:2d} reads: {ms:8.2f} ms per trial")
    out['scaling'] = scaling
    if args.json:
        from pcm_literate.records import Results, provenance, save_results
        summary = dict(measure='summary', **{k: v for k, v in out.items() if k != 'scaling'})
        save_results(Results('bench-crossbar', provenance('python benchmarks/bench_crossbar.py ' + ' '.join(argv if argv is not None else sys.argv[1:]), 'cpu'),
                             [summary] + scaling), args.json)

if __name__ == '__main__': main()
