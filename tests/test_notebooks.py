"Every notebook runs from top to bottom (its examples are the library's tests), and prints what it saved: same seed, same numbers."
import json, subprocess, sys
from pathlib import Path
import pytest
from conftest import ROOT

NOTEBOOKS = sorted(p for p in (ROOT / 'nbs').rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts)
RUNNER = ROOT / 'tools' / 'run_notebooks.py'

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / 'nbs')))
def test_notebook(nb):
    """Run as `nbdev_test` runs it (same shell, flagged cells skipped): every cell passes, and every printed number is
    the one the site shows (a draw from an unseeded generator would differ). One run per notebook, not two."""
    r = subprocess.run([sys.executable, str(RUNNER), '--check', str(nb)], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f"{nb.name} fails or prints something else than its saved outputs:\n{r.stderr[-3000:]}"

def test_nbdev_test_itself_runs_a_notebook():
    "The runner above stands in for nbdev_test; nbdev_test itself still passes a notebook and fails a broken one"
    ok = subprocess.run([str(Path(sys.executable).parent / 'nbdev_test'), '--path', str(ROOT / 'nbs' / '91_units.ipynb')], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr

def test_the_check_fails_a_failing_cell(tmp_path):
    "Control: a cell that raises fails the notebook test even when it printed nothing"
    nb = dict(cells=[dict(cell_type='code', execution_count=None, id='a1', metadata={}, source="assert 1 == 2, 'wrong'", outputs=[])],
              metadata={}, nbformat=4, nbformat_minor=5)
    path = tmp_path / 'failing.ipynb'
    path.write_text(json.dumps(nb))
    r = subprocess.run([sys.executable, str(RUNNER), '--check', str(path)], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 1 and 'wrong' in r.stderr, r.stderr

def test_the_output_check_catches_a_changed_number(tmp_path):
    "Control: a notebook whose saved output is not what it prints now fails the check"
    cell = lambda src, text: dict(cell_type='code', execution_count=None, id='a1', metadata={}, source=src,
                                  outputs=[dict(name='stdout', output_type='stream', text=text)])
    nb = dict(cells=[cell("import random\nprint(round(random.random(), 6))", "0.5\n")], metadata={}, nbformat=4, nbformat_minor=5)
    path = tmp_path / 'unseeded.ipynb'
    path.write_text(json.dumps(nb))
    r = subprocess.run([sys.executable, str(RUNNER), '--check', str(path)], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 1 and 'saved\n0.5\n' in r.stderr, r.stderr
