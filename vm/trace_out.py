"""`gdasm trace`: one row per step (text, CSV, JSON Lines), `--compare` with exact arithmetic, and the
classroom trace table (`--table`, one row per step or per iteration with `--every`).

Every row says what the step did through the one describer (`describe.py`); every value goes through the
console's formatter.
"""

from __future__ import annotations

import csv
import math
from fractions import Fraction
from typing import Optional

from . import describe, profile, progress, report, sampling, trace_rows
from .errors import RuntimeFault, UsageError, json_number
from .i18n import mark, tr
from .inputs import make_machine
from .ir import UNSET, Program
from .machine import Machine, stop_on_ctrl_c
from .render import display_width, ljust, paint, rjust, safe

_EXACT_W, _ERROR_W = 24, 12
# The heads of the text trace's and the trace table's columns, translated where shown (their keys in CSV and
# JSON are these English words, which never change).
_HEADS = (mark("step"), mark("line"), mark("instruction"), mark("changes"), mark("exact"), mark("error"),
          mark("iteration"), mark("out"))


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


class _TextTrace:
    """Aligned columns for people; widths from the program and the first rows, so rows stream."""

    BUFFER = 4096

    def __init__(self, program: Program, con: report.Console, max_steps: int, compare: bool = False):
        self.program, self.con = program, con
        self.colour = con.colour
        self.pending: list = []
        self.widths = None
        self.max_steps = max_steps
        self.compare = compare
        self.fast = None

    def _fix_widths(self, last_step: int):
        texts = [display_width(safe(i.text)) for i in self.program.instructions] or [11]
        lines = [i.line for i in self.program.instructions] or [1]
        self.widths = (max(4, len(str(last_step))), max(4, len(str(max(lines)))), min(max(max(texts), 11), 48))
        sw, lw, tw = self.widths
        # The column heads are for people, in their language (CSV and JSON keys are not translated).
        extra = f"{ljust(tr('exact'), _EXACT_W)}  {rjust(tr('error'), _ERROR_W)}    " if self.compare else ""
        self.con.say(paint(f"{rjust(tr('step'), sw)}  {rjust(tr('line'), lw)}  {ljust(tr('instruction'), tw)}  "
                           f"{extra}{tr('changes')}", "dim", self.colour))
        for rec, cmp in self.pending:
            self._write(rec, cmp)
        self.pending = []

    def _write(self, rec, cmp):
        sw, lw, tw = self.widths
        changes = "; ".join(describe.view_text(describe.describe(rec, self.program), self.con.fmt, self.colour))
        extra = ""
        if self.compare:
            exact, error, differs = cmp or ("", "", False)
            mark = paint("≠", "error", self.colour) if differs else " "
            extra = f"{_cut(exact, _EXACT_W):<{_EXACT_W}}  {error:>{_ERROR_W}} {mark}  "
        self.con.say(f"{rec.step:>{sw}}  {rec.line:>{lw}}  {ljust(safe(rec.text), tw)}  {extra}{changes}".rstrip())

    def chunk(self, c, m: Machine):
        if self.widths is None:  # a whole first chunk fixes widths as a full buffer of records does
            self._fix_widths(self.max_steps if len(c.pcs) >= self.BUFFER else c.start + len(c.pcs))
        if self.fast is None:
            self.fast = trace_rows.TextRows(self.program, self.con.fmt, m.exact, self.colour, self.widths)
        self.fast.write(c, m, self.con.say)

    def _flush(self):
        if self.widths is None:
            self._fix_widths(self.pending[-1][0].step if self.pending else 1)

    def note(self, text: str):
        self._flush()
        self.con.say(paint(f"-- {text} --", "dim", self.colour))

    def row(self, rec, cmp=None):
        if self.widths is None:
            self.pending.append((rec, cmp))
            if len(self.pending) >= self.BUFFER:
                self._fix_widths(self.max_steps)
        else:
            self._write(rec, cmp)

    def close(self, m: Machine, fault: Optional[RuntimeFault], prof: Optional[profile.Profile] = None):
        self._flush()
        self.con.say(paint(report.status_line(m.status, m.steps), "dim", self.colour))
        if prof is not None:
            profile.say(self.con, prof)


class _CsvTrace:
    HEADER = ["step", "address", "line", "instruction", "written", "old", "new", "jump", "out", "exact",
              "error_ulp"]

    def __init__(self, program, con):
        self.program, self.con = program, con
        self.w = csv.writer(con.out, lineterminator="\n")
        self.w.writerow(self.HEADER)
        self.fast = None

    def note(self, text: str):
        pass  # a CSV file holds rows only

    def chunk(self, c, m: Machine):
        if self.fast is None:
            self.fast = trace_rows.CsvRows(self.program, self.con.fmt, m.exact)
        self.fast.write(c, m, self.con.out)

    def row(self, rec, cmp=None):
        fmt = self.con.fmt.plain  # CSV cells as tools read them, in any language
        view = describe.describe(rec, self.program)
        written = old = new = ""
        if view.changes:
            c = view.changes[0]
            written, old, new = c.target, fmt.value(c.old), fmt.value(c.new)
        jump = "" if rec.jump is None else str(rec.jump)
        out = "" if rec.output is None else fmt.value(rec.output)
        exact, error = (cmp[0], cmp[1]) if cmp else ("", "")
        self.w.writerow([rec.step, rec.address, rec.line, rec.text, written, old, new, jump, out, exact, error])

    def close(self, m, fault, prof=None):
        pass


class _JsonTrace:
    """JSON Lines: one object per step, then one closing record, so a reader can tell a whole trace from a cut one."""

    def __init__(self, program, con):
        self.program, self.con = program, con
        self.fast = None

    def note(self, text: str):
        self.con.say(report.dumps({"note": text}))

    def chunk(self, c, m: Machine):
        if self.fast is None:
            self.fast = trace_rows.JsonRows(self.program, self.con.fmt, m.exact)
        self.fast.write(c, m, self.con.say)

    def row(self, rec, cmp=None):
        doc = {
            "step": rec.step, "address": rec.address, "line": rec.line, "instruction": rec.text,
            "writes": [{"register": n, "old": json_number(o), "new": json_number(v)} for n, o, v in rec.writes],
            "array_writes": [{"array": n, "index": i, "old": json_number(o), "new": json_number(v)}
                             for n, i, o, v in rec.array_writes],
            "jump": rec.jump,
            "out": None if rec.output is None else json_number(rec.output),
        }
        if cmp:
            doc["exact"], doc["error_ulp"] = cmp[0] or None, cmp[1] or None
        self.con.say(report.dumps(doc))

    def close(self, m, fault, prof=None):
        doc = report.fault_json(fault, self.con.fmt) if fault is not None else {"status": m.status, "steps": m.steps}
        self.con.say(report.dumps({**doc, "profile": profile.to_json(prof)} if prof is not None else doc))


class _Comparer:
    """Runs the same program in exact fractions beside the float run, step for step."""

    def __init__(self, program: Program, args):
        self.m = make_machine(program, args, exact=True)
        self.active = True

    def row(self, rec, sink, fmt) -> Optional[tuple]:
        """(exact value written, the float's error in ulps, differs?) for a float record; None once parted."""
        if not self.active:
            return None
        try:
            e = self.m.step()
        except RuntimeFault as fault:
            self.active = False
            sink.note(tr("the exact run stops at step {step:,}: {message}; the comparison ends",
                         step=rec.step, message=fault.diagnostic.message))
            return None
        if e is None or e.address != rec.address or e.next_pc != rec.next_pc:
            self.active = False
            code = self.m.program.instructions
            where = lambda r: tr("the end of the program") if r is None or r.next_pc >= len(code) else \
                describe.where(self.m.program, r.next_pc, label=False)
            sink.note(tr("control flow parts at step {step:,}: binary64 goes to {rec}, exact arithmetic to {e}; the "
                         "comparison ends", step=rec.step, rec=where(rec), e=where(e)))
            return None
        pairs = [(f[2], x[2]) for f, x in zip(rec.writes, e.writes)] + \
                [(f[3], x[3]) for f, x in zip(rec.array_writes, e.array_writes)]
        if not pairs:
            return None
        got, exact = pairs[0]
        try:
            ulps = ulp_error(got, exact)
        except OverflowError:  # the exact value is past the largest double: it has no ulp to count in
            self.active = False
            sink.note(tr("the exact value written at step {step:,} is beyond binary64's range (about 1.8e308), so "
                         "errors cannot be counted in ulps; the comparison ends", step=rec.step))
            return None
        text = "0" if ulps == 0 else f"{float(ulps):+.2f} ulp"
        return fmt.value(exact), text, ulps != 0


def ulp_error(got: float, exact) -> Fraction:
    """How far a double is from the exact value, in units in the last place of that value (signed)."""
    unit = math.ulp(float(exact)) if exact != 0 else math.ulp(0.0)
    return (Fraction(got) - Fraction(exact)) / Fraction(unit)


def check_options(args) -> None:
    """Trace options that do not go together are a usage error, never silently ignored.

    `--json` means `--format json` (and errors as JSON too, as `--format json` gives them)."""
    if args.json and args.format not in ("text", "json"):
        raise UsageError(tr("--json means --format json; it cannot go with --format {format}", format=args.format))
    if args.json or args.format == "json":
        args.json, args.format = True, "json"
    if args.compare and args.exact:
        raise UsageError(tr("--compare runs binary64 and exact arithmetic side by side: leave out --exact"))
    if not args.table:
        for option, given in (("--regs", args.regs), ("--every", args.every)):
            if given is not None:
                raise UsageError(tr("{option} shapes the trace table: add --table", option=option))
        if args.format == "markdown":
            raise UsageError(tr("--format markdown is for the trace table: add --table"))
    elif args.compare:
        raise UsageError(tr("--compare adds columns to the step-by-step trace, not to --table: use one or the other"))
    if args.profile and (args.table or args.format == "csv"):
        raise UsageError(tr("--profile follows the step-by-step trace in text or JSON: leave out ")
                         + ("--table" if args.table else tr("--format csv (a CSV file holds rows only)")))


def _progress(args, con: report.Console) -> progress.Steps:
    """A progress display when the rows go somewhere else than the terminal (a file, a pipe)."""
    return progress.Steps(con.err, progress.wanted(con.err, args.json) and not progress.wanted(con.out))


def run_trace(program: Program, args, con: report.Console) -> int:
    """`gdasm trace`: every step as a row, in the chosen format; a fault ends the rows and is raised."""
    if args.table:
        return TraceTable(program, args, con).run()
    m = args.machine = make_machine(program, args)
    if args.profile:
        m.count_steps()
    fmt = args.format
    sink = {"text": lambda: _TextTrace(program, con, m.max_steps, args.compare),
            "csv": lambda: _CsvTrace(program, con), "json": lambda: _JsonTrace(program, con)}[fmt]()
    comparer = _Comparer(program, args) if args.compare else None
    fault = None
    show = _progress(args, con)
    try:
        with stop_on_ctrl_c(m):
            if comparer is not None:  # the exact run steps beside each record
                for rec in m.records():
                    sink.row(rec, comparer.row(rec, sink, con.fmt))
                    if not rec.step & 0x3FFF:
                        show(m)
            else:  # rows straight from the recorder's columns (trace_rows), a chunk at a time
                for chunk in m._chunks(_TextTrace.BUFFER):
                    sink.chunk(chunk, m)
                    show(m)
    except RuntimeFault as err:
        fault = err
    finally:
        show.close()
    sink.close(m, fault, profile.of_run(m, lambda: make_machine(program, args)) if args.profile else None)
    if fault is not None:
        con.out.flush()
        if fmt == "json":
            return fault.exit_code
        raise fault
    return 0


class TraceTable:
    """The classroom trace table: a column per register; a row per step (a value where it was written, and a
    step-0 row of initial values), or with `--every LABEL|LINE` a row each time that line is reached (every
    register's value then) — in text, CSV, Markdown or JSON."""

    def __init__(self, program: Program, args, con: report.Console):
        self.program, self.args, self.con = program, args, con
        self.every = None if args.every is None else sampling.address(program, args.every, "--every")

    def run(self) -> int:
        m = self.args.machine = make_machine(self.program, self.args)
        names = [n.strip() for n in (self.args.regs or "").split(",") if n.strip()]
        columns = sampling.columns(self.program, names, "--regs")
        per_step = self.every is None
        has_out = per_step and bool(sampling.outs(self.program))
        head = ["step", "line"] if per_step else ["iteration", "step"]  # keys; shown as tr(step), tr(line)...
        out = _TableWriter(self.con, self.args.format, head + [c.name for c in columns] + (["out"] if has_out else []))
        fault = None
        show = _progress(self.args, self.con)
        try:
            with stop_on_ctrl_c(m):
                if per_step:  # step 0: what the program starts with
                    out.row([0, None], {c.name: sampling.value(m, c) for c in columns}, None, has_out)
                    for rec in m.records():
                        written = {c.target: c.new for c in describe.describe(rec, self.program).changes}
                        out.row([rec.step, rec.line], {c.name: written[c.name] for c in columns if c.name in written},
                                rec.output, has_out)
                        if not rec.step & 0x3FFF:
                            show(m)
                else:  # the registers as the line is about to run: its step is the next one
                    for iteration, row in enumerate(sampling.rows(m, columns, self.every)):
                        out.row([iteration, row.step], dict(zip((c.name for c in columns), row.values)), None, False)
                        show(m)
        except RuntimeFault as err:
            fault = err
        finally:
            show.close()
        out.close(m, fault)
        if fault is not None:
            self.con.out.flush()
            if self.args.format == "json":
                return fault.exit_code
            raise fault
        return 0


class _TableWriter:
    """Writes a table as rows arrive: CSV and JSON at once; text and Markdown after the first BUFFER rows,
    which fix the column widths (later, longer cells push their row wider), so memory stays bounded."""

    BUFFER = 4096

    def __init__(self, con: report.Console, fmt: str, header: list[str]):
        self.con, self.fmt, self.header = con, fmt, header
        self.pending: list = []
        self.widths = None
        if fmt == "csv":
            self.csv = csv.writer(con.out, lineterminator="\n")
            self.csv.writerow(header)

    def _cell(self, v) -> str:
        fmt = self.con.fmt.plain if self.fmt in ("csv", "json") else self.con.fmt  # cells for tools: one language
        return "" if v is None or v is UNSET else fmt.value(v)

    def row(self, first: list, values: dict, out, has_out: bool) -> None:
        names = self.header[2:len(self.header) - has_out]
        if self.fmt == "json":
            doc = {self.header[0]: first[0], self.header[1]: first[1],
                   "values": {n: json_number(v) for n, v in values.items() if n in names}}
            if has_out:
                doc["out"] = json_number(out)
            self.con.say(report.dumps(doc))
            return
        cells = ["" if x is None else str(x) for x in first] + [self._cell(values.get(n)) for n in names]
        cells += [self._cell(out)] if has_out else []
        if self.fmt == "csv":
            self.csv.writerow(cells)
        elif self.widths is None:
            self.pending.append(cells)
            if len(self.pending) >= self.BUFFER:
                self._fix_widths()
        else:
            self._line(cells)

    def _fix_widths(self) -> None:
        # The table's own columns in the reader's language; the registers' by their names.
        shown = [tr(h) if k < 2 or (h == "out" and k == len(self.header) - 1) else h
                 for k, h in enumerate(self.header)]
        self.widths = [max([display_width(h)] + [display_width(r[i]) for r in self.pending])
                       for i, h in enumerate(shown)]
        if self.fmt == "markdown":
            self._line(shown)
            self.con.say("|" + "|".join("-" * (w + 1) + ":" for w in self.widths) + "|")
        else:
            self.con.say(paint("  ".join(rjust(h, w) for h, w in zip(shown, self.widths)), "dim",
                               self.con.colour).rstrip())
        for cells in self.pending:
            self._line(cells)
        self.pending = []

    def _line(self, cells: list[str]) -> None:
        if self.fmt == "markdown":
            self.con.say("| " + " | ".join(rjust(c, w) for c, w in zip(cells, self.widths)) + " |")
        else:
            self.con.say("  ".join(rjust(c, w) for c, w in zip(cells, self.widths)).rstrip())

    def close(self, m: Machine, fault) -> None:
        if self.fmt == "json":
            self.con.say(report.dumps(report.fault_json(fault, self.con.fmt) if fault is not None
                                      else {"status": m.status, "steps": m.steps}))
            return
        if self.fmt == "csv":
            return
        if self.widths is None:
            self._fix_widths()
        status = report.status_line(m.status, m.steps)
        self.con.say(f"\n{status}" if self.fmt == "markdown" else paint(status, "dim", self.con.colour))
