"Shared pieces of the test suite: paths, and the closing `N passed, M failed` line."
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))

_counts = {}

def pytest_terminal_summary(terminalreporter):
    stats = terminalreporter.stats
    _counts['passed'] = len(stats.get('passed', []))
    _counts['failed'] = len(stats.get('failed', [])) + len(stats.get('error', []))

def pytest_unconfigure(config):
    if _counts: print(f"{_counts['passed']} passed, {_counts['failed']} failed")
