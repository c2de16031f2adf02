"""The API under hostile or careless callers (issue 9 rows 17–20 and the API's types).

Bad arguments raise `vm.UsageError` naming the argument — never a raw AttributeError/TypeError; NumPy
numbers are ordinary input, exactly or not; a Program cannot be changed after assembly; threads assembling
at once each get their own diagnostics.
"""

from __future__ import annotations

import threading
from fractions import Fraction

import numpy as np
import pytest

import vm
from conftest import gdasm

PROGRAM = vm.assemble(".data x = 1, 2, 3\n.reg w = 0\nLOAD a, x, 0\nMUL b, w, a\n")


@pytest.mark.parametrize("call, names", [
    (lambda: vm.assemble(None), "text"),
    (lambda: vm.assemble(123), "text"),
    (lambda: vm.assemble(bytearray(b"MOV a, 1\n")), "text"),
    (lambda: vm.run(PROGRAM, registers={1: 2}), "registers"),
    (lambda: vm.run(PROGRAM, registers=[("w", 1)]), "registers"),
    (lambda: vm.run(PROGRAM, arrays={"x": 5}), "'x'"),
    (lambda: vm.run(PROGRAM, arrays={"x": None}), "'x'"),
    (lambda: vm.run(PROGRAM, arrays={"x": "123"}), "'x'"),
    (lambda: vm.run(PROGRAM, arrays={"x": np.ones((2, 2))}), "'x'"),
    (lambda: vm.run(PROGRAM, max_steps=True), "max_steps"),
    (lambda: vm.run(PROGRAM, max_steps=1.5), "max_steps"),
    (lambda: vm.run(PROGRAM, exact="yes"), "exact"),
    (lambda: vm.run(42), "program"),
    (lambda: vm.Machine("MOV a, 1"), "program"),
    (lambda: vm.run(PROGRAM, arrays={"x": [0.0] * 10_000_001}), "10,000,000"),
    (lambda: vm.Machine(PROGRAM).undo(None), "StepRecord"),
    (lambda: vm.Formatter("oct"), "number format"),
])
def test_bad_api_arguments_raise_a_usage_error_naming_them(call, names):
    with pytest.raises(vm.UsageError) as e:
        call()
    assert names in str(e.value) and isinstance(e.value, vm.GdasmError) and e.value.exit_code == 64


@pytest.mark.parametrize("value, expected", [
    (np.float64(0.1), Fraction(1, 10)),  # as the float 0.1 is: its shortest decimal
    (np.float32(0.1), Fraction(1, 10)),  # its own shortest decimal, not float64's 0.10000000149011612
    (np.int64(3), Fraction(3)),
    (np.int8(-2), Fraction(-2)),
])
def test_numpy_scalars_are_ordinary_input_exactly(value, expected):
    r = vm.run(PROGRAM, registers={"w": value}, exact=True)
    assert r.registers["w"] == expected and r.registers["b"] == expected  # b = w · x[0] = w · 1


def test_undo_of_a_step_already_undone_is_a_usage_error():
    m = vm.Machine(PROGRAM)
    rec = m.step()
    m.undo(rec)
    with pytest.raises(vm.UsageError, match="last step"):
        m.undo(rec)


def test_numpy_integers_are_step_limits_and_float32_arrays_read_as_their_decimals():
    assert vm.run(PROGRAM, max_steps=np.int64(100)).steps == 2
    for given in (np.array([0.1], dtype=np.float32), [np.float32(0.1)]):  # the container does not matter
        assert vm.run(PROGRAM, arrays={"x": given}, exact=True).arrays["x"] == [Fraction(1, 10)]


def test_numpy_arrays_are_ordinary_input_exactly_and_not():
    for exact in (False, True):
        r = vm.run(PROGRAM, registers={"w": 2}, arrays={"x": np.array([0.25, 2.0, 3.0])}, exact=exact)
        assert r.arrays["x"] == [0.25, 2.0, 3.0] and r.registers["b"] == 0.5
        assert all(type(v) is (Fraction if exact else float) for v in r.arrays["x"])
    r = vm.run(PROGRAM, arrays={"x": np.array([1, 2, 3])}, exact=True)
    assert r.arrays["x"] == [Fraction(1), Fraction(2), Fraction(3)]


def test_a_program_cannot_be_changed_and_is_hashable():
    p = vm.assemble("loop: ADD i, 1\nJLT i, 3, loop\n.reg i = 0\n")
    with pytest.raises(TypeError):
        p.labels["loop"] = 1  # noqa: the point is that this fails
    with pytest.raises(AttributeError):
        p.registers = ("j",)  # frozen dataclass
    twin = vm.assemble("loop: ADD i, 1\nJLT i, 3, loop\n.reg i = 0\n")
    assert p == twin and hash(p) == hash(twin) and len({p, twin}) == 1
    assert vm.run(p).registers["i"] == 3.0


def test_threads_assembling_at_once_each_get_their_own_diagnostics():
    """Row 18: half the programs have errors; every result matches assembling that text alone."""
    texts = [f"MOV a{k}, {k}\nOUT a{k}\n" if k % 2 else f"MOV a{k}, 1\nJMP nowhere{k}\nADD q, 1 2\n"
             for k in range(16)]
    alone = {}
    for k, t in enumerate(texts):
        try:
            alone[k] = ("ok", vm.run(vm.assemble(t, filename=f"f{k}.gdasm")).output)
        except vm.AssemblyError as e:
            alone[k] = ("error", [(d.filename, d.span.line, d.span.column, d.code) for d in e.diagnostics])
    assert sum(v[0] == "error" for v in alone.values()) == 8
    barrier = threading.Barrier(8)
    seen: dict = {}

    def worker(ks):
        barrier.wait()
        for _ in range(30):
            for k in ks:
                try:
                    got = ("ok", vm.run(vm.assemble(texts[k], filename=f"f{k}.gdasm")).output)
                except vm.AssemblyError as e:
                    got = ("error", [(d.filename, d.span.line, d.span.column, d.code) for d in e.diagnostics])
                except Exception as e:  # any other exception is the bug this test is for
                    got = ("raw", repr(e))
                if got != alone[k]:
                    seen[k] = got
    threads = [threading.Thread(target=worker, args=(range(j, 16, 8),)) for j in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not seen, seen


def test_exact_inputs_past_the_bounds_are_located_errors(tmp_path):
    """Row 17: `.reg w = 1e-5000` / `.data v = 1e-5000` under --exact: FILE:LINE:COL, exit 65."""
    for text, what in ((".reg v = 1e-5000\nOUT v\n", "the value of 'v'"),
                       (".data v = 1, 1e-5000\nLOAD a, v, 0\n", "element 1 of 'v'"),
                       ("MOV a, 1e-5000\n", "1e-5000")):
        p = tmp_path / "p.gdasm"
        p.write_text(text)
        proc = gdasm("run", str(p), "--exact")
        assert proc.returncode == 65, proc.stderr
        assert "p.gdasm:1:" in proc.stderr and f"error: {what} has no exact value" in proc.stderr
        assert "^" in proc.stderr and "None" not in proc.stderr
        assert gdasm("run", str(p)).returncode in (0, 70)  # without --exact it runs (the value is 0.0)


def test_data_overrides_past_the_arrays_total_are_refused_before_allocating(tmp_path):
    (tmp_path / "big.csv").write_text("1\n" * 10)
    p = tmp_path / "p.gdasm"
    p.write_text(".zeros z, 9999995\n.data x = 1\nLEN n, x\n")
    proc = gdasm("run", str(p), "--data", f"x=@{tmp_path / 'big.csv'}")
    assert proc.returncode == 64 and "10,000,005 elements" in proc.stderr and "at most 10,000,000" in proc.stderr
