"Every parameter of every exported function, class and public method is documented the nbdev way: a trailing comment."
import importlib, inspect, pkgutil
from fastcore.docments import docments
import pcm_literate

def _modules():
    "Every module of the package but the generated index"
    names = ['pcm_literate'] + [m.name for m in pkgutil.walk_packages(pcm_literate.__path__, 'pcm_literate.')]
    return [importlib.import_module(n) for n in names if not n.endswith('._modidx')]

def undocumented(f, qualname:str) -> list[str]:
    "`qualname.param` for every parameter of `f` without a docment (self, cls and the return value aside)"
    docs = docments(f, args_kwargs=True)
    return [f"{qualname}({p})" for p, d in docs.items() if p not in ('self', 'cls', 'return') and not d]

def _public_methods(cls):
    "The public methods a class defines itself (properties have no parameters)"
    for name, v in vars(cls).items():
        if name.startswith('_'): continue
        if isinstance(v, (classmethod, staticmethod)): v = v.__func__
        if inspect.isfunction(v): yield name, v

def exported_callables():
    "(qualified name, object) of every function, class and public method in the modules' __all__"
    for mod in _modules():
        for name in getattr(mod, '__all__', []):
            obj = getattr(mod, name)
            if getattr(obj, '__module__', None) != mod.__name__ or not callable(obj): continue
            q = f"{mod.__name__}.{name}"
            yield q, obj
            if inspect.isclass(obj):
                for m, f in _public_methods(obj): yield f"{q}.{m}", f

def test_every_exported_parameter_is_documented():
    found = list(exported_callables())
    assert len(found) > 60, "the walk found too few exported names"
    missing = [m for q, obj in found for m in undocumented(obj, q)]
    assert not missing, f"{len(missing)} parameters have no trailing-comment documentation:\n" + '\n'.join(missing)

def test_the_check_catches_a_missing_or_misplaced_comment(tmp_path):
    "Control: a parameter without a comment, and one whose comment sits after `) -> T:`, are both reported"
    src = tmp_path / 'sample_mod.py'
    src.write_text('def good(a:int, # the a\n         b:int=2, # the b\n        )->int: # the sum\n    return a + b\n\n'
                   'def bad(a:int, # the a\n        b:int) -> int: # the b, misplaced: this documents the return value\n    return a + b\n\n'
                   'def bare(x, **kw): return x\n')
    import sys; sys.path.insert(0, str(tmp_path))
    try: m = importlib.import_module('sample_mod')
    finally: sys.path.remove(str(tmp_path))
    assert undocumented(m.good, 'good') == []
    assert undocumented(m.bad, 'bad') == ['bad(b)']
    assert undocumented(m.bare, 'bare') == ['bare(x)', 'bare(kw)']
