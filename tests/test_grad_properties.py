"""Properties of `gdasm grad` over generated programs, against two oracles that share nothing with it:
SymPy's symbolic derivative of the same data flow (exactly equal under --exact), and central differences of
independent runs (`vm.run`)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import vm
from vm.autodiff import grad

sympy = pytest.importorskip("sympy")

INPUTS = ("x0", "x1")
CONSTANTS = ("2", "3", "0.5", "-1.5", "0.25")
RATIONAL_OPS = ("ADD", "SUB", "MUL", "DIV")
ALL_OPS = RATIONAL_OPS + ("NEG", "ABS", "SQRT", "EXP", "LOG")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def straight(draw, ops=RATIONAL_OPS, loop: bool = False):
    """A straight-line program on two inputs (optionally inside a loop of 2 to 4 rounds with a counter that
    depends on no input), and the register whose value to differentiate."""
    values = list(INPUTS)
    body = [".reg x0 = 1", ".reg x1 = 1"]  # both declared, whether or not the data flow reads them
    for k in range(draw(st.integers(1, 7))):
        op = draw(st.sampled_from(ops))
        a = draw(st.sampled_from(values + list(CONSTANTS)))
        dest = f"t{k}"
        if op in RATIONAL_OPS:
            b = draw(st.sampled_from(values + list(CONSTANTS)))
            body.append(f"{op} {dest}, {a}, {b}")
        else:
            body.append(f"{op} {dest}, {a}")
        values.append(dest)
    target = values[-1]
    if target in INPUTS:
        body.append(f"MOV t_end, {target}")
        target = "t_end"
    if not loop:
        return "\n".join(body) + "\n", target, None
    rounds = draw(st.integers(2, 4))
    # each round feeds the last result back into x0's place: a loop whose data flow crosses rounds
    text = [*body[:2], "MOV i, 0", "loop:", *body[2:], f"MOV x0, {target}", "ADD i, 1", f"JLT i, {rounds}, loop"]
    return "\n".join(text) + "\n", target, rounds


def symbolic(text: str, x0, x1):
    """Run the program's data flow on SymPy values (the straight-line part; loops unrolled by running it)."""
    env = {"x0": x0, "x1": x1}

    def val(o):
        return env[o] if o in env else sympy.Rational(o)

    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.startswith(".reg")]
    pc = 0
    while pc < len(lines):
        line = lines[pc]
        pc += 1
        if line.endswith(":"):
            continue
        op, _, rest = line.partition(" ")
        args = [a.strip() for a in rest.split(",")]
        if op == "JLT":
            if val(args[0]) < val(args[1]):
                pc = lines.index(f"{args[2]}:") + 1
            continue
        f = {"ADD": lambda a, b: a + b, "SUB": lambda a, b: a - b, "MUL": lambda a, b: a * b,
             "DIV": lambda a, b: a / b, "NEG": lambda a: -a, "ABS": sympy.Abs, "SQRT": sympy.sqrt,
             "EXP": sympy.exp, "LOG": sympy.log, "MOV": lambda a: a}[op]
        env[args[0]] = f(*(val(a) for a in args[1:]))
    return env


def run_value(text: str, target: str, **inputs):
    return vm.run(vm.assemble(text), registers=inputs).registers[target]


@SETTINGS
@given(straight(), st.sampled_from(["3/2", "-2/3", "5/4"]), st.sampled_from(["1/3", "7/5", "-3/2"]))
def test_exact_derivative_equals_sympy(program, a, b):
    text, target, _ = program
    try:
        g = grad(vm.assemble(text), target, "x0,x1", registers={"x0": a, "x1": b}, exact=True, estimate=False)
    except vm.RuntimeFault:
        assume(False)  # division by zero on the way: nothing to differentiate
    x0, x1 = sympy.symbols("x0 x1")
    expr = symbolic(text, x0, x1)[target]
    at = {x0: sympy.Rational(a), x1: sympy.Rational(b)}
    for d, x in zip(g.derivatives, (x0, x1)):
        expected = sympy.diff(expr, x).subs(at)
        assert isinstance(d.value, Fraction)
        assert sympy.Rational(d.value.numerator, d.value.denominator) == sympy.nsimplify(expected), text


def _central(text: str, target: str, x: float, y: float, h: float) -> float:
    return (run_value(text, target, x0=x + h, x1=y) - run_value(text, target, x0=x - h, x1=y)) / (2 * h)


@SETTINGS
@given(st.one_of(straight(ALL_OPS), straight(RATIONAL_OPS, loop=True)),
       st.floats(0.6, 1.8), st.floats(0.6, 1.8))
def test_float_derivative_agrees_with_central_differences(program, x, y):
    """|d − e| ≤ 10⁻⁵·max(1, |d|): central differences with h = ∛ε·max(1,|x|) are accurate to about ε^(2/3)
    relative on smooth functions; where two step sizes (h, h/2) disagree with each other by more than the
    tolerance the estimate itself is unreliable (a pole, a kink nearby) and the example is skipped."""
    text, target, _ = program
    try:
        g = grad(vm.assemble(text), target, "x0", registers={"x0": x, "x1": y}, estimate=False)
        h = 6.0554544523933395e-06 * max(1.0, abs(x))
        e1, e2 = _central(text, target, x, y, h), _central(text, target, x, y, h / 2)
    except (vm.RuntimeFault, OverflowError):
        assume(False)
    d = g.derivatives[0].value
    tol = 1e-5 * max(1.0, abs(d), abs(e1))
    assume(abs(e1 - e2) <= tol / 10 and abs(d) < 1e12)
    assume(not any(w.code == "grad-kink" for w in g.warnings))
    assert abs(d - e1) <= tol, (text, d, e1)
