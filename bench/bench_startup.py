"""How long `gdasm run gradient_step` takes as a whole process, as a ratio to `python -c "import lark"`.

Run: python bench/bench_startup.py [ROUNDS]. CPU time of each child process (user + system), the two commands
in alternating rounds, the median of the paired ratios; it asserts nothing about seconds. Issue 14's goal is
1.5x or less. The children run without PYTHONDONTWRITEBYTECODE (set on some test machines), as users run gdasm:
Python's compiled files and Lark's grammar cache are then written once and used.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def cpu(cmd: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=ENV)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    gdasm = shutil.which("gdasm", path=str(__import__("pathlib").Path(sys.executable).parent)) or "gdasm"
    baseline = [sys.executable, "-c", "import lark"]
    ratios = {name: [] for name in ("run gradient_step", "check gradient_step", "--version")}
    for _ in range(rounds):
        for name in ratios:
            base = cpu(baseline)
            ratios[name].append(cpu([gdasm, *name.split()]) / base)
    for name, values in ratios.items():
        print(f"gdasm {name:<20} {statistics.median(values):5.2f}x python -c 'import lark'")


if __name__ == "__main__":
    main()
