"""The `gdasm` command: run, trace, check, test and list programs."""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import sys
from fractions import Fraction
from pathlib import Path
from typing import Optional

from . import bundled, datafile, render
from .assembler import assemble
from .errors import GdasmError, InputFileError, RuntimeFault, UsageError
from .ir import UNSET, Program
from .machine import DEFAULT_MAX_STEPS, Machine

EXIT_OK, EXIT_FAULT = 0, 70  # the other codes belong to the error types (GdasmError.exit_code)
MAX_SHOWN_ERRORS = 20
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line is a UsageError (exit 64), not exit 2."""

    def error(self, message):
        raise UsageError(f"{self.prog}: error: {message}")


# --- inputs ----------------------------------------------------------------------------

def read_program(arg: str) -> Program:
    """Assemble PROGRAM: a path, `-` for standard input, or a bundled program's name."""
    if arg == "-":
        return assemble(sys.stdin.buffer.read(), "<stdin>")
    path = Path(arg)
    if not path.exists():
        found = bundled.find(arg)
        if found is None:
            import difflib
            close = difflib.get_close_matches(arg.removesuffix(".gdasm"), bundled.names(), n=1)
            hint = f"; did you mean the bundled program '{close[0]}'?" if close else \
                "; `gdasm list` shows the bundled programs"
            raise InputFileError(f"{arg}: no such file or bundled program{hint}")
        path, arg = found, found.name
    return assemble(datafile.read_input(path, arg, "a program"), arg)


def _number_text(text: str, option: str) -> str:
    try:
        v = float(text)
    except ValueError:
        raise UsageError(f"{option}: '{text}' is not a number") from None
    if v - v != 0:
        raise UsageError(f"{option}: '{text}' is not a finite number")
    return text.strip()


def parse_sets(items: list[str]) -> dict:
    """`--set NAME=VALUE` options to {name: text}; values keep their text for exact arithmetic."""
    out = {}
    for item in items:
        name, eq, val = item.partition("=")
        name = name.strip()
        if not eq or not _NAME.match(name):
            raise UsageError(f"--set {item}: write --set NAME=NUMBER")
        out[name] = _number_text(val, f"--set {item}")
    return out


def parse_data(items: list[str], base: Optional[Path] = None) -> dict:
    """`--data NAME=V1,V2,...`, `NAME=@FILE.csv:COLUMN` or `NAME=@FILE` options to {name: [text, ...]}."""
    out = {}
    for item in items:
        name, eq, val = item.partition("=")
        name = name.strip()
        if not eq or not _NAME.match(name):
            raise UsageError(f"--data {item}: write --data NAME=V1,V2,... or NAME=@FILE.csv:COLUMN")
        if val.startswith("@"):
            out[name] = datafile.load(val, f"--data {item}", base)
            continue
        parts = [p for p in val.split(",")] if val.strip() else []
        out[name] = [_number_text(p, f"--data {item}") for p in parts]
    return out


def make_machine(program: Program, args, base: Optional[Path] = None, exact: Optional[bool] = None,
                 **kw) -> Machine:
    """A Machine for PROGRAM with the command line's --set, --data, --max-steps and --exact."""
    exact = getattr(args, "exact", False) if exact is None else exact
    return Machine(program, parse_sets(args.set), parse_data(args.data, base), args.max_steps, exact=exact, **kw)


# --- output ----------------------------------------------------------------------------

def print_diagnostics(diags, stream=None) -> None:
    stream = stream or sys.stderr
    colour = render.use_colour(stream)
    errors = [d for d in diags if d.severity != "warning"]
    shown = 0
    for d in diags:
        if d.severity != "warning" and shown >= MAX_SHOWN_ERRORS:
            continue
        shown += d.severity != "warning"
        print(render.diagnostic(d, colour), file=stream)
    if len(errors) > MAX_SHOWN_ERRORS:
        print(f"... and {len(errors) - MAX_SHOWN_ERRORS} more errors", file=stream)


def _json_value(v):
    if v is UNSET:
        return None
    if isinstance(v, Fraction):
        return render.value(v)  # an exact fraction keeps its exactness as text
    return float(v)


def _json_error(err: GdasmError, **extra) -> str:
    doc = {"status": "fault" if isinstance(err, RuntimeFault) else "error", **extra,
           "diagnostics": [d.to_json() for d in err.diagnostics]}
    if isinstance(err, RuntimeFault):
        doc["diagnostic"] = err.diagnostic.to_json()
        doc["diagnostic"]["step"] = err.step
    return json.dumps(doc, ensure_ascii=False)


def _state_json(m: Machine) -> dict:
    return {
        "output": [_json_value(v) for v in m.output],
        "registers": {k: _json_value(v) for k, v in m.registers.items()},
        "arrays": {k: [_json_value(x) for x in v] for k, v in m.array_values.items()},
        "steps": m.steps,
    }


def print_state(m: Machine, out) -> None:
    regs = m.registers
    width = max((len(k) for k in list(regs) + list(m.program.arrays)), default=1)
    verb = {"halted": "halted", "finished": "finished", "fault": "stopped by a fault"}.get(m.status, m.status)
    out.write(f"-- {verb} after {m.steps:,} step{'s' if m.steps != 1 else ''} --\n")
    for k, v in regs.items():
        out.write(f"{k:<{width}} = {render.value(v)}\n")
    for k, v in m.array_values.items():
        out.write(f"{k:<{width}} = {render.array(v)}\n")


# --- commands --------------------------------------------------------------------------

def cmd_run(args) -> int:
    program = read_program(args.program)
    _print_warnings(program, args)
    out = sys.stdout
    hook = None if args.json else (lambda v: out.write(render.value(v) + "\n"))
    m = args.machine = make_machine(program, args, on_output=hook)
    try:
        m.run()
    except RuntimeFault as fault:
        if args.json:
            print(json.dumps({**_state_json(m), "status": "fault",
                              "diagnostic": {**fault.diagnostic.to_json(), "step": fault.step}},
                             ensure_ascii=False))
            return EXIT_FAULT
        out.flush()
        if not args.quiet:
            print_state(m, out)
            out.flush()
        raise
    if args.json:
        print(json.dumps({**_state_json(m), "status": m.status,
                          "warnings": [d.to_json() for d in _warnings(program, args)]}, ensure_ascii=False))
    elif not args.quiet:
        print_state(m, out)
    return EXIT_OK


def _warnings(program: Program, args) -> list:
    """The program's warnings, less 'never written' for registers the command line sets."""
    given = set(parse_sets(getattr(args, "set", [])))
    return [d for d in program.warnings if not (d.code.startswith("never-written:") and d.code[14:] in given)]


def _print_warnings(program: Program, args) -> None:
    if not getattr(args, "json", False):
        print_diagnostics(_warnings(program, args))


def _changes(rec, program: Program, colour: bool) -> list[str]:
    parts = []
    for name, old, new in rec.writes:
        if old is UNSET:
            parts.append(f"{name} = {render.paint(render.value(new), 'green', colour)}")
        else:
            parts.append(f"{name}: {render.value(old)} → {render.paint(render.value(new), 'green', colour)}")
    for name, i, old, new in rec.array_writes:
        parts.append(f"{name}[{i}]: {render.value(old)} → {render.paint(render.value(new), 'green', colour)}")
    if rec.jump is not None:
        verb = {"call": "call", "ret": "return"}.get(rec.instruction.op.behaviour, "jump")
        label = program.label_at(rec.jump) if verb != "return" else None
        if rec.jump >= len(program.instructions):
            where = "end"
        else:
            where = label or f"line {program.instructions[rec.jump].line}"
        parts.append(render.paint(f"{verb} → {where}", "cyan", colour))
    elif rec.instruction.op.behaviour == "branch":
        parts.append(render.paint("no jump", "dim", colour))
    if rec.output is not None:
        parts.append(render.paint(f"out {render.value(rec.output)}", "yellow", colour))
    return parts


class _TextTrace:
    """Aligned columns for people; widths from the program and the first rows, so rows stream."""

    BUFFER = 4096

    def __init__(self, program: Program, out, max_steps: int, compare: bool = False):
        self.program, self.out = program, out
        self.colour = render.use_colour(out)
        self.pending: list = []
        self.widths = None
        self.max_steps = max_steps
        self.compare = compare

    def _fix_widths(self, last_step: int):
        texts = [len(i.text) for i in self.program.instructions] or [11]
        self.widths = (max(4, len(str(last_step))), max(4, len(str(max(i.line for i in self.program.instructions)))),
                       min(max(max(texts), 11), 48))
        sw, lw, tw = self.widths
        extra = f"{'exact':<{_EXACT_W}}  {'error':>{_ERROR_W}}    " if self.compare else ""
        self.out.write(render.paint(f"{'step':>{sw}}  {'line':>{lw}}  {'instruction':<{tw}}  {extra}changes",
                                    "dim", self.colour) + "\n")
        for rec, cmp in self.pending:
            self._write(rec, cmp)
        self.pending = []

    def _write(self, rec, cmp):
        sw, lw, tw = self.widths
        changes = "; ".join(_changes(rec, self.program, self.colour))
        extra = ""
        if self.compare:
            exact, error, differs = cmp or ("", "", False)
            mark = render.paint("≠", "error", self.colour) if differs else " "
            extra = f"{_cut(exact, _EXACT_W):<{_EXACT_W}}  {error:>{_ERROR_W}} {mark}  "
        self.out.write(f"{rec.step:>{sw}}  {rec.line:>{lw}}  {rec.text:<{tw}}  {extra}{changes}".rstrip() + "\n")

    def note(self, text: str):
        if self.widths is None:
            self._fix_widths(self.pending[-1][0].step if self.pending else 1)
        self.out.write(render.paint(f"-- {text} --", "dim", self.colour) + "\n")

    def row(self, rec, cmp=None):
        if self.widths is None:
            self.pending.append((rec, cmp))
            if len(self.pending) >= self.BUFFER:
                self._fix_widths(self.max_steps)
        else:
            self._write(rec, cmp)

    def close(self, m: Machine):
        if self.widths is None:
            self._fix_widths(self.pending[-1][0].step if self.pending else 1)
        verb = {"halted": "halted", "finished": "finished", "fault": "stopped by a fault"}.get(m.status, m.status)
        self.out.write(render.paint(f"-- {verb} after {m.steps:,} step{'s' if m.steps != 1 else ''} --", "dim",
                                    self.colour) + "\n")


class _CsvTrace:
    def __init__(self, program, out):
        self.program, self.out = program, out
        self.w = csv.writer(out, lineterminator="\n")
        self.w.writerow(["step", "address", "line", "instruction", "written", "old", "new", "jump", "out",
                         "exact", "error_ulp"])

    def note(self, text: str):
        pass  # a CSV file holds rows only

    def row(self, rec, cmp=None):
        written = old = new = ""
        if rec.writes:
            written, o, n = rec.writes[0]
            old, new = render.value(o), render.value(n)
        elif rec.array_writes:
            name, i, o, n = rec.array_writes[0]
            written, old, new = f"{name}[{i}]", render.value(o), render.value(n)
        jump = "" if rec.jump is None else str(rec.jump)
        out = "" if rec.output is None else render.value(rec.output)
        exact, error = (cmp[0], cmp[1]) if cmp else ("", "")
        self.w.writerow([rec.step, rec.address, rec.line, rec.text, written, old, new, jump, out, exact, error])

    def close(self, m):
        pass


class _JsonTrace:
    def __init__(self, program, out):
        self.program, self.out = program, out

    def note(self, text: str):
        self.out.write(json.dumps({"note": text}, ensure_ascii=False) + "\n")

    def row(self, rec, cmp=None):
        doc = {
            "step": rec.step, "address": rec.address, "line": rec.line, "instruction": rec.text,
            "writes": [{"register": n, "old": _json_value(o), "new": _json_value(v)} for n, o, v in rec.writes],
            "array_writes": [{"array": n, "index": i, "old": _json_value(o), "new": _json_value(v)}
                             for n, i, o, v in rec.array_writes],
            "jump": rec.jump,
            "out": None if rec.output is None else _json_value(rec.output),
        }
        if cmp:
            doc["exact"], doc["error_ulp"] = cmp[0] or None, cmp[1] or None
        self.out.write(json.dumps(doc, ensure_ascii=False) + "\n")

    def close(self, m):
        pass


_EXACT_W, _ERROR_W = 24, 12


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


class _Comparer:
    """Runs the same program in exact fractions beside the float run, step for step."""

    def __init__(self, program: Program, args):
        self.m = make_machine(program, args, exact=True)
        self.active = True

    def row(self, rec, sink) -> Optional[tuple]:
        """(exact value written, the float's error in ulps, differs?) for a float record; None once parted."""
        if not self.active:
            return None
        try:
            e = self.m.step()
        except RuntimeFault as fault:
            self.active = False
            sink.note(f"the exact run stops at step {rec.step:,}: {fault.diagnostic.message}; the comparison ends")
            return None
        if e is None or e.address != rec.address or e.next_pc != rec.next_pc:
            self.active = False
            where = lambda r: "the end" if r is None or r.next_pc >= len(self.m.program.instructions) \
                else f"line {self.m.program.instructions[r.next_pc].line}"
            sink.note(f"control flow parts at step {rec.step:,}: binary64 goes to {where(rec)}, exact arithmetic "
                      f"to {where(e)}; the comparison ends")
            return None
        pairs = [(f[2], x[2]) for f, x in zip(rec.writes, e.writes)] + \
                [(f[3], x[3]) for f, x in zip(rec.array_writes, e.array_writes)]
        if not pairs:
            return None
        got, exact = pairs[0]
        ulps = ulp_error(got, exact)
        text = "0" if ulps == 0 else f"{float(ulps):+.2f} ulp"
        return render.value(exact), text, ulps != 0


def ulp_error(got: float, exact) -> Fraction:
    """How far a double is from the exact value, in units in the last place of that value (signed)."""
    unit = math.ulp(float(exact)) if exact != 0 else math.ulp(0.0)
    return (Fraction(got) - Fraction(exact)) / Fraction(unit)


def cmd_trace(args) -> int:
    program = read_program(args.program)
    _print_warnings(program, args)
    if args.compare and args.exact:
        raise UsageError("--compare runs binary64 and exact arithmetic side by side: leave out --exact")
    if args.table:
        return _trace_table(program, args)
    m = args.machine = make_machine(program, args)
    out = sys.stdout
    fmt = "json" if args.json else args.format
    sink = {"text": lambda: _TextTrace(program, out, m.max_steps, args.compare),
            "csv": lambda: _CsvTrace(program, out), "json": lambda: _JsonTrace(program, out)}[fmt]()
    comparer = _Comparer(program, args) if args.compare else None
    try:
        step = m.step
        while True:
            rec = step()
            if rec is None:
                break
            sink.row(rec, comparer.row(rec, sink) if comparer else None)
    except RuntimeFault as fault:
        sink.close(m)
        out.flush()
        if fmt == "json":
            out.write(json.dumps({"status": "fault", "steps": m.steps,
                                  "diagnostic": {**fault.diagnostic.to_json(), "step": fault.step}},
                                 ensure_ascii=False) + "\n")
            return EXIT_FAULT
        raise
    sink.close(m)
    return EXIT_OK


def _trace_table(program: Program, args) -> int:
    """The classroom trace table: a row per step, a column per register, a value where it was written."""
    m = args.machine = make_machine(program, args)
    rows, fault = [], None
    try:
        while (rec := m.step()) is not None:
            rows.append(rec)
    except RuntimeFault as err:
        fault = err
    names = [n for n in m.registers]
    if args.regs:
        wanted = [n.strip() for n in args.regs.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in program.registers]
        if unknown:
            raise UsageError(f"--regs: no register named {', '.join(repr(u) for u in unknown)} in this program")
        names = wanted
    has_out = any(r.output is not None for r in rows)
    header = ["step", "line"] + names + (["out"] if has_out else [])
    table = []
    for r in rows:
        written = {n: render.value(new) for n, _, new in r.writes}
        cells = [str(r.step), str(r.line)] + [written.get(n, "") for n in names]
        if has_out:
            cells.append("" if r.output is None else render.value(r.output))
        table.append(cells)
    widths = [max([len(h)] + [len(row[i]) for row in table]) for i, h in enumerate(header)]
    out = sys.stdout
    colour = render.use_colour(out)
    out.write(render.paint("  ".join(h.rjust(w) for h, w in zip(header, widths)), "dim", colour).rstrip() + "\n")
    for row in table:
        out.write("  ".join(c.rjust(w) for c, w in zip(row, widths)).rstrip() + "\n")
    verb = "stopped by a fault" if fault else m.status
    out.write(render.paint(f"-- {verb} after {m.steps:,} step{'s' if m.steps != 1 else ''} --", "dim", colour) + "\n")
    if fault:
        out.flush()
        raise fault
    return EXIT_OK


def cmd_explain(args) -> int:
    from .history import History, explanation
    program = read_program(args.program)
    _print_warnings(program, args)
    h = History(make_machine(program, args))
    note = ""
    try:
        while args.at is None or h.step < args.at:
            if h.forward() is None:
                break
    except RuntimeFault as fault:
        d = fault.diagnostic
        note = f"note: the run stopped by a fault at step {fault.step:,} (line {d.span.line}: {d.message}); " \
               "values are as they stood before it"
    try:
        node = h.explain(args.register, depth=args.depth)
    except KeyError as e:
        raise UsageError(f"explain: {e.args[0]}") from None
    if args.at is not None and h.step < args.at:
        note = note or f"note: the program stopped after {h.step:,} steps, before step {args.at:,}"
    lines = explanation(node)
    if args.json:
        from .history import formula
        print(json.dumps({"register": args.register, "value": _json_value(node.value), "step": h.step,
                          "formula": formula(node), "tree": lines[:-1]}, ensure_ascii=False))
        return EXIT_OK
    print(f"{args.register} after step {h.step:,}:")
    for line in lines:
        print(line)
    if note:
        print(note)
    return EXIT_OK


def cmd_debug(args) -> int:
    from .debugger import debug
    program = read_program(args.program)
    _print_warnings(program, args)
    return debug(make_machine(program, args))


def cmd_check(args) -> int:
    worst = EXIT_OK
    results = []
    for arg in args.programs:
        try:
            program = read_program(arg)
        except GdasmError as err:
            worst = max(worst, err.exit_code)
            results.append({"file": arg, "ok": False, "diagnostics": [d.to_json() for d in err.diagnostics]})
            if not args.json:
                print_diagnostics(err.diagnostics)
            continue
        results.append({"file": program.filename, "ok": True, "instructions": len(program.instructions),
                        "diagnostics": [d.to_json() for d in program.warnings]})
        if not args.json:
            print_diagnostics(program.warnings)
            n = len(program.instructions)
            print(f"{program.filename}: ok ({n} instruction{'s' if n != 1 else ''})")
    if args.json:
        print(json.dumps({"status": "ok" if worst == EXIT_OK else "error", "files": results}, ensure_ascii=False))
    return worst


def cmd_list(args) -> int:
    names = bundled.names()
    width = max((len(n) for n in names), default=0)
    for name in names:
        print(f"{name:<{width}}  {bundled.description(bundled.find(name))}")
    return EXIT_OK


def _gdasm_files(paths: list[str]) -> list[Path]:
    files = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files += sorted(path.rglob("*.gdasm"))
        elif path.exists():
            files.append(path)
        elif bundled.find(p):
            files.append(bundled.find(p))
        else:
            raise InputFileError(f"{p}: no such file or folder")
    return files


def run_expectations(path: Path) -> list[str]:
    """Run one program and check the expectations in its comments; the failures, or []."""
    from . import expect
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
    spec = expect.parse(text)
    try:
        args = _run_parser().parse_args(["run", str(path)] + spec.options)
    except UsageError as e:
        return [f"bad '# run:' options: {e}"]
    try:
        program = assemble(data, str(path))
        m = make_machine(program, args, base=path.parent)  # `# run:` paths are relative to the program
        result = m.run()
    except GdasmError as err:
        return expect.check(spec, None, err, exact=args.exact)
    return expect.check(spec, result, None, exact=args.exact)


def cmd_test(args) -> int:
    files = _gdasm_files(args.paths)
    passed = failed = 0
    colour = render.use_colour(sys.stdout)
    for f in files:
        failures = run_expectations(f)
        if failures:
            failed += 1
            print(f"{render.paint('FAIL', 'error', colour)} {f}")
            for line in failures:
                print(f"     {line}")
        else:
            passed += 1
            print(f"{render.paint('PASS', 'green', colour)} {f}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and files else 1


# --- the parser ------------------------------------------------------------------------

def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("program", help="a .gdasm file, - for standard input, or a bundled program's name")
    p.add_argument("--set", action="append", default=[], metavar="NAME=NUMBER",
                   help="set a register before the run (overrides .reg)")
    p.add_argument("--data", action="append", default=[], metavar="NAME=V1,V2,...",
                   help="replace an array before the run (its length may change); also "
                        "NAME=@FILE.csv:COLUMN (a CSV column by its header) or NAME=@FILE (one number a line)")
    p.add_argument("--max-steps", type=_steps, default=DEFAULT_MAX_STEPS, metavar="N",
                   help=f"stop with a fault after N steps (default {DEFAULT_MAX_STEPS:,})")
    p.add_argument("--exact", action="store_true", help="compute in exact fractions instead of binary64")
    p.add_argument("--json", action="store_true", help="print JSON for tools instead of text")
    p.add_argument("--numbers", choices=render.NUMBER_FORMATS, default="dec",
                   help="show values as dec (shortest repr), hex (float.hex), bits (IEEE-754 fields) "
                        "or exact (the double's exact decimal value)")


def _steps(text: str) -> int:
    try:
        n = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is negative")
    return n


def _run_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gdasm", description="Run gradient descent as assembly, one register at a time.")
    parser.add_argument("--version", action="version", version=f"gdasm {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    p = sub.add_parser("run", help="run a program; print its output and final registers")
    _run_options(p)
    p.add_argument("--quiet", action="store_true", help="print only the program's OUT values")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("trace", help="print one row per step: what each instruction changed")
    _run_options(p)
    p.add_argument("--format", choices=("text", "csv", "json"), default="text",
                   help="text for people; csv or json (JSON Lines) for tools")
    p.set_defaults(func=cmd_trace)
    p.add_argument("--compare", action="store_true",
                   help="run exact fractions beside binary64: add each write's exact value and the float's error")
    p.add_argument("--table", action="store_true",
                   help="a classroom trace table: a column per register, a value where it changed")
    p.add_argument("--regs", metavar="A,B,...", help="with --table: only these registers, in this order")
    p = sub.add_parser("explain", help="show how a register got its value: the operations and inputs behind it")
    _run_options(p)
    p.add_argument("register", metavar="REG", help="a register, or ARRAY[i]")
    p.add_argument("--at", type=_steps, metavar="STEP", help="explain the value just after this step")
    p.add_argument("--depth", type=_steps, default=8, metavar="N", help="expand at most N levels (default 8)")
    p.set_defaults(func=cmd_explain)
    p = sub.add_parser("debug", help="a time-travel debugger: step forward and back, breakpoints, explain")
    _run_options(p)
    p.set_defaults(func=cmd_debug)
    p = sub.add_parser("check", help="assemble only, and report every error")
    p.add_argument("programs", nargs="+", metavar="PROGRAM")
    p.add_argument("--json", action="store_true", help="print JSON for tools instead of text")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("list", help="list the bundled programs")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("test", help="run programs and check the '# expect' lines in their comments")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (searched for *.gdasm)")
    p.set_defaults(func=cmd_test)
    return parser


def _version() -> str:
    from . import __version__
    return __version__


def main(argv: Optional[list[str]] = None) -> int:
    """Run the gdasm command line; returns the exit code."""
    args = None
    argv = sys.argv[1:] if argv is None else argv
    render.use_numbers("dec")
    try:
        args = _run_parser().parse_args(argv)
        render.use_numbers(getattr(args, "numbers", "dec"))
        return args.func(args)
    except GdasmError as err:
        sys.stdout.flush()
        if getattr(args, "json", False) or (args is None and "--json" in argv):
            print(_json_error(err))
        elif err.diagnostics and err.diagnostics[0].filename:
            print_diagnostics(err.diagnostics)
        else:
            for d in err.diagnostics:
                text = d.message if d.message.startswith("gdasm") else f"gdasm: error: {d.message}"
                print(text, file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        _interrupted(getattr(args, "machine", None))
        return 130
    except BrokenPipeError:
        # The reader went away (`gdasm trace prog | head`): stop quietly.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except Exception as exc:  # a bug in gdasm: say so plainly, without a traceback
        print(f"gdasm: internal error: {exc.__class__.__name__}: {exc}\n"
              "This is a bug in gdasm, not in your program; please report it with the program that caused it.",
              file=sys.stderr)
        return EXIT_FAULT


def _interrupted(m: Optional[Machine]) -> None:
    """Ctrl-C: say where the run stopped (step, line, registers)."""
    sys.stdout.flush()
    if m is None:
        print("\ngdasm: interrupted", file=sys.stderr)
        return
    lines = [f"\ngdasm: interrupted after {m.steps:,} steps"]
    if 0 <= m.pc < len(m.program.instructions):
        ins = m.program.instructions[m.pc]
        lines[0] += f", at {m.program.filename}:{ins.line}: {ins.text}"
    for k, v in list(m.registers.items())[:40]:
        lines.append(f"  {k} = {render.value(v)}")
    print("\n".join(lines), file=sys.stderr)
