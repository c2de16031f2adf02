"""How fast the machine runs the gradient-descent loop, as a ratio to the same arithmetic in plain Python.

Run: python bench/bench_vm.py [ITERATIONS]. Prints ratios measured in one run (the machine is noisy);
it asserts nothing about seconds.
"""

import gc
import statistics
import sys
import time

import vm

LOOP = """
.data x = 1, 2, 3
.data y = 2, 4, 6
.reg w = 0
.reg lr = 0.01
.reg iters = 0
.reg max_iter = {n}
loop:
    MOV g, 0
    MOV i, 0
inner:
    LOAD xi, x, i
    LOAD yi, y, i
    MUL p, w, xi
    SUB e, yi, p
    MUL e, xi
    ADD g, e
    ADD i, 1
    JLT i, 3, inner
    DIV g, 3
    MUL g, lr
    ADD w, g
    ADD iters, 1
    JLT iters, max_iter, loop
"""


def by_hand(n):
    x, y = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0]
    w, lr, iters = 0.0, 0.01, 0.0
    while True:
        g = 0.0
        i = 0.0
        while True:
            xi = x[int(i)]
            yi = y[int(i)]
            p = w * xi
            e = yi - p
            e = e * xi
            g = g + e
            i = i + 1.0
            if not i < 3.0:
                break
        g = g / 3.0
        g = g * lr
        w = w + g
        iters = iters + 1.0
        if not iters < n:
            break
    return w


def best(fn, repeat=5):
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        r = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), r


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    prog = vm.assemble(LOOP.format(n=n))
    t_hand, w_hand = best(lambda: by_hand(n))
    t_run, res = best(lambda: vm.Machine(prog).run())

    def traced():
        m = vm.Machine(prog)
        while m.step() is not None:
            pass
        return m.result()
    t_step, res2 = best(traced, repeat=3)
    assert res.registers["w"] == w_hand == res2.registers["w"], "the VM and the hand-written loop disagree"
    steps = res.steps
    print(f"{steps:,} VM steps ({n:,} iterations); w = {w_hand!r}")
    print(f"run():  {steps / t_run / 1e6:6.2f} M instr/s   {t_run / t_hand:5.2f}x hand-written Python")
    print(f"step(): {steps / t_step / 1e6:6.2f} M instr/s   {t_step / t_hand:5.2f}x hand-written Python "
          f"({t_step / t_run:.2f}x run())")


if __name__ == "__main__":
    main()
