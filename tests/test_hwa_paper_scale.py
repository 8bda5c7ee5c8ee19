"""`pcm-literate reproduce joshi2020-digits --scale paper` end to end: ResNet-32 trained digitally, converted, trained
with noise and deployed on a small archive in the official CIFAR-10 format (written by the test), and a clear message
when the data is not there."""
import subprocess, sys
from pathlib import Path
from pcm_literate.data import write_cifar10_archive
from pcm_literate.experiments.joshi2020 import joshi2020_digits, drift_times

BIN = Path(sys.executable).parent

def test_paper_scale_runs_resnet32_on_a_cifar_archive(tmp_path):
    write_cifar10_archive(tmp_path / 'cifar-10-python.tar.gz', n_train=4, n_test=4)
    records = joshi2020_digits(trials=2, scale='paper', data_dir=tmp_path, epochs=1)
    assert {r['method'] for r in records} == {'digital', 'plain', 'hwa'}
    for method in ('plain', 'hwa'):
        rs = [r for r in records if r['method'] == method]
        assert len(rs) == 2 * len(drift_times()) and {r['gdc'] for r in rs} == {True, False}
        assert all(0.0 <= r['mean'] <= 1.0 and r['n_chips'] == 2 and r['metric'] == 'accuracy' for r in rs)

def test_paper_scale_without_data_says_what_to_put_where(tmp_path):
    exe = str(BIN / 'pcm-literate')
    r = subprocess.run([exe, 'reproduce', 'joshi2020-digits', '--scale', 'paper', '--no-progress'], capture_output=True, text=True)
    assert r.returncode == 2 and '--data DIR' in r.stderr and 'cifar-10-python.tar.gz' in r.stderr
    r = subprocess.run([exe, 'reproduce', 'joshi2020-digits', '--scale', 'paper', '--data', str(tmp_path), '--no-progress'], capture_output=True, text=True)
    assert r.returncode == 2 and f'CIFAR-10 not found at {tmp_path}' in r.stderr

def test_rasch_recipe_at_paper_scale_distils_resnet32(tmp_path):
    "The full recipe (CAWS, learned ranges, distillation from the digital ResNet-32) runs end to end on the archive"
    from pcm_literate.experiments.rasch2023 import rasch2023_digits
    write_cifar10_archive(tmp_path / 'cifar-10-python.tar.gz', n_train=4, n_test=4)
    records = rasch2023_digits(trials=1, scale='paper', data_dir=tmp_path, epochs=1)
    assert len([r for r in records if r['method'] == 'hwa']) == 2 * len(drift_times())
