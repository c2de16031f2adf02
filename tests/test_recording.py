"""The compact recorder (vm/recording.py): Machine.records() gives exactly what step() gives, record by record,
and leaves the machine exactly where step() leaves it.

The oracle is step() itself, one call a step: every generated and bundled program runs both ways, in chunks
of random sizes, with random step limits, the hot-spot counts and profiles, exact arithmetic, and Ctrl-C
from inside the output hook; records, the fault (code, message, place, step, values read) and the machine's
whole state after must be identical.
"""

from __future__ import annotations

import sys
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vm
from vm import machine

from conftest import program_files
from test_compiled import programs


def stepped(program, use_records, chunk=4096, max_steps=300, exact=False, counted=False, interrupt_at=0):
    """What a run leaves behind, run by step() or by records(): the records, how it ended, and the state."""
    seen = [0]

    def hook(v):
        seen[0] += 1
        if seen[0] == interrupt_at:
            m.interrupt()
    m = vm.Machine(program, max_steps=max_steps, exact=exact, on_output=hook)
    if counted:
        m.count_steps()
    got, end = [], None
    try:
        if use_records:
            for rec in m.records(chunk):
                got.append(rec)
        else:
            while (rec := m.step()) is not None:
                got.append(rec)
    except vm.RuntimeFault as f:
        d = f.diagnostic
        end = (f.code, d.message, d.span.line, d.span.column, f.step, d.reads, d.notes, d.hint, f.address)
    except KeyboardInterrupt:
        end = "KeyboardInterrupt"
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # exact values may have more digits than repr() writes by default
    try:
        return _repr(got, end, m, counted)
    finally:
        sys.set_int_max_str_digits(limit)


def _repr(got, end, m, counted) -> str:
    return repr((got, end, list(m.registers.items()), m.array_values, m.output, m.steps, m.status, m.pc,
                 list(m.stack), m.executions() if counted else None))


def agree(a: str, b: str, what) -> None:
    """a == b, and where they part if not (pytest's own diff of two long texts takes minutes)."""
    if a != b:
        k = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        raise AssertionError(f"{what}\nrecords(): …{a[max(k - 300, 0):k + 200]}\nstep():    …{b[max(k - 300, 0):k + 200]}")


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs(), st.integers(1, 12), st.integers(0, 300), st.integers(1, 6), st.booleans(), st.booleans())
def test_records_equal_step_on_generated_programs(program, chunk, max_steps, hot, exact, counted):
    with mock.patch.object(machine, "HOT_SAMPLE", hot):
        kw = dict(max_steps=max_steps, exact=exact, counted=counted)
        agree(stepped(program, True, chunk, **kw), stepped(program, False, **kw), program.source)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs(), st.integers(1, 4), st.integers(1, 9))
def test_ctrl_c_stops_records_where_it_stops_step(program, nth, chunk):
    """interrupt() (what Ctrl-C calls) from inside the output hook at the nth OUT: the same records, then the
    same stop."""
    agree(stepped(program, True, chunk, interrupt_at=nth), stepped(program, False, interrupt_at=nth), program.source)


def test_every_bundled_and_test_program_records_the_same(monkeypatch):
    monkeypatch.setattr(machine, "HOT_SAMPLE", 3)
    files = program_files()
    assert len(files) >= 25
    for path in files:
        program = vm.load(path)
        for steps, chunk in ((100_000, 4096), (50, 7), (7, 1)):
            agree(stepped(program, True, chunk, max_steps=steps), stepped(program, False, max_steps=steps), path)


def test_programs_without_registers_and_odd_chunks():
    for text in ("JMP a\na: HALT\n", "", "HALT\n", "a: JMP a\n", "JEQ 1, 1, b\nb: OUT 2\n", "CALL f\nHALT\nf: RET\n"):
        program = vm.assemble(text)
        for chunk in (1, 2, 4096):
            agree(stepped(program, True, chunk, max_steps=20), stepped(program, False, max_steps=20), text)
    m = vm.Machine(vm.assemble("ADD a, 1\n"))
    for bad in (0, -1, 1.5, True, "2"):
        try:
            next(m.records(bad))
        except ValueError as e:
            assert "chunk" in str(e)
        else:
            raise AssertionError(bad)


def history_state(h, how, until):
    """What a History holds after going forward by forward() step by step, or by run()."""
    end = None
    try:
        if how == "run":
            h.run(until)
        else:
            while (until is None or h.step < until) and h.forward() is not None:
                pass
    except vm.RuntimeFault as f:
        end = (f.code, f.step, f.diagnostic.message)
    except KeyboardInterrupt:
        end = "KeyboardInterrupt"
    cps = [(c.steps, c.pc, c.status, c.regs, c.arrays, c.stack, c.outputs, c.write_order) for c in h._checkpoints]
    return repr((end, h.step, list(h._addr), list(h._where), list(h._vals), cps, h._costs, h._saved, h.every,
                 list(h.window), h.full, h.fault and h.fault.step, list(h.m.registers.items()), h.m.array_values,
                 h.m.output, h.m.steps, h.m.status, h.m.pc))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs(), st.integers(0, 300), st.one_of(st.none(), st.integers(0, 300)), st.integers(1, 40),
       st.integers(0, 9), st.integers(200, 4000), st.booleans())
def test_history_run_equals_forward_step_by_step(program, max_steps, until, window, every, budget, big):
    """Columns, checkpoints (every few steps, or spaced by cost), the window, the memory budget and faults."""
    from vm.history import History
    kw = dict(window=window, every=every, budget=1 << 30 if big else budget)
    states = [history_state(History(vm.Machine(program, max_steps=max_steps), **kw), how, until)
              for how in ("run", "forward")]
    agree(states[0], states[1], program.source)


def test_history_run_after_going_back_into_a_wide_gap_and_odd_arguments():
    """Checkpoints space themselves by cost: after going back into a gap wider than `every` is now, the next
    move forward takes one step and then a checkpoint, as forward() does (it once asked for -7,232 steps).
    A NumPy integer or a float step number, and a window of 0, go as they went step by step."""
    import numpy as np
    from vm.history import History
    text = (".zeros big, 400\nMOV j, 0\np1: STORE big, j, 1\nADD j, j, 41\nJLT j, 400, p1\nMOV i, 0\n"
            "p2: STORE big, 0, i\nADD i, i, 1\nJLT i, 300, p2\n")
    program = vm.assemble(text)

    class Stepwise(History):
        def run(self, until=None):
            while (until is None or self.step < until) and self.forward() is not None:
                pass
    for window, chunk in ((1, 4), (0, 4), (3, 2)):
        states = []
        for kind in (History, Stepwise):
            h = kind(vm.Machine(program), window=window, chunk=chunk)
            h.run()
            seen = []
            for n in (700, 20, 350, 5, 600, np.int64(9), 3.0):
                h.goto(n)
                h.run(h.step + np.int64(5))
                seen.append((h.step, len(h._checkpoints), h.every))
            states.append((seen, history_state(h, "run", None)))
        agree(repr(states[0]), repr(states[1]), (window, chunk))
    m = vm.Machine(program)
    assert len(list(m.records(np.int64(7)))) == m.steps
