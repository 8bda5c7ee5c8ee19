"""`hrm-reasoning` end to end at its small scale (a few steps on a few puzzles): the task holds out whole classes and
fills every difficulty, the learning rates are chosen on validation with seeds that are not reported, and every arm's
records are complete; `hrm-analog` reads every chip at every drift time, the mechanism's conditions on the same chips;
the study's bad inputs fail clearly."""
import pytest, torch
import pcm_literate.experiments.hrm as E
from pcm_literate.puzzles import canonical_sudoku, solve_sudoku

def test_task_holds_out_classes_and_fills_every_difficulty():
    task = E.reasoning_task('small')
    train_forms = {tuple(g.flatten().tolist()) for g in task['classes']['train']}
    x, y, levels = task['test']
    assert [levels.count(d) for d in E.DIFFICULTIES] == [E.SCALES['small']['test_quota']] * len(E.DIFFICULTIES)
    assert all(canonical_sudoku(g.view(6, 6)) not in train_forms for g in y), 'a test grid in a training class'
    assert all(E.difficulty(p.view(6, 6)) == d for p, d in zip(x, levels))
    assert all(len(solve_sudoku(p.view(6, 6))) == 1 for p in x[::5])

def test_small_study_runs_every_part():
    arms = ('hrm', 'trm_mlp', 'hrm_m1')
    records = E.hrm_reasoning(trials=1, scale='small', arms=arms, workers=1)
    selection = [r for r in records if r['split'] == 'validation']
    test = [r for r in records if r['split'] == 'test']
    assert {r['seed'] for r in selection} == set(E.SCALES['small']['selection_seeds']) and {r['seed'] for r in test} == {0}
    assert {(r['arm'], r['lr']) for r in selection} == {(a, lr) for a in arms for lr in E.LEARNING_RATES}
    rates = E.chosen_rates(selection)
    assert all(r['lr'] == rates[r['arm']] for r in test)
    assert len(test) == len(arms) * (len(E.DIFFICULTIES) + 1)
    assert all(0 <= r['exact'] <= r['cell'] <= 1 and len(r['exact_per_segment']) == E.SEGMENTS for r in test)
    assert {r['block_applications'] for r in test} == {12}
    assert all(r['segments_act'] == 1.0 for r in test if r['arm'] == 'hrm_m1')

def test_small_analog_study_reads_every_chip():
    records = E.hrm_analog(trials=1, scale='small', arms=('hrm',), workers=1)
    s = E.ANALOG_SCALES['small']
    strata = len(E.DIFFICULTIES) + 1
    count = lambda **k: sum(all(r[f] == v for f, v in k.items()) for r in records)
    assert count(study='digital') == strata
    assert count(study='drift', training='plain') == count(study='drift', training='hwa') == s['chips'] * len(s['times']) * strata
    assert all(count(study='mechanism', condition=c) == s['chips'] * strata for c in E.CONDITIONS)
    assert all(0 <= e <= c <= 1 for r in records for e, c in zip(r['exact_per_segment'], r['cell_per_segment']))
    hwa = [r for r in records if r['training'] == 'hwa']
    assert all(r['hwa_seconds'] > 0 for r in hwa)
    plain = {(r['t_inference'], r['difficulty']): r['cell_per_segment'] for r in records if (r['study'], r['training']) == ('drift', 'plain')}
    assert any(plain[k] != r['cell_per_segment'] for r in hwa for k in [(r['t_inference'], r['difficulty'])]), 'the fine-tune changed the model'
    again = E.hrm_analog(trials=1, scale='small', arms=('hrm',), workers=1)
    assert [r['cell_per_segment'] for r in again] == [r['cell_per_segment'] for r in records], 'the same seed gives the same chips'

def test_bad_inputs_fail_clearly():
    with pytest.raises(ValueError, match='scale must be one of'): E.reasoning_task('huge')
    with pytest.raises(ValueError, match='arm must be one of'): E.arm_config('lstm')
    with pytest.raises(ValueError, match='must not be the selection seeds'): E.hrm_reasoning(trials=1, seed=100, scale='small')
    with pytest.raises(ValueError, match='workers must be >= 1'): E.hrm_reasoning(trials=1, scale='small', workers=0)
    with pytest.raises(ValueError, match="training must be 'plain' or 'hwa'"): E.analog_arm('hrm', 0, 3e-3, 'noisy', 'small')
    with pytest.raises(ValueError, match='lr must be one of'): E.hrm_analog(trials=1, scale='small', lr=0.1)
