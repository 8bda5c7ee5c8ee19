"""`hrm-puzzles`: 9×9 Sudoku and mazes end to end at the small preset (a few steps), and the paper preset's models
taking a training step on its own puzzle sizes; the study's bad inputs fail clearly."""
import pytest, torch
import pcm_literate.experiments.hrm as E
from pcm_literate.puzzles import solves_sudoku, solves_maze

def test_small_preset_trains_and_tests_both_puzzles(monkeypatch):
    monkeypatch.setitem(E.PRESETS['small'], 'training', dict(E.PRESETS['small']['training'], steps=2))
    records = E.hrm_puzzles(workers=1)
    assert [(r['puzzle'], r['model']) for r in records] == [(p, m) for p in E.PUZZLES for m in ('hrm', 'trm')]
    assert [r['train_puzzles'] for r in records] == [256 * 4] * 2 + [256] * 2 and {r['test_puzzles'] for r in records} == {64}
    assert all(0 <= r['exact_accuracy'] <= r['cell_accuracy'] <= 1 and r['peak_mem_mb'] > 0 for r in records)

def test_small_preset_puzzles_are_valid():
    (x9, y9), (tx9, ty9) = E.puzzle_task('sudoku9')
    assert all(solves_sudoku(a.view(9, 9), b.view(9, 9)) for a, b in zip(x9[::50], y9[::50]))
    assert not set(map(tuple, ty9.tolist())) & set(map(tuple, y9.tolist()))  # test grids are new
    (xm, ym), _ = E.puzzle_task('maze')
    assert all(solves_maze(a.view(9, 9), b.view(9, 9)) for a, b in zip(xm[:20], ym[:20]))

@pytest.mark.parametrize('name,puzzle', [('hrm', 'sudoku9'), ('trm', 'sudoku9'), ('hrm', 'maze')])
def test_paper_models_take_a_step_at_full_size(name, puzzle):
    config = E.puzzle_config(name, puzzle, 'paper')
    g = torch.Generator().manual_seed(0)
    data = E.maze_puzzles(2, 31, g) if puzzle == 'maze' else E.sudoku9_puzzles(2, (25, 30), 0, g)
    model, facts = E.fit_model(config, data, training=dict(E.PRESETS['paper']['training'], steps=1, batch_size=2))
    assert (config.dim, config.heads, config.halt_max_steps) == (512, 8, 16) and facts['parameters'] > 5e6
    assert E.evaluate_hrm(model, data, 2)['cell'][0] >= 0

def test_bad_inputs_fail_clearly():
    with pytest.raises(ValueError, match='puzzle must be one of'): E.puzzle_task('kakuro')
    with pytest.raises(ValueError, match="model must be 'hrm' or 'trm'"): E.puzzle_config('transformer', 'maze')
    with pytest.raises(ValueError, match='workers must be >= 1'): E.hrm_sudoku4(workers=0)
    with pytest.raises(ValueError, match="training must be 'plain' or 'hwa'"): E.analog_model('hrm', 'noisy')
