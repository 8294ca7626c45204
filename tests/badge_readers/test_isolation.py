"""badge_readers is a separate program: it must work without the server's code."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import badge_readers

ROOT = Path(__file__).resolve().parents[2]


def test_no_module_of_badge_readers_imports_app() -> None:
    modules = [m.name for m in pkgutil.iter_modules(badge_readers.__path__, "badge_readers.")]
    assert "badge_readers.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {[m for m in modules if m != 'badge_readers.__main__']!r}:\n"
        "    importlib.import_module(name)\n"
        "leaks = sorted(m for m in sys.modules if m == 'app' or m.startswith('app.'))\n"
        "assert not leaks, leaks\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
