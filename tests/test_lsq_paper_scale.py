"""`lsq-br-digits --scale paper`: ResNet-20 trained in full precision, quantised with LSQ, trained with and without BR and
deployed on PCM, end to end on a small archive in the official CIFAR-10 format (written by the test); and a clear
message when the data is not there."""
import pytest
from torch import nn
from pcm_literate.data import write_cifar10_archive
from pcm_literate.models import CifarResNet
from pcm_literate.lsq import quantize_model, QuantReLU, QuantConv2d, QuantLinear
from pcm_literate.experiments.joshi2020 import drift_times
from pcm_literate.experiments.lsq_br import lsq_br_digits

def test_resnet20_quantises_every_relu_and_layer():
    q = quantize_model(CifarResNet(3), 2)
    assert sum(isinstance(m, QuantReLU) for m in q.modules()) == 19  # the stem's and two per block, nine blocks
    assert sum(isinstance(m, (QuantConv2d, QuantLinear)) for m in q.modules()) == 20
    assert not any(type(m) in (nn.ReLU, nn.Conv2d, nn.Linear) for m in q.modules())
    assert (q.conv.weight_quantizer.bits, q.fc.weight_quantizer.bits, q.blocks[4].conv1.weight_quantizer.bits) == (8, 8, 2)

def test_paper_scale_runs_resnet20_on_a_cifar_archive(tmp_path):
    write_cifar10_archive(tmp_path / 'cifar-10-python.tar.gz', n_train=8, n_test=4)
    records = lsq_br_digits(trials=1, seeds=1, scale='paper', data_dir=tmp_path, epochs=1, bits=(2,), slices=(1,))
    trained = [r for r in records if 'accuracy' in r]
    assert [(r['method'], r['bits']) for r in trained] == [('fp', 32), ('lsq', 2), ('lsq_br', 2)]
    assert all(0 <= r['accuracy'] <= 1 for r in trained) and all(r['bin_spread'] >= 0 for r in trained[1:])
    deployed = [r for r in records if 'n_slices' in r]
    assert len(deployed) == 3 * len(drift_times()) and all(r['n_chips'] == 1 and 0 <= r['mean'] <= 1 for r in deployed)

def test_paper_scale_without_data_says_what_to_put_where(tmp_path):
    with pytest.raises(ValueError, match='--data DIR.*cifar-10-python.tar.gz'): lsq_br_digits(scale='paper')
    with pytest.raises(ValueError, match=f'CIFAR-10 not found at {tmp_path}'): lsq_br_digits(scale='paper', data_dir=tmp_path)
