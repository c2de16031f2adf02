"""Every bundled program against the independent NumPy reference (tests/reference.py), on generated data.

Tolerances. The machine and NumPy do the same IEEE-754 operations element by element (y − w·x is
computed in the same order by both), but they add up differently: the machine left to right, NumPy's
np.sum/np.mean pairwise. A sum of n terms computed either way is within n·2⁻⁵³·Σ|terms| of the exact sum,
so a result is compared with rtol 1e-9 relative to the larger of |result| and Σ|terms| — for a sum of
positive terms (a loss) that is plain rtol 1e-9; for a signed sum (a gradient), whose exact value can
cancel to near zero, the scale is the sum of the magnitudes. Where an ulp of error is amplified by the
mathematics (ln(1 − p) when p is near 1), the bound says so and adds that amplification.

Loops. Both sides follow the same stopping rule, so they stop after the same number of iterations —
except when ‖gradient‖ lands within rounding of tol at some iteration: there the two sums may fall on
different sides of tol and the iteration counts differ by one. The test allows exactly that case, checks
that the gradient norm really was that close to tol, and then compares parameters after the same number
of steps.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import vm
import reference as ref
from reference import ReferenceFault

from conftest import ROOT

EPS = 2.0 ** -53
PROGRAMS = {p.stem: vm.assemble(p.read_bytes(), p.name) for p in (ROOT / "programs").glob("*.gdasm")}
SEED_X, SEED_Y = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0]

number = st.floats(min_value=-50, max_value=50, allow_nan=False, allow_infinity=False, width=64)
small_int = st.integers(-20, 20).map(float)
value = st.one_of(number, small_int)  # fractional and whole values, negative and positive
CHECKS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def datasets(draw, min_size=1, max_size=50):
    n = draw(st.integers(min_size, max_size))
    return draw(st.lists(value, min_size=n, max_size=n)), draw(st.lists(value, min_size=n, max_size=n))


def close(got: float, want: float, scale: float = 0.0, rtol: float = 1e-9) -> bool:
    return abs(got - want) <= rtol * max(abs(want), abs(got), scale)


def run(name: str, registers=None, arrays=None, max_steps=50_000_000):
    return vm.run(PROGRAMS[name], registers=registers or {}, arrays=arrays or {}, max_steps=max_steps)


def assert_same_fault(fault: ReferenceFault, name: str, regs: dict, x, y) -> None:
    """Where the reference has no finite answer, the machine faults too, for one of the same reasons."""
    message = fault_message(name, registers=regs, arrays={"x": x, "y": y})
    assert any(kind in message for kind in fault.kinds), (message, fault.kinds)


def fault_message(name: str, **kw) -> str:
    with pytest.raises(vm.RuntimeFault) as e:
        run(name, **kw)
    return e.value.diagnostic.message


def grad_scale(x, y, w, b=0.0) -> float:
    """Σ|terms| of the gradient's sums, times 2/n: the size rounding is relative to."""
    x, y = np.asarray(x), np.asarray(y)
    r = y - (w * x + b)
    return 2.0 / len(x) * max(np.sum(np.abs(x * r)), np.sum(np.abs(r)))


# --- the seed's programs -------------------------------------------------------------

@CHECKS
@given(y_true=value, y_pred=value)
def test_absolute_loss(y_true, y_pred):
    result = run("absolute_loss", registers={"y_true": y_true, "y_pred": y_pred})
    assert result.registers["loss"] == ref.absolute_loss(y_true, y_pred)  # one SUB and one ABS: exact


def test_gradient_step_is_the_seed_step():
    got = run("gradient_step").registers
    want = ref.seed_step(SEED_X, SEED_Y, w=0.0, lr=0.01)
    for k in ("grad_total", "grad_avg", "delta_w", "w"):
        assert close(got[k], want[k]), k


SEED_SOURCE = (ROOT / "programs" / "gradient_step.gdasm").read_text(encoding="utf-8")


def seed_listing_with(x, y) -> str:
    """gradient_step.gdasm itself, with its unrolled data points (y_k in `SUB error_k, y_k, 0*x_k`, x_k in
    `MUL grad_k, error_k, x_k`) replaced by others."""
    text, found = SEED_SOURCE, 0
    for k in range(3):
        text, n1 = re.subn(rf"SUB error{k + 1}, \d+, 0\*\d+", f"SUB error{k + 1}, {y[k]!r}, 0*{x[k]!r}", text)
        text, n2 = re.subn(rf"MUL grad{k + 1}, error{k + 1}, \d+", f"MUL grad{k + 1}, error{k + 1}, {x[k]!r}", text)
        found += n1 + n2
    assert found == 6, "gradient_step.gdasm no longer has the seed's six data-carrying lines"
    return text


@CHECKS
@given(datasets(3, 3))
def test_the_seed_listing_shape_on_other_data(data):
    """gradient_step.gdasm has its data unrolled; the same listing with other numbers agrees with the reference."""
    x, y = data
    got = vm.run(vm.assemble(seed_listing_with(x, y))).registers
    want = ref.seed_step(x, y, w=0.0, lr=0.01)
    scale = float(np.sum(np.abs(np.asarray(x) * np.asarray(y))))
    assert close(got["grad_total"], want["grad_total"], scale)
    assert close(got["grad_avg"], want["grad_avg"], scale / 3)
    assert close(got["w"], want["w"], scale / 300)


def test_seed_gradient_is_minus_half_the_mse_gradient():
    seed = ref.seed_step(SEED_X, SEED_Y)["grad_avg"]
    _, grad = ref.mse_loss_and_gradient(SEED_X, SEED_Y, 0.0)
    assert close(seed, 28 / 3) and close(grad[0], -56 / 3) and close(seed, -0.5 * grad[0])
    assert run("mse_gradient_step").registers["grad"] == pytest.approx(-2 * run("gradient_step").registers["grad_avg"])


# --- MSE and one true gradient step --------------------------------------------------

@CHECKS
@given(datasets(), value)
def test_mse_loss(data, w):
    x, y = data
    got = run("mse_loss", registers={"w": w}, arrays={"x": x, "y": y}).registers["loss"]
    assert close(got, ref.mse(x, y, w))  # a mean of squares: positive terms, plain rtol


@CHECKS
@given(datasets(), value, st.floats(0, 1, allow_nan=False))
def test_mse_gradient_step(data, w, lr):
    x, y = data
    got = run("mse_gradient_step", registers={"w": w, "lr": lr}, arrays={"x": x, "y": y}).registers
    want = ref.mse_gradient_step(x, y, w, lr)
    scale = grad_scale(x, y, w)
    assert close(got["loss"], want["loss"])
    assert close(got["grad"], want["grad"], scale)
    assert close(got["w"], want["w"], abs(w) + lr * scale)


@pytest.mark.parametrize("name", ["mse_loss", "mse_gradient_step", "gradient_descent", "linear_regression",
                                  "logistic_regression"])
def test_different_lengths_and_empty_data_fault(name):
    for x, y in ([1, 2, 3], [1, 2]), ([1], [1, 2, 3]):
        with pytest.raises(ReferenceFault):
            ref.mse(x, y, 0.0)
        assert "out of range" in fault_message(name, arrays={"x": x, "y": y})
    with pytest.raises(ReferenceFault):
        ref.mse([], [], 0.0)
    assert "division by zero" in fault_message(name, arrays={"x": [], "y": []})


@CHECKS
@given(datasets(1, 10), st.integers(1, 5))
def test_lengths_that_differ_always_fault(data, extra):
    x, y = data
    y = y + [1.0] * extra
    assert "out of range for array 'x'" in fault_message("mse_gradient_step", arrays={"x": x, "y": y})


# --- loops ---------------------------------------------------------------------------

def compare_descent(name, got_result, want: ref.Descent, params: list[str], redo):
    """Same stop (or a documented off-by-one at the tol boundary), same parameters, same losses."""
    got = got_result.registers
    it_got = int(got["iterations"])
    assert len(got_result.output) == it_got + 1  # one OUT loss per evaluation
    if it_got != want.iterations:
        assert abs(it_got - want.iterations) == 1, (it_got, want.iterations)
        # Only a gradient norm within rounding of tol may stop one side and not the other.
        boundary = redo(min(it_got, want.iterations))
        tol = got["tol"]
        assert abs(ref._norm(boundary.grad) - tol) <= 1e-6 * tol + 1e-12
        want = redo(it_got)
    for k, p in zip(params, want.params):
        assert close(got[k], p, 1e-3), (k, got[k], p)
    assert close(got["loss"], want.loss, 1e-12)


@st.composite
def descent_inputs(draw, two_params: bool):
    x, y = draw(datasets(1, 50))
    mean_sq = float(np.mean(np.square(x)))
    curvature = 2.0 * (mean_sq + (1.0 if two_params else 0.0))  # ≥ the Hessian's largest eigenvalue
    lr = draw(st.floats(0.05, 1.9)) / max(curvature, 1e-3)
    tol = draw(st.sampled_from([1e-3, 1e-5, 1e-7])) * draw(st.floats(1, 10))
    return x, y, draw(value), draw(value), lr, tol, draw(st.integers(0, 60))


@CHECKS
@given(descent_inputs(two_params=False))
def test_gradient_descent(inputs):
    x, y, w, _, lr, tol, max_iter = inputs
    regs = {"w": w, "lr": lr, "tol": tol, "max_iter": max_iter}
    got = run("gradient_descent", registers=regs, arrays={"x": x, "y": y})
    want = ref.gradient_descent(x, y, w, lr, tol, max_iter)
    compare_descent("gradient_descent", got, want, ["w"],
                    lambda k: ref.gradient_descent(x, y, w, lr, tol, k))
    for g, l in zip(got.output, want.losses):
        assert close(g, l, 1e-12)


@CHECKS
@given(descent_inputs(two_params=True))
def test_linear_regression(inputs):
    x, y, w, b, lr, tol, max_iter = inputs
    regs = {"w": w, "b": b, "lr": lr, "tol": tol, "max_iter": max_iter}
    got = run("linear_regression", registers=regs, arrays={"x": x, "y": y})
    want = ref.linear_regression(x, y, w, b, lr, tol, max_iter)
    compare_descent("linear_regression", got, want, ["w", "b"],
                    lambda k: ref.linear_regression(x, y, w, b, lr, tol, k))
    scale = grad_scale(x, y, got.registers["w"], got.registers["b"])
    _, g = ref.mse_loss_and_gradient(x, y, got.registers["w"], got.registers["b"])
    assert close(got.registers["grad_w"], g[0], scale) and close(got.registers["grad_b"], g[1], scale)


def logistic_slack(x, w, b) -> float:
    """exp may differ by an ulp between libm and NumPy; ln p and ln(1 − p) amplify that by 1/p and 1/(1 − p)."""
    p = 1 / (1 + np.exp(-(w * np.asarray(x) + b)))
    return 8 * EPS * float(np.max(1 / np.minimum(p, 1 - p)))


labels = st.lists(st.sampled_from([0.0, 1.0]), min_size=1, max_size=50)


@CHECKS
@given(st.data())
def test_logistic_regression(data):
    y = data.draw(labels)
    x = data.draw(st.lists(st.floats(-4, 4, allow_nan=False), min_size=len(y), max_size=len(y)))
    w, b = data.draw(st.floats(-3, 3)), data.draw(st.floats(-3, 3))
    lr = data.draw(st.floats(0.05, 3.0)) / (float(np.mean(np.square(x))) + 1.0)
    tol, max_iter = data.draw(st.sampled_from([1e-3, 1e-5])), data.draw(st.integers(0, 60))
    regs = {"w": w, "b": b, "lr": lr, "tol": tol, "max_iter": max_iter}
    try:
        want = ref.logistic_regression(x, y, w, b, lr, tol, max_iter)
    except ReferenceFault as fault:
        assert_same_fault(fault, "logistic_regression", regs, x, y)
        return
    got = run("logistic_regression", registers=regs, arrays={"x": x, "y": y})
    slack = logistic_slack(x, got.registers["w"], got.registers["b"])
    it_got = int(got.registers["iterations"])
    if it_got != want.iterations:
        # Only a gradient norm within rounding of tol may stop one side and not the other (as in compare_descent).
        assert abs(it_got - want.iterations) == 1, (it_got, want.iterations)
        boundary = ref.logistic_regression(x, y, w, b, lr, tol, min(it_got, want.iterations))
        assert abs(ref._norm(boundary.grad) - tol) <= 1e-6 * tol + slack
        want = ref.logistic_regression(x, y, w, b, lr, tol, it_got)
    for k, v in zip(("w", "b"), want.params):
        assert abs(got.registers[k] - v) <= 1e-9 * max(abs(v), 1.0) + slack * abs(lr) * (it_got + 1)
    loss, g = ref.logistic_loss_and_gradient(x, y, got.registers["w"], got.registers["b"])
    assert abs(got.registers["loss"] - loss) <= 1e-9 * max(loss, 1.0) + slack
    assert abs(got.registers["grad_w"] - g[0]) <= 1e-9 * 4 + slack
    assert abs(got.registers["grad_b"] - g[1]) <= 1e-9 + slack


# --- what must fault -----------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(datasets(1, 12), st.floats(1.2, 20))
def test_too_large_a_learning_rate_overflows(data, factor):
    x, y = data
    curvature = 2.0 * float(np.mean(np.square(x)))
    assume(curvature > 0.1)
    best = float(np.dot(x, y) / np.dot(x, x))
    assume(abs(best - 0.5) > 1e-3)  # start away from the minimum, so there is a distance to amplify
    lr = factor * 2.0 / curvature  # |1 − lr·curvature| ≥ 1.4: every step multiplies the distance by that
    regs = {"w": 0.5, "lr": lr, "tol": 0.0, "max_iter": 100_000}  # 1.4^2200 · 1e-3 > 1e308: overflow first
    with pytest.raises(ReferenceFault) as e:
        ref.gradient_descent(x, y, 0.5, lr, 0.0, 100_000)
    assert e.value.kinds == {"overflow"}
    assert "overflow" in fault_message("gradient_descent", registers=regs, arrays={"x": x, "y": y})


def test_seed_with_lr_one_overflows_and_says_where():
    with pytest.raises(vm.RuntimeFault) as e:
        run("gradient_descent", registers={"lr": 1.0})
    d = e.value.diagnostic
    assert "overflow" in d.message and "learning rate" in d.hint
    assert d.filename == "gradient_descent.gdasm" and d.span.line > 0 and d.source_line.strip()
    with pytest.raises(ReferenceFault):
        ref.gradient_descent(SEED_X, SEED_Y, 0.0, 1.0)


def test_log_of_zero_faults_in_both():
    # z = 40: p rounds to exactly 1.0, so ln(1 − p) = ln 0.
    regs = {"w": 40.0, "b": 0.0}
    assert "logarithm of zero" in fault_message("logistic_regression", registers=regs,
                                                arrays={"x": [1.0], "y": [1.0]})
    with pytest.raises(ReferenceFault) as e:
        ref.logistic_regression([1.0], [1.0], 40.0, 0.0)
    assert e.value.kinds == {"logarithm of zero"}


def test_default_runs_match_the_reference():
    got = run("gradient_descent").registers
    want = ref.gradient_descent(SEED_X, SEED_Y)
    assert got["iterations"] == want.iterations == 171 and close(got["w"], want.params[0]) and abs(got["w"] - 2) < 1e-6
    for name, fn in (("linear_regression", ref.linear_regression), ("logistic_regression", ref.logistic_regression)):
        p = PROGRAMS[name]
        x, y = [i.values for i in p.array_inputs]
        got = run(name).registers
        want = fn(list(x), list(y))
        assert got["iterations"] == want.iterations
        assert close(got["w"], want.params[0]) and close(got["b"], want.params[1])


@pytest.mark.parametrize("name", ["gradient_descent", "linear_regression", "logistic_regression"])
def test_stopping_rule_is_strictly_less_than_tol(name):
    """‖gradient‖ equal to tol does not stop the loop: `<`, as the rule says (not `≤`)."""
    first = run(name, registers={"max_iter": 0})
    assert first.registers["iterations"] == 0 and len(first.output) == 1
    regs = first.registers
    norm = abs(regs["grad"]) if "grad" in regs else regs["norm"]
    if name == "gradient_descent":
        assert norm == abs(ref.gradient_descent(SEED_X, SEED_Y, max_iter=0).grad[0])
    at_tol = run(name, registers={"max_iter": 1, "tol": norm})
    assert at_tol.registers["iterations"] == 1
    above = run(name, registers={"max_iter": 1, "tol": math.nextafter(norm, math.inf)})
    assert above.registers["iterations"] == 0


@CHECKS
@given(st.data())
def test_logistic_with_extreme_parameters_faults_like_the_reference(data):
    """Large |w·x + b| makes e^(−z) overflow or p round to exactly 0 or 1 (ln 0): both sides must agree."""
    y = data.draw(labels)
    x = data.draw(st.lists(st.floats(-10, 10, allow_nan=False), min_size=len(y), max_size=len(y)))
    w, b = data.draw(st.floats(-300, 300)), data.draw(st.floats(-50, 50))
    regs = {"w": w, "b": b, "max_iter": 0}
    try:
        loss, _ = ref.logistic_loss_and_gradient(x, y, w, b)
    except ReferenceFault as fault:
        assert_same_fault(fault, "logistic_regression", regs, x, y)
        return
    got = run("logistic_regression", registers=regs, arrays={"x": x, "y": y})
    assert got.registers["iterations"] == 0
    slack = logistic_slack(x, w, b)
    assert abs(got.registers["loss"] - loss) <= 1e-9 * max(loss, 1.0) + slack
