"""Expectations written in a program's comments, checking a run against them, and `gdasm test`.

    # expect: w = 0.09333333333333334      exact value of a register (or x[2] for an array element)
    # expect: w ≈ 2 ± 1e-6                 within an absolute tolerance (ASCII: w ~ 2 +- 1e-6)
    # expect output: 1.0, 0.5              the whole OUT output, in order
    # expect fault: division-by-zero       a runtime fault with this code, or whose message contains the text
    # expect error: unknown-mnemonic       an assembly error with this code, or whose message contains the text
    # expect steps: 12                     the number of steps executed
    # expect status: halted                halted, finished or fault
    # run: --set lr=1.0                    the options to run with, as for `gdasm run`

`fault` and `error` accept a place after the text: `# expect fault: zero @ 12:5` (line:column). A file's
lines are read as the assembler reads them (UTF-8, a byte-order mark dropped, LF, CRLF or CR line ends).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from . import datafile, render, report, source
from .assembler import assemble
from .errors import AssemblyError, GdasmError, InputFileError, RuntimeFault, UsageError
from .inputs import ArgParser, add_run_options, find_program, make_machine
from .numbers import NumberError, to_number

_LINE = re.compile(r"^\s*[#;]\s*(expect(?:\s+(?P<kind>[a-z]+))?|run)\s*:\s*(?P<body>.*?)\s*$", re.IGNORECASE)
_TARGET = r"(?P<name>[^\W\d]\w*)(?:\[(?P<index>[0-9]{1,15})\])?"
_EXACT = re.compile(_TARGET + r"\s*=\s*(?P<value>\S+)$")
_CLOSE = re.compile(_TARGET + r"\s*(?:≈|~)\s*(?P<value>\S+)\s*(?:±|\+-)\s*(?P<tol>\S+)$")
_PLACE = re.compile(r"^(?P<text>.*?)\s*@\s*(?P<line>[0-9]{1,15})(?::(?P<col>[0-9]{1,15}))?$")
KINDS = ("", "output", "fault", "error", "steps", "status")
STATUSES = ("halted", "finished", "fault")


@dataclass(frozen=True)
class Expectation:
    """One `# expect` line."""

    kind: str
    body: str
    line: int


@dataclass
class Spec:
    """Everything a file's comments ask of its run."""

    expectations: list = field(default_factory=list)
    options: list = field(default_factory=list)  # words of `# run:` lines
    problems: list = field(default_factory=list)  # (line, text): malformed lines, reported in line order
    run_line: int = 0  # the first `# run:` line


def parse(text) -> Spec:
    """Find the `# expect` and `# run` lines of a program (text or bytes)."""
    spec = Spec()
    for n, line in enumerate(source.lines(text) if isinstance(text, str) else _lines(text), 1):
        m = _LINE.match(line)
        if not m:
            problem = _near_miss(line)
            if problem:
                spec.problems.append((n, problem))
            continue
        head = m.group(1).lower()
        body = m.group("body")
        if head == "run":
            spec.run_line = spec.run_line or n
            try:
                spec.options += shlex.split(body)
            except ValueError as e:
                spec.problems.append((n, f"cannot read '# run:' options: {e}"))
            continue
        kind = (m.group("kind") or "").lower()
        if kind not in KINDS:
            spec.problems.append((n, f"unknown expectation 'expect {kind}' (the kinds are: expect, "
                                     + ", ".join(f"expect {k}" for k in KINDS if k) + ")"))
            continue
        spec.expectations.append(Expectation(kind, body, n))
    return spec


_NEAR = re.compile(r"^\s*[#;]\s*(?P<word>expect\w*|run\w*)\b(?P<rest>.*)$", re.IGNORECASE)


def _near_miss(line: str) -> str:
    """Why a line that looks like an expectation is not read as one ("" when it is only a comment)."""
    code, sep, comment = re.split(r"([#;])", line, maxsplit=1) if re.search("[#;]", line) else (line, "", "")
    if code.strip() and _LINE.match(sep + comment):
        return "an expectation must be a comment line of its own; this one follows code and is not checked"
    m = _NEAR.match(line)
    if not m:
        return ""
    word, rest = m.group("word").lower(), m.group("rest").lstrip()
    if word not in ("expect", "run") and rest.startswith(":"):
        return f"'{m.group('word')}:' is not read; did you mean '# {'run' if word.startswith('run') else 'expect'}:'?"
    if word == "expect" and re.search(r"[=≈~]", rest):
        return "an expectation needs a ':' after 'expect' (write '# expect: NAME = VALUE')"
    return ""


def _lines(data: bytes) -> list[str]:
    return source.normalize(data.decode("utf-8", errors="replace")).split("\n")


def _number(text: str, exact: bool, what: str):
    try:
        return to_number(text.strip(), exact)
    except NumberError:
        raise _Unreadable(f"{what} '{text.strip()}' is not a number") from None


class _Unreadable(Exception):
    """An expectation line this module cannot read; the message says why, in its own words."""


def _place_matches(diag, line: Optional[str], col: Optional[str]) -> bool:
    if line is None:
        return True
    if diag.span is None or diag.span.line != int(line):
        return False
    return col is None or diag.span.column == int(col)


def check(spec: Spec, result=None, error: Optional[GdasmError] = None, exact: bool = False) -> list[str]:
    """Every way the run differs from the expectations, as lines of text in line order (empty: all hold)."""
    failures = [(n, f"line {n}: {text}") for n, text in spec.problems]
    kinds = {e.kind for e in spec.expectations}
    if error is not None and not (isinstance(error, RuntimeFault) and "fault" in kinds) \
            and not (isinstance(error, AssemblyError) and "error" in kinds):
        for d in error.diagnostics:  # the program's own errors, located, as `gdasm check` reports them
            if d.severity != "warning":
                where = f"{d.span.line}:{d.span.column}: " if d.span else ""
                failures.append((d.span.line if d.span else 0, f"{where}{d.severity}: {d.message}"))
    elif not spec.expectations:
        failures.append((0, "no expectations (add '# expect' lines to say what the program must produce)"))
    else:
        for e in spec.expectations:
            try:
                problem = _check_one(e, result, error, exact)
            except _Unreadable as exc:
                problem = f"cannot read this expectation: {exc}"
            if problem:
                failures.append((e.line, f"line {e.line}: {problem}"))
    return [text for _, text in sorted(failures, key=lambda f: f[0])]


def _check_one(e: Expectation, result, error, exact: bool) -> Optional[str]:
    if e.kind in ("fault", "error"):
        want = RuntimeFault if e.kind == "fault" else AssemblyError
        m = _PLACE.match(e.body)
        text, line, col = (m.group("text"), m.group("line"), m.group("col")) if m else (e.body, None, None)
        if not text.strip():
            raise _Unreadable(f"an expected {e.kind} needs a code or part of its message, e.g. "
                              + ("division-by-zero" if e.kind == "fault" else "unknown-mnemonic"))
        if not isinstance(error, want):
            return f"expected {'a fault' if e.kind == 'fault' else 'an assembly error'} '{text}', " \
                   f"but the program {'ran without one' if error is None else 'failed otherwise'}"
        diags = [d for d in error.diagnostics if d.severity != "warning"]
        for d in diags:
            if (text == d.code or text.lower() in d.message.lower()) and _place_matches(d, line, col):
                return None
        got = "; ".join(f"{d.span.line}:{d.span.column}: {d.message}" if d.span else d.message for d in diags)
        return f"expected {e.kind} '{e.body}', got: {got}"
    if e.kind == "status":
        if e.body.strip().lower() not in STATUSES:
            raise _Unreadable(f"the status '{e.body}' is not one of {', '.join(STATUSES)}")
        got = "fault" if isinstance(error, RuntimeFault) else (result.status if result else "error")
        return None if got == e.body.strip().lower() else f"expected status {e.body}, got {got}"
    if isinstance(error, AssemblyError):
        return "the program does not assemble"
    if result is None:
        return f"no result to check '{e.body}' against (the run faulted)"
    if e.kind == "steps":
        if not re.fullmatch(r"\s*[0-9][0-9_,]{0,20}\s*", e.body):
            raise _Unreadable(f"the number of steps '{e.body}' is not a whole number")
        want = int(e.body.replace(",", "").replace("_", ""))
        return None if result.steps == want else f"expected {want} steps, got {result.steps}"
    if e.kind == "output":
        want = [_number(t, exact, "the output value") for t in e.body.split(",")] if e.body.strip() else []
        got = list(result.output)
        if got == want:
            return None
        shown = ", ".join(render.value(v) for v in got[:10]) + (", …" if len(got) > 10 else "")
        return f"expected output {e.body}, got {shown or 'nothing'} ({len(got)} value{'s' if len(got) != 1 else ''})"
    m = _CLOSE.match(e.body) or _EXACT.match(e.body)
    if not m:
        raise _Unreadable(f"'{e.body}' is not NAME = VALUE or NAME ≈ VALUE ± TOLERANCE")
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
    want = _number(m.group("value"), exact, "the value")
    if m.groupdict().get("tol") is not None:
        tol = _number(m.group("tol"), False, "the tolerance")
        if tol < 0:
            raise _Unreadable(f"the tolerance '{m.group('tol')}' is negative")
        if abs(got - want) <= tol:
            return None
        return f"{label} = {render.value(got)}, not within {m.group('tol')} of {m.group('value')}"
    if got == want:
        return None
    return f"{label} = {render.value(got)}, expected {m.group('value')}"


def _options_parser() -> ArgParser:
    """`# run:` options: those of `gdasm run`, and nothing that would print help and exit."""
    p = ArgParser(prog="# run:", add_help=False)
    add_run_options(p, program=False)
    p.add_argument("--quiet", action="store_true")
    return p


def run_expectations(path: Path) -> list[str]:
    """Run one program and check the expectations in its comments; the failures, or []."""
    try:
        data = datafile.read_input(path, str(path), "a program")
    except InputFileError as e:
        return [e.diagnostics[0].message]
    spec = parse(data)
    try:
        args = _options_parser().parse_args(spec.options)
    except UsageError as e:
        bad = (spec.run_line, f"line {spec.run_line}: bad '# run:' options: {e.diagnostics[0].message}")
        return [text for _, text in sorted([(n, f"line {n}: {t}") for n, t in spec.problems] + [bad])]
    try:
        program = assemble(data, str(path))
        m = make_machine(program, args, base=path.parent)  # `# run:` paths are relative to the program
        result = m.run()
    except (AssemblyError, RuntimeFault) as err:
        return check(spec, None, err, exact=args.exact)
    except GdasmError as err:
        return [f"line {spec.run_line}: bad '# run:' options: {err.diagnostics[0].message}"]
    return check(spec, result, None, exact=args.exact)


def gdasm_files(paths: list[str], con: report.Console) -> list[Path]:
    """The .gdasm files named: files, folders (searched, sorted) or programs by name — a local copy before
    a bundled one, as `gdasm run` chooses."""
    files = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(f for f in path.rglob("*.gdasm"))
            if not found:
                raise InputFileError(f"{p}: no .gdasm files in this folder")
            files += found
        elif path.exists():
            files.append(path)
        else:
            files.append(find_program(p, con))
    return files


def run_tests(paths: list[str], con: report.Console, as_json: bool = False) -> int:
    """`gdasm test`: a PASS/FAIL line per file and a summary (or one JSON document); exit 1 if any failed."""
    files = gdasm_files(paths, con)
    results = []
    colour = con.colour
    for f in files:
        failures = run_expectations(f)
        results.append({"file": str(f), "ok": not failures, "failures": failures})
        if as_json:
            continue
        con.say(f"{render.paint('FAIL', 'error', colour)} {f}" if failures else
                f"{render.paint('PASS', 'green', colour)} {f}")
        for line in failures:
            con.say(f"     {line}")
    passed = sum(r["ok"] for r in results)
    failed = len(results) - passed
    if as_json:
        con.say(report.dumps({"status": "passed" if failed == 0 and files else "failed", "passed": passed,
                              "failed": failed, "files": results}))
    else:
        con.say(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and files else 1
