"""gdasm: a small, exact register machine that runs gradient descent as assembly."""

from .assembler import assemble
from .errors import AssemblyError, Diagnostic, GdasmError, InputFileError, RuntimeFault, Span, UsageError
from .ir import UNSET, Program
from .machine import DEFAULT_MAX_STEPS, Machine, Result, StepRecord, run

__version__ = "0.1.0"

__all__ = [
    "assemble", "run", "Machine", "Program", "Result", "StepRecord", "UNSET", "DEFAULT_MAX_STEPS",
    "GdasmError", "AssemblyError", "RuntimeFault", "UsageError", "InputFileError", "Diagnostic", "Span",
]
