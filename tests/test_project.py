"The generated files are what the notebooks make, and the notebooks are clean."
import filecmp, json, shutil, subprocess, sys
from pathlib import Path
import pytest, yaml
from conftest import ROOT

NOTEBOOKS = sorted(p for p in (ROOT / 'nbs').rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts)
BIN = Path(sys.executable).parent

def _copy_project(dest: Path):
    for name in ['settings.ini', 'setup.py', 'README.md', '_quarto.yml']: shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / 'nbs', dest / 'nbs', symlinks=True)
    shutil.copytree(ROOT / 'pcm_literate', dest / 'pcm_literate', ignore=shutil.ignore_patterns('__pycache__'))

def test_library_is_what_nbdev_export_makes(tmp_path):
    "pcm_literate/ must be exactly the export of nbs/ (edit notebooks, run nbdev_export, commit both)"
    _copy_project(tmp_path)
    subprocess.run([str(BIN / 'nbdev_export')], cwd=tmp_path, check=True, capture_output=True)
    made = {p.relative_to(tmp_path / 'pcm_literate') for p in (tmp_path / 'pcm_literate').rglob('*.py')}
    have = {p.relative_to(ROOT / 'pcm_literate') for p in (ROOT / 'pcm_literate').rglob('*.py')}
    assert made == have, f"files differ: only exported {made - have}, only committed {have - made}"
    differ = [str(p) for p in sorted(made) if not filecmp.cmp(tmp_path / 'pcm_literate' / p, ROOT / 'pcm_literate' / p, shallow=False)]
    assert not differ, f"pcm_literate/ is out of step with the notebooks in {differ}: run nbdev_export"

def test_readme_is_what_index_makes():
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'build_book.py'), '--check-readme'], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

def test_nbs_quarto_yml_is_the_top_level_file():
    "nbdev reads nbs/_quarto.yml; it must be the top-level _quarto.yml (a committed symbolic link)"
    link = ROOT / 'nbs' / '_quarto.yml'
    assert link.exists(), "nbs/_quarto.yml is missing"
    assert link.read_text() == (ROOT / '_quarto.yml').read_text()
    if link.is_symlink(): assert link.resolve() == (ROOT / '_quarto.yml').resolve()

def test_sidebar_lists_every_notebook_once():
    from build_book import sidebar
    _, groups = sidebar()
    listed = [p for _, ps in groups for p in ps]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(str(p.relative_to(ROOT / 'nbs')) for p in NOTEBOOKS)
    assert listed[0] == 'index.ipynb'

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean_and_small(nb, tmp_path):
    "nbdev_clean leaves it unchanged; saved outputs hold no live widget view; under 3 MB"
    copy = tmp_path / nb.name
    shutil.copy2(nb, copy)
    subprocess.run([str(BIN / 'nbdev_clean'), '--fname', str(copy)], cwd=ROOT, check=True, capture_output=True)
    assert copy.read_text() == nb.read_text(), f"{nb.name} is not clean: run nbdev_clean"
    assert nb.stat().st_size < 3_000_000, f"{nb.name} is {nb.stat().st_size / 1e6:.1f} MB"
    for cell in json.loads(nb.read_text())['cells']:
        for out in cell.get('outputs', []):
            data = out.get('data', {})
            assert not ('application/vnd.jupyter.widget-view+json' in data and 'text/html' not in data), \
                f"{nb.name} saved a live widget view: re-run it with `make outputs`"
            assert out.get('output_type') != 'error', f"{nb.name} saved an error output"

def test_console_script(tmp_path):
    "The installed `pcm-literate` command lists experiments and writes records with provenance; bad input is one line and exit 2"
    exe = str(BIN / 'pcm-literate')
    r = subprocess.run([exe, 'list'], capture_output=True, text=True, check=True)
    assert 'physics-drift-error' in r.stdout and 'legallo2022-fig4c' in r.stdout and '--scale paper: 200 chips per point' in r.stdout
    out = tmp_path / 'r.json'
    subprocess.run([exe, 'reproduce', 'physics-drift-error', '--trials', '2', '--json', str(out), '--no-progress'], check=True, capture_output=True)
    res = json.loads(out.read_text())
    assert len(res['records']) == 39 and res['provenance']['seed'] == 0 and res['provenance']['package_version']
    out4a = tmp_path / 'fig4a.json'
    subprocess.run([exe, 'reproduce', 'legallo2022-fig4a', '--trials', '2', '--json', str(out4a), '--no-progress'], check=True, capture_output=True)
    recs = json.loads(out4a.read_text())['records']
    assert len(recs) == 56 and set(recs[0]) == {'algorithm', 'base', 'n_slices', 't_inference', 'eta_mean', 'eta_std', 'n_trials', 'eta_trials'}
    assert len(recs[0]['eta_trials']) == 2  # every trial's error, for paired tests between configurations
    assert {r['t_inference'] for r in recs} == {0.0, 2592000.0}
    for bad, msg in [(['--trials', '0'], 'trials must be >= 1'), (['--device', 'tpu'], 'unknown device'), (['--device', 'meta'], "not on 'meta'"),
                     (['--json', str(tmp_path)], 'is a folder'), (['--scale', 'huge'], "has no scale 'huge'")]:
        r = subprocess.run([exe, 'reproduce', 'physics-drift-error', '--no-progress'] + bad, capture_output=True, text=True)
        assert r.returncode == 2 and msg in r.stderr and r.stderr.count('\n') == 1 and 'Traceback' not in r.stderr, (bad, r.stderr)
    r = subprocess.run([exe, 'reproduce', 'no-such-figure'], capture_output=True, text=True)
    assert r.returncode == 2 and 'unknown experiment' in r.stderr

def _link_installed(site:Path, names:list):
    """Make this environment's `names` (torch installed by the Makefile from TORCH_SPEC, ...) and what they need importable in the
    fresh environment's `site` by symbolic links: pip sees them installed there, and the test does not copy 1 GB again"""
    import importlib.metadata as md
    from packaging.requirements import Requirement
    todo, seen = list(names), set()
    while todo:
        d = md.distribution(todo.pop())
        name = d.metadata['Name'].lower()
        if name in seen or name == 'setuptools': continue  # the fresh environment keeps its own setuptools
        seen.add(name)
        reqs = [Requirement(r) for r in d.requires or []]
        todo += [r.name for r in reqs if r.marker is None or r.marker.evaluate({'extra': ''})]
        for top in {Path(f).parts[0] for f in d.files if not str(f).startswith('..')}:
            src, dst = Path(d.locate_file(top)), site / top
            if src.exists() and not dst.exists(): dst.symlink_to(src)

def test_wheel_installs_and_runs_without_nbdev(tmp_path):
    "The wheel built with the standard tools installs into a fresh virtual environment (its requirements linked in from this one) without nbdev, imports and runs"
    src = tmp_path / 'src'
    src.mkdir()
    for name in ['settings.ini', 'setup.py', 'pyproject.toml', 'README.md', 'LICENSE', 'MANIFEST.in']: shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / 'pcm_literate', src / 'pcm_literate', ignore=shutil.ignore_patterns('__pycache__'))
    dist = tmp_path / 'dist'
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q', '-w', str(dist), str(src)], check=True, capture_output=True)
    wheels = list(dist.glob('pcm_literate-*.whl'))
    assert len(wheels) == 1, wheels
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
    py, pip = venv / 'bin' / 'python', [str(venv / 'bin' / 'python'), '-m', 'pip', 'install', '-q']
    site = subprocess.run([str(py), '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'], capture_output=True, text=True, check=True).stdout
    _link_installed(Path(site.strip()), ['torch', 'numpy', 'matplotlib', 'ipywidgets', 'tqdm', 'scikit-learn'])  # the wheel's requirements (settings.ini)
    subprocess.run(pip + [str(wheels[0])], check=True, capture_output=True)
    assert subprocess.run([str(py), '-c', 'import nbdev'], capture_output=True).returncode != 0, "nbdev must not come with the wheel"
    assert subprocess.run([str(py), '-c', 'import fastcore'], capture_output=True).returncode != 0, "fastcore must not come with the wheel"
    r = subprocess.run([str(venv / 'bin' / 'pcm-literate'), 'list'], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and 'legallo2022-fig4a' in r.stdout and 'physics-drift-error' in r.stdout, r.stderr
    code = ("import torch; from pcm_literate.physics import ProgrammedWeights; from pcm_literate.experiments.legallo2022 import fig4a; "
            "c = ProgrammedWeights(torch.randn(8, 8), generator=torch.Generator().manual_seed(0)); print(len(fig4a(trials=2)), c.read(3600.0).shape)")
    r = subprocess.run([str(py), '-c', code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.split() == ['56', 'torch.Size([8,', '8])'], r.stderr
