"""Every notebook runs from top to bottom (its examples and hidden test cells are the library's tests), and prints what it
saved: the same words and integers, and floats within the rounding of their last digit (same seed, same numbers), except in
cells marked `#| digits: vary`, whose assertions check their trained numbers against committed records."""
import json, subprocess, sys
from pathlib import Path
import pytest
from conftest import ROOT

NOTEBOOKS = sorted(p for p in (ROOT / 'nbs').rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts)
RUNNER = ROOT / 'tools' / 'run_notebooks.py'

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / 'nbs')))
def test_notebook(nb):
    """Run as `nbdev_test` runs it (same shell, flagged cells skipped): every cell passes, and every printed number is
    the one the site shows up to rounding (a draw from an unseeded generator would differ). One run per notebook."""
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

def _notebook(tmp_path, *cells) -> Path:
    "A notebook of code cells (source, saved stdout) written to tmp_path"
    nb = dict(cells=[dict(cell_type='code', execution_count=None, id=f'c{i}', metadata={}, source=src,
                          outputs=[dict(name='stdout', output_type='stream', text=text)]) for i, (src, text) in enumerate(cells)],
              metadata={}, nbformat=4, nbformat_minor=5)
    path = tmp_path / 'checked.ipynb'
    path.write_text(json.dumps(nb))
    return path

def _check(path): return subprocess.run([sys.executable, str(RUNNER), '--check', str(path)], cwd=ROOT, capture_output=True, text=True)

def test_the_output_check_catches_a_changed_number(tmp_path):
    "Control: a notebook whose saved output is not what it prints now fails the check (here an unseeded draw)"
    r = _check(_notebook(tmp_path, ("import random\nprint(round(random.random(), 6))", "0.123456\n")))
    assert r.returncode == 1 and 'saved\n0.123456\n' in r.stderr, r.stderr

def test_the_output_check_allows_rounding_and_nothing_more(tmp_path):
    "A float's last digit may differ (another CPU's rounding); a word, an integer or a float beyond its last digit may not"
    assert _check(_notebook(tmp_path, ("print('loss', 0.0985)", "loss 0.099\n"))).returncode == 0
    assert _check(_notebook(tmp_path, ("print('loss', 0.0985)", "loss 0.097\n"))).returncode == 1
    assert _check(_notebook(tmp_path, ("print('solved', 97)", "solved 96\n"))).returncode == 1
    assert _check(_notebook(tmp_path, ("print('BR hurt', 0.1)", "BR helped 0.1\n"))).returncode == 1

def test_a_cell_that_stopped_printing_fails_the_check(tmp_path):
    "Control: a saved output that the cell no longer makes (a stale output) fails, though the cell prints nothing now"
    assert _check(_notebook(tmp_path, ("x = 1", "gain 0.041\n"))).returncode == 1

def test_a_cell_marked_digits_vary_may_change_its_numbers_but_not_its_words(tmp_path):
    "In a `#| digits: vary` cell (training), numbers are checked by assertions, not by the saved text; words still count"
    assert _check(_notebook(tmp_path, ("#| digits: vary\nprint('solved', 97, 0.95)", "solved 96 0.91\n"))).returncode == 0
    assert _check(_notebook(tmp_path, ("#| digits: vary\nprint('BR hurt', 0.1)", "BR helped 0.1\n"))).returncode == 1
