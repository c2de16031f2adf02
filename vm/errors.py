"""Diagnostics and the exception types the package raises on bad input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


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
    message: str
    filename: str
    span: Optional[Span] = None
    source_line: str = ""
    hint: str = ""
    notes: tuple[str, ...] = ()  # extra lines: the step, the values read
    related: tuple = ()  # ((Span, source line, message), ...): other places, e.g. a first definition
    code: str = ""  # a stable name for the kind of message, e.g. "never-written"

    def to_json(self) -> dict:
        s = self.span
        return {
            "severity": self.severity,
            "message": self.message,
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


class GdasmError(Exception):
    """Base of every exception gdasm raises on bad input."""

    exit_code = 1

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str):
        if isinstance(diagnostics, str):
            diagnostics = Diagnostic("error", diagnostics, "")
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("; ".join(d.message for d in self.diagnostics))


class UsageError(GdasmError):
    """A bad command line or API argument (exit 64)."""

    exit_code = 64


class AssemblyError(GdasmError):
    """The program text is not valid gdasm; carries every diagnostic (exit 65)."""

    exit_code = 65


class InputFileError(GdasmError):
    """An input file is missing or unreadable (exit 66)."""

    exit_code = 66


class RuntimeFault(GdasmError):
    """The program faulted while running (exit 70)."""

    exit_code = 70

    def __init__(self, diagnostic: Diagnostic, step: int = 0, reads: dict | None = None):
        super().__init__(diagnostic)
        self.step = step
        self.reads = dict(reads or {})

    @property
    def diagnostic(self) -> Diagnostic:
        return self.diagnostics[0]


@dataclass
class Collector:
    """Gathers diagnostics for one file so that every error is reported at once."""

    filename: str
    lines: list[str]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def source(self, span: Optional[Span]) -> str:
        return self.lines[span.line - 1] if span and 0 < span.line <= len(self.lines) else ""

    def add(self, severity: str, message: str, span: Optional[Span], hint: str = "",
            notes: tuple[str, ...] = (), related=(), code: str = "") -> None:
        rel = tuple((s, self.source(s), m) for s, m in related)
        self.diagnostics.append(Diagnostic(severity, message, self.filename, span, self.source(span), hint,
                                           notes, rel, code))

    def error(self, message: str, span: Optional[Span], hint: str = "", notes=(), related=(), code="") -> None:
        self.add("error", message, span, hint, tuple(notes), related, code)

    def warning(self, message: str, span: Optional[Span], hint: str = "", notes=(), related=(), code="") -> None:
        self.add("warning", message, span, hint, tuple(notes), related, code)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]
