"""Expectations written in a program's comments, and checking a run against them.

    # expect: w = 0.09333333333333334      exact value of a register (or x[2] for an array element)
    # expect: w ≈ 2 ± 1e-6                 within an absolute tolerance (ASCII: w ~ 2 +- 1e-6)
    # expect output: 1.0, 0.5              the whole OUT output, in order
    # expect fault: zero                   a runtime fault whose message contains the text
    # expect error: unknown mnemonic       an assembly error whose message contains the text
    # expect steps: 12                     the number of steps executed
    # expect status: halted                halted, finished or fault
    # run: --set lr=1.0                    the options to run with, as for `gdasm run`

`fault` and `error` accept a place after the text: `# expect fault: zero @ 12:5` (line:column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

from .errors import AssemblyError, GdasmError, RuntimeFault
from .render import value as render_value

_LINE = re.compile(r"^\s*[#;]\s*(expect(?:\s+(?P<kind>[a-z]+))?|run)\s*:\s*(?P<body>.*?)\s*$", re.IGNORECASE)
_TARGET = r"(?P<name>[A-Za-z_]\w*)(?:\[(?P<index>\d+)\])?"
_EXACT = re.compile(_TARGET + r"\s*=\s*(?P<value>\S+)$")
_CLOSE = re.compile(_TARGET + r"\s*(?:≈|~)\s*(?P<value>\S+)\s*(?:±|\+-)\s*(?P<tol>\S+)$")
_PLACE = re.compile(r"^(?P<text>.*?)\s*@\s*(?P<line>\d+)(?::(?P<col>\d+))?$")
KINDS = ("", "output", "fault", "error", "steps", "status")


@dataclass(frozen=True)
class Expectation:
    """One `# expect` line."""

    kind: str
    body: str
    line: int


@dataclass
class Spec:
    """Everything a file's comments ask of its run."""

    expectations: list
    options: list  # words of `# run:` lines
    problems: list  # malformed expectation lines


def parse(text: str) -> Spec:
    """Find the `# expect` and `# run` lines of a program."""
    import shlex
    spec = Spec([], [], [])
    for n, line in enumerate(text.split("\n"), 1):
        m = _LINE.match(line)
        if not m:
            continue
        head = m.group(1).lower()
        body = m.group("body")
        if head == "run":
            try:
                spec.options += shlex.split(body)
            except ValueError as e:
                spec.problems.append(f"line {n}: cannot read '# run:' options: {e}")
            continue
        kind = (m.group("kind") or "").lower()
        if kind not in KINDS:
            spec.problems.append(f"line {n}: unknown expectation 'expect {kind}'")
            continue
        spec.expectations.append(Expectation(kind, body, n))
    return spec


def _number(text: str, exact: bool):
    text = text.strip()
    if exact and re.fullmatch(r"-?\d+/\d+", text):
        return Fraction(text)
    return Fraction(text) if exact else float(text)


def _place_matches(diag, line: Optional[str], col: Optional[str]) -> bool:
    if line is None:
        return True
    if diag.span is None or diag.span.line != int(line):
        return False
    return col is None or diag.span.column == int(col)


def check(spec: Spec, result=None, error: Optional[GdasmError] = None, exact: bool = False) -> list[str]:
    """Every way the run differs from the expectations, as lines of text (empty: all hold)."""
    failures = list(spec.problems)
    if not spec.expectations:
        return failures + ["no expectations"]
    kinds = {e.kind for e in spec.expectations}
    if error is not None and not (isinstance(error, RuntimeFault) and "fault" in kinds) \
            and not (isinstance(error, AssemblyError) and "error" in kinds):
        first = error.diagnostics[0]
        where = f"{first.span.line}:{first.span.column}: " if first.span else ""
        return failures + [f"unexpected {first.severity}: {where}{first.message}"]
    for e in spec.expectations:
        try:
            problem = _check_one(e, result, error, exact)
        except (ValueError, ZeroDivisionError) as exc:
            problem = f"cannot read this expectation ({exc})"
        if problem:
            failures.append(f"line {e.line}: {problem}")
    return failures


def _check_one(e: Expectation, result, error, exact: bool) -> Optional[str]:
    if e.kind in ("fault", "error"):
        want = RuntimeFault if e.kind == "fault" else AssemblyError
        m = _PLACE.match(e.body)
        text, line, col = (m.group("text"), m.group("line"), m.group("col")) if m else (e.body, None, None)
        if not isinstance(error, want):
            return f"expected {'a fault' if e.kind == 'fault' else 'an assembly error'} containing '{text}', " \
                   f"but the program {'ran without one' if error is None else 'failed otherwise'}"
        diags = [d for d in error.diagnostics if d.severity != "warning"]
        for d in diags:
            if text.lower() in d.message.lower() and _place_matches(d, line, col):
                return None
        got = "; ".join(f"{d.span.line}:{d.span.column}: {d.message}" if d.span else d.message for d in diags)
        return f"expected {e.kind} '{e.body}', got: {got}"
    if e.kind == "status":
        got = "fault" if isinstance(error, RuntimeFault) else (result.status if result else "error")
        return None if got == e.body.strip().lower() else f"expected status {e.body}, got {got}"
    if isinstance(error, AssemblyError):
        return "the program does not assemble"
    if result is None:
        return f"no result to check '{e.body}' against (the run faulted)"
    if e.kind == "steps":
        want = int(e.body)
        return None if result.steps == want else f"expected {want} steps, got {result.steps}"
    if e.kind == "output":
        want = [_number(t, exact) for t in e.body.split(",")] if e.body.strip() else []
        got = list(result.output)
        if got == want:
            return None
        shown = ", ".join(render_value(v) for v in got[:10]) + (", …" if len(got) > 10 else "")
        return f"expected output {e.body}, got {shown or 'nothing'} ({len(got)} values)"
    m = _CLOSE.match(e.body) or _EXACT.match(e.body)
    if not m:
        return f"cannot read '{e.body}' (write NAME = VALUE or NAME ≈ VALUE ± TOLERANCE)"
    name, index = m.group("name"), m.group("index")
    if index is not None:
        if name not in result.arrays:
            return f"no array '{name}'"
        arr = result.arrays[name]
        if int(index) >= len(arr):
            return f"{name}[{index}] is out of range (length {len(arr)})"
        got, label = arr[int(index)], f"{name}[{index}]"
    else:
        if name not in result.registers:
            return f"register '{name}' was never written"
        got, label = result.registers[name], name
    want = _number(m.group("value"), exact)
    if "tol" in m.groupdict() and m.group("tol") is not None:
        tol = float(m.group("tol"))
        if abs(got - want) <= tol:
            return None
        return f"{label} = {render_value(got)}, not within {m.group('tol')} of {m.group('value')}"
    if got == want:
        return None
    return f"{label} = {render_value(got)}, expected {m.group('value')}"
