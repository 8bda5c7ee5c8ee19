"""Sharding under torchrun: two gloo processes give exactly the records of one process, for the crossbar engine (directly
and through `pcm-literate reproduce`) and for `evaluate_chips`, each process running only its share. Every process computes on one thread, as torchrun sets it, so the
single-process reference does too."""
import json, os, subprocess, sys
from pathlib import Path
import torch

BIN = Path(sys.executable).parent
ENV = {**os.environ, 'OMP_NUM_THREADS': '1'}

def torchrun(nproc, *args):
    "Run `args` under torchrun with `nproc` gloo processes on this machine"
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', f'--nproc-per-node={nproc}', *args]
    r = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return r

def test_reproduce_on_two_processes_equals_one(tmp_path):
    run = ['reproduce', 'legallo2022-fig4a', '--trials', '5', '--no-progress']
    torchrun(2, str(BIN / 'pcm-literate'), *run, '--json', str(tmp_path / 'two.json'))
    one = subprocess.run([str(BIN / 'pcm-literate'), *run, '--json', str(tmp_path / 'one.json')], capture_output=True, text=True, env=ENV)
    assert one.returncode == 0, one.stderr[-3000:]
    two, one = (json.loads((tmp_path / f).read_text()) for f in ('two.json', 'one.json'))
    assert len(one['records']) == 56 and two['records'] == one['records']
    assert two['provenance']['processes'] == 2 and 'processes' not in one['provenance']

SCRIPT = '''
import sys, torch
from torch import nn
from pcm_literate.convert import convert_to_analog
from pcm_literate.deploy import evaluate_chips
from pcm_literate.distributed import process_group, world
import pcm_literate.crossbar as cb
from pcm_literate.slicing import SliceConfig
seen, chunk_errors = [], cb._chunk_errors
cb._chunk_errors = lambda trials, *a: (seen.extend(trials), chunk_errors(trials, *a))[1]  # which trials this process runs
torch.manual_seed(0)
model = convert_to_analog(nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 4)))
x = torch.randn(32, 16, generator=torch.Generator().manual_seed(1))
calls = []
def metric(m, d): calls.append(1); return m(d).square().mean()
with process_group('cpu'):
    out = evaluate_chips(model, x, [0.0, 86400.0], n_chips=5, metric=metric, seed=2)
    eta = cb.crossbar_errors(SliceConfig('max_fill_ec', 2, 2), [0.0, 3600.0], trials=5, crossbar=cb.CrossbarConfig(size=32))
    if world()[0] == 0: torch.save((out, eta), sys.argv[1])
    open(f"{sys.argv[1]}.rank{world()[0]}", 'w').write(f"{len(calls)} {seen}")
'''

def test_chips_and_trials_on_two_processes_equal_one(tmp_path):
    script = tmp_path / 'chips.py'; script.write_text(SCRIPT)
    torchrun(2, str(script), str(tmp_path / 'two.pt'))
    one = subprocess.run([sys.executable, str(script), str(tmp_path / 'one.pt')], capture_output=True, text=True, env=ENV)
    assert one.returncode == 0, one.stderr[-3000:]
    (chips2, eta2), (chips1, eta1) = torch.load(tmp_path / 'two.pt'), torch.load(tmp_path / 'one.pt')
    assert chips1.shape == (5, 2) and torch.equal(chips2, chips1)  # 5 chips: 3 on rank 0, 2 on rank 1, gathered in order
    assert eta1.shape == (5, 2) and torch.equal(eta2, eta1)
    assert len(set(chips1[:, 1].tolist())) == 5 and len(set(eta1[:, 1].tolist())) == 5  # five different chips, not one five times
    # each process evaluated only its chips (at 2 times) and ran only its trials
    assert [(tmp_path / f'two.pt.rank{r}').read_text() for r in (0, 1)] == ['6 [0, 1, 2]', '4 [3, 4]']
