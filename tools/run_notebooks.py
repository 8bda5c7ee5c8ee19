"""Re-run notebooks and save their outputs (what the site shows), then clean them with nbdev_clean.

Usage: python tools/run_notebooks.py [NOTEBOOK ...]   (default: every notebook under nbs/)

Notebooks run in an execnb shell without a Jupyter kernel, the way `nbdev_test` runs them, so slider
figures save their static HTML player. Cells flagged with a test flag from settings.ini (`slow`,
`paper`) run too: saved outputs show the full page. A failing cell stops that notebook and leaves
its file untouched. Afterwards it re-exports the library, whose source comments cite the cells.
"""
import os, sys, time
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

def main(args):
    paths = [Path(a).resolve() for a in args] or sorted((ROOT / 'nbs').rglob('*.ipynb'))
    paths = [p for p in paths if '.ipynb_checkpoints' not in p.parts]
    ok = all([run(p) for p in paths])
    from nbdev.clean import nbdev_clean
    from nbdev.doclinks import nbdev_export
    os.chdir(ROOT)
    for p in paths: nbdev_clean.__wrapped__(fname=str(p))
    nbdev_export.__wrapped__()  # cleaning can renumber cell ids, which the exported modules cite
    return 0 if ok else 1

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
