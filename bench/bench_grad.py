"""The cost of `gdasm grad`: recording a run's tape, the backward pass, memory per step.

Run: python bench/bench_grad.py [STEPS]. Over gradient_descent with tol = 0 (so it runs to its max_iter),
sized to about STEPS steps (default 1,000,000), in a fresh child process per round, alternating:
- `run()` alone (the untraced run), the recorded forward run (the tape), and the backward pass over it —
  CPU times, medians of 3 rounds, printed as ratios (backward / recorded forward, recorded / run());
- bytes per step: resident memory the tape adds, divided by the steps.
It asserts nothing; docs/backprop.md quotes one run.
"""

import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, sys, time
import vm
from vm.autodiff import _backward, _Recorder, parse_inputs

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096

iterations = int(sys.argv[1])
program = vm.load("gradient_descent")
regs = {"tol": 0, "max_iter": iterations}
t = time.process_time()
steps = vm.run(program, regs).steps
run_cpu = time.process_time() - t
m = vm.Machine(program, regs)
rec = _Recorder(m, parse_inputs(program, "w", m.arrays))
base = rss()
t = time.process_time()
while rec.step():
    pass
record_cpu = time.process_time() - t
grown = rss() - base
t = time.process_time()
adj = _backward(rec.nodes, rec.reg_node[program.register_slot("loss")], program, 1.0)
backward_cpu = time.process_time() - t
print(json.dumps({"steps": steps, "nodes": len(rec.nodes), "run": run_cpu, "record": record_cpu,
                  "backward": backward_cpu, "bytes_per_step": grown / steps}))
"""


def main() -> None:
    target = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    iterations = max(1, target // 50)  # about 50 steps an iteration on the seed's data
    rounds = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", CHILD, str(iterations)], capture_output=True, text=True,
                             check=True).stdout
        rounds.append(json.loads(out))
    med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    print(f"gradient_descent, {med['steps']:,.0f} steps, {med['nodes']:,.0f} tape nodes (medians of 3 rounds)")
    print(f"  recorded forward run / run():       {med['record'] / med['run']:6.1f}x")
    print(f"  backward pass / recorded forward:   {med['backward'] / med['record']:6.2f}x")
    print(f"  memory: {med['bytes_per_step']:,.0f} bytes per step")


if __name__ == "__main__":
    main()
