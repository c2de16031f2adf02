"""What a trace costs per step, as a ratio to `gdasm run --quiet` on the same program; what labels cost it; and
what recording costs per step.

Run: python bench/bench_trace.py [ITERATIONS]. Each trace runs in process (vm.cli.main, output to /dev/null)
in alternating rounds with its baseline; CPU time; medians of the paired ratios. It asserts nothing about
seconds. The label case is a loop after 5,000 other labels (jumped over), against the same lines without the
labels: a text trace names the target of every jump, and it once scanned every label for it. Recording is
measured in process against an untraced run of the reference engine: the compact recorder's columns, the
records rebuilt from them, the debugger's history, and step() one call a step.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from vm import cli

LOOP = ".reg i = 0\n    JMP top\n{pad}top:\n    ADD i, 1\n    MUL j, i, 2\n    JLT i, {n}, top\n"


def cpu(argv: list[str]) -> float:
    with open(os.devnull, "w") as sink:
        t = time.process_time()
        cli.main(argv, sink, sink)
        return time.process_time() - t


def paired(contender: list[str], baseline: list[str], rounds: int) -> float:
    """The median of contender/baseline over alternating rounds."""
    ratios = []
    for _ in range(rounds):
        b = cpu(baseline)
        c = cpu(contender)
        ratios.append(c / b)
    return statistics.median(ratios)


def recording(n: int, rounds: int) -> None:
    """What recording costs per step, against an untraced run of the reference engine (vm.Machine.run)."""
    import vm
    from vm.history import History
    program = vm.assemble(LOOP.format(pad="", n=n))

    def untraced():
        vm.Machine(program, engine="reference").run()

    def columns():
        for _ in vm.Machine(program)._chunks():
            pass

    def records():
        for _ in vm.Machine(program).records():
            pass

    def stepped():
        m = vm.Machine(program)
        while m.step() is not None:
            pass

    def history():
        History(vm.Machine(program)).run()

    def timed(f) -> float:
        t = time.process_time()
        f()
        return time.process_time() - t

    for name, f in (("the recorder's columns (what trace reads)", columns),
                    ("records rebuilt from them (Machine.records)", records),
                    ("the debugger's history (History.run)", history),
                    ("step() one call a step", stepped)):
        ratios = []
        for _ in range(rounds):
            base = timed(untraced)
            ratios.append(timed(f) / base)
        print(f"recording: {name:<45} {statistics.median(ratios):5.2f}x an untraced step")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    rounds = 5
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "loop.gdasm"
        plain.write_text(LOOP.format(pad="", n=n), encoding="utf-8")
        labelled = Path(tmp) / "labels.gdasm"
        labelled.write_text(LOOP.format(pad="".join(f"L{k}:\n    HALT\n" for k in range(5000)), n=n), encoding="utf-8")
        padded = Path(tmp) / "padded.gdasm"  # the same lines to assemble, without the labels
        padded.write_text(LOOP.format(pad="".join("\n    HALT\n" for k in range(5000)), n=n), encoding="utf-8")
        steps = "--max-steps", str(10 * n)
        run = ["run", str(plain), "--quiet", *steps]
        reference = [*run, "--engine", "reference"]
        print(f"{3 * n:,} steps a run; CPU time; medians of {rounds} paired rounds")
        for fmt in ("text", "csv", "json"):
            trace = ["trace", str(plain), "--format", fmt, *steps]
            ratio = paired(trace, run, rounds)
            against = paired(trace, reference, rounds)
            print(f"trace --format {fmt:<5} {ratio:6.1f}x run --quiet (the compiled engine),"
                  f" {against:5.1f}x run --quiet --engine reference")
        ratio = paired(["trace", str(labelled), *steps],
                       ["trace", str(padded), *steps], rounds)
        print(f"trace of a program with 5,000 labels  {ratio:6.2f}x the same trace without them"
              " (whole commands: assembling the labels is part of it)")
    recording(n, rounds)


if __name__ == "__main__":
    main()
