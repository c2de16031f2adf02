"""Arrays from files: `--data NAME=@FILE.csv:COLUMN` (a CSV column by header) or `@FILE` (one number a line)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Optional

from . import bundled, source
from .errors import AssemblyError, Collector, GdasmError, InputFileError, Span, UsageError
from .numbers import finite_text


class DataFileError(GdasmError):
    """A data file holds something that is not a number (exit 65, like a bad program)."""

    exit_code = 65


def read_input(path: Path, shown: str, what: str, limit: int = source.PROGRAM_LIMIT) -> bytes:
    """A file's bytes, or an InputFileError (exit 66) that names it: a directory, unreadable, too large."""
    return source.read_bounded(path, limit, what, shown)


def _cells(line: str) -> list[tuple[str, int]]:
    """A CSV line's cells with the 1-based column where each starts (quotes allowed, as in Excel)."""
    cells, start, i, quoted, text = [], 0, 0, False, []
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
            quoted = True
        elif c == ",":
            cells.append(("".join(text), start + 1))
            text, start = [], i + 1
        else:
            text.append(c)
        i += 1
    cells.append(("".join(text), start + 1))
    return cells


def load(spec: str, option: str, base: Optional[Path] = None) -> list[str]:
    """The numbers (as text, for exact arithmetic) that `@FILE.csv:COLUMN` or `@FILE` names."""
    body = spec[1:]
    name, sep, column = body.rpartition(":")
    if not sep or not column:
        name, column = body, None
    if not name.strip():
        raise UsageError(f"{option}: no file name after '@' (write @FILE.csv:COLUMN or @FILE)")
    path = Path(name)
    if base is not None and not path.is_absolute():
        path = base / path
    if not source.exists(path):
        path = bundled.data_file(name)  # a file that ships with gdasm, by name: us_population.csv
        if path is None:
            raise InputFileError(f"{option}: {source.shorten(name)}: no such file (nor a bundled data file)")
    data = read_input(path, f"{source.shorten(option)}: {source.shorten(name)}", "a data file", source.DATA_LIMIT)
    try:
        text = source.normalize(source.decode(data, str(path)))
    except AssemblyError as err:  # not UTF-8: most often GBK from a spreadsheet
        d = err.diagnostics[0]
        raise DataFileError([dataclasses.replace(d, hint="save it as UTF-8 (a spreadsheet's \"CSV UTF-8\"); "
                                                         "GBK, which Chinese Excel often saves, is not read")]) from None
    lines = text.split("\n")
    out = Collector(str(path), lines)
    values: list[str] = []
    if column is None:
        _not_a_csv(lines, spec, option, name)
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            v = finite_text(line)
            if v is None:
                col = len(line) - len(line.lstrip()) + 1
                out.error(f"'{line.strip()}' is not a number", Span(n, col, col + len(line.strip())),
                          hint="a data file given as @FILE holds one number a line", code="data-not-a-number")
            else:
                values.append(v)
    else:
        header_at = next((i for i, l in enumerate(lines) if l.strip()), None)
        if header_at is None:
            raise DataFileError(out.diagnostics + [_plain(out, f"{option}: {name} is empty: it needs a header row")])
        header = [c.strip() for c, _ in _cells(lines[header_at])]
        if column not in header:
            raise UsageError(f"{option}: {name} has no column '{column}'; its columns are: "
                             + ", ".join(header))
        k = header.index(column)
        for n, line in enumerate(lines[header_at + 1:], header_at + 2):
            if not line.strip():
                continue
            cells = _cells(line)
            if k >= len(cells):
                out.error(f"this row has no '{column}' cell (it has {len(cells)} cell{'s' if len(cells) != 1 else ''})",
                          Span(n, len(line) + 1, len(line) + 2), code="data-missing-cell")
                continue
            cell, col = cells[k]
            v = finite_text(cell)
            if v is None:
                lead = len(cell) - len(cell.lstrip())
                out.error(f"'{cell.strip()}' in column '{column}' is not a number",
                          Span(n, col + lead, col + lead + max(len(cell.strip()), 1)),
                          hint="numbers are written as in Python: 2, -0.5, 1e-3", code="data-not-a-number")
            else:
                values.append(v)
    if out.errors:
        raise DataFileError(out.diagnostics)
    return values


def _plain(out: Collector, message: str):
    out.error(message, None, code="data-empty")
    return out.diagnostics.pop()


def _not_a_csv(lines: list[str], spec: str, option: str, name: str) -> None:
    """A CSV file named without `:COLUMN`: say so once, with its columns, rather than a message a row."""
    first = next((l for l in lines if l.strip()), "")
    if "," in first:
        columns = [c.strip() for c, _ in _cells(first)]
        if any(finite_text(c) is None for c in columns):
            raise UsageError(f"{option}: {name} is a CSV file; name a column with {spec}:COLUMN — its columns "
                             "are: " + ", ".join(columns))
        raise UsageError(f"{option}: {name} has several numbers a line; name a column with {spec}:COLUMN "
                         "(a CSV file's first line names its columns) or give one number a line")
