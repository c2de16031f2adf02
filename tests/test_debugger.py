"""Time travel, provenance, number formats and exact arithmetic (issue: the debugger and explain)."""

from __future__ import annotations

import io
import math
import re
import struct
import tracemalloc
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vm
from vm import render
from vm.debugger import Debugger
from vm.history import History, explanation, formula

from conftest import ROOT, gdasm

PROGRAMS = {p.stem: vm.assemble(p.read_bytes(), p.name)
            for p in sorted((ROOT / "programs").glob("*.gdasm")) + sorted((ROOT / "tests" / "programs").glob("*.gdasm"))
            if "error" not in p.stem}
SMALL = {"gradient_descent": {"max_iter": 3}, "linear_regression": {"max_iter": 2},
         "logistic_regression": {"max_iter": 2}}


def machine(name):
    return vm.Machine(PROGRAMS[name], registers=SMALL.get(name, {}), max_steps=3000)


def state(m: vm.Machine):
    """Everything a backward step must restore."""
    return (list(map(repr, m.regs)), [list(map(repr, a)) for a in m.arrays], list(map(repr, m.output)),
            m.pc, list(m.stack), list(m.registers), m.steps)  # a list: the order of first write counts


def fresh_state(name, n):
    """A fresh machine stepped n times (stopping at the end or a fault), independent of History."""
    m = machine(name)
    for _ in range(n):
        try:
            if m.step() is None:
                break
        except vm.RuntimeFault:
            break
    return state(m)


moves = st.lists(st.one_of(st.tuples(st.just("step"), st.integers(0, 40)),
                           st.tuples(st.just("back"), st.integers(0, 40)),
                           st.tuples(st.just("goto"), st.integers(0, 400))), min_size=1, max_size=12)


def fresh_explanations(name, n):
    """Every register's explanation after n steps, from a History that only went forward."""
    h = History(machine(name))
    h.goto(n)
    return [explanation(h.explain(r)) for r in h.m.registers]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(PROGRAMS)), moves, st.integers(1, 8), st.integers(0, 20), st.integers(1, 3))
def test_every_position_equals_a_fresh_run_stopped_there(name, plan, window, every, chunk):
    """Tiny windows, checkpoint spacings (0: adaptive) and array chunks make every move go through
    restore-and-replay, and checkpoints share unwritten chunks, somewhere."""
    h = History(machine(name), window=window, every=every, chunk=chunk)
    for action, n in plan:
        if action == "step":
            for _ in range(n):
                try:
                    if h.forward() is None:
                        break
                except vm.RuntimeFault:
                    break
        elif action == "back":
            for _ in range(n):
                h.back()
        else:
            h.goto(n)
        assert state(h.m) == fresh_state(name, h.step), (name, action, n, h.step)
    assert [explanation(h.explain(r)) for r in h.m.registers] == fresh_explanations(name, h.step)
    if h.step:
        assert h.last.step == h.step


def test_back_from_a_fault_restores_and_can_step_again():
    h = History(machine("fault_div_zero"))
    h.forward()
    with pytest.raises(vm.RuntimeFault):
        h.forward()
    assert h.fault is not None and h.step == 1
    h.back()  # forgets the fault, then takes back step 1
    assert h.fault is None and state(h.m) == fresh_state("fault_div_zero", 0)
    h.forward()
    assert state(h.m) == fresh_state("fault_div_zero", 1)


def test_memory_per_step_is_a_small_constant():
    """Past the window of whole records, a step costs its 16 bytes of columns plus a share of a checkpoint."""
    from vm.history import WINDOW
    p = vm.assemble("MOV s, 0\nMOV i, 0\nloop: ADD s, i\nADD i, 1\nJLT i, 100000, loop\n")
    tracemalloc.start()
    try:
        h = History(vm.Machine(p))
        start = tracemalloc.get_traced_memory()[0]
        marks = {}
        while h.forward() is not None:
            if h.step in (WINDOW, 2 * WINDOW, 8 * WINDOW):
                marks[h.step] = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    whole = (marks[WINDOW] - start) / WINDOW
    later = (marks[8 * WINDOW] - marks[2 * WINDOW]) / (6 * WINDOW)
    assert 100 < whole < 1000  # a StepRecord and its tuples (bench/bench_history.py measures it)
    assert later < 40, later  # columns (16) + checkpoints + the arrays' spare room; no longer records


# --- explain ---------------------------------------------------------------------------

def seed_history():
    h = History(vm.Machine(PROGRAMS["gradient_step"]))
    while h.forward() is not None:
        pass
    return h


def test_explain_grad_avg_renders_the_seed_formula():
    node = seed_history().explain("grad_avg")
    assert formula(node) == "(((2 − 0·1)·1 + (4 − 0·2)·2) + (6 − 0·3)·3) / 3"
    lines = explanation(node)
    assert lines[-1] == "formula: (((2 − 0·1)·1 + (4 − 0·2)·2) + (6 − 0·3)·3) / 3 = 9.333333333333334"
    assert lines[0] == "grad_avg = 9.333333333333334   DIV grad_avg, grad_total, 3   (line 15, step 10)"
    assert any(l.endswith("└─ 0*1 = 0.0") for l in lines)  # immediates as written


def test_explain_command_and_at_step():
    proc = gdasm("explain", "gradient_step", "grad_avg")
    assert proc.returncode == 0 and proc.stdout.splitlines()[-1].endswith("/ 3 = 9.333333333333334")
    proc = gdasm("explain", "gradient_step", "grad_total", "--at", "8")
    assert "formula: (2 − 0·1)·1 + (4 − 0·2)·2 = 10.0" in proc.stdout
    proc = gdasm("explain", "mse_gradient_step", "w", "--depth", "1")
    assert "w − step" in proc.stdout and "not expanded" in proc.stdout
    assert gdasm("explain", "gradient_step", "nope").returncode == 64


def test_explain_follows_inputs_and_array_elements():
    p = vm.assemble(".data x = 1, 2\n.reg k = 3\nLOAD a, x, 1\nMUL b, a, k\nSTORE x, 0, b\nLOAD c, x, 0\nNEG d, c\n")
    h = History(vm.Machine(p, registers={"k": 4}))
    while h.forward() is not None:
        pass
    text = "\n".join(explanation(h.explain("d")))
    assert "formula: −(x[1]·k) = -8.0" in text
    assert "x[1] = 2.0   input (.data, line 1)" in text and "k = 4.0   input (--set)" in text
    assert "x[0] = 8.0   STORE x, 0, b" in text


def test_explain_of_a_ten_thousand_iteration_loop_is_quick_and_bounded():
    p = vm.assemble("MOV s, 0\nMOV i, 0\nloop: ADD s, i\nADD i, 1\nJLT i, 10000, loop\n")
    proc_lines = []
    h = History(vm.Machine(p))
    while h.forward() is not None:
        pass
    for depth in (8, 40, 10_000):
        lines = explanation(h.explain("s", depth=depth))
        assert len(lines) <= 205
        assert "not expanded" in lines[-1] or "more values not shown" in "\n".join(lines)
        proc_lines.append(len(lines))
    assert proc_lines[0] < proc_lines[1]


# --- numbers as the machine holds them ----------------------------------------------------

def bits_by_frexp(v: float) -> str:
    """The IEEE-754 fields computed without struct: from math.frexp and integer arithmetic."""
    sign = 1 if math.copysign(1.0, v) < 0 else 0
    a = abs(v)
    if a == 0:
        return f"{sign} | {'0' * 11} (zero) | {'0' * 52}"
    m, e = math.frexp(a)  # a = m · 2^e, 0.5 ≤ m < 1
    if e - 1 < -1022:  # subnormal
        fraction = int(Fraction(a) / Fraction(2) ** -1074)
        return f"{sign} | {'0' * 11} (subnormal, 2^-1022) | {fraction:052b}"
    fraction = int((Fraction(m) * 2 - 1) * 2 ** 52)
    return f"{sign} | {e - 1 + 1023:011b} (2^{e - 1}) | {fraction:052b}"


def exact_by_fraction(v: float) -> str:
    """The exact decimal expansion of a double by long division of its fraction."""
    f = Fraction(v)
    sign = "-" if v < 0 or (v == 0 and math.copysign(1, v) < 0) else ""
    f = abs(f)
    whole, rest = divmod(f.numerator, f.denominator)
    digits = []
    while rest:
        rest *= 10
        d, rest = divmod(rest, f.denominator)
        digits.append(str(d))
    return sign + str(whole) + ("." + "".join(digits) if digits else "")


doubles = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=500)
@given(doubles)
def test_bits_and_exact_match_independent_computations(v):
    assert render.value(v, "bits") == bits_by_frexp(v)
    assert render.value(v, "exact") == exact_by_fraction(v)
    assert float.fromhex(render.value(v, "hex")) == v
    raw = struct.unpack(">Q", struct.pack(">d", v))[0]
    assert render.value(v, "bits").replace(" ", "").split("|")[0] == str(raw >> 63)


def test_known_values():
    assert render.value(0.01, "exact") == "0.01000000000000000020816681711721685132943093776702880859375"
    assert render.value(1.0, "bits") == "0 | 01111111111 (2^0) | " + "0" * 52
    assert render.value(5e-324, "bits").endswith("(subnormal, 2^-1022) | " + "0" * 51 + "1")
    assert render.value(-0.0, "bits").startswith("1 | 00000000000 (zero)")


def test_numbers_option_changes_every_value():
    out = gdasm("run", "gradient_step", "--numbers", "exact").stdout
    assert "delta_w    = 0.09333333333333333758918826106310007162392139434814453125" in out
    out = gdasm("trace", "gradient_step", "--numbers", "hex").stdout
    assert "grad_avg = 0x1.2aaaaaaaaaaabp+3" in out
    out = gdasm("trace", "gradient_step", "--numbers", "bits").stdout
    assert "error1 = 0 | 10000000000 (2^1) | " + "0" * 52 in out
    err = gdasm("run", "-", "--numbers", "hex", stdin="MOV z, 0\nDIV q, 1, z\n").stderr
    assert "read: z = 0x0.0p+0" in err  # fault notes use the same renderer


# --- exact arithmetic beside float ---------------------------------------------------------

def test_exact_run_of_the_seed_ends_with_seven_seventy_fifths():
    result = vm.run(PROGRAMS["gradient_step"], exact=True)
    assert result.registers["w"] == Fraction(7, 75) and result.registers["grad_avg"] == Fraction(28, 3)
    out = gdasm("run", "gradient_step", "--exact").stdout
    assert "w          = 7/75" in out and "grad_total = 28\n" in out


def test_exact_mode_faults():
    with pytest.raises(vm.RuntimeFault) as e:
        vm.run(vm.assemble("EXP r, 1"), exact=True)
    assert "no exact result" in e.value.diagnostic.message
    with pytest.raises(vm.RuntimeFault) as e:
        vm.run(vm.assemble("MOV r, 1.5\nl: MUL r, r, 1.1\nJMP l"), exact=True, max_steps=100_000)
    assert "passes 10,000 digits" in e.value.diagnostic.message
    assert vm.run(vm.assemble("MOV r, 0.1\nADD r, 0.2"), exact=True).registers["r"] == Fraction(3, 10)
    assert vm.run(vm.assemble(".reg lr = 0.01\nMUL r, lr, 3"), exact=True, registers={"lr": "0.03"}).registers["r"] \
        == Fraction(9, 100)


def test_compare_flags_the_div_step_first():
    out = gdasm("trace", "gradient_step", "--compare").stdout
    rows = [l for l in out.splitlines() if l.strip()[:1].isdigit()]
    flagged = [int(l.split()[0]) for l in rows if "≠" in l]
    assert flagged[0] == 10 and "DIV grad_avg" in rows[9] and "28/3" in rows[9] and "+0.33 ulp" in rows[9]
    assert "7/75" in rows[11]
    assert all("≠" not in l for l in rows[:9])


def test_ulp_error_against_an_independent_bound():
    from vm.trace_out import ulp_error
    # 9.333333333333334 is the double nearest 28/3, so it is within half an ulp.
    e = ulp_error(28 / 3, Fraction(28, 3))
    assert 0 < e <= Fraction(1, 2) and abs(float(e) - 1 / 3) < 1e-12
    assert ulp_error(0.1, Fraction(1, 10)) == (Fraction(0.1) - Fraction(1, 10)) / Fraction(math.ulp(0.1))


def test_compare_says_where_control_flow_parts():
    # 0.1 + 0.2 > 0.3 in binary64 (0.30000000000000004), not in fractions: the JGT goes different ways.
    src = "MOV a, 0.1\nADD a, 0.2\nJGT a, 0.3, big\nOUT 0\nHALT\nbig: OUT 1\n"
    out = gdasm("trace", "-", "--compare", stdin=src).stdout
    assert "control flow parts at step 3: binary64 goes to line 6, exact arithmetic to line 4" in out


def test_trace_table():
    out = gdasm("trace", "gradient_step", "--table", "--regs", "w,grad_avg").stdout.splitlines()
    assert out[0].split() == ["step", "line", "w", "grad_avg"]
    assert out[1].split() == ["0"]  # the initial values: none of these is set before the run
    assert out[2].split() == ["1", "5", "0.0"] and out[11].split() == ["10", "15", "9.333333333333334"]
    assert out[12].split() == ["11", "16"]  # nothing written to w or grad_avg
    assert gdasm("trace", "gradient_step", "--table", "--regs", "q").returncode == 64


# --- the debugger, scripted ----------------------------------------------------------------

def session(name, commands: str, **kw) -> str:
    out = io.StringIO()
    Debugger(vm.Machine(PROGRAMS[name], **kw), stdin=io.StringIO(commands), stdout=out, echo=True).cmdloop()
    return out.getvalue()


def test_scripted_session_over_the_seed():
    text = session("gradient_step", "step 100\nregs\nback 100\nregs\ngoto 5\nprint grad1\nbreak 14\n"
                                    "goto 0\ncontinue\nwatch grad_avg\ncontinue\nreverse-continue\nprint grad_avg\n"
                                    "info breakpoints\ndelete\nquit\n")
    assert "step 12: finished" in text and "w          = 0.09333333333333334" in text
    assert "no register holds a value yet" in text
    assert "(gdasm) print grad1\ngrad1 = 2.0" in text
    assert "stopped: breakpoint 1 at line 14\nstep 8: next is line 14" in text
    assert "stopped: watch 2: grad_avg changed\nstep 10: next is line 16" in text
    assert "(gdasm) reverse-continue\nstopped: breakpoint 1 at line 14\nstep 8:" in text
    assert "(gdasm) print grad_avg\ngrad_avg is unset" in text
    assert "deleted 2 breakpoints and watches" in text


def test_scripted_session_over_gradient_descent():
    text = session("gradient_descent", "watch w\ncontinue\nprint w\ncontinue\nprint iterations\n"
                                       "reverse-continue\nprint w\ndelete 1\nbreak done\ncontinue\nwhere\nexplain w 3\n"
                                       "numbers hex\nprint w\nback 1000\nwhere\n", registers={"max_iter": 5})
    assert "(gdasm) print w\nw = 0.18666666666666668" in text
    assert "(gdasm) print iterations\niterations = 1.0" in text
    assert "reverse-continue\nstopped: watch 1: w changed" in text
    assert "next is line 24: HALT" in text and "call stack: empty" in text
    assert "formula: ((w − step) − lr·grad) − lr·(grad / n) = 0.7746271821958848" in text
    assert re.search(r"w = 0x1\.[0-9a-f]+p-1\n", text)
    assert text.endswith("call stack: empty\n(gdasm) \n")  # end of input ends the session


def test_session_stops_at_a_fault_and_steps_back():
    text = session("fault_div_zero", "continue\nprint zero\nback\nprint zero\nstep\nstep\nquit\n")
    assert "step 1: fault at step 2, line 3: division by zero" in text
    assert "(gdasm) print zero\nzero = 0.0" in text
    assert "(gdasm) back\nstep 0: next is line 2" in text


def test_bad_commands_do_not_end_the_session():
    text = session("gradient_step", "fly\nstep x\ngoto\nprint nope\nbreak nowhere\nwatch nope\nnumbers octal\n"
                                    "print w\n")
    for msg in ("unknown command 'fly'", "step takes a whole number of steps, not 'x'", "goto takes a step number",
                "no register or array named 'nope'", "no label 'nowhere'", "no register named 'nope'",
                "numbers takes one of: dec, hex, bits, exact", "w is unset"):
        assert msg in text


def test_debug_command_reads_standard_input_and_exits_zero():
    proc = gdasm("debug", "gradient_step", stdin="step 4\nprint error3\n")
    assert proc.returncode == 0 and "(gdasm) print error3\nerror3 = 6.0" in proc.stdout


def test_help_lists_every_command():
    text = session("gradient_step", "help\nhelp back\n")
    for command in ("step", "back", "goto", "continue", "reverse-continue", "break", "watch", "delete", "info",
                    "print", "regs", "arrays", "list", "where", "explain", "numbers", "quit"):
        assert command in text
    assert "back [N] (b): undo the last N steps" in text


def test_commands_from_a_file(tmp_path):
    import subprocess
    from conftest import gdasm_script
    cmds = tmp_path / "cmds.txt"
    cmds.write_text("step 12\nback 12\nwhere\n", encoding="utf-8")
    proc = subprocess.run(f"'{gdasm_script()}' debug gradient_step < '{cmds}'", shell=True, cwd=ROOT,
                          capture_output=True, text=True, env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0 and "(gdasm) back 12\nstep 0: next is line 5: MOV w, 0.0" in proc.stdout


def test_ctrl_c_stops_a_long_continue_not_the_session(monkeypatch):
    from vm import history
    calls = {"n": 0}
    real = history.History.forward

    def forward(self):
        calls["n"] += 1
        if calls["n"] == 500:
            raise KeyboardInterrupt
        return real(self)
    monkeypatch.setattr(history.History, "forward", forward)
    text = session("fault_step_limit", "continue\nwhere\n")
    assert "stopped: interrupted\nstep 499:" in text and "(gdasm) where\nstep 499" in text


@settings(max_examples=300)
@given(st.integers(-10 ** 600, 10 ** 600).filter(lambda n: n != 0), st.integers(1, 10 ** 600))
def test_exact_values_too_large_to_print_keep_their_sign_and_size(num, den):
    """A fraction over 200 bits prints as ≈value (its size): the value is right to 5 digits, sign included."""
    from decimal import Decimal, localcontext
    f = Fraction(num, den)
    text = render.value(f)
    if max(f.numerator.bit_length(), f.denominator.bit_length()) <= 200:
        assert Fraction(text) == f
        return
    approx = re.match(r"≈(\S+) \(a ([\d,]+)-digit / ([\d,]+)-digit fraction\)", text)
    assert approx, text
    with localcontext() as ctx:
        ctx.prec = 50
        true = Decimal(f.numerator) / Decimal(f.denominator)
        assert abs(Decimal(approx.group(1)) / true - 1) < Decimal("1e-5")
    assert int(approx.group(2).replace(",", "")) == len(str(abs(f.numerator)))
    assert int(approx.group(3).replace(",", "")) == len(str(f.denominator))
