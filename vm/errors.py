"""Diagnostics and the exception types the package raises on bad input."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Optional

from .numbers import fraction_text


@dataclass(frozen=True)
class Span:
    """A place in the source: 1-based line and columns, end column exclusive."""

    line: int
    column: int
    end_column: int


@dataclass(frozen=True)
class Diagnostic:
    """One message about the program, located in its source."""

    severity: str  # "error", "warning" or "runtime error"
    message: str  # the message, numbers in it as `dec` shows them
    filename: str
    span: Optional[Span] = None
    source_line: str = ""
    hint: str = ""
    notes: tuple[str, ...] = ()  # extra lines, e.g. where a run spent its steps
    related: tuple = ()  # ((Span, source line, message), ...): other places, e.g. a first definition
    code: str = ""  # a stable name for the kind of message, e.g. "division-by-zero"; see docs/errors.md
    step: Optional[int] = None  # a runtime fault: the step that could not run
    reads: tuple = ()  # a runtime fault: ((register, value), ...) the instruction read
    template: str = ""  # the message with {placeholders} for `values`, so a formatter can show them
    values: tuple = ()  # ((placeholder, number), ...)
    subject: str = ""  # the name the message is about (the register never written), for tools
    offset: Optional[int] = None  # a byte offset in a binary file (a .gdbin), shown instead of a line

    def text(self, fmt=None) -> str:
        """The message, with its numbers in the formatter's format (default: as `message` has them)."""
        if fmt is None or not self.values:
            return self.message
        return self.template.format(**{k: fmt.value(v) if not isinstance(v, (int, str)) else v
                                       for k, v in self.values})

    def to_json(self, fmt=None) -> dict:
        """The stable JSON shape of a diagnostic (docs/errors.md lists its keys)."""
        s = self.span
        doc = {
            "severity": self.severity,
            "message": self.text(fmt),
            "file": self.filename,
            "line": s.line if s else None,
            "column": s.column if s else None,
            "end_column": s.end_column if s else None,
            "hint": self.hint or None,
            "notes": list(self.notes),
            "related": [{"line": r.line, "column": r.column, "end_column": r.end_column, "message": m}
                        for r, _, m in self.related],
            "code": self.code or None,
        }
        if self.subject:
            doc["subject"] = self.subject
        if self.offset is not None:
            doc["offset"] = self.offset
        if self.step is not None:
            doc["step"] = self.step
            doc["reads"] = {name: json_number(v) for name, v in self.reads}
        return doc


def json_number(v):
    """A value as JSON: a float, an exact fraction as its text ("28/3"), or null for an unset register."""
    if isinstance(v, Fraction):
        return fraction_text(v)
    if isinstance(v, (int, float)):
        return float(v)
    return None


class GdasmError(Exception):
    """Base of every exception gdasm raises on bad input."""

    exit_code = 1
    code = ""  # the code of a plain-text error of this kind

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str):
        if isinstance(diagnostics, str):
            diagnostics = Diagnostic("error", diagnostics, "", code=self.code)
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("; ".join(d.message for d in self.diagnostics))


class UsageError(GdasmError):
    """A bad command line or API argument (exit 64)."""

    exit_code = 64
    code = "usage"


class AssemblyError(GdasmError):
    """The program text is not valid gdasm; carries every diagnostic (exit 65)."""

    exit_code = 65


class InputFileError(GdasmError):
    """An input file is missing or unreadable (exit 66)."""

    exit_code = 66
    code = "input-file"


class RuntimeFault(GdasmError):
    """The program faulted while running (exit 70): `diagnostic` says where and why, `code` what kind."""

    exit_code = 70

    def __init__(self, diagnostic: Diagnostic, step: int = 0, reads: dict | None = None, address: int = -1):
        super().__init__(diagnostic)
        self.step = step
        self.reads = dict(reads or {})
        self.address = address

    @property
    def diagnostic(self) -> Diagnostic:
        return self.diagnostics[0]

    @property
    def code(self) -> str:
        return self.diagnostic.code


@dataclass
class Collector:
    """Gathers diagnostics for one file so that every error is reported at once."""

    filename: str
    lines: list[str]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def source(self, span: Optional[Span]) -> str:
        return self.lines[span.line - 1] if span and 0 < span.line <= len(self.lines) else ""

    def add(self, severity: str, message: str, span: Optional[Span], hint: str = "",
            notes: tuple[str, ...] = (), related=(), code: str = "", subject: str = "") -> None:
        rel = tuple((s, self.source(s), m) for s, m in related)
        self.diagnostics.append(Diagnostic(severity, message, self.filename, span, self.source(span), hint,
                                           notes, rel, code, subject=subject))

    def error(self, message: str, span: Optional[Span], hint: str = "", notes=(), related=(), code="",
              subject="") -> None:
        self.add("error", message, span, hint, tuple(notes), related, code, subject)

    def warning(self, message: str, span: Optional[Span], hint: str = "", notes=(), related=(), code="",
                subject="") -> None:
        self.add("warning", message, span, hint, tuple(notes), related, code, subject)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]
