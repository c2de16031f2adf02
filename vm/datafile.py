"""Arrays from files: `--data NAME=@FILE.csv:COLUMN` (a CSV column by header) or `@FILE` (one number a line)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Optional

from . import catalog, isa, source
from .errors import AssemblyError, Collector, GdasmError, InputFileError, Span, UsageError
from .i18n import ntr, tr
from .numbers import exact_bounds, exact_value, finite_text, full_width_hint


class DataFileError(GdasmError):
    """A data file holds something that is not a number (exit 65, like a bad program)."""

    exit_code = 65


def read_input(path: Path, shown: str, what: str, limit: int = source.PROGRAM_LIMIT) -> bytes:
    """A file's bytes, or an InputFileError (exit 66) that names it: a directory, unreadable, too large."""
    return source.read_bounded(path, limit, what, shown)


MAX_ERRORS = 100  # a file of bad rows is reported by its first ones, not a million messages held in memory


def _split(line: str) -> tuple[list[tuple[str, int]], Optional[int]]:
    """A CSV line's cells with the 1-based column where each starts (quotes allowed, as in Excel), and the
    column of a quote left open at the end of the line (gdasm reads one row a line), or None."""
    cells, start, i, quoted, text, opened = [], 0, 0, False, [], None
    while i < len(line):
        c = line[i]
        if quoted:
            if c == '"' and line[i + 1:i + 2] == '"':
                text.append('"')
                i += 1
            elif c == '"':
                quoted = False
            else:
                text.append(c)
        elif c == '"':
            quoted, opened = True, i + 1
        elif c == ",":
            cells.append(("".join(text), start + 1))
            text, start = [], i + 1
        else:
            text.append(c)
        i += 1
    cells.append(("".join(text), start + 1))
    return cells, (opened if quoted else None)


def _cells(line: str) -> list[tuple[str, int]]:
    """A CSV line's cells with the 1-based column where each starts."""
    return _split(line)[0]


class _Lines:
    """The data file's lines one at a time, as the Collector looks them up for the line a message is about:
    a list of ten million lines would cost more memory than the numbers read from them."""

    def __init__(self, text: str):
        self.text, self.number, self.line, self.count = text, 0, "", None

    def __iter__(self):
        start, text = 0, self.text
        while start <= len(text):
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            self.number, self.line = self.number + 1, text[start:end]
            yield self.number, self.line
            start = end + 1

    def __len__(self):
        if self.count is None:
            self.count = self.text.count("\n") + 1
        return self.count

    def __getitem__(self, i: int) -> str:
        if i == self.number - 1:
            return self.line
        start = 0
        for _ in range(i):  # another line (the header, near the start): find it
            start = self.text.find("\n", start) + 1
        end = self.text.find("\n", start)
        return self.text[start:] if end < 0 else self.text[start:end]


def _first(text: str) -> tuple[int, str]:
    """The first line that is not blank, with its number; (0, "") when there is none."""
    return next(((n, l) for n, l in _Lines(text) if l.strip()), (0, ""))


def load(spec: str, option: str, base: Optional[Path] = None, room: int = isa.MAX_ARRAYS_TOTAL,
         exact: bool = False) -> list:
    """The numbers that `@FILE.csv:COLUMN` or `@FILE` names: floats, or their text under --exact.

    At most `room` of them (what the arrays may still hold): reading stops there, so several large files
    cannot fill memory before the total is checked. Under --exact a number with no exact value is located.
    """
    body = spec[1:]
    name, sep, column = body.rpartition(":")
    if not sep or not column:
        name, column = body, None
    if not name.strip():
        raise UsageError(tr("{option}: no file name after '@' (write @FILE.csv:COLUMN or @FILE)", option=option))
    path = Path(name)
    if base is not None and not path.is_absolute():
        path = base / path
    if not source.exists(path):
        path = catalog.data_file(name)  # a file that ships with gdasm, by name: us_population.csv
        if path is None:
            raise InputFileError(tr("{option}: {name}: no such file (nor a bundled data file)",
                                    option=option, name=source.shorten(name)))
    data = read_input(path, f"{source.shorten(option)}: {source.shorten(name)}", tr("a data file"), source.DATA_LIMIT)
    try:
        text = source.normalize(source.decode(data, str(path)))
    except AssemblyError as err:  # not UTF-8: most often GBK from a spreadsheet
        d = err.diagnostics[0]
        raise DataFileError([dataclasses.replace(d, hint=tr("save it as UTF-8 (a spreadsheet's \"CSV UTF-8\"); "
                                                         "GBK, which Chinese Excel often saves, is not read"))]) from None
    del data
    lines = _Lines(text)
    out = Collector(str(path), lines)
    values: list[str] = []
    if column is None:
        _not_a_csv(_first(text)[1], spec, option, name)
        rows = ((n, line, line, len(line) - len(line.lstrip()) + 1) for n, line in lines)
        where = ""
    else:
        header_at, first = _first(text)
        if not header_at:
            raise DataFileError(_plain(out, tr("{option}: {name} is empty: it needs a header row",
                                               option=option, name=name)))
        k = _header(out, header_at, first, column, option, name)
        rows = _column(out, lines, header_at, k, column)
        where = tr(" in column '{column}'", column=column)
    for n, line, cell, col in rows:
        if len(out.diagnostics) >= MAX_ERRORS:
            out.error(tr("gdasm stopped reading here, after {MAX_ERRORS} errors",
                         MAX_ERRORS=MAX_ERRORS), Span(n, 1, 2), code="data-too-many-errors")
            break
        if column is None and not cell.strip():
            continue
        v = finite_text(cell)
        if v is None:
            lead = len(cell) - len(cell.lstrip())
            hint = full_width_hint(cell) or (tr("a data file given as @FILE holds one number a line") if column is None
                                             else tr("numbers are written as in Python: 2, -0.5, 1e-3"))
            out.error(tr("'{cell}'{where} is not a number", cell=source.shorten(cell.strip()), where=where),
                      Span(n, col + (lead if column else 0), col + (lead if column else 0) + max(len(cell.strip()), 1)),
                      hint=hint, code="data-not-a-number")
        elif len(values) >= room:
            cap = isa.MAX_EXACT_ARRAYS_TOTAL if exact else isa.MAX_ARRAYS_TOTAL
            given = cap - room
            raise DataFileError(_plain(out, tr("{option}: {name} holds more than {room:,} numbers, more than all "
                                               "arrays together may hold ({cap:,}",
                                               option=option, name=source.shorten(name), room=room, cap=cap)
                                            + (tr(" under --exact") if exact else "")
                                            + (tr(", {given:,} of them given before it",
                                                  given=given) if given else "") + ")",
                                       "data-too-many"))
        elif exact and exact_value(v) is None:
            lead = len(cell) - len(cell.lstrip())
            out.error(tr("'{cell}'{where} has no exact value small enough to compute with",
                         cell=source.shorten(cell.strip()), where=where),
                      Span(n, col + lead, col + lead + max(len(cell.strip()), 1)), code="no-exact-value",
                      hint=tr("{bounds}; run without --exact, or write a smaller number", bounds=exact_bounds()))
        else:
            values.append(v if exact else float(v))  # a float holds half what its text does
    if out.errors:
        raise DataFileError(out.diagnostics)
    return values


def _header(out: Collector, n: int, line: str, column: str, option: str, name: str) -> int:
    """The index of `column` in the header row; a located error for a repeated name or an open quote."""
    cells, opened = _split(line)
    if opened is not None:
        _unclosed(out, n, opened)
    header = [c.strip() for c, _ in cells]
    seen: dict[str, int] = {}
    for i, (h, (cell, col)) in enumerate(zip(header, cells)):
        if h and h in seen:
            lead = len(cell) - len(cell.lstrip())
            first = cells[seen[h]][1]
            out.error(tr("column '{h}' is named twice in the header row",
                         h=h), Span(n, col + lead, col + lead + len(h)),
                      hint=tr("rename one of them, so that a column is named by one header"),
                      related=[(Span(n, first, first + len(cells[seen[h]][0]) or 1), tr("first named here"))],
                      code="data-duplicate-column")
        seen.setdefault(h, i)
    if out.errors:
        raise DataFileError(out.diagnostics)
    if column not in header:
        raise UsageError(tr("{option}: {name} has no column '{column}'; its columns are: ",
                            option=option, name=name, column=column) + ", ".join(header))
    return header.index(column)


def _column(out: Collector, lines: _Lines, header_at: int, k: int, column: str):
    """(line number, line, the cell of column k, its column) for each row after the header."""
    for n, line in lines:
        if n <= header_at or not line.strip():
            continue
        cells, opened = _split(line)
        if opened is not None:
            _unclosed(out, n, opened)
            continue
        if k >= len(cells):
            out.error(ntr("this row has no '{column}' cell (it has {n} cell)",
                          "this row has no '{column}' cell (it has {n} cells)", len(cells), column=column),
                      Span(n, len(line) + 1, len(line) + 2), code="data-missing-cell")
            continue
        cell, col = cells[k]
        yield n, line, cell, col


def _unclosed(out: Collector, n: int, col: int) -> None:
    out.error(tr("this quote is not closed on its line"), Span(n, col, col + 1),
              hint=tr('close it with another \'"\' (gdasm reads one row a line; a quote inside a cell is written "")'),
              code="data-unterminated-quote")


def _plain(out: Collector, message: str, code: str = "data-empty") -> list:
    """Every diagnostic so far and then one about the whole file (no line)."""
    out.error(message, None, code=code)
    return list(out.diagnostics)


def _not_a_csv(first: str, spec: str, option: str, name: str) -> None:
    """A CSV file named without `:COLUMN`: say so once, with its columns, rather than a message a row."""
    if "," in first:
        columns = [c.strip() for c, _ in _cells(first)]
        if any(finite_text(c) is None for c in columns):
            raise UsageError(tr("{option}: {name} is a CSV file; name a column with {spec}:COLUMN — its columns are: ",
                                
                                option=option, name=name, spec=spec) + ", ".join(columns))
        raise UsageError(tr("{option}: {name} has several numbers a line; name a column with {spec}:COLUMN (a CSV "
                            "file's first line names its columns) or give one number a line",
                            option=option, name=name, spec=spec))
