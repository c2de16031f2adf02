"""`gdasm gradcheck`: does a program's own gradient register hold the derivative of its own loss?

At each evaluation — an `OUT` (the bundled loop rule prints the loss right after computing loss and gradient),
or the end of a program that prints nothing — the loss is differentiated by reverse mode (`autodiff.py`) with
respect to the value the parameter held when that loss was written, and compared with the program's own
register. The verdict names the relation when there is one: matches, wrong sign, off by a factor.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Optional, Sequence

from .errors import RuntimeFault, UsageError
from .autodiff import CONSTANT, _backward, _Recorder, parse_inputs
from .i18n import tr
from .ir import UNSET, Program
from .machine import DEFAULT_MAX_STEPS, Machine
from .render import safe
from .suggest import did_you_mean

# Two numbers agree when |a − b| ≤ REL·max(|a|, |b|) + ABS: both come from a few dozen float operations on the
# same values, so they differ by rounding, far below 1e-9 of their size; ABS lets exact zeros and values at the
# underflow scale agree.
REL, ABS = 1e-9, 1e-300
MAX_DENOMINATOR = 12  # a factor is shown as p/q when it is one with q ≤ 12 (−1/2, 2/3)


@dataclass(frozen=True)
class Evaluation:
    """One place the check looks: the loss there, and per parameter the program's value and the derivative."""
    out: Optional[int]  # the K-th OUT (None: the end of the run)
    step: int
    loss: object
    values: dict  # gradient register -> the program's value
    derivatives: dict  # parameter -> ∂loss/∂parameter


@dataclass(frozen=True)
class Verdict:
    """What the program's gradient register is, over the evaluations checked."""
    param: str
    register: str
    verdict: str  # "matches", "wrong sign", "off by a factor", "does not match", "inconclusive here"
    factor: Optional[object]  # the factor (a Fraction when a simple one) for "off by a factor"
    text: str  # the relation, as a line: grad_avg = −1/2 × ∂loss/∂w


@dataclass(frozen=True)
class Check:
    loss: str
    evaluations: tuple
    verdicts: tuple
    fault: Optional[RuntimeFault] = None  # a fault after the evaluations checked (a diverging run): kept

    @property
    def ok(self) -> bool:
        return all(v.verdict == "matches" for v in self.verdicts)


def _close(a, b) -> bool:
    return abs(a - b) <= REL * max(abs(a), abs(b)) + ABS


def _fraction(c: float) -> object:
    """c as p/q with a small q when it is one, else c."""
    f = Fraction(c).limit_denominator(MAX_DENOMINATOR)
    return f if _close(float(f), c) else c


def _factor_text(c) -> str:
    if isinstance(c, Fraction):
        if c.denominator == 1:
            return str(c.numerator)
        halves = {Fraction(1, 2): "½", Fraction(-1, 2): "−½"}
        return halves.get(c, f"{'−' if c < 0 else ''}{abs(c.numerator)}/{c.denominator}")
    return repr(c)


def _verdict(param: str, register: str, loss: str, evals: list) -> Verdict:
    pairs = [(float(e.values[register]), float(e.derivatives[param])) for e in evals]
    rel = f"∂{loss}/∂{param}"
    if all(d == 0 for _, d in pairs):
        return Verdict(param, register, "inconclusive here", None,
                       tr("{register}: inconclusive here: {rel} is 0 at every evaluation checked, so no factor or "
                          "sign shows (check at other inputs with --set)", register=register, rel=rel))
    if all(_close(g, d) for g, d in pairs):
        return Verdict(param, register, "matches", Fraction(1), tr("{register} = {rel}: matches", register=register,
                                                                     rel=rel))
    if all(_close(g, -d) for g, d in pairs):
        return Verdict(param, register, "wrong sign", Fraction(-1), tr("{register} = −{rel}: wrong sign",
                                                                        register=register, rel=rel))
    ratios = [g / d for g, d in pairs if d != 0]
    if all(_close(r, ratios[0]) for r in ratios) and all(_close(g, 0) for g, d in pairs if d == 0):
        c = _fraction(ratios[0])
        return Verdict(param, register, "off by a factor", c, f"{register} = {_factor_text(c)} × {rel}")
    return Verdict(param, register, "does not match", None, tr("{register} ≠ {rel}: does not match",
                                                                register=register, rel=rel))


def gradcheck(program: Program, loss: str, grads, registers=None, arrays=None, max_steps: int = DEFAULT_MAX_STEPS,
              at_out: Optional[Sequence[int]] = None) -> Check:
    """Check each PARAM:GRADREG pair of `grads` at the program's evaluations (default the first three OUTs and
    the last; the end of the run for a program that prints nothing)."""
    if isinstance(grads, str):
        grads = grads.split(",")
    pairs = []
    for item in grads:
        param, sep, register = str(item).partition(":")
        param, register = param.strip(), register.strip()
        if not sep or not param or not register:
            raise UsageError(tr("--grad {item}: write PARAM:GRADREG, e.g. --grad w:grad", item=safe(str(item))))
        for name, what in ((param, "parameter"), (register, tr("gradient register"))):
            if program.register_slot(name) is None:
                close = did_you_mean(name, list(program.registers))
                raise UsageError(tr("--grad {item}: no {what} '{name}' in this program",
                                    item=safe(str(item)), what=what, name=safe(name))
                                 + (tr("; {suggestion}", suggestion=close) if close else ""))
        if not any(ins.dest is not None and ins.dest.name == register for ins in program.instructions):
            raise UsageError(tr("--grad {item}: the program never writes '{register}'",
                                item=safe(str(item)), register=safe(register)))
        pairs.append((param, register))
    if program.register_slot(loss) is None:
        close = did_you_mean(loss, list(program.registers))
        raise UsageError(tr("--loss {loss}: no register '{loss}' in this program",
                            loss=safe(loss)) + (tr("; {suggestion}", suggestion=close) if close else ""))
    m = Machine(program, registers, arrays, max_steps)
    inputs = parse_inputs(program, [p for p, _ in pairs], m.arrays)
    lslot = program.register_slot(loss)
    rec = _Recorder(m, inputs, cuts={program.register_slot(p): p for p, _ in pairs}, watch=lslot)
    points = []  # (out, step, loss node, {param slot: node}, {register: value}, loss value)

    def here(out):
        if not rec.watched:
            raise UsageError(tr("--loss {loss}: the program has not written '{loss}' by its OUT number {out}",
                                loss=safe(loss), out=out) if out else
                             tr("--loss {loss}: the program has not written '{loss}' by the end of the run",
                                loss=safe(loss)))
        node, _, cut = rec.watched[-1]
        points.append((out, m.steps, node, cut, {r: m.regs[program.register_slot(r)] for _, r in pairs},
                       m.regs[lslot]))

    printed, fault = 0, None
    try:
        while rec.step():
            if len(m.output) > printed:
                printed = len(m.output)
                here(printed)
    except RuntimeFault as err:  # a wrong gradient often diverges: the evaluations before it still tell why
        if not points:
            raise
        fault = err
    if not points:
        here(None)
    # After a fault the last evaluations are those of a run blowing up, where rounding swamps any comparison
    # (1 − p with p within an ulp of 1): by default the check then looks at the first three only.
    chosen = _choose(points, at_out, last=fault is None)
    evals = []
    for out, step, node, cut, values, value in chosen:
        adj = _backward(rec.nodes, node, program, 1.0)
        derivs = {}
        for param, register in pairs:
            k = cut.get(program.register_slot(param), CONSTANT)
            derivs[param] = adj[k] if k != CONSTANT and adj[k] is not None else 0.0
            if values[register] is UNSET:
                raise UsageError(tr("--grad {param}:{register}: '{register2}' is not set at ",
                                    param=param, register=register, register2=safe(register))
                                 + (tr("OUT number {out}", out=out) if out else "the end of the run"))
        evals.append(Evaluation(out, step, value, values, derivs))
    verdicts = tuple(_verdict(p, r, loss, evals) for p, r in pairs)
    return Check(loss, tuple(evals), verdicts, fault)


def _choose(points: list, at_out, last: bool = True) -> list:
    if at_out:
        by_out = {p[0]: p for p in points}
        missing = [k for k in at_out if k not in by_out]
        if missing:
            raise UsageError(tr("--at-out {missing}: the program printed {points} values",
                                missing=missing[0], points=len(points)))
        return [by_out[k] for k in at_out]
    keep = sorted(set(range(min(3, len(points)))) | ({len(points) - 1} if last else set()))
    return [points[k] for k in keep]
