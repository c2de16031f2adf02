"""Every path's memory is bounded: a 10M-step run explained, debugged and tabled, each under 1 GB peak RSS.

Each command runs as a child of a small watcher that caps its address space at 1.5 GB and reports the
child's peak resident memory (getrusage), so a regression shows as a number, or as a child killed by the cap.
The three run side by side (2 cores): this is the suite's longest test, about a minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import gdasm_script

LOOP = "MOV i, 0\nl: ADD i, 1\nJMP l\n"  # never ends: the default 10,000,000-step limit stops it
CAP = 1_500_000_000

WATCH = r"""
import json, resource, subprocess, sys
cap = int(sys.argv[1])
def limit():
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
stdin = sys.argv[2].encode()
p = subprocess.run(sys.argv[3:], input=stdin, capture_output=True, preexec_fn=limit, timeout=400)
print(json.dumps({"code": p.returncode, "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "out": p.stdout.decode()[-3000:], "err": p.stderr.decode()[-3000:]}))
"""


def test_ten_million_steps_stay_under_a_gigabyte(tmp_path):
    program = tmp_path / "loop.gdasm"
    program.write_text(LOOP)
    runs = {
        "explain": ("", ["explain", str(program), "i"]),
        "debug": ("continue\nback 1\ngoto 5000000\nexplain i\nquit\n", ["debug", str(program)]),
        "table": ("", ["trace", "--table", str(program)]),
    }
    env = {**os.environ, "NO_COLOR": "1", "OPENBLAS_NUM_THREADS": "1"}  # one BLAS thread: no big reservations
    procs = {name: subprocess.Popen([sys.executable, "-c", WATCH, str(CAP), stdin, gdasm_script(), *args],
                                    stdout=subprocess.PIPE, env=env, text=True)
             for name, (stdin, args) in runs.items()}
    results = {name: json.loads(p.communicate(timeout=450)[0]) for name, p in procs.items()}
    for name, r in results.items():
        assert r["peak_kb"] < 1_000_000, (name, r["peak_kb"], r["err"])
        assert "internal error" not in r["err"] and "out of memory" not in r["err"], (name, r["err"])
    explain, debug, table = results["explain"], results["debug"], results["table"]
    # The loop adds 1 to i every other step: after 10,000,000 steps (MOV, then ADD/JMP pairs) i = 4,999,999 + 1.
    assert explain["code"] == 0 and "= 5000000.0" in explain["out"], explain
    assert "step limit of 10,000,000 steps" in explain["out"]
    assert debug["code"] == 0, debug
    assert "step 9,999,999:" in debug["out"] and "step 5,000,000:" in debug["out"], debug["out"]
    assert "i = 2500000.0   ADD i, 1" in debug["out"] or "i = 2500000.0   ADD i,1" in debug["out"], debug["out"]
    assert table["code"] == 70 and "step limit of 10,000,000 steps" in table["err"], table["err"]


@pytest.mark.parametrize("exact", [False, True])
def test_a_history_stops_recording_at_its_budget_and_says_so(exact):
    """The budget (bytes of columns, exact values, checkpoints) ends recording cleanly, never memory."""
    import vm
    from vm.history import History
    h = History(vm.Machine(vm.assemble(LOOP), exact=exact), budget=2_000_000)
    while h.forward() is not None:
        pass
    assert "memory limit (2 MB)" in h.full
    assert h.step < 2_000_000 // 16 and h.bytes <= 2_000_000 + 200
    first = h.step
    for _ in range(3):  # going back gives the memory back: a budget spent once is not spent again
        h.goto(h.step // 3)
        while h.forward() is not None:
            pass
        assert h.full and h.step == first
    n = h.step
    assert h.m.steps == n and h.m.regs[0] == n // 2  # step 1 is MOV; every even step after it adds 1
    h.goto(n // 2)
    assert not h.full and h.m.steps == n // 2


def test_checkpoints_of_a_large_array_share_unwritten_chunks():
    """A loop walking a 2M-element array: checkpoints stay a window apart (bounded replay) and cost a few
    chunks each, not a copy of the array — so going back is linear in the steps, whatever the array's size."""
    import vm
    from vm.history import WINDOW, History
    p = vm.assemble(".zeros buf, 2000000\nLEN n, buf\nMOV i, 0\nl: STORE buf, i, 1\nADD i, 1\nJLT i, n, l\n")
    h = History(vm.Machine(p))
    h.goto(300_000)
    assert h.every == WINDOW and len(h._checkpoints) == 300_000 // WINDOW + 1
    first_cost = h._costs[0]
    assert first_cost > 8 * 2_000_000 and max(h._costs[1:]) < 8 * 3 * 4096 + 8 * 600  # ≤ 2 chunks written + refs
    h.goto(150_000)  # restore a checkpoint, replay at most a window
    assert h.m.arrays[0][49_999] == 1.0 and h.m.arrays[0][50_000] == 0.0  # i counts every third step
