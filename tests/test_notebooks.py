"Every notebook runs from top to bottom: its examples are the library's tests (nbdev_test)."
import subprocess, sys
from pathlib import Path
import pytest
from conftest import ROOT

NOTEBOOKS = sorted(p for p in (ROOT / 'nbs').rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts)

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / 'nbs')))
def test_notebook(nb):
    r = subprocess.run([str(Path(sys.executable).parent / 'nbdev_test'), '--path', str(nb)], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f"nbdev_test failed on {nb.name}:\n{r.stdout}\n{r.stderr}"
