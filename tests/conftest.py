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


def program_files() -> list[Path]:
    """Every bundled program and every tests/programs file that assembles."""
    import vm
    from vm import catalog
    found = [catalog.find(n) for n in catalog.names()]
    for p in sorted((ROOT / "tests" / "programs").glob("*.gdasm")):
        try:
            vm.assemble(p.read_text(encoding="utf-8"), p.name)
        except vm.AssemblyError:
            continue
        found.append(p)
    return found


@pytest.fixture
def write(tmp_path):
    """write(text, name) -> path of a new program file."""
    def _write(text: str | bytes, name: str = "prog.gdasm") -> Path:
        p = tmp_path / name
        p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return p
    return _write


# --- a real browser (Playwright driving Debian's chromium) ---------------------------------------------------------

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    """The system Chromium: $GDASM_CHROMIUM, else chromium (Debian) or chromium-browser on the PATH."""
    return os.environ.get("GDASM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium under Playwright. Outside CI a missing browser skips (saying how to enable the tests);
    with CI=true it fails the run, so the browser tests cannot silently stop running there."""
    why = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        why = "the playwright package is not installed (pip install -e '.[test]')"
    exe = chromium_path()
    if why is None and exe is None:
        why = "no system Chromium (apt-get install chromium, or set GDASM_CHROMIUM to its path)"
    if why:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"browser tests must run in CI: {why}")
        pytest.skip(f"browser tests skipped: {why}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page (1280×800) that fails the test on any script error, console error or dialog."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    problems: list = []
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning")
          else None)
    pg.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    requests: list = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.problems = problems
    pg.requests = requests
    yield pg
    context.close()
    assert not problems, problems


# Messages are English unless the environment asks for another language: the tests' own environment must
# not choose for them (a test that wants Chinese says so, with --lang or its own LANG).
for _var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_var, None)
os.environ["LANG"] = "C.UTF-8"
