"""`--scale paper` of the HWA commands end to end: ResNet-32 (Joshi et al.) and WRN-16-4 (Rasch et al.) trained
digitally, converted, trained with noise and deployed on small archives in the official CIFAR formats (written by the
tests), and a clear message when the data is not there."""
import subprocess, sys
from pathlib import Path
from pcm_literate.data import write_cifar10_archive, write_cifar100_archive
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

def test_rasch_recipe_at_paper_scale_distils_wrn16_4_on_cifar100(tmp_path):
    "The full recipe (CAWS, learned ranges, distillation from the digital WRN-16-4) runs end to end on a CIFAR-100 archive"
    from pcm_literate.experiments.rasch2023 import rasch2023_digits
    write_cifar100_archive(tmp_path / 'cifar-100-python.tar.gz', n_train=8, n_test=4)
    records = rasch2023_digits(trials=1, scale='paper', data_dir=tmp_path, epochs=1)
    assert len([r for r in records if r['method'] == 'hwa']) == 2 * len(drift_times())

def _write_wikitext2(folder:Path):
    "Three small token files in WikiText-2's format"
    folder.mkdir()
    line = ' the cat sat on the mat and the dog ran to the <unk> . \n'
    for split, n in (('train', 40), ('valid', 4), ('test', 8)): (folder / f'wiki.{split}.tokens').write_text(' = Title = \n\n' + line * n)

def test_lstm_at_paper_scale_trains_on_wikitext2_files(tmp_path):
    "rasch2023-lstm --scale paper: the 2 × 200 LSTM, its plain and HWA conversion, perplexity records for both decoder ADC ranges"
    from pcm_literate.experiments.rasch2023 import rasch2023_lstm
    _write_wikitext2(tmp_path / 'wikitext-2')
    records = rasch2023_lstm(trials=1, scale='paper', data_dir=tmp_path, epochs=1)
    assert {r['metric'] for r in records} == {'perplexity'} and len([r for r in records if r['method'] == 'digital']) == len(drift_times())
    for bound in (10.0, 40.0):
        for method in ('plain', 'hwa'):
            rs = [r for r in records if r['method'] == method and r.get('decoder_out_bound') == bound]
            assert len(rs) == 2 * len(drift_times()) and all(r['mean'] > 1.0 and r['n_chips'] == 1 for r in rs)

def test_rasch_commands_without_data_say_what_to_put_where(tmp_path):
    exe = str(BIN / 'pcm-literate')
    r = subprocess.run([exe, 'reproduce', 'rasch2023-digits', '--scale', 'paper', '--no-progress'], capture_output=True, text=True)
    assert r.returncode == 2 and 'WRN-16-4 on CIFAR-100' in r.stderr and 'cifar-100-python.tar.gz' in r.stderr
    r = subprocess.run([exe, 'reproduce', 'rasch2023-lstm', '--scale', 'paper', '--no-progress'], capture_output=True, text=True)
    assert r.returncode == 2 and '--data DIR' in r.stderr and 'wiki.train.tokens' in r.stderr
    r = subprocess.run([exe, 'reproduce', 'rasch2023-lstm', '--scale', 'paper', '--data', str(tmp_path), '--no-progress'], capture_output=True, text=True)
    assert r.returncode == 2 and f'WikiText-2 not found at {tmp_path}' in r.stderr

def test_lstm_study_rerun_small_hwa_learns_the_decoder_adc_range():
    "A small re-run of the committed rasch2023-lstm study: under the standard decoder ADC range, HWA training learns to keep the logits inside it"
    from pcm_literate.experiments.rasch2023 import lm_task, lstm_models
    from pcm_literate.deploy import evaluate_chips
    from pcm_literate.train import perplexity
    digital, train, test, kw = lm_task(epochs=2, train_windows=1000)  # the page's quick model
    test = (test[0][:100], test[1][:100])
    models = lstm_models(digital, train, kw | dict(epochs=1), decoder_out_bound=10.0)
    ppl = {k: evaluate_chips(m, test, [1.0], 2, perplexity, seed=1).mean().item() for k, m in models.items()}
    d = perplexity(digital, test)
    # the committed study: 56.2 (plain) against 22.7 (HWA) at 1 s. The year needs the full training: this undertrained
    # model and one epoch of HWA on 1000 windows end near plain at a year (measured 138.6 against 133.2), so that is not asserted here
    assert ppl['plain'] > 1.8 * d and ppl['hwa'] < 0.6 * ppl['plain']
