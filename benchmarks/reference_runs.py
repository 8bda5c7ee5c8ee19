"""Run the public reference implementation of Le Gallo et al. 2022 (lciric/pcm-bitslicing) as it ships and keep the means it prints.

  python benchmarks/reference_runs.py --reference DIR [--reference-python PY] --json nbs/papers/data/legallo2022_reference.json

Runs its scripts/run_figure_4a.py, run_figure_4b.py and run_figure_4c.py in a scratch folder (with a Python that has numpy, joblib and
matplotlib) and parses the mean η they print for every configuration: fig. 4a at t0 and a month (200 trials), fig. 4b at t0 (300 trials),
fig. 4c at t0 and a year (200 trials). The walkthrough compares the committed figures with these numbers. No code of the reference is part
of this project: the script only runs a checkout you provide and reads what it prints.
"""
import argparse, os, re, subprocess, sys, tempfile

ALGORITHM = {'Equal-fill': 'equal_fill', 'Max-fill': 'max_fill', 'Max-fill with EC': 'max_fill_ec', 'Max-fill EC': 'max_fill_ec', 'Digital slicing': 'positional'}
from pcm_literate.units import MONTH, YEAR

def run(ref_dir, python, name):
    "Standard output of the reference's scripts/run_{name}.py"
    script = os.path.join(os.path.abspath(ref_dir), 'scripts', f'run_{name}.py')
    with tempfile.TemporaryDirectory() as scratch:
        r = subprocess.run([python, script], cwd=scratch, capture_output=True, text=True, env={**os.environ, 'MPLBACKEND': 'Agg'})
    if r.returncode != 0: raise SystemExit(f"{script} failed:\n{r.stderr[-2000:]}")
    return r.stdout

def fig4a(out):
    "Records of fig. 4a: '<label>, n_W=<n> ... η(t0)=<a>  η(1mo)=<b>', label 'Digital slicing' or '$b_W$=<b>, <algorithm>'"
    recs = []
    for label, n, a, b in re.findall(r"^(.*?), n_W=(\d+) \.\.\. η\(t0\)=([\d.]+)\s+η\(1mo\)=([\d.]+)", out, re.M):
        base = None if label == 'Digital slicing' else int(re.match(r"\$b_W\$=(\d+)", label).group(1))
        alg = ALGORITHM[label if base is None else label.split(', ', 1)[1]]
        recs += [dict(figure='4a', algorithm=alg, base=base, n_slices=int(n), t_inference=t, eta_mean=float(v), n_trials=200) for t, v in ((0.0, a), (MONTH, b))]
    return recs

def fig4b(out):
    "Records of fig. 4b: '<algorithm>, $n_W$=<n>, b_W=<b> ... η(t0)=<a>'"
    return [dict(figure='4b', algorithm=ALGORITHM[alg], base=int(b), n_slices=int(n), t_inference=0.0, eta_mean=float(a), n_trials=300)
            for alg, n, b, a in re.findall(r"^(.*?), \$n_W\$=(\d+), b_W=(\d+) \.\.\. η\(t0\)=([\d.]+)", out, re.M)]

def fig4c(out):
    "Records of fig. 4c: '<algorithm>, equal|varying [$b_W$=<b>], $n_W$=<n> ... η(t0)=<a> → η(1yr)=<b>'"
    recs = []
    for alg, kind, n, a, b in re.findall(r"^(.*?), (equal|varying \$b_W\$=\d+), \$n_W\$=(\d+) \.\.\. η\(t0\)=([\d.]+) → η\(1yr\)=([\d.]+)", out, re.M):
        base = 1 if kind == 'equal' else int(re.search(r"=(\d+)", kind).group(1))
        recs += [dict(figure='4c', algorithm=ALGORITHM[alg], base=base, n_slices=int(n), t_inference=t, eta_mean=float(v), n_trials=200) for t, v in ((0.0, a), (YEAR, b))]
    return recs

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--reference', required=True, help='checkout of lciric/pcm-bitslicing')
    ap.add_argument('--reference-python', default=sys.executable, help='Python with numpy, joblib and matplotlib')
    ap.add_argument('--json', required=True, help='where to write the records')
    args = ap.parse_args(argv)
    recs = fig4a(run(args.reference, args.reference_python, 'figure_4a')) + fig4b(run(args.reference, args.reference_python, 'figure_4b'))
    recs += fig4c(run(args.reference, args.reference_python, 'figure_4c'))
    commit = subprocess.run(['git', '-C', args.reference, 'rev-parse', 'HEAD'], capture_output=True, text=True).stdout.strip() or 'unknown'
    from pcm_literate.records import Results, provenance, save_results
    prov = provenance('python benchmarks/reference_runs.py ' + ' '.join(argv if argv is not None else sys.argv[1:]), 'cpu')
    save_results(Results('legallo2022-reference', {**prov, 'reference_commit': commit}, recs), args.json)
    print(f"{len(recs)} records of the reference at {commit[:7]} written to {args.json}")

if __name__ == '__main__': main()
