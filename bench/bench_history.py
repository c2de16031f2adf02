"""Time travel's cost: memory per step and how long a step back takes, at 10^4, 10^6 and 10^7 steps.

Run: python bench/bench_history.py [MAX_STEPS]. Each size runs in a fresh child process (so memory is its
own) over `MOV i, 0 / l: ADD i, 1 / JMP l`, the loop that hits the step limit, and over a loop that
walks a 2,000,000-element array (whose checkpoints share the chunks it has not written). It prints:
- bytes per step: resident memory added while recording, divided by the steps (peak RSS also shown);
- the CPU time of a step recorded with history (History.run, as continue, goto and explain go forward), as a
  ratio to `Machine.step()` alone and to an untraced step (Machine.run on the reference engine);
- back-step latency: `back 1` from the end (inside the window of whole records), the first `back 1` past the
  window (a checkpoint restored and replayed), `goto N/2`, and the worst goto (to just before a checkpoint:
  a whole interval replayed) — medians of 5, in milliseconds.
It asserts nothing; docs/debugger.md quotes one run.
"""

import json
import statistics
import subprocess
import sys
import time

CHILD = r"""
import json, resource, sys, time
import vm
from vm.history import History

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096

n = int(sys.argv[1])
program = vm.assemble(sys.argv[2])
plain = vm.Machine(program, max_steps=n)
t = time.process_time()
for _ in range(min(n, 200_000)):
    plain.step()
plain_cpu = (time.process_time() - t) / min(n, 200_000)
untraced = vm.Machine(program, max_steps=min(n, 200_000), engine="reference")
t = time.process_time()
try:
    untraced.run()
except vm.RuntimeFault:
    pass
untraced_cpu = (time.process_time() - t) / untraced.steps
h = History(vm.Machine(program, max_steps=n))
base = rss()
t = time.process_time()
try:
    h.run()  # as continue, goto and explain go forward: a chunk at a time
except vm.RuntimeFault:
    pass
forward_cpu = (time.process_time() - t) / h.step
grown = rss() - base

def timed(action):
    t = time.perf_counter()
    action()
    return (time.perf_counter() - t) * 1000

end = h.step
inside, past, half, worst = [], [], [], []
far = (end // 2 // h.every) * h.every - 1  # just before a checkpoint: reaching it replays a whole interval
for _ in range(5):
    h.goto(end)
    inside.append(timed(h.back))
    h.goto(h.step - len(h.window))  # the oldest whole record: one more back needs a checkpoint
    past.append(timed(h.back))
    h.goto(end)
    half.append(timed(lambda: h.goto(end // 2)))
    h.goto(end)
    worst.append(timed(lambda: h.goto(far)))
print(json.dumps({"steps": end, "bytes_per_step": grown / end,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "ratio": forward_cpu / plain_cpu, "untraced": forward_cpu / untraced_cpu, "inside": inside, "past": past, "half": half, "worst": worst,
                  "every": h.every, "window": len(h.window)}))
"""


def main() -> None:
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    sizes = [s for s in (10_000, 1_000_000, 10_000_000) if s <= top]
    programs = {"MOV i, 0 / l: ADD i, 1 / JMP l": "MOV i, 0\nl: ADD i, 1\nJMP l\n",
                "a loop storing into a 2,000,000-element array":
                    ".zeros buf, 2000000\nLEN n, buf\nMOV i, 0\nl: STORE buf, i, 1\nADD i, 1\nJLT i, n, l\nJMP l\n"}
    print(f"{'steps':>12}  {'bytes/step':>10}  {'peak RSS':>9}  {'run ÷ step()':>12}  {'÷ untraced':>10}  "
          f"{'back 1 (ms)':>11}  {'back 1 past window':>18}  {'goto N/2 (ms)':>13}  {'worst goto (ms)':>15}")
    for title, text in programs.items():
        print(title)
        for n in sizes:
            out = subprocess.run([sys.executable, "-c", CHILD, str(n), text], capture_output=True, text=True,
                                 check=True)
            r = json.loads(out.stdout)
            med = statistics.median
            print(f"{r['steps']:>12,}  {r['bytes_per_step']:>10.1f}  {r['peak_mb']:>7.0f}MB  {r['ratio']:>12.2f}  "
                  f"{r['untraced']:>10.2f}  "
                  f"{med(r['inside']):>11.3f}  {med(r['past']):>15.1f} ms  {med(r['half']):>13.1f}  "
                  f"{med(r['worst']):>15.1f}")
    print("(checkpoint every", r["every"], "steps; window of", r["window"], "whole records)")


if __name__ == "__main__":
    main()
