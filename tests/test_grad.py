"""Derivatives over the machine's own steps: against NumPy's analytic gradients, exact fractions, and central
differences computed here from independent runs."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

import vm
from conftest import gdasm
from vm.autodiff import grad


def analytic_mse(w: float, x, y) -> float:
    """d/dw mean((y − w·x)²) = −(2/n)·Σ x(y − w·x), by NumPy."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    return float(-2 * np.mean(x * (y - w * x)))


def test_mse_loss_wrt_w_is_the_analytic_gradient():
    g = grad(vm.load("mse_loss"), "loss", "w")
    [d] = g.derivatives
    assert d.value == pytest.approx(-56 / 3, rel=1e-15, abs=0)
    assert d.value == pytest.approx(analytic_mse(0.0, [1, 2, 3], [2, 4, 6]), rel=1e-12)
    assert d.agrees and d.estimate == pytest.approx(d.value, rel=1e-6)


def test_exact_mode_gives_minus_56_thirds():
    [d] = grad(vm.load("mse_loss"), "loss", "w", exact=True).derivatives
    assert d.value == Fraction(-56, 3)


@pytest.mark.parametrize("w,xs,ys", [(0.5, [1.5, -2.0, 4.0, 0.25], [1.0, 3.0, -2.0, 7.5]),
                                     (-1.25, [3.0, 1.0], [0.5, -4.0])])
def test_mse_on_hold_out_data(w, xs, ys):
    g = grad(vm.load("mse_loss"), "loss", "w", registers={"w": w}, arrays={"x": xs, "y": ys})
    assert g.derivatives[0].value == pytest.approx(analytic_mse(w, xs, ys), rel=1e-12)


def test_linear_regression_wrt_w_and_b_at_the_first_evaluation():
    p = vm.load("linear_regression")
    g = grad(p, "loss", "w,b", registers={"w": 0.3, "b": -0.2}, at_out=1)
    x = np.array([1, 2, 3, 4, 5.0]); y = np.array([3.1, 4.9, 7.2, 8.8, 11.1])
    e = y - (0.3 * x - 0.2)
    dw, db = (d.value for d in g.derivatives)
    assert dw == pytest.approx(float(-2 * np.mean(x * e)), rel=1e-12)
    assert db == pytest.approx(float(-2 * np.mean(e)), rel=1e-12)


def test_logistic_regression_wrt_w_and_b():
    p = vm.load("logistic_regression")
    g = grad(p, "loss", "w,b", registers={"w": 0.4, "b": -0.7}, at_out=1)
    x = np.array([0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4]); y = np.array([0, 0, 0, 1, 0, 1, 1, 1.0])
    p_ = 1 / (1 + np.exp(-(0.4 * x - 0.7)))
    dw, db = (d.value for d in g.derivatives)
    assert dw == pytest.approx(float(np.mean((p_ - y) * x)), rel=1e-12)
    assert db == pytest.approx(float(np.mean(p_ - y)), rel=1e-12)


def test_a_whole_array_gives_the_gradient_vector():
    g = grad(vm.load("mse_loss"), "loss", "x", registers={"w": 1.5})
    x, y, w = np.array([1.0, 2, 3]), np.array([2.0, 4, 6]), 1.5
    expected = -2 * (y - w * x) * w / 3  # d/dx_i mean((y − w x)²)
    assert [d.input for d in g.derivatives] == ["x[0]", "x[1]", "x[2]"]
    assert np.allclose([d.value for d in g.derivatives], expected, rtol=1e-12)


def test_the_seeds_listing_does_not_depend_on_w_and_says_why():
    g = grad(vm.load("gradient_step"), "grad_avg", "w")
    assert g.derivatives[0].value == 0
    [warning] = [w for w in g.warnings if w.code == "grad-no-dependence"]
    assert "does not depend on w" in warning.message and warning.span is not None


def test_branches_on_an_input_are_warned_with_their_margin():
    p = vm.assemble("MOV y, 0\nJLT x, 1, small\nMUL y, x, x\nsmall:\nADD y, x\n", filename="b.gdasm")
    g = grad(p, "y", "x", registers={"x": 3.0})
    assert g.derivatives[0].value == 7.0  # d(x² + x)/dx at 3
    [w] = [w for w in g.warnings if w.code == "grad-branch"]
    assert w.span.line == 2 and "margin of 2.0" in w.message


def test_abs_at_zero_is_warned_never_nan():
    p = vm.assemble("ABS y, x\n", filename="a.gdasm")
    g = grad(p, "y", "x", registers={"x": 0.0})
    assert g.derivatives[0].value == 0 and [w.code for w in g.warnings] == ["grad-kink"]


def test_first_write_by_a_constant_is_the_input():
    text = "MOV w, 0.5\nMUL y, w, w\n"
    [d] = grad(vm.assemble(text), "y", "w").derivatives
    assert d.value == 1.0 and d.agrees


def test_cli_prints_derivative_estimate_and_json():
    proc = gdasm("grad", "mse_loss", "loss", "--wrt", "w")
    assert proc.returncode == 0 and "∂loss/∂w = -18.66666666666666" in proc.stdout and "agrees" in proc.stdout
    doc = json.loads(gdasm("grad", "mse_loss", "loss", "--wrt", "w", "--json").stdout)
    assert doc["derivatives"][0]["input"] == "w" and doc["derivatives"][0]["agrees"] is True
    assert gdasm("grad", "mse_loss", "loss", "--wrt", "w", "--exact").stdout.count("-56/3") == 1


@pytest.mark.parametrize("args,message", [
    (["mse_loss", "loss", "--wrt", "ww"], "did you mean 'w'?"),
    (["mse_loss", "nope", "--wrt", "w"], "no register named 'nope'"),
    (["mse_loss", "loss", "--wrt", "w", "--at", "999"], "stopped after 31 steps"),
])
def test_bad_input(args, message):
    proc = gdasm("grad", *args)
    assert proc.returncode == 64 and message in proc.stderr


def test_backward_trace_updates_sum_to_the_derivative():
    import csv
    import io
    proc = gdasm("grad", "mse_loss", "loss", "--wrt", "w", "--backward", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert proc.returncode == 0 and {r["step"] for r in rows} == {"31", "28", "27", "26", "25", "20", "19", "18",
                                                                   "17", "12", "11", "10", "9"}
    total = sum(float(r["add"]) for r in rows if r["to"] == "w")
    assert total == pytest.approx(analytic_mse(0.0, [1, 2, 3], [2, 4, 6]), rel=1e-12)
    # each update is partial × adjoint, and steps come newest first
    assert all(float(r["add"]) == float(r["partial"]) * float(r["adjoint"]) for r in rows)
    assert [int(r["step"]) for r in rows] == sorted((int(r["step"]) for r in rows), reverse=True)
    lines = gdasm("grad", "mse_loss", "loss", "--wrt", "w", "--backward", "--format", "json").stdout.splitlines()
    assert json.loads(lines[-1])["derivatives"]["w"] == pytest.approx(-56 / 3, rel=1e-15)
    text = gdasm("grad", "mse_loss", "loss", "--wrt", "w", "--backward").stdout
    assert "∂sum_sq@20 += 1.0 × ∂sum_sq@28" in text  # one register read and written by a step: two versions
    assert "13 steps on the path; 18 depend on no input" in text


def test_format_without_backward_is_refused():
    proc = gdasm("grad", "mse_loss", "loss", "--wrt", "w", "--format", "csv")
    assert proc.returncode == 64 and "add --backward" in proc.stderr


# --- gradcheck -----------------------------------------------------------------------------------------

def test_gradcheck_finds_the_seeds_minus_half():
    from vm.gradient_check import gradcheck
    c = gradcheck(vm.load("seed_step_loss"), "loss", "w:grad_avg")
    [v] = c.verdicts
    assert (v.verdict, v.factor, v.text) == ("off by a factor", Fraction(-1, 2), "grad_avg = −½ × ∂loss/∂w")
    # the derivative it compares with is NumPy's analytic one at w = 0
    assert c.evaluations[0].derivatives["w"] == pytest.approx(analytic_mse(0.0, [1, 2, 3], [2, 4, 6]), rel=1e-12)
    proc = gdasm("gradcheck", "seed_step_loss", "--loss", "loss", "--grad", "w:grad_avg")
    assert proc.returncode == 1 and "grad_avg = −½ × ∂loss/∂w" in proc.stdout


def test_gradcheck_bundled_loops_match():
    from vm.gradient_check import gradcheck
    assert gradcheck(vm.load("gradient_descent"), "loss", "w:grad").ok
    assert gradcheck(vm.load("mse_gradient_step"), "loss", "w:grad").ok
    for name in ("linear_regression", "logistic_regression"):
        c = gradcheck(vm.load(name), "loss", "w:grad_w,b:grad_b", registers={"w": 0.3, "b": -0.4})
        assert [v.verdict for v in c.verdicts] == ["matches", "matches"], name
    proc = gdasm("gradcheck", "gradient_descent", "--loss", "loss", "--grad", "w:grad", "--json")
    doc = json.loads(proc.stdout)
    assert proc.returncode == 0 and doc["status"] == "matches" and [e["out"] for e in doc["evaluations"]] == [1, 2, 3, 172]


def test_gradcheck_finds_a_flipped_sign(tmp_path):
    text = vm.catalog.find("gradient_descent").read_text(encoding="utf-8").replace("MUL grad, sum_xe, -2",
                                                                                   "MUL grad, sum_xe, 2")
    (tmp_path / "flipped.gdasm").write_text(text, encoding="utf-8")
    proc = gdasm("gradcheck", "flipped.gdasm", "--loss", "loss", "--grad", "w:grad", cwd=tmp_path)
    assert proc.returncode == 1 and "grad = −∂loss/∂w: wrong sign" in proc.stdout
    assert "runtime error: overflow" in proc.stderr  # the flipped run diverges; the check says so and goes on
    text = vm.catalog.find("logistic_regression").read_text(encoding="utf-8").replace(
        "    DIV grad_b, sum_d, n\n", "    DIV grad_b, sum_d, n\n    NEG grad_b, grad_b\n")
    (tmp_path / "flipb.gdasm").write_text(text, encoding="utf-8")
    proc = gdasm("gradcheck", "flipb.gdasm", "--loss", "loss", "--grad", "w:grad_w,b:grad_b", cwd=tmp_path)
    assert proc.returncode == 1 and "grad_b = −∂loss/∂b: wrong sign" in proc.stdout
    assert "grad_w = ∂loss/∂w: matches" in proc.stdout


def test_gradcheck_is_inconclusive_where_the_derivative_is_zero():
    from vm.gradient_check import gradcheck
    # at w = b = 0 on balanced labels, ∂loss/∂b = mean(p − y) = 0.5 − 0.5 = 0 exactly
    c = gradcheck(vm.load("logistic_regression"), "loss", "b:grad_b", at_out=[1])
    assert c.evaluations[0].derivatives["b"] == 0 and c.verdicts[0].verdict == "inconclusive here"


@pytest.mark.parametrize("args,message", [
    (["gradient_descent", "--loss", "loss", "--grad", "w"], "write PARAM:GRADREG"),
    (["gradient_descent", "--loss", "loss", "--grad", "w:gradd"], "did you mean 'grad'?"),
    (["gradient_descent", "--loss", "los", "--grad", "w:grad"], "no register 'los'"),
    (["gradient_descent", "--loss", "loss", "--grad", "w:lr"], "never writes 'lr'"),
    (["gradient_descent", "--loss", "loss", "--grad", "w:grad", "--at-out", "999"], "printed 172 values"),
])
def test_gradcheck_bad_input(args, message):
    proc = gdasm("gradcheck", *args)
    assert proc.returncode == 64 and message in proc.stderr


def test_an_op_added_to_the_table_is_differentiable_with_no_other_change(monkeypatch):
    """The engine knows no mnemonic: a new compute op with its partials in the table is differentiated."""
    from types import MappingProxyType
    from vm import isa
    cube = isa.Op("CUBE", "d a", "compute", "d ← a³", "cube", fn=lambda a: a * a * a,
                  notation=isa.Notation("{0}³", isa.POWER, (isa.ATOM,), (False,)),
                  partials=lambda a, r: (3 * a * a,), derivative="3a²")
    monkeypatch.setattr(isa, "OPS", MappingProxyType({**isa.OPS, "CUBE": cube}))
    p = vm.assemble("CUBE y, x\nMUL z, y, 2\n", filename="cube.gdasm")
    [d] = grad(p, "z", "x", registers={"x": 1.5}).derivatives
    assert d.value == 2 * 3 * 1.5 ** 2 and d.agrees  # and the finite difference of real runs agrees


def test_a_fault_before_the_value_is_the_answer():
    proc = gdasm("grad", "-", "y", "--wrt", "x", "--set", "x=0", stdin="DIV y, 1, x\n")
    assert proc.returncode == 70 and "<stdin>:1:1: runtime error: division by zero" in proc.stderr


def test_an_input_overwritten_before_it_is_read_says_so():
    g = grad(vm.assemble(".reg x = 2\nLEN x, xs\nMUL y, x, 3\n.data xs = 1, 2\n"), "y", "x")
    assert g.derivatives[0].value == 0
    assert [w.code for w in g.warnings][:1] == ["grad-overwritten"] and g.warnings[0].span.line == 2


def test_expect_gradient_lines(tmp_path):
    base = vm.catalog.find("seed_step_loss").read_text(encoding="utf-8")
    cases = {"factor.gdasm": ("× -1/2", 0, ""), "match.gdasm": ("", 1, "gradcheck says: grad_avg = −½ × ∂loss/∂w"),
             "bad.gdasm": ("× half", 1, "the factor 'half' is not a number")}
    for name, (factor, code, message) in cases.items():
        text = base.replace("# expect gradient: loss w:grad_avg × -1/2", f"# expect gradient: loss w:grad_avg {factor}")
        (tmp_path / name).write_text(text, encoding="utf-8")
        proc = gdasm("test", name, cwd=tmp_path)
        assert proc.returncode == code and message in proc.stdout, (name, proc.stdout)
    text = vm.catalog.find("gradient_descent").read_text(encoding="utf-8").replace("MUL grad, sum_xe, -2",
                                                                                   "MUL grad, sum_xe, 2")
    (tmp_path / "flipped.gdasm").write_text(text.replace("# expect: w ≈ 2 ± 1e-6", "")
                                            .replace("# expect: iterations = 171", "")
                                            .replace("# expect: loss ≈ 0 ± 1e-12", ""), encoding="utf-8")
    proc = gdasm("test", "flipped.gdasm", cwd=tmp_path)
    assert proc.returncode == 1 and "grad = −∂loss/∂w: wrong sign" in proc.stdout


def test_sqrt_at_zero_is_warned_and_an_index_on_an_input_too():
    g = grad(vm.assemble("SQRT y, x\n"), "y", "x", registers={"x": 0.0})
    assert [w.code for w in g.warnings] == ["grad-kink"] and g.derivatives[0].value == float("inf")
    assert "slope is vertical" in g.warnings[0].message
    p = vm.assemble(".data a = 10, 20, 30\nLOAD v, a, i\nMUL y, v, i\n", filename="idx.gdasm")
    g = grad(p, "y", "i", registers={"i": 1.0})
    assert [w.code for w in g.warnings] == ["grad-index"] and g.warnings[0].span.line == 2
    assert g.derivatives[0].value == 20.0  # through MUL only: the element read is treated as fixed


def test_a_register_never_written_has_nothing_to_differentiate():
    proc = gdasm("grad", "-", "q", "--wrt", "x", "--set", "x=1", stdin="MUL y, x, 2\nADD z, y, q\n")
    assert proc.returncode in (64, 70)
    proc = gdasm("grad", "-", "q", "--wrt", "x", "--set", "x=1", stdin="MUL y, x, 2\nJMP end\nMOV q, 1\nend:\n")
    assert proc.returncode == 64 and "nothing wrote it" in proc.stderr


def test_at_a_step_the_estimate_runs_to_that_same_step():
    [d] = grad(vm.load("gradient_descent"), "loss", "w", at=500).derivatives
    assert d.agrees and d.estimate == pytest.approx(d.value, rel=1e-6)
