"""How fast `vm.sweep` runs gradient_descent for many (lr, w) settings, as a ratio to hand-written NumPy.

Run: python bench/bench_sweep.py [LR_COUNT] [W_COUNT] [ROUNDS] (default 250 x 400 = 100,000 settings, 3
rounds). The hand-written version is how one would write this sweep in NumPy: all settings at once, the three
points as a second axis, settings dropped once converged, diverged or out of iterations. CPU time; alternating
rounds; medians. It asserts nothing about seconds; it checks that both agree on which settings converge.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time

import numpy as np

import vm


def by_numpy(x, y, w, lr, tol=1e-6, max_iter=10_000):
    """gradient_descent.gdasm over every setting at once: (final w, iterations, converged)."""
    x, y, w = np.asarray(x), np.asarray(y), np.array(w, dtype=float)
    n = len(x)
    iterations = np.zeros(len(w))
    converged = np.zeros(len(w), dtype=bool)
    active = np.arange(len(w))
    with np.errstate(all="ignore"):
        while len(active):
            wa = w[active]
            err = y[None, :] - wa[:, None] * x[None, :]
            loss = (err * err).sum(axis=1) / n
            grad = (x[None, :] * err).sum(axis=1) * -2 / n
            flat = np.abs(grad) < tol
            converged[active[flat]] = True
            stop = flat | (iterations[active] >= max_iter) | ~np.isfinite(loss) | ~np.isfinite(grad)
            go = active[~stop]
            w[go] -= lr[go] * grad[~stop]
            iterations[go] += 1
            active = go
    return w, iterations, converged


def cpu(fn):
    gc.collect()
    t = time.process_time()
    r = fn()
    return time.process_time() - t, r


def main() -> None:
    n_lr = int(sys.argv[1]) if len(sys.argv) > 1 else 250
    n_w = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    program = vm.bundled("gradient_descent")
    lrs, ws = np.linspace(0.001, 0.3, n_lr), np.linspace(-1, 3, n_w)
    grid_lr, grid_w = (a.ravel() for a in np.meshgrid(lrs, ws, indexing="ij"))
    x, y = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0]
    ratios, seconds = [], []
    for _ in range(rounds):
        t_np, (w_np, it_np, conv_np) = cpu(lambda: by_numpy(x, y, grid_w, grid_lr))
        t_sw, rows = cpu(lambda: vm.sweep(program, {"lr": list(lrs), "w": list(ws)}))
        ratios.append(t_sw / t_np)
        seconds.append(t_sw)
    halted = np.array([r.outcome.status == "halted" and r.outcome.registers["iterations"] < 10_000 for r in rows])
    agree = (halted == conv_np).mean()
    steps = sum(r.outcome.steps for r in rows)
    print(f"{len(rows):,} settings of gradient_descent, {steps:,} steps in all; CPU time, medians of {rounds} "
          f"alternating rounds")
    print(f"  vm.sweep: {statistics.median(seconds):.2f} s, {steps / statistics.median(seconds) / 1e6:,.0f} M "
          f"lane-steps/s, {statistics.median(ratios):.2f}x hand-written NumPy; the two agree on which "
          f"settings converge for {agree:.2%} of them")


if __name__ == "__main__":
    main()
