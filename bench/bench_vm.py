"""How fast the engines run programs/gradient_descent.gdasm, as ratios to the same loop written naturally in Python.

Run: python bench/bench_vm.py [ROUNDS]. Two data sets: the bundled 3 points, and 1,000 points (x from 0 to 3,
y = 2x). Each contender runs in alternating rounds with the hand-written function; CPU time; the median of
the paired ratios. The engine's compiling happens once, before the rounds, and is shown on its own. It asserts
nothing about seconds, only that every contender ends with the hand-written function's w, bit for bit.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time

import vm
from vm import compiled


def natural(x, y, w, lr, tol, max_iter):
    """gradient_descent.gdasm as a Python programmer would write it: the same operations in the same order."""
    def evaluate(w):
        n = max(len(x), len(y))
        sum_sq = sum_xe = 0.0
        for i in range(n):
            err = y[i] - w * x[i]
            sum_sq += err * err
            sum_xe += x[i] * err
        return sum_sq / n, sum_xe * -2 / n

    losses = []
    iterations = 0
    while True:
        loss, grad = evaluate(w)
        losses.append(loss)
        if abs(grad) < tol or iterations >= max_iter:
            return w, iterations, losses
        w -= lr * grad
        iterations += 1


def cpu(fn) -> tuple[float, object]:
    gc.collect()
    t = time.process_time()
    r = fn()
    return time.process_time() - t, r


def paired(contender, baseline, rounds: int) -> float:
    ratios = []
    for _ in range(rounds):
        tb, _ = cpu(baseline)
        tc, _ = cpu(contender)
        ratios.append(tc / tb)
    return statistics.median(ratios)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    program = vm.bundled("gradient_descent")
    t0 = time.process_time()
    compiled.plan_of(program)
    print(f"compiling gradient_descent ({len(program.instructions)} instructions): "
          f"{(time.process_time() - t0) * 1e3:.1f} ms, once per program")
    for label, x in (("3 points", [1.0, 2.0, 3.0]), ("1,000 points", [3 * i / 1000 for i in range(1000)])):
        y = [2 * v for v in x]
        arrays = {"x": x, "y": y}
        want = natural(x, y, 0.0, 0.01, 1e-6, 10_000)
        by_hand = lambda: natural(x, y, 0.0, 0.01, 1e-6, 10_000)  # noqa: E731
        result = vm.run(program, arrays=arrays)
        assert result.registers["w"] == want[0] and result.output == want[2], "the engine and the hand-written loop disagree"
        print(f"{label}: {result.steps:,} steps, {want[1]} iterations; CPU time, medians of {rounds} paired rounds")
        for engine in ("compiled", "reference"):
            run = lambda: vm.run(program, arrays=arrays, engine=engine)  # noqa: E731
            assert run().registers["w"] == want[0]
            ratio = paired(run, by_hand, rounds)
            print(f"  vm.run(engine={engine!r:11}) {ratio:6.2f}x the hand-written Python")
        exact = lambda: vm.run(program, arrays=arrays, exact=True, max_steps=20_000)  # noqa: E731
        if label == "3 points":
            try:
                exact()
            except vm.RuntimeFault as f:  # the exact fractions grow past their bound: the time to get there
                print(f"  --exact: {f.code} at step {f.step:,};", end=" ")
            few = lambda: vm.run(program, arrays=arrays, max_steps=20_000, engine="reference",  # noqa: E731
                                 registers={"max_iter": 20})
            ratio = paired(lambda: vm.run(program, arrays=arrays, exact=True, registers={"max_iter": 20}), few, rounds)
            print(f"20 iterations exact {ratio:.1f}x in floating point (reference engine)")


if __name__ == "__main__":
    main()
