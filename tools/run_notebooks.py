"""Re-run notebooks and save their outputs (what the site shows), then clean them with nbdev_clean.

Usage: python tools/run_notebooks.py [NOTEBOOK ...]   (default: every notebook under nbs/)
       python tools/run_notebooks.py --check NOTEBOOK  (run it as nbdev_test does; exit 1 if a printed output differs)

Notebooks run one per process in an execnb shell without a Jupyter kernel, the way `nbdev_test` runs them, so slider
figures save their static HTML player. Cells flagged with a test flag from settings.ini (`slow`,
`paper`) run too: saved outputs show the full page. A failing cell stops that notebook and leaves
its file untouched. Afterwards it re-exports the library, whose source comments cite the cells.

`--check` is the test that the same seed gives the same numbers: it runs a copy of the notebook the way
`nbdev_test` does (flagged cells skipped) and compares every text output (printed lines, plain-text results)
with the saved one the site shows.
"""
import configparser, copy, os, re, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

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
        shell.run_all(nb, exc_stop=True, preproc=lambda c: c.cell_type != 'code' or 'nbdev_export(' in c.source)
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
    directives = [l[2:].strip() for l in cell.source.splitlines() if l.startswith('#|')]
    return any(d in flags or re.fullmatch(r'eval:\s*false', d) for d in directives)

def _text(outputs) -> str:
    "The text a reader sees in `outputs`: streams and plain-text-only results"
    parts = []
    for o in outputs:
        if o.get('output_type') == 'stream': parts.append(''.join(o['text']) if isinstance(o['text'], list) else o['text'])
        elif set(o.get('data', {})) == {'text/plain'}: parts.append(''.join(o['data']['text/plain']))
    return ''.join(parts)

def check(nb_path: Path) -> list[str]:
    "Run `nb_path` as nbdev_test does, without saving; the differences between its text outputs and the saved ones"
    from execnb.nbio import read_nb
    from execnb.shell import CaptureShell
    os.environ['IN_TEST'] = '1'
    nb = read_nb(nb_path)
    saved = [copy.deepcopy(c.get('outputs', [])) for c in nb.cells]
    shell = CaptureShell(nb_path, mpl_format='png')
    cwd = os.getcwd(); os.chdir(nb_path.parent)
    try: shell.run_all(nb, exc_stop=True, preproc=_skipped)
    except Exception: return [shell.prettytb(fname=nb_path)]
    finally: os.chdir(cwd)
    diffs = []
    for i, (c, old) in enumerate(zip(nb.cells, saved)):
        if _skipped(c): continue
        a, b = _text(old), _text(c.get('outputs', []))
        if a != b: diffs.append(f"cell {i} ({c.source.splitlines()[0][:60]!r}): saved\n{a}\nnow\n{b}")
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
