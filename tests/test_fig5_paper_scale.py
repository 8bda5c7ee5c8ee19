"""`pcm-literate reproduce legallo2022-fig5 --scale paper` end to end: ResNet-32 trained and deployed on a small
archive in the official CIFAR-10 format (written by the test), and a clear message when the data is not there."""
import json, subprocess, sys
from pathlib import Path
from pcm_literate.data import write_cifar10_archive
from pcm_literate.experiments.legallo2022 import fig5

BIN = Path(sys.executable).parent

def test_paper_scale_runs_resnet32_on_a_cifar_archive(tmp_path):
    write_cifar10_archive(tmp_path / 'cifar-10-python.tar.gz', n_train=4, n_test=4)
    records = fig5(trials=1, scale='paper', data_dir=tmp_path, epochs=1)
    digital = [r for r in records if r['method'] == 'digital']
    analog = [r for r in records if r['method'] == 'analog']
    assert len(digital) == 1 and len(analog) == 4 * 4 * 6  # 4 strategies × 4 slice counts × 6 times
    assert all(0.0 <= r['mean'] <= 1.0 and r['n_chips'] == 1 for r in analog)
    assert {r['n_slices'] for r in analog} == {1, 2, 4, 8}

def test_paper_scale_without_data_says_what_to_put_where(tmp_path):
    exe = str(BIN / 'pcm-literate')
    r = subprocess.run([exe, 'reproduce', 'legallo2022-fig5', '--scale', 'paper', '--no-progress'], capture_output=True, text=True)
    assert r.returncode == 2 and '--data DIR' in r.stderr and 'cifar-10-python.tar.gz' in r.stderr
    r = subprocess.run([exe, 'reproduce', 'legallo2022-fig5', '--scale', 'paper', '--data', str(tmp_path), '--no-progress'], capture_output=True, text=True)
    assert r.returncode == 2 and f'CIFAR-10 not found at {tmp_path}' in r.stderr
