"""Shared helpers: run the real `gdasm` console script, find the repository's files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seeds" / "000_206f03d0c7d9e980.txt"


def gdasm_script() -> str:
    """The installed console script next to this interpreter (what users run)."""
    here = Path(sys.executable).parent
    found = shutil.which("gdasm", path=str(here) + os.pathsep + os.environ.get("PATH", ""))
    if not found:
        pytest.fail("the gdasm console script is not installed: pip install -e '.[plot,test]'")
    return found


def gdasm(*args: str, stdin: bytes | str | None = None, env: dict | None = None, cwd=None):
    """Run `gdasm ARGS...`; returns the CompletedProcess with text stdout/stderr."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    proc = subprocess.run([gdasm_script(), *args], input=stdin, capture_output=True, env=full_env,
                          cwd=cwd or ROOT, timeout=120)
    proc.stdout = proc.stdout.decode("utf-8")
    proc.stderr = proc.stderr.decode("utf-8")
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


@pytest.fixture
def write(tmp_path):
    """write(text, name) -> path of a new program file."""
    def _write(text: str | bytes, name: str = "prog.gdasm") -> Path:
        p = tmp_path / name
        p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return p
    return _write
