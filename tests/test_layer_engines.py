"""Analog models under PyTorch's own engines: Hugging Face models convert with one call, training under
DistributedDataParallel stays in step across processes, and torch.compile computes what eager mode does.
These need seconds to minutes of set-up each, so they live here rather than on the layers page."""
import contextlib, datetime, gc, os, tempfile
import pytest, torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from pcm_literate.layers import AnalogConfig, AnalogLinear
from pcm_literate.convert import analog_layers, convert_to_analog
from pcm_literate.deploy import program_analog, set_drift_time
from pcm_literate.units import DAY
from pcm_literate.hwa import HWARecipe, train_hwa

import transformers  # in the dev extra: these tests must run, not skip

def _ids(vocab=100, shape=(2, 12)): return torch.randint(0, vocab, shape, generator=torch.Generator().manual_seed(0))

def test_tiny_bert_converts_and_matches_its_digital_twin():
    from transformers import BertConfig, BertForSequenceClassification
    torch.manual_seed(0)
    bert = BertForSequenceClassification(BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                                    intermediate_size=64, max_position_embeddings=64, num_labels=3)).eval()
    analog = convert_to_analog(bert, AnalogConfig.ideal())
    # 2 layers × (query, key, value, attention output, intermediate, output) + pooler + classifier
    assert len(analog_layers(analog)) == 14
    torch.testing.assert_close(analog(_ids()).logits, bert(_ids()).logits, atol=1e-5, rtol=1e-5)
    program_analog(convert_to_analog(bert, AnalogConfig()), torch.Generator().manual_seed(0))  # default hardware: programs

def test_tiny_gpt2_converts_keeps_its_tied_head_and_trains():
    from transformers import GPT2Config, GPT2LMHeadModel
    torch.manual_seed(0)
    gpt = GPT2LMHeadModel(GPT2Config(vocab_size=100, n_positions=64, n_embd=32, n_layer=2, n_head=2, bos_token_id=0, eos_token_id=0)).eval()
    analog = convert_to_analog(gpt, AnalogConfig.ideal())
    assert len(analog_layers(analog)) == 9  # 2 × (c_attn, c_proj, c_fc, mlp.c_proj) as Conv1D, and lm_head
    assert analog.lm_head.weight is analog.transformer.wte.weight  # still tied
    torch.testing.assert_close(analog(_ids()).logits, gpt(_ids()).logits, atol=1e-5, rtol=1e-5)
    noisy = convert_to_analog(gpt, AnalogConfig()).train()
    noisy(_ids(), labels=_ids()).loss.backward()
    assert noisy.transformer.h[0].attn.c_attn.weight.grad.abs().sum() > 0
    program_analog(noisy, torch.Generator().manual_seed(1))
    set_drift_time(noisy, DAY, torch.Generator().manual_seed(2))
    assert torch.isfinite(noisy(_ids()).logits).all()

def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 10))

# Two gloo processes on one loaded 2-core machine: each computes on one thread, joins through a file (no port to find
# free), gives up after two minutes instead of hanging, and leaves only after every process is done with the group and
# its own DDP wrapper is gone (tearing a group down while the other process still talks to it, or letting its
# threads die with the interpreter, aborts the process: "terminate called without an active exception").
def _join(rank, world, init_file):
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=world, timeout=datetime.timedelta(minutes=2))

def _leave():
    dist.barrier()
    gc.collect()
    dist.destroy_process_group()

def _spawn(worker, out_dir):
    "Run worker(rank, world, init_file, out_dir) on two processes; an exception or a signal in either fails the test"
    mp.spawn(worker, args=(2, f'{out_dir}/init', out_dir), nprocs=2, join=True)

def _ddp_worker(rank, world, init_file, out_dir):
    _join(rank, world, init_file)
    model = nn.parallel.DistributedDataParallel(convert_to_analog(_net(), AnalogConfig()))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    torch.manual_seed(100 + rank)  # each process: its own data and its own weight and output noise
    for _ in range(3):
        x, y = torch.randn(8, 1, 8, 8), torch.randint(0, 10, (8,))
        opt.zero_grad(); nn.functional.cross_entropy(model(x), y).backward(); opt.step()
    torch.save({k: v.detach().clone() for k, v in model.module.state_dict().items()}, f'{out_dir}/rank{rank}.pt')
    del model, opt
    _leave()

def test_ddp_two_processes_stay_in_step():
    with tempfile.TemporaryDirectory() as d:
        _spawn(_ddp_worker, d)
        a, b = torch.load(f'{d}/rank0.pt'), torch.load(f'{d}/rank1.pt')
    start = convert_to_analog(_net(), AnalogConfig()).state_dict()
    for k in start:
        torch.testing.assert_close(a[k], b[k], atol=0, rtol=0)  # the same parameters in both processes
    assert any(not torch.equal(a[k], start[k]) for k in start)  # and they did train

_HWA = HWARecipe(train_noise='none', drop_connect=0.0, distill_alpha=0.0, clip_std=2.5, remap_every=1)  # deterministic: no draws

def _hwa_data():
    g = torch.Generator().manual_seed(3)
    return torch.randn(32, 1, 8, 8, generator=g), torch.randint(0, 10, (32,), generator=g)

def _hwa_run(out_dir, rank=0):
    model = convert_to_analog(_net(), AnalogConfig.ideal())
    hist = train_hwa(model, _hwa_data(), _HWA, epochs=2, batch_size=8, lr=0.05, seed=0, checkpoint=f'{out_dir}/ckpt.pt')
    torch.save(dict(state={k: v.detach().clone() for k, v in model.state_dict().items()}, hist=hist), f'{out_dir}/rank{rank}.pt')

def _hwa_ddp_worker(rank, world, init_file, out_dir):
    _join(rank, world, init_file)
    _hwa_run(out_dir, rank)
    _leave()

def test_train_hwa_on_two_processes_equals_one_process():
    "Each process takes half of every batch: the gradient, the clipping, the remapping and the losses are those of one process"
    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as d1:
        _spawn(_hwa_ddp_worker, d)
        a, b = torch.load(f'{d}/rank0.pt'), torch.load(f'{d}/rank1.pt')
        _hwa_run(d1)
        one = torch.load(f'{d1}/rank0.pt')
    for k in one['state']:
        torch.testing.assert_close(a['state'][k], b['state'][k], atol=0, rtol=0)
        torch.testing.assert_close(a['state'][k], one['state'][k], atol=1e-6, rtol=1e-5)
    assert [r['loss'] for r in a['hist']] == pytest.approx([r['loss'] for r in one['hist']], rel=1e-5)
    w = one['state']['3.parametrizations.weight.original'] * one['state']['3.parametrizations.weight.0.alpha']  # W = α·W_a
    assert (w - _net().state_dict()['3.weight']).abs().max() > 1e-4  # it did train (CAWS: SGD's steps on W shrink by α² = 3/256)

def _inductor_settings():
    "Under ATEN_CPU_CAPABILITY=default (how the suite imitates another CPU) inductor's vectorised C++ does not compile: scalar code"
    if os.environ.get('ATEN_CPU_CAPABILITY') != 'default': return contextlib.nullcontext()
    import torch._inductor.config as inductor
    return inductor.patch({'cpp.simdlen': 1})

def test_compiled_and_eager_give_the_same_outputs():
    with _inductor_settings(): _compiled_and_eager()

def _compiled_and_eager():
    model = convert_to_analog(_net(), AnalogConfig(out_noise=0.0, train_noise='none'))
    compiled = torch.compile(model)
    x = torch.randn(16, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(compiled(x), model(x), atol=1e-5, rtol=1e-5)  # training forward: DAC, ADC, straight-through
    compiled(x).square().mean().backward()
    grad_compiled = [p.grad.clone() for p in model.parameters()]
    model.zero_grad(); model(x).square().mean().backward()
    for g, p in zip(grad_compiled, model.parameters()): torch.testing.assert_close(g, p.grad, atol=1e-5, rtol=1e-4)
    program_analog(model, torch.Generator().manual_seed(0))
    set_drift_time(model, DAY, torch.Generator().manual_seed(1))
    torch.testing.assert_close(compiled(x), model(x), atol=1e-5, rtol=1e-5)  # deployed: the programmed chip at a day

def test_compiled_training_with_learned_input_ranges():
    with _inductor_settings(): _compiled_learned_ranges()

def _compiled_learned_ranges():
    from pcm_literate.deploy import init_input_ranges
    cfg = AnalogConfig(out_noise=0.0, train_noise='none', learn_input_range=True)
    x = torch.randn(16, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    y = torch.randint(0, 10, (16,), generator=torch.Generator().manual_seed(0))
    for first in (lambda m: init_input_ranges(m, x), lambda m: m):  # RASCH2023's path (train_hwa), then the first batch's
        models = [first(convert_to_analog(_net(), cfg)) for _ in range(2)]
        runs = [torch.compile(models[0]), models[1]]
        opts = [torch.optim.SGD(m.parameters(), 0.05) for m in models]
        for _ in range(3):
            for run, opt in zip(runs, opts):
                loss = nn.functional.cross_entropy(run(x), y)
                opt.zero_grad(); loss.backward(); opt.step()
        for a, b in zip(*(m.parameters() for m in models)): torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
        assert models[0][0].input_range.grad is not None and not models[0][0].input_range.isnan().any()
