"""Re-run notebooks and save their outputs (what the site shows), then clean them with nbdev_clean.

Usage: python tools/run_notebooks.py [NOTEBOOK ...]   (default: every notebook under nbs/)
       python tools/run_notebooks.py --check NOTEBOOK  (run it as nbdev_test does; exit 1 if a printed output differs)

Notebooks run one per process in an execnb shell without a Jupyter kernel, the way `nbdev_test` runs them, so slider
figures save their static HTML player. Cells flagged with a test flag from settings.ini (`slow`,
`paper`) run too: saved outputs show the full page. A failing cell stops that notebook and leaves
its file untouched. Afterwards it re-exports the library, whose source comments cite the cells.

`--check` runs a copy of the notebook the way `nbdev_test` does (flagged cells skipped): every cell must pass, and its
assertions are the checks of the numbers. It also compares every text output (printed lines, plain-text and Markdown
results) with the saved one the site shows, in a way that holds on any x86 CPU and thread count:
* words, names and integers must be equal (spacing may differ);
* a printed float must agree with the saved one within one unit of its last printed digit or 1e-5 of its value, the
  rounding of deterministic arithmetic on other BLAS kernels (the same seed must give the same numbers);
* in a cell marked `#| digits: vary` (training, whose trajectory differs between CPUs) every number may differ: the
  cell's own assertions, or the hidden test cell after it, check its numbers against the committed records.
"""
import configparser, copy, os, re, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _fresh(skip):
    "A preproc for execnb's run_all: skip the cells `skip` names, and clear the outputs of every cell that runs (execnb keeps a cell's old outputs when it now shows nothing)"
    def pre(cell) -> bool:
        if skip(cell): return True
        cell.outputs = []
        return False
    return pre

def run(nb_path: Path) -> bool:
    "Execute `nb_path` in place; True when every cell ran"
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    os.environ['IN_TEST'] = '1'
    nb = read_nb(nb_path)
    shell = CaptureShell(nb_path, mpl_format='png')
    cwd = os.getcwd(); os.chdir(nb_path.parent)
    start = time.time()
    try:
        shell.run_all(nb, exc_stop=True, preproc=_fresh(lambda c: c.cell_type != 'code' or 'nbdev_export(' in c.source))
    except Exception:
        print(shell.prettytb(fname=nb_path), file=sys.stderr)
        return False
    finally: os.chdir(cwd)
    write_nb(nb, nb_path)
    print(f"{nb_path.relative_to(ROOT)}: {time.time() - start:.1f} s")
    return True

def _skipped(cell) -> bool:
    "Cells nbdev_test does not run: non-code, the export call, flagged with a test flag, or `eval: false`"
    if cell.cell_type != 'code' or 'nbdev_export(' in cell.source: return True
    cp = configparser.ConfigParser(); cp.read(ROOT / 'settings.ini')
    flags = cp['DEFAULT'].get('tst_flags', '').split()
    return any(d in flags or re.fullmatch(r'eval:\s*false', d) for d in _directives(cell))

def _directives(cell) -> list[str]:
    "The cell's `#|` directives, without the marker"
    return [l[2:].strip() for l in cell.source.splitlines() if l.startswith('#|')]

def _digits_vary(cell) -> bool:
    "Whether the cell is marked `#| digits: vary`: its printed numbers come from training and differ between CPUs"
    return any(re.fullmatch(r'digits:\s*vary', d) for d in _directives(cell))

def _text(outputs) -> str:
    "The text a reader sees in `outputs`: streams, and results shown as plain text or Markdown"
    parts = []
    for o in outputs:
        if o.get('output_type') == 'stream': parts.append(''.join(o['text']) if isinstance(o['text'], list) else o['text'])
        elif 'text/markdown' in o.get('data', {}): parts.append(''.join(o['data']['text/markdown']))
        elif set(o.get('data', {})) == {'text/plain'}: parts.append(''.join(o['data']['text/plain']))
    return ''.join(parts)

_NUMBER = re.compile(r'(?<![\w.])[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?')

def _words_and_numbers(text:str) -> tuple[list[str], list[str]]:
    "The text with every number replaced by '#', split on white space; and the numbers in order"
    return _NUMBER.sub(' # ', text).split(), _NUMBER.findall(text)

def _is_integer(token:str) -> bool: return re.fullmatch(r'[-+−]?[\d,]+', token) is not None

def _close(saved:str, now:str) -> bool:
    "Whether two printed floats agree within one unit of the saved one's last digit or 1e-5 of its value"
    a, b = (float(t.replace('−', '-').replace(',', '')) for t in (saved, now))
    mantissa = re.split('[eE]', saved)[0]
    unit = 10.0 ** -len(mantissa.split('.')[1]) if '.' in mantissa else 1.0
    if re.search('[eE]', saved): unit *= 10.0 ** int(re.split('[eE]', saved)[1])
    return abs(a - b) <= max(unit * (1 + 1e-9), 1e-5 * abs(a))

def text_differs(saved:str, now:str, digits_vary:bool=False) -> bool:
    "Whether `now` differs from `saved` by more than the rounding of its numbers (or, with `digits_vary`, in its words)"
    (ws, ns), (wn, nn) = _words_and_numbers(saved), _words_and_numbers(now)
    if ws != wn or len(ns) != len(nn): return True
    if digits_vary: return False
    return any(a != b and (_is_integer(a) or _is_integer(b) or not _close(a, b)) for a, b in zip(ns, nn))

def check(nb_path: Path) -> list[str]:
    "Run `nb_path` as nbdev_test does, without saving; the differences between its text outputs and the saved ones"
    from execnb.nbio import read_nb
    from execnb.shell import CaptureShell
    os.environ['IN_TEST'] = '1'
    nb = read_nb(nb_path)
    saved = [copy.deepcopy(c.get('outputs', [])) for c in nb.cells]
    shell = CaptureShell(nb_path, mpl_format='png')
    cwd = os.getcwd(); os.chdir(nb_path.parent)
    try: shell.run_all(nb, exc_stop=True, preproc=_fresh(_skipped))
    except Exception: return [shell.prettytb(fname=nb_path)]
    finally: os.chdir(cwd)
    diffs = []
    for i, (c, old) in enumerate(zip(nb.cells, saved)):
        if _skipped(c): continue
        a, b = _text(old), _text(c.get('outputs', []))
        if text_differs(a, b, _digits_vary(c)): diffs.append(f"cell {i} ({c.source.splitlines()[0][:60]!r}): saved\n{a}\nnow\n{b}")
    return diffs

def main(args):
    if args[:1] == ['--one']: return 0 if run(Path(args[1])) else 1
    if args[:1] == ['--check']:
        diffs = check(Path(args[1]).resolve())
        for d in diffs: print(d, file=sys.stderr)
        return 1 if diffs else 0
    paths = [Path(a).resolve() for a in args] or sorted((ROOT / 'nbs').rglob('*.ipynb'))
    paths = [p for p in paths if '.ipynb_checkpoints' not in p.parts]
    # each notebook in a process of its own, as nbdev_test runs them: no state leaks from one to the next
    ok = all([subprocess.run([sys.executable, __file__, '--one', str(p)]).returncode == 0 for p in paths])
    from nbdev.clean import nbdev_clean
    from nbdev.doclinks import nbdev_export
    os.chdir(ROOT)
    for p in paths: nbdev_clean.__wrapped__(fname=str(p))
    nbdev_export.__wrapped__()  # cleaning can renumber cell ids, which the exported modules cite
    return 0 if ok else 1

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
