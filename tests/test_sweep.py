"""`gdasm sweep` / `vm.sweep`: every row equals a run of that one setting on the usual engine, field by field.

The oracle is `vm.sweep(..., lanes=False)`, which runs each setting on its own Machine (the engine every other
test checks); the lane engine must give the same final registers (values and first-write order), status,
steps, fault (code, line, column, step), loop passes, output count and last output, for divergent, faulting
and handed-over lanes alike.
"""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vm
from vm.cli import main
from vm.lanes import OutputLimit, loop_head
from vm.sweeping import values_of

from test_compiled import programs, tight_loops


def rows_text(rows) -> list[str]:
    return [repr((r.inputs, list(r.outcome.registers.items()), r.outcome.status, r.outcome.steps,
                  r.outcome.fault, r.outcome.passes, r.outcome.outputs, r.outcome.last_output, r.outcome.printed))
            for r in rows]


def same(program, swept, **kw):
    lanes = vm.sweep(program, swept, lanes=True, **kw)
    alone = vm.sweep(program, swept, lanes=False, **kw)
    assert rows_text(lanes) == rows_text(alone), program.source


VALUES = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 1e300, -1e300, 1e-300, 7.0, 0.25]


def test_gradient_descent_rows_equal_single_runs():
    program = vm.bundled("gradient_descent")
    same(program, {"lr": [0.001, 0.01, 0.1, 0.2, 0.3, 0.33, 0.5, 1.0], "w": [-3.0, 0.0, 1.0, 2.0, 5.0]})
    same(program, {"lr": [0.01, 0.1, 0.2]}, registers={"max_iter": 20}, max_steps=700)  # step limits too


def test_every_bundled_program_with_inputs():
    from vm import catalog
    tried = 0
    for name in catalog.names():
        program = vm.bundled(name)
        inputs = [i.name for i in program.reg_inputs][:2]
        if not inputs:
            continue
        swept = {n: [0.0, 0.5, 1.0, -2.0][: 4 - k] for k, n in enumerate(inputs)}
        same(program, swept, max_steps=200_000)
        tried += 1
    assert tried >= 5


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(programs(), tight_loops()), st.data(), st.integers(1, 400), st.sampled_from([None, None, 1, 2]),
       st.sampled_from([None, None, 400]))
def test_generated_programs_rows_equal_single_runs(program, data, max_steps, outputs, keep):
    names = [n for n in program.registers if n.startswith("r")][:2]
    if not names:
        return
    swept = {n: data.draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=5), label=n) for n in names}
    same(program, swept, max_steps=max_steps, outputs=outputs, keep=keep)


def test_exp_and_log_equal_math_bit_for_bit():
    """The lane engine runs ops it has no NumPy form for with the table's own function, lane by lane."""
    program = vm.assemble("EXP e, a\nLOG l, a\nSQRT s, a\nOUT e\n")
    grid = [0.1 * k for k in range(-30, 40)] + [709.0, 710.0, 1e-320]
    rows = vm.sweep(program, {"a": grid}, lanes=True)
    for a, row in zip(grid, rows):
        o = row.outcome
        if a > 709.78:
            assert o.fault[0] == "overflow" and o.fault[1] == 1
        elif a <= 0:
            assert o.fault[0] in ("log-zero", "log-negative") and o.fault[1] == 2
        else:
            assert o.registers["e"] == math.exp(a) and o.registers["l"] == math.log(a) \
                and o.registers["s"] == math.sqrt(a)
    same(program, {"a": grid})


def test_lane_dependent_indexes_and_stores_hand_lanes_over():
    text = """\
.data xs = 1, 2, 3, 4
.zeros ys, 4
    MOV i, 0
each:
    LOAD x, xs, k
    MUL y, x, a
    STORE ys, i, y
    ADD i, 1
    JLT i, 4, each
    LOAD last, ys, 3
"""
    program = vm.assemble(text)
    same(program, {"a": [1.0, 2.0, -1.0], "k": [0.0, 1.0, 3.0, 4.0, 0.5, -1.0]})


def test_values_of_ranges():
    assert values_of("0:1:5", "x") == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert values_of("0.01:0.4:40", "x")[5] == 0.06 and values_of("0.01:0.4:40", "x")[9] == 0.1  # spaced exactly
    assert values_of("0.2:0.1:3", "x") == [0.2, 0.15, 0.1]
    assert values_of("0.001:0.3:50", "x")[-1] == 0.3 and len(values_of("0.001:0.3:50", "x")) == 50
    assert values_of("1,2,3", "x") == [1.0, 2.0, 3.0]
    assert values_of("2", "x") == [2.0]
    assert values_of("5:5:1", "x") == [5.0]
    for bad in ("0:1:0", "a:1:3", "1,,2", "0:1e999:3", "0.1:0.2", "0:1:2.5", "0:1:-3"):
        with pytest.raises(vm.UsageError):
            values_of(bad, "--set x=" + bad)
    np.testing.assert_allclose(values_of("-1:3:40", "x"), np.linspace(-1, 3, 40), rtol=0, atol=1e-15)


def test_cli_table_csv_and_json(capsys):
    args = ["sweep", "gradient_descent", "--set", "lr=0.1,0.3", "--set", "w=0:1:2", "--regs", "w,iterations"]
    assert main(args) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == ["lr", "w", "final_w", "final_iterations", "status", "fault",
                                            "fault_line", "fault_step", "steps", "passes", "outputs", "last_output"]
    assert table.rstrip().endswith("4 settings: 2 halted, 2 overflow")
    assert main(args + ["--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    runs = []
    for lr in ("0.1", "0.3"):
        for w in ("0", "1"):
            out = io.StringIO()
            main(["run", "gradient_descent", "--set", f"lr={lr}", "--set", f"w={w}", "--json"], stdout=out,
                 stderr=io.StringIO())
            runs.append(json.loads(out.getvalue()))
    for row, run in zip(rows, runs):
        assert float(row["final_w"]) == run["registers"]["w"] and int(row["steps"]) == run["steps"]
        assert row["status"] == run["status"]
        if run["status"] == "fault":
            assert row["fault"] == run["diagnostic"]["code"] and int(row["fault_line"]) == run["diagnostic"]["line"]
            assert int(row["fault_step"]) == run["diagnostic"]["step"]
    assert main(args + ["--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [s["status"] for s in doc["settings"]] == [r["status"] for r in runs]
    assert doc["settings"][2]["fault"]["code"] == "overflow" and doc["settings"][0]["passes"] == 8
    assert set(doc) == {"settings"} and set(doc["settings"][0]) == {"inputs", "registers", "status", "fault", "steps",
                                                                   "passes", "outputs", "last_output"}
    assert main(["sweep", "gradient_step", "--set", "w=0,1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"][0]["passes"] is None  # no loop: null, not missing


def test_cli_refuses_what_it_cannot_do(capsys):
    for args, message in [
        (["--set", "lr=0.1"], "at least one --set"),
        (["--set", "lr=0:1:0"], "COUNT must be"),
        (["--set", "nope=1,2"], "cannot set register 'nope'"),
        (["--set", "lr=1,2", "--regs", "zz"], "'zz' is not a register"),
        (["--set", "lr=0:1:1001", "--set", "w=0:1:1001"], "more than 1,000,000"),
        (["--set", "lrr=0.1"], "did you mean 'lr'?"),
        (["--set", "lr=0.1,0.2", "--set", "lr=0.3"], "already set by another --set"),
        (["--set", "lr=1,2", "--regs", "x"], "'x' is an array, not a register"),
        (["--set", "lr=1,2", "--regs", ""], "a name is missing"),
    ]:
        assert main(["sweep", "gradient_descent", *args]) == 64, args
        assert message in capsys.readouterr().err, args


def test_loop_head_is_the_outer_loop():
    program = vm.bundled("gradient_descent")
    assert program.instructions[loop_head(program)].line == program.instructions[1].line  # `repeat:`
    assert loop_head(vm.assemble("MOV a, 1\n")) is None


def test_lanes_that_part_at_the_loop_head_count_their_passes():
    program = vm.assemble("    MOV k, 0\ntop:\n    JGE k, n, done\n    ADD k, 1\n    JMP top\ndone:\n    OUT k\n")
    rows = vm.sweep(program, {"n": [0.0, 1.0, 2.0, 5.0, 2.5]}, lanes=True)
    assert [r.outcome.passes for r in rows] == [1, 2, 3, 6, 4]
    same(program, {"n": [0.0, 1.0, 2.0, 5.0, 2.5]})


def test_api_refuses_what_is_not_a_number():
    program = vm.bundled("gradient_descent")
    for bad in ("0.1:0.3:3", [True], ["abc"], [float("nan")], [], {"x": 1}):
        with pytest.raises(vm.UsageError):
            vm.sweep(program, {"lr": bad})
    with pytest.raises(vm.UsageError, match="both swept and set"):
        vm.sweep(program, {"lr": [0.1]}, registers={"lr": 0.2})
    rows = vm.sweep(program, {"lr": np.array([0.1, 0.2])})  # a NumPy array of values
    assert [r.inputs["lr"] for r in rows] == [0.1, 0.2]


def test_a_sweep_can_stop_each_run_at_its_first_output():
    """What the path picture's landscape needs: the loss at each w, the loop stopped after one evaluation."""
    program = vm.bundled("gradient_descent")
    ws = [-1.0, 0.0, 0.5, 2.0, 3.0]
    rows = vm.sweep(program, {"w": ws}, registers={"max_iter": 0}, outputs=1)
    x, y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
    for w, row in zip(ws, rows):
        assert row.outcome.status == "stopped" and row.outcome.outputs == 1
        assert row.outcome.last_output == pytest.approx(np.mean((y - w * x) ** 2), rel=1e-15)
    same(program, {"w": ws, "lr": [0.1, 0.5]}, outputs=3)


def test_a_sweep_can_keep_every_value_printed():
    """What the lr picture needs: each rate's losses, one a line, as a run with that rate alone prints them."""
    program = vm.bundled("gradient_descent")
    rates = [0.001, 0.01, 0.1, 0.3]
    rows = vm.sweep(program, {"lr": rates}, keep=10_000, lanes=True)
    for rate, row in zip(rates, rows):
        m = vm.Machine(program, {"lr": rate})
        try:
            m.run()
        except vm.RuntimeFault:
            pass
        assert list(row.outcome.printed) == m.output and row.outcome.outputs == len(m.output)
    same(program, {"lr": rates, "w": [0.0, 3.0]}, keep=10_000)
    for lanes in (True, False):
        with pytest.raises(OutputLimit):
            vm.sweep(program, {"lr": rates}, keep=5, lanes=lanes)


def test_the_lr_picture_runs_its_rates_as_lanes_and_gets_what_runs_one_by_one_get():
    from vm import pictures
    data = {"x": [1.0, 2.0, 3.0, 4.0], "y": [3.0, 5.0, 7.0, 9.0]}
    cases = [("gradient_descent", ["0.001", "0.1", "0.2", "0.21", "0.3", "1e-3"], {}, {}),
             ("logistic_regression", ["0.5", "5", "50"], {"max_iter": "3000"}, {}),
             ("linear_regression", ["0.01", "0.05", "0.2"], {"tol": "1e-9"}, data)]
    for name, rates, regs, arrays in cases:
        program = vm.bundled(name)
        inputs = pictures.run_inputs(regs, arrays)
        fast = list(pictures._rate_runs(program, rates, inputs, lanes=True))
        alone = list(pictures._rate_runs(program, rates, inputs, lanes=False))
        assert len(fast) == len(alone) == len(rates)
        for (ys, status, fault, registers), (ys1, status1, fault1, registers1) in zip(fast, alone):
            assert (ys, status) == (ys1, status1)
            assert repr(fault and fault.diagnostic) == repr(fault1 and fault1.diagnostic)
            assert {k: v for k, v in registers1.items() if v is not vm.UNSET} == dict(registers)


def test_a_few_settings_run_one_by_one_and_many_as_lanes(monkeypatch):
    """Lanes pay for NumPy's cost per operation only from LANES_FROM settings on; the rows are the same."""
    from vm import lanes, sweeping
    used = []
    real = lanes.run_lanes
    monkeypatch.setattr(lanes, "run_lanes", lambda *a, **k: used.append(a[2]) or real(*a, **k))
    program = vm.bundled("gradient_descent")
    few = [0.01 * k for k in range(1, sweeping.LANES_FROM)]
    many = [0.001 * k for k in range(1, sweeping.LANES_FROM + 1)]
    assert rows_text(vm.sweep(program, {"lr": few})) == rows_text(vm.sweep(program, {"lr": few}, lanes=True))
    assert used == [len(few)]  # only the forced one
    vm.sweep(program, {"lr": many})
    assert used == [len(few), len(many)]
