"""The one table of gdasm instructions and directives: the parser, every engine and docs/ read it."""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Callable, Optional

# Operand kinds, as the table's `operands` strings spell them.
KINDS = {
    "d": "register written",
    "a": "register or immediate read",
    "b": "register or immediate read",
    "i": "index: register or immediate holding a whole number",
    "L": "label",
    "M": "array",
}

# Behaviours: how an engine runs an instruction. Adding an instruction of an existing
# behaviour touches only the table below.
BEHAVIOURS = ("compute", "jump", "branch", "call", "ret", "load", "store", "len", "out", "halt")


@dataclass(frozen=True)
class Op:
    """One mnemonic: its operands, behaviour, semantics and documentation."""

    mnemonic: str
    operands: str  # kinds separated by spaces, e.g. "d a b"
    behaviour: str
    meaning: str  # one line of notation for the docs, e.g. "d ← a + b"
    doc: str  # one-line description
    fn: Optional[Callable] = None  # compute: the value; branch: the condition
    domain: Optional[Callable] = None  # values read -> fault message, or None when defined
    faults: str = ""  # one line for the docs
    shorthand: bool = False  # "OP d, a" means "OP d, d, a"
    exact: bool = True  # has an exact rational result (False: --exact faults)
    formula: str = ""  # how `explain` writes it: {0}, {1} are the operands

    kinds: tuple = field(default=(), init=False, repr=False)  # derived from `operands`

    def __post_init__(self):
        object.__setattr__(self, "kinds", tuple(self.operands.split()))

    @property
    def forms(self) -> tuple[tuple[str, ...], ...]:
        """Every accepted operand list, longest first."""
        full = self.kinds
        return (full, full[:2]) if self.shorthand else (full,)

    def form_text(self, kinds: tuple[str, ...]) -> str:
        return f"{self.mnemonic} {', '.join(kinds)}" if kinds else self.mnemonic


def _div_domain(a, b):
    return "division by zero" if b == 0 else None


def _sqrt_domain(a):
    return "square root of a negative number" if a < 0 else None


def _log_domain(a):
    return "logarithm of zero" if a == 0 else ("logarithm of a negative number" if a < 0 else None)


_TABLE = (
    Op("MOV", "d a", "compute", "d ← a", "copy a value into a register",
       fn=operator.pos, formula="{0}"),
    Op("ADD", "d a b", "compute", "d ← a + b", "add", fn=operator.add, shorthand=True,
       formula="{0} + {1}"),
    Op("SUB", "d a b", "compute", "d ← a − b", "subtract", fn=operator.sub, shorthand=True,
       formula="{0} − {1}"),
    Op("MUL", "d a b", "compute", "d ← a × b", "multiply", fn=operator.mul, shorthand=True,
       formula="{0}·{1}"),
    Op("DIV", "d a b", "compute", "d ← a ÷ b", "divide", fn=operator.truediv, shorthand=True,
       domain=_div_domain, faults="b = 0", formula="{0} / {1}"),
    Op("NEG", "d a", "compute", "d ← −a", "negate", fn=operator.neg, formula="−{0}"),
    Op("ABS", "d a", "compute", "d ← |a|", "absolute value", fn=abs, formula="|{0}|"),
    Op("SQRT", "d a", "compute", "d ← √a", "square root", fn=math.sqrt, domain=_sqrt_domain,
       faults="a < 0", exact=False, formula="√{0}"),
    Op("EXP", "d a", "compute", "d ← eᵃ", "exponential", fn=math.exp,
       faults="result too large (overflow)", exact=False, formula="exp({0})"),
    Op("LOG", "d a", "compute", "d ← ln a", "natural logarithm", fn=math.log, domain=_log_domain,
       faults="a ≤ 0", exact=False, formula="ln({0})"),
    Op("JMP", "L", "jump", "go to L", "jump"),
    Op("JLT", "a b L", "branch", "go to L if a < b", "jump if less", fn=operator.lt),
    Op("JLE", "a b L", "branch", "go to L if a ≤ b", "jump if less or equal", fn=operator.le),
    Op("JGT", "a b L", "branch", "go to L if a > b", "jump if greater", fn=operator.gt),
    Op("JGE", "a b L", "branch", "go to L if a ≥ b", "jump if greater or equal", fn=operator.ge),
    Op("JEQ", "a b L", "branch", "go to L if a = b", "jump if equal", fn=operator.eq),
    Op("JNE", "a b L", "branch", "go to L if a ≠ b", "jump if not equal", fn=operator.ne),
    Op("CALL", "L", "call", "push the next address; go to L", "call a subroutine",
       faults="call depth over 10,000"),
    Op("RET", "", "ret", "pop an address; go there", "return from a subroutine",
       faults="nothing to return to"),
    Op("LOAD", "d M i", "load", "d ← M[i]", "read an array element (0-based)",
       faults="i not a whole number in range"),
    Op("STORE", "M i a", "store", "M[i] ← a", "write an array element (0-based)",
       faults="i not a whole number in range"),
    Op("LEN", "d M", "len", "d ← length of M", "number of elements of an array"),
    Op("OUT", "a", "out", "print a", "print a value as one line of program output"),
    Op("HALT", "", "halt", "stop", "stop the program (counts as a step)"),
)

OPS: dict[str, Op] = {op.mnemonic: op for op in _TABLE}

# Every arithmetic result must be finite; this is the message when it is not.
OVERFLOW = "overflow: the result is not a finite number"
MAX_CALL_DEPTH = 10_000
MAX_ARRAY_LENGTH = 10_000_000


@dataclass(frozen=True)
class Directive:
    """One assembler directive: not a step; it declares initial state."""

    name: str
    form: str
    doc: str


DIRECTIVES: dict[str, Directive] = {
    d.name: d
    for d in (
        Directive(".reg", ".reg NAME = EXPR",
                  "initial value of a register (`--set` on the command line overrides it)"),
        Directive(".data", ".data NAME = EXPR, EXPR, ...",
                  "a named array of numbers (`--data` on the command line replaces it)"),
        Directive(".zeros", ".zeros NAME, N",
                  f"an array of N zeros (N a whole number from 1 to {MAX_ARRAY_LENGTH:,})"),
    )
}


def lookup(mnemonic: str) -> Optional[Op]:
    """The Op for a mnemonic in any case, or None."""
    return OPS.get(mnemonic.upper())


def is_reserved(name: str) -> bool:
    """True for a word that may not be a name: a mnemonic, in any case."""
    return name.upper() in OPS
