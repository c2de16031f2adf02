"""Console examples in docs: ```console blocks of `$ command` lines, each followed by its exact output.

The tests run every example and compare; `python tests/doc_examples.py --write` refreshes the outputs
after a deliberate change (review the diff: the docs' prose must still fit the numbers).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "docs" / "programs.md", ROOT / "docs" / "debugger.md", ROOT / "docs" / "pictures.md",
        ROOT / "docs" / "backprop.md", ROOT / "docs" / "page.md", ROOT / "docs" / "machine-code.md",
        ROOT / "docs" / "performance.md", ROOT / "docs" / "translating.md",
        ROOT / "docs" / "zh" / "index.md", ROOT / "README.zh-CN.md", ROOT / "docs" / "tutorial.md",
        ROOT / "docs" / "zh" / "tutorial.md", ROOT / "docs" / "zh" / "language.md",
        ROOT / "docs" / "zh" / "debugger.md", ROOT / "docs" / "zh" / "programs.md", ROOT / "docs" / "zh" / "pictures.md",
        ROOT / "docs" / "zh" / "backprop.md", ROOT / "docs" / "zh" / "machine-code.md"]
# Docs whose commands write files run in an empty temporary folder, not in the checkout.
SCRATCH = {"pictures.md", "page.md", "machine-code.md", "tutorial.md"}


def examples(text: str) -> list[tuple[str, str]]:
    """(command, expected output) for every `$ ` line of every ```console block."""
    found, block, inside = [], [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if inside:
                found += _split(block)
                block = []
            inside = line.strip() == "```console" if not inside else False
        elif inside:
            block.append(line)
    return found


def _split(lines: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for line in lines:
        if line.startswith("$ "):
            pairs.append([line[2:].rstrip("\n"), ""])
        elif pairs:
            pairs[-1][1] += line
    return [tuple(p) for p in pairs]


def run(command: str, cwd=None) -> str:
    """Run a documented command as a user would (gdasm on PATH, no colour); stdout and stderr merged."""
    if cwd is not None and not (Path(cwd) / "docs").exists():  # the docs' own files, read-only, from a scratch
        (Path(cwd) / "docs").symlink_to(ROOT / "docs", target_is_directory=True)  # folder (`gdasm test docs/...`)
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "NO_COLOR": "1", "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    # stderr of every command of a pipeline, as a terminal shows it (not only the last one's)
    proc = subprocess.run(["bash", "-c", "{ " + command + "\n} 2>&1"], cwd=cwd or ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    return proc.stdout


def write(path: Path) -> None:
    import tempfile
    text = path.read_text(encoding="utf-8")
    for command, expected in examples(text):
        with tempfile.TemporaryDirectory() as scratch:
            actual = run(command, scratch if path.name in SCRATCH else None)
        if actual != expected:
            text = text.replace(f"$ {command}\n{expected}", f"$ {command}\n{actual}", 1)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        for doc in DOCS:
            write(doc)
