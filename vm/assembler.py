"""Text to Program: Lark parses each line's shape; the ISA table checks mnemonics and operands.

Pass one parses line by line with an inline transformer that folds constants as the parser reduces (so
10,000-deep parentheses never recurse). The transformer keeps no state: every value it builds carries its
own columns and its own problems, and this module's caller-side code gives them their line. Pass two
(`_Resolver`) collects labels and declarations, then checks every instruction against the ISA table.
"""

from __future__ import annotations

from types import MappingProxyType

import dataclasses
import functools
import gc
import itertools
import operator
import os
import re
import sys
import unicodedata
from fractions import Fraction
from collections.abc import Sequence
from typing import NamedTuple, Optional, Union

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedToken

from . import isa, source
from .errors import AssemblyError, Collector, Span, UsageError
from . import i18n
from .i18n import mark, tr
from .ir import ArrayRef, Imm, Input, Instruction, LabelRef, Program, Reg
from .numbers import exact_value, within_bounds
from .render import value as render_number
from .source import decode, normalize
from .suggest import Suggester, did_you_mean

_BLANK = re.compile(r"[ \t]*(?:[#;].*)?\Z")
# A line of nothing but what the grammar reads (the common case): no scan for bad characters needed.
_PLAIN = re.compile(r"[A-Za-z0-9_ \t,:()+\-*/=.]*(?:[#;].*)?\Z")
# Spaces a web page or an input method leaves in copied code: read as a space, with a warning.
_ODD_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
# More bad characters than this on one line: the rest of the line is not examined.
MAX_BAD_PER_LINE = 20

# Characters an input method or a web page puts where ASCII belongs: what to type instead.
_LOOKALIKES = MappingProxyType({
    "，": ",", "：": ":", "（": "(", "）": ")", "；": ";", "＃": "#", "．": ".", "。": ".",
    "＝": "=", "＋": "+", "－": "-", "＊": "*", "／": "/", "、": ",", "＿": "_",
    "\u200b": "", "\ufeff": "", "\u2060": "",
})
# Mathematical symbols that arrive with formulas copied from a document.
_MATHS = MappingProxyType({"−": "-", "×": "*", "÷": "/", "·": "*", "⋅": "*"})
# The Unicode names of the characters above and of the odd spaces, marked so that a reader sees them in their
# language (FULLWIDTH COMMA is 全角逗号); another character is named as Unicode names it.
_CHAR_NAMES = (
    mark("FULLWIDTH COMMA"), mark("FULLWIDTH COLON"), mark("FULLWIDTH LEFT PARENTHESIS"),
    mark("FULLWIDTH RIGHT PARENTHESIS"), mark("FULLWIDTH SEMICOLON"), mark("FULLWIDTH NUMBER SIGN"),
    mark("FULLWIDTH FULL STOP"), mark("IDEOGRAPHIC FULL STOP"), mark("FULLWIDTH EQUALS SIGN"),
    mark("FULLWIDTH PLUS SIGN"), mark("FULLWIDTH HYPHEN-MINUS"), mark("FULLWIDTH ASTERISK"), mark("FULLWIDTH SOLIDUS"),
    mark("IDEOGRAPHIC COMMA"), mark("FULLWIDTH LOW LINE"), mark("ZERO WIDTH SPACE"), mark("ZERO WIDTH NO-BREAK SPACE"),
    mark("WORD JOINER"), mark("MINUS SIGN"), mark("MULTIPLICATION SIGN"), mark("DIVISION SIGN"), mark("MIDDLE DOT"),
    mark("DOT OPERATOR"), mark("NO-BREAK SPACE"), mark("IDEOGRAPHIC SPACE"), mark("EN SPACE"), mark("EM SPACE"),
    mark("THIN SPACE"), mark("NARROW NO-BREAK SPACE"),
)


def _char_name(ch: str) -> str:
    """A character's Unicode name, in the reader's language where the catalogue has it (全角逗号)."""
    name = unicodedata.name(ch, "")
    return tr(name) if name in _CHAR_NAMES else (name or tr("unnamed character"))


# --- parse-time values (not IR): columns on their line, and the problems found while folding ------------

class _Cols(NamedTuple):
    column: int
    end: int


class _Problem(NamedTuple):
    severity: str
    message: str
    cols: _Cols
    hint: str
    code: str


class _Const(NamedTuple):
    value: float
    exact: Optional[Fraction]
    cols: _Cols
    problems: tuple = ()


class _Name(NamedTuple):
    name: str  # NFKC-normalised, as Python normalises identifiers
    cols: _Cols


class _Assign(NamedTuple):
    name: _Name
    expr: object
    cols: _Cols


class _Bad(NamedTuple):
    """An expression with an error in it."""

    cols: _Cols
    problems: tuple


class _Statement(NamedTuple):
    kind: str  # "instruction" or "directive"
    word: str
    word_cols: _Cols
    operands: tuple
    cols: _Cols


def _cols(tok: Token) -> _Cols:
    return _Cols(tok.column, tok.end_column)


def _name_text(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


class _Builder(Transformer):
    """Inline LALR callbacks: fold constants as the parser reduces. Pure: no state, so one parser serves all."""

    def number(self, c):
        tok = c[0]
        cols = _cols(tok)
        value = float(tok.value)
        if value in (float("inf"), float("-inf")):
            return _Bad(cols, (_Problem("error", tr("the number {number} does not fit a binary64 float",
                                                    number=tok.value), cols,
                                        tr("the largest is 1.7976931348623157e+308"), "number-too-large"),))
        problems = ()
        if value == 0.0 and tok.value.lower().partition("e")[0].strip("0.") != "":
            problems = (_Problem("warning", tr("the number {number} is too small for a binary64 float and becomes "
                                               "0.0", number=tok.value), cols, "", "number-too-small"),)
        text = tok.value
        return _Const(value, _exact_short(text) if len(text) <= 24 else exact_value(text), cols, problems)

    def name(self, c):
        return _Name(_name_text(c[0].value), _cols(c[0]))

    def paren(self, c):
        lpar, inner, rpar = c
        cols = _Cols(lpar.column, rpar.end_column)
        if isinstance(inner, _Const):
            return _Const(inner.value, inner.exact, cols, inner.problems)
        if isinstance(inner, _Name):
            inner = _name_in_expression(inner)
        return _Bad(cols, inner.problems)

    def unary(self, c):
        sign, x = c[0], _operand(c[1])
        cols = _Cols(sign.column, x.cols.end)
        if isinstance(x, _Bad):
            return _Bad(cols, x.problems)
        if sign.value == "-":
            return _Const(-x.value, None if x.exact is None else -x.exact, cols, x.problems)
        return _Const(x.value, x.exact, cols, x.problems)

    def binary(self, c):
        left, op, right = _operand(c[0]), c[1], _operand(c[2])
        cols = _Cols(left.cols.column, right.cols.end)
        problems = left.problems + right.problems
        if isinstance(left, _Bad) or isinstance(right, _Bad):
            return _Bad(cols, problems)
        a, b = left.value, right.value
        if op.value == "/" and b == 0:
            return _Bad(cols, problems + (_Problem("error", tr("division by zero in a constant expression",
                                                               ), right.cols,
                                                   "", "constant-division-by-zero"),))
        fn = _FOLD[op.value]  # only the operator written is computed: an exact sum of huge fractions is slow
        value = fn(a, b)
        if value - value != 0:
            return _Bad(cols, problems + (_Problem("error", tr("this constant expression overflows a binary64 float"),
                                                   _cols(op), "", "constant-overflow"),))
        return _Const(value, _fold_exact(fn, left.exact, right.exact), cols, problems)

    def assign(self, c):
        name, expr = c
        n = _Name(_name_text(name.value), _cols(name))
        return _Assign(n, expr, _Cols(n.cols.column, expr.cols.end))

    def operands(self, c):
        return tuple(c)

    def _statement(self, kind, c):
        word, operands = c[0], c[1] or ()
        cols = _cols(word)
        end = operands[-1].cols.end if operands else cols.end
        return _Statement(kind, _name_text(word.value), cols, operands, _Cols(cols.column, end))

    def instruction(self, c):
        return self._statement("instruction", c)

    def directive(self, c):
        return self._statement("directive", c)

    def label(self, c):
        return _Name(_name_text(c[0].value), _cols(c[0]))

    def start(self, c):
        return c[0], c[1]


@functools.lru_cache(maxsize=4096)
def _exact_short(text: str) -> Optional[Fraction]:
    """exact_value of a short number's text, remembered: programs write the same few numbers many times."""
    return exact_value(text)


_FOLD = MappingProxyType({"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv})


def _fold_exact(fn, x: Optional[Fraction], y: Optional[Fraction]) -> Optional[Fraction]:
    """fn(x, y) exactly, or None (no exact value: `--exact` then reports the immediate at its place) when an
    operand has none, when the exact divisor is 0 though its double is not (1/(0.1+0.2-0.3)), or when the
    result passes the exact-size limit. Operands within the limit bound the work of one operation."""
    if x is None or y is None or (fn is operator.truediv and y == 0):
        return None
    if not (within_bounds(x) and within_bounds(y)):  # checked before computing, whoever made x and y
        return None
    r = fn(x, y)
    return r if within_bounds(r) else None


def _name_in_expression(n: _Name) -> _Bad:
    return _Bad(n.cols, (_Problem("error", tr("'{name}' is a name inside a constant expression", name=n.name), n.cols,
                                  tr("an immediate is numbers only; compute with registers in separate "
                                     "instructions"), "name-in-expression"),))


def _operand(x):
    return _name_in_expression(x) if isinstance(x, _Name) else x


@functools.cache
def _parser() -> Lark:
    """The one LALR parser, built on first use; its transformer is stateless, so sharing it is safe.

    Lark keeps its analysis of the grammar in vm/__pycache__, beside Python's own compiled files, trusted as
    they are, and only where Python writes them (not under PYTHONDONTWRITEBYTECODE or -B, nor where there is
    no such folder): building it costs ~14 ms of every command's start-up, loading it ~1 ms. Lark checks a hash
    of the grammar, the options, its version and Python's when it reads the file; one that is missing, stale,
    cut short or not writable is rebuilt or skipped silently (Lark logs nothing below CRITICAL).
    """
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")
    cache = not sys.dont_write_bytecode and os.path.isdir(folder) and os.path.join(folder, "grammar.lark-cache")
    return Lark.open("grammar.lark", rel_to=__file__, parser="lalr", transformer=_Builder(),
                     maybe_placeholders=True, cache=cache or False)


# --- syntax errors ----------------------------------------------------------------------------------------

_TERMINALS = MappingProxyType({
    "NAME": mark("a name"), "NUMBER": mark("a number"), "COMMA": "','", "COLON": "':'", "LPAR": "'('",
    "RPAR": "')'", "ADDOP": mark("'+' or '-'"), "MULOP": mark("'*' or '/'"), "EQUAL": "'='",
    "DIRECTIVE": mark("a directive"), "$END": mark("the end of the line"),
})
# A token found where another was expected, by its kind (in the reader's language) and its text.
_FOUND = MappingProxyType({"NAME": mark("name '{text}'"), "NUMBER": mark("number '{text}'"),
                           "DIRECTIVE": mark("directive '{text}'")})


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return tr("end of line")
    text = tok.value if len(tok.value) <= 40 else tok.value[:37] + "…"
    return tr(_FOUND[tok.type], text=text) if tok.type in _FOUND else f"'{text}'"


def _bad_character(out: Optional[Collector], ch: str, span: Span) -> str:
    """Report a character the grammar cannot read (unless `out` is None); what to read in its place (one
    character: columns stay where they are)."""
    code = f"U+{ord(ch):04X}"
    name = _char_name(ch)
    report = out.error if out is not None else (lambda *a, **kw: None)
    if ch in _MATHS:
        report(tr("'{char}' ({code} {name}) is a mathematical symbol, not gdasm's '{meant}'", char=ch, code=code,
                  name=name, meant=_MATHS[ch]), span,
               hint=tr("formulas copied from a document or a web page use it; type '{meant}'", meant=_MATHS[ch]),
               code="maths-symbol")
        return _MATHS[ch]
    if ch in _LOOKALIKES:
        instead = _LOOKALIKES[ch]
        report(tr("'{char}' ({code} {name}) is not gdasm punctuation", char=ch, code=code, name=name), span,
               hint=(tr("type '{meant}' instead; a Chinese input method in full-width mode types these",
                        meant=instead)
                     if instead else tr("type nothing: delete this invisible character (often pasted from a web "
                                        "page)")),
               code="lookalike-character")
        return instead or " "
    if "\uff01" <= ch <= "\uff5e":
        ascii_ch = chr(ord(ch) - 0xFEE0)
        report(tr("'{char}' ({code} {name}) is a full-width character", char=ch, code=code, name=name), span,
               hint=tr("type the ASCII '{meant}' instead (switch the input method to half-width)", meant=ascii_ch),
               code="full-width-character")
        return ascii_ch
    if ord(ch) < 32 or ord(ch) == 127:
        report(tr("control character {code} in the program text", code=code), span, code="control-character")
    else:
        report(tr("unexpected character '{char}' ({code})", char=ch, code=code), span,
               hint=tr("names are letters (any script), digits and '_'; comments start with '#' or ';'"),
               code="bad-character")
    return " "


# Characters the lexer cannot read before a comment: ASCII punctuation outside the grammar, controls, and
# the non-ASCII punctuation and symbols that names leave out (see NAME in grammar.lark); and comment starts.
_SCAN = re.compile(r"[#;]|[\x00-\x08\x0b-\x1f\x7f!\"$%&'<>?@\[\\\]^`{|}~]"
                   r"|(?!\w)[\u00a0-\u00bf\u00d7\u00f7\u2000-\u206f\u2190-\u23ff\u3000-\u303f\ufe30-\ufe4f"
                   r"\ufeff\uff00-\uffef]")


def _read_past_bad_characters(line: str, lineno: int, out: Collector) -> tuple[str, int]:
    """The line with each character the grammar cannot read reported and replaced by what was meant (or a
    space), in one pass; and how many there were. A string ('…') is one error. After MAX_BAD_PER_LINE
    reports the rest are still read past, and counted in a note."""
    chars, bad, skip, last = None, 0, 0, None
    for m in _SCAN.finditer(line):
        i, ch = m.start(), m.group()
        if i < skip:
            continue
        if ch in "#;":
            break
        if chars is None:
            chars = list(line)
        bad += 1
        shown = out if bad <= MAX_BAD_PER_LINE else None
        if ch in "\"'":  # a string: one error for all of it
            end = line.find(ch, i + 1)
            end = len(line) - 1 if end < 0 else end
            if shown is not None:
                out.error(tr("gdasm has no strings"), Span(lineno, i + 1, end + 2),
                          hint=tr("comments start with '#' or ';'"), code="no-strings")
            chars[i:end + 1] = " " * (end + 1 - i)
            skip = end + 1
            continue
        instead = _bad_character(shown, ch, Span(lineno, i + 1, i + 2))
        if instead not in "#;" and _SCAN.match(instead):  # what was meant is no better: read a space
            instead = " "
        chars[i] = instead
        if shown is not None:
            last = len(out.diagnostics) - 1
        if instead in "#;":  # what was meant starts a comment: the rest of the line is one
            break
    if bad > MAX_BAD_PER_LINE and last is not None:
        d = out.diagnostics[last]
        out.diagnostics[last] = dataclasses.replace(
            d, notes=d.notes + (tr("and {count:,} more characters on this line that gdasm cannot read",
                                   count=bad - MAX_BAD_PER_LINE),))
    return ("".join(chars) if chars is not None else line), bad


def _syntax_error(out: Collector, err: UnexpectedToken, lineno: int, line: str) -> None:
    tok = err.token
    expected = sorted(err.accepts or err.expected)
    col = tok.column if tok.type != "$END" else len(line.rstrip()) + 1
    width = max(len(tok.value), 1) if tok.type != "$END" else 1
    span = Span(lineno, col, col + width)
    if tok.type == "LPAR":
        called = re.search(r"([^\W\d]\w*)[ \t]*\Z", line[:col - 1])
        if called:
            start = called.start(1) + 1
            op = isa.lookup(called.group(1))
            functions = [o for o in isa.OPS.values() if o.notation is not None and len(o.kinds) == 2
                         and not o.notation.passes_through]
            hint = (tr("{mnemonic} is an instruction: {form}", mnemonic=op.mnemonic, form=op.form_text(op.kinds))
                    if op else tr("functions are instructions, e.g. {forms}",
                                  forms=", ".join(o.form_text(o.kinds) for o in functions)))
            out.error(tr("gdasm has no function calls: '{name}(' is not an operand", name=called.group(1)),
                      Span(lineno, start, col + 1), hint=hint, code="no-function-calls")
            return
    if tok.type != "$END" and "COMMA" in expected and tok.type in ("NAME", "NUMBER", "LPAR", "ADDOP"):
        out.error(tr("expected ',' between operands, found {found}", found=_describe_token(tok)), span,
                  hint=tr("if the rest of the line is a comment, start it with '#' or ';'"), code="missing-comma")
        return
    slashes = line.find("//")
    if 0 <= slashes < col:
        out.error(tr("'//' does not start a comment in gdasm"), Span(lineno, slashes + 1, slashes + 3),
                  hint=tr("comments start with '#' or ';'"), code="slash-comment")
        return
    if tok.type == "$END":
        out.error(tr("the line ends where an operand should follow"), span,
                  hint=tr("remove the trailing operator or comma, or finish the operand"), code="unexpected-end")
        return
    if tok.type == "COLON":
        out.error(tr("a label must come first on its line, and only one per line"), span, code="label-not-first")
        return
    if tok.type == "EQUAL":
        out.error(tr("'=' belongs only in .reg and .data directives"), span, code="misplaced-equals")
        return
    wanted = [tr(_TERMINALS[t]) for t in expected if t in _TERMINALS]  # a name, '+' or '-': translated
    found = _describe_token(tok)
    out.error(tr("unexpected {found}; expected {wanted}", found=found, wanted=i18n.joined(wanted)) if wanted
              else tr("unexpected {found}", found=found), span, code="unexpected-token")


def _meaning(op: isa.Op) -> str:
    """The op's meaning, as the table writes it in the reader's language (most are formulas in both)."""
    return op.meaning_zh if op.meaning_zh and i18n.language() == "zh" else op.meaning


def _forms(op: isa.Op) -> str:
    """`ADD takes d, a, b or d, a`: the operand lists an instruction accepts, from the ISA table."""
    return tr("{mnemonic} takes {forms}", mnemonic=op.mnemonic,
              forms=tr(" or ").join(", ".join(f) if f else tr("no operands") for f in op.forms))


# --- pass one: lines ---------------------------------------------------------------------------------------

def _code_part(line: str) -> str:
    return re.split(r"[#;]", line, maxsplit=1)[0]


def _plain_spaces(line: str, lineno: int, out: Collector) -> str:
    """The line with odd Unicode spaces before its comment turned into plain spaces (columns unchanged)."""
    code = _code_part(line)
    found = list(_ODD_SPACES.finditer(code))
    if not found:
        return line
    first = found[0]
    ch = first.group()
    more = tr(" (and {count} more on this line)", count=len(found) - 1) if len(found) > 1 else ""
    out.warning(tr("'{char}' (U+{code:04X} {name}) read as a space", char=ch, code=ord(ch),
                   name=_char_name(ch)) + more,
                Span(lineno, first.start() + 1, first.start() + 2),
                hint=tr("code copied from a web page or typed with an input method often holds these; type "
                        "ordinary spaces"), code="odd-space")
    return _ODD_SPACES.sub(" ", code) + line[len(code):]


_NAME_TOKEN = re.compile(r"[^\W\d]\w*")


def _normalised_letters(line: str, lineno: int, out: Collector) -> None:
    """Warn once a line about a name that NFKC reads as another (full-width ｗ１ is w1)."""
    for m in _NAME_TOKEN.finditer(_code_part(line)):
        name = m.group()
        if name.isascii() or unicodedata.normalize("NFKC", name) == name:
            continue
        k = next(i for i, ch in enumerate(name) if unicodedata.normalize("NFKC", ch) != ch)
        ch = name[k]
        out.warning(tr("'{char}' (U+{code:04X} {char_name}) in '{name}' is read as '{meant}'", char=ch,
                       code=ord(ch), char_name=_char_name(ch), name=name,
                       meant=unicodedata.normalize('NFKC', ch)), Span(lineno, m.start() + k + 1, m.start() + k + 2),
                    hint=tr("names are NFKC-normalised, as in Python; a full-width input method types these"),
                    code="normalised-name")
        return


def _parse_line(parser: Lark, line: str, lineno: int, out: Collector):
    """(label, statement) of one line, or None. Every bad character is reported; reading on past each one
    (as the ASCII character meant, or a space) keeps a line's label or declaration, so later lines that
    use it get no errors of their own."""
    text, bad = _read_past_bad_characters(line, lineno, out) if not _PLAIN.match(line) else (line, 0)
    last = 0
    while True:
        try:
            return parser.parse(text)
        except UnexpectedCharacters as err:  # what the scan lets through: a full-width digit, a letter-less name
            col = err.column
            if col == last or bad >= 2 * MAX_BAD_PER_LINE:  # what we put there does not read either: a space
                text = text[:col - 1] + " " + text[col:]
                last = 0
                continue
            bad += 1
            instead = _bad_character(out if bad <= MAX_BAD_PER_LINE else None, line[col - 1],
                                     Span(lineno, col, col + 1))
            text, last = text[:col - 1] + instead + text[col:], col
        except UnexpectedToken as err:
            if not bad or err.token.type == "LPAR":  # after a bad character, a token error is most likely its
                _syntax_error(out, err, lineno, text)  # echo; but `f(` is a function call whatever came before
            return None
        except LarkError as err:  # pragma: no cover - Lark's other errors are internal
            out.error(tr("cannot parse this line ({error})",
                         error=err.__class__.__name__), Span(lineno, 1, len(line) + 1),
                      code="unexpected-token")
            return None


def _at(cols: _Cols, lineno: int) -> Span:
    return Span(lineno, cols[0], cols[1])


class _Placed:
    """A parse-time value given its line: names and spans as the resolver needs them."""

    __slots__ = ("kind", "name", "value", "exact", "span", "expr", "word", "word_span", "operands", "data")


def _place(x, lineno: int, out: Collector):
    """A parse-time value with real spans (its line), its folding problems reported."""
    p = _Placed()
    p.span = _at(x.cols, lineno)
    if isinstance(x, _Name):
        p.kind, p.name = "name", x.name
    elif isinstance(x, _Assign):
        p.kind, p.name, p.expr = "assign", _place(x.name, lineno, out), _place(x.expr, lineno, out)
    else:
        for pr in x.problems:
            out.add(pr.severity, pr.message, _at(pr.cols, lineno), pr.hint, code=pr.code)
        if isinstance(x, _Bad):
            p.kind = "bad"
        else:
            p.kind, p.value, p.exact = "const", x.value, x.exact
    return p


def _place_statement(stmt: _Statement, lineno: int, out: Collector):
    p = _Placed()
    p.kind, p.word, p.word_span, p.span = stmt.kind, stmt.word, _at(stmt.word_cols, lineno), _at(stmt.cols, lineno)
    p.operands = tuple(_place(o, lineno, out) for o in stmt.operands)
    return p


# A `.data` line of many plain numbers is read without the parser (Lark takes ~14 µs a value: 10 million
# values took minutes). Below this many commas the parser reads it, as every other line.
_FAST_DATA_COMMAS = 100
_DATA_HEAD = re.compile(r"[ \t]*(\.[dD][aA][tT][aA])[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*=")
_DATA_BODY = re.compile(r"[0-9eE.,+\- \t]*\Z")  # what plain numbers and commas are made of
_DATA_CHUNK = 1 << 20  # characters split at once: bounds the strings alive together
_INF = float("inf")


class _DataExact(Sequence):
    """The exact values of a long `.data` line, read from its text only when an exact run asks for them: a
    Fraction costs about 150 bytes and 2 µs, 10 million of them whether used or not."""

    __slots__ = ("_body", "_count")

    def __init__(self, body: str, count: int):
        self._body, self._count = body, count

    @staticmethod
    def _item(text: str):
        return exact_value(text)

    def __len__(self) -> int:
        return self._count

    def __iter__(self):
        return (self._item(m.group()) for m in re.finditer(r"[^,]+", self._body))

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self)[i]
        if not -self._count <= i < self._count:
            raise IndexError(i)
        return next(itertools.islice(iter(self), i % self._count, None))

    def __eq__(self, other):
        return isinstance(other, Sequence) and len(other) == self._count and all(a == b for a, b in zip(self, other))

    def __hash__(self):
        return hash(tuple(self))


class _DataTexts(_DataExact):
    """The values of a long `.data` line as written, split from its text only when asked for (the object file)."""

    __slots__ = ()

    @staticmethod
    def _item(text: str):
        return text.strip()


def _read_data(body: str) -> Optional[tuple]:
    """The values of a .data line's text after '=' when every one is a plain number that fits a binary64
    and does not underflow (else None: the parser reads the line and reports what is wrong, where)."""
    if not _DATA_BODY.match(body):
        return None
    values: list[float] = []
    start = 0
    while start <= len(body):
        end = body.find(",", start + _DATA_CHUNK)
        end = len(body) if end < 0 else end
        items = body[start:end].split(",")
        try:
            chunk = list(map(float, items))  # over these characters float() reads what the grammar reads
        except ValueError:
            return None
        if 0.0 in chunk or _INF in chunk or -_INF in chunk:
            for text, v in zip(items, chunk):
                if v - v != 0 or (v == 0 and text.lower().partition("e")[0].strip("0.+- \t")):
                    return None
        values.extend(chunk)
        start = end + 1
    return tuple(values)


def _fast_data(line: str, lineno: int):
    """A placed `.data` statement read without the parser, or None when the parser should read the line.
    With more values than all arrays may hold, the values are not read at all."""
    code = _code_part(line)
    commas = code.count(",")
    if commas < _FAST_DATA_COMMAS:
        return None
    head = _DATA_HEAD.match(code)
    if head is None:
        return None
    body = code[head.end():]
    if commas >= isa.MAX_ARRAYS_TOTAL:
        data = (None, commas + 1)
    else:
        values = _read_data(body)
        if values is None:
            return None
        data = (values, _DataExact(body, len(values)), _DataTexts(body, len(values)))
    name = _Placed()
    name.kind, name.name, name.span = "name", head.group(2), Span(lineno, head.start(2) + 1, head.end(2) + 1)
    assign = _Placed()
    assign.kind, assign.name, assign.expr, assign.span = "assign", name, None, Span(lineno, name.span.column,
                                                                                     len(code.rstrip()) + 1)
    stmt = _Placed()
    stmt.kind, stmt.word, stmt.operands, stmt.data = "directive", head.group(1), (assign,), data
    stmt.word_span = Span(lineno, head.start(1) + 1, head.end(1) + 1)
    stmt.span = Span(lineno, stmt.word_span.column, assign.span.end_column)
    return stmt


def _parse_lines(lines: list[str], out: Collector) -> list:
    parser = _parser()
    parsed = []
    for lineno, line in enumerate(lines, 1):
        if _BLANK.match(line):
            continue
        if "\x00" in line:
            col = line.index("\x00") + 1
            out.error(tr("NUL byte in the program text"), Span(lineno, col, col + 1),
                      hint=tr("this looks like a binary file, or a text file saved as UTF-16"), code="nul-byte")
            continue
        if not line.isascii():
            line = _plain_spaces(line, lineno, out)
            _normalised_letters(line, lineno, out)
        fast = _fast_data(line, lineno) if line.count(",") >= _FAST_DATA_COMMAS else None
        if fast is not None:
            parsed.append((lineno, None, fast))
            continue
        result = _parse_line(parser, line, lineno, out)
        if result is None:
            continue
        label, stmt = result
        parsed.append((lineno, None if label is None else _place(label, lineno, out),
                       None if stmt is None else _place_statement(stmt, lineno, out)))
    return parsed


# --- pass two: names, directives, instructions ---------------------------------------------------------------

class _Resolver:
    """Checks every statement against the ISA table and builds the IR."""

    def __init__(self, parsed, out: Collector):
        self.parsed = parsed
        self.out = out
        self.labels: dict[str, int] = {}
        self.label_spans: dict[str, Span] = {}
        self.array_decl: dict[str, Span] = {}
        self.reg_decl: dict[str, Span] = {}
        self.registers: list[str] = []
        self.reg_slot: dict[str, int] = {}
        self.reg_inputs: list[Input] = []
        self.array_inputs: list[Input] = []
        self.array_index: dict[str, int] = {}
        self.array_total = 0  # elements in all arrays declared so far
        self.arrays_too_large = False
        self.suggesters: dict[str, Suggester] = {}
        self.good_names: set[str] = set()

    # names
    def _check_name(self, n, what: str) -> bool:
        if n.name in self.good_names:  # most names are used many times: checked once
            return True
        if isa.is_reserved(n.name):
            self.out.error(tr("'{name}' is a mnemonic and cannot be used as a {what} name", name=n.name,
                              what=tr(what)), n.span,
                           hint=tr("pick another name, e.g. '{name}'",
                                   name=n.name.lower() + "_"), code="reserved-name")
            return False
        if not n.name.isidentifier():
            written = self._text(n.span)
            self.out.error(tr("'{name}' is not a valid {what} name", name=written, what=tr(what))
                           + (tr(" (as Python reads it, it is '{name}')", name=n.name) if written != n.name else ""),
                           n.span, hint=tr("a name is a letter or '_', then letters, digits and '_', as in Python"),
                           code="invalid-name")
            return False
        self.good_names.add(n.name)
        return True

    def _slot(self, name: str) -> int:
        slot = self.reg_slot.get(name)
        if slot is None:
            slot = self.reg_slot[name] = len(self.registers)
            self.registers.append(name)
        return slot

    def collect(self):
        """Labels and directives first: both may be used before they appear."""
        address = 0
        for lineno, label, stmt in self.parsed:
            if label is not None and self._check_name(label, mark("label")):
                if label.name in self.labels:
                    first = self.label_spans[label.name]
                    self.out.error(tr("label '{name}' is defined twice", name=label.name), label.span,
                                   related=((first, tr("first defined here")),),
                                   hint=tr("rename one of them; a label names one place"), code="duplicate-label")
                else:
                    self.labels[label.name] = address
                    self.label_spans[label.name] = label.span
            if stmt is None:
                continue
            if stmt.kind == "instruction":
                address += 1
            else:
                self._directive(stmt)

    def _const(self, x, what: str):
        if x.kind == "const":
            return x
        if x.kind == "name":
            self.out.error(tr("{what} must be a constant, not the name '{name}'", what=tr(what), name=x.name), x.span,
                           code="not-a-constant")
        elif x.kind == "assign":
            self.out.error(tr("'=' belongs only right after the name in .reg and .data"), x.span,
                           code="misplaced-equals")
        return None

    def _directive(self, stmt):
        key = stmt.word.lower()
        d = isa.DIRECTIVES.get(key)
        if d is None:
            self.out.error(tr("unknown directive '{word}'", word=stmt.word), stmt.word_span,
                           hint=did_you_mean(key, isa.DIRECTIVES) or tr("directives are {names}",
                                                                        names=", ".join(isa.DIRECTIVES)),
                           code="unknown-directive")
            return
        ops = stmt.operands
        usage = tr("write it as `{form}`", form=d.form)
        if key in (".reg", ".data"):
            if not ops or ops[0].kind != "assign":
                self.out.error(tr("{directive} needs a name and '='", directive=d.name), stmt.span, hint=usage,
                               code="directive-shape")
                return
            if key == ".reg" and len(ops) != 1:
                self.out.error(tr(".reg sets one register to one value"), ops[1].span, hint=usage,
                               code="directive-shape")
                return
            name = ops[0].name
            data = getattr(stmt, "data", None)  # a long .data line read without the parser (_read_data)
            if data is not None:
                if data[0] is None:  # more values than all arrays may hold: not read
                    self._fits(name, data[1], name.span)
                elif self._check_name(name, mark("array")):
                    self._declare_array(name, data[0], data[1], name.span, texts=data[2])
                return
            values = [self._const(x, mark("a value")) for x in (ops[0].expr, *ops[1:])]
            if not self._check_name(name, mark("register") if key == ".reg" else mark("array")):
                return
            if any(v is None for v in values):
                if key == ".data":  # declared all the same: its uses get no errors of their own
                    self.array_decl.setdefault(name.name, name.span)
                return
            if key == ".reg":
                self._declare_reg(name, values[0])
            else:
                self._declare_array(name, tuple(v.value for v in values), tuple(v.exact for v in values), name.span,
                                    texts=tuple(self._text(v.span) for v in values))
        else:  # .zeros
            if len(ops) != 2 or ops[0].kind != "name":
                self.out.error(tr(".zeros needs a name and a length"), stmt.span, hint=usage, code="directive-shape")
                return
            n = self._const(ops[1], mark("the length"))
            if n is None or not self._check_name(ops[0], mark("array")):
                return
            if n.value != int(n.value) or not 1 <= n.value <= isa.MAX_ARRAY_LENGTH:
                self.out.error(tr("the length of an array must be a whole number from 1 to {most:,}, not {value}",
                                  most=isa.MAX_ARRAY_LENGTH, value=render_number(n.value)), n.span, code="bad-length")
                return
            length = int(n.value)
            if self._fits(ops[0], length, n.span):  # before the zeros are made
                self._declare_array(ops[0], (0.0,) * length, (Fraction(0),) * length, n.span, ".zeros")

    def _declared_twice(self, name) -> bool:
        first = self.reg_decl.get(name.name) or self.array_decl.get(name.name)
        if first is None:
            return False
        self.out.error(tr("'{name}' is declared twice", name=name.name), name.span,
                       related=((first, tr("first declared here")),), code="duplicate-declaration")
        return True

    def _declare_reg(self, name, value):
        if self._declared_twice(name):
            return
        self.reg_decl[name.name] = name.span
        self.reg_inputs.append(Input(name.name, self._slot(name.name), (value.value,), (value.exact,), name.span,
                                     ".reg", (self._text(value.span),)))

    def _fits(self, name, length: int, span: Span) -> bool:
        """True when `length` more elements keep all arrays within isa.MAX_ARRAYS_TOTAL; else report it (and
        declare the name, so that its uses get no errors of their own)."""
        if self.array_total + length <= isa.MAX_ARRAYS_TOTAL:
            return True
        self.array_decl.setdefault(name.name, name.span)
        if self.arrays_too_large:  # one error says it: the arrays after it do not fit either
            return False
        self.arrays_too_large = True
        self.out.error(tr("the arrays together would hold {count:,} elements; gdasm holds at most {cap:,}",
                          count=self.array_total + length, cap=isa.MAX_ARRAYS_TOTAL), span,
                       hint=tr("this array has {length:,}; the arrays declared before it {before:,}. Use less data, "
                               "or fewer or shorter arrays", length=length, before=self.array_total),
                       code="arrays-too-large")
        return False

    def _declare_array(self, name, values: tuple, exact, span: Span, directive: str = ".data", texts=()):
        if self._declared_twice(name) or not self._fits(name, len(values), span):
            return
        self.array_total += len(values)
        self.array_decl[name.name] = name.span
        self.array_index[name.name] = len(self.array_inputs)
        self.array_inputs.append(Input(name.name, len(self.array_inputs), values, exact, name.span, directive, texts))

    def build(self) -> list[Instruction]:
        code = []
        for lineno, label, stmt in self.parsed:
            if stmt is not None and stmt.kind == "instruction":
                ins = self._instruction(stmt)
                if ins is not None:
                    code.append(ins)
        return code

    def warn_never_written(self, code: list[Instruction]) -> None:
        """A register read somewhere but written nowhere (and not set by .reg) is most likely a typo."""
        written = {ins.dest.name for ins in code if ins.dest is not None} | set(self.reg_decl)
        warned = set()
        names = Suggester(sorted(written))  # indexed once: thousands of warnings stay linear
        for ins in code:
            for r in ins.reads:
                if r.name in written or r.name in warned:
                    continue
                warned.add(r.name)
                close = names.did_you_mean(r.name)
                hint = tr("if it is an input, give it a value with .reg or --set")
                self.out.warning(tr("register '{name}' is read but never written", name=r.name), r.span,
                                 hint=tr("{suggestion} {hint}", suggestion=close, hint=hint) if close else hint,
                                 code="never-written", subject=r.name)

    def _instruction(self, stmt) -> Optional[Instruction]:
        op = isa.lookup(stmt.word)
        if op is None:
            hint = did_you_mean(stmt.word.upper(), isa.OPS)
            if isa.DIRECTIVES.get("." + stmt.word.lower()):
                hint = tr("directives start with a dot: .{word}", word=stmt.word.lower())
            if not hint and len(stmt.operands) == 0 and stmt.word:
                hint = tr("a label needs a ':' after its name")
            self.out.error(tr("unknown mnemonic '{word}'", word=stmt.word), stmt.word_span, hint=hint,
                           code="unknown-mnemonic")
            return None
        ops = stmt.operands
        forms = op.forms
        kinds = next((f for f in forms if len(f) == len(ops)), None)
        if kinds is None:
            counts = tr(" or ").join(str(len(f)) for f in forms)
            where = ops[len(forms[0])].span if len(ops) > len(forms[0]) else stmt.span
            how_many = (tr(" (1 operand)") if counts == "1" else tr(" ({counts} operands)", counts=counts)) \
                if forms[0] else ""
            self.out.error(tr("{takes}{how_many}; got {count}", takes=_forms(op), how_many=how_many, count=len(ops)),
                           where, hint=f"{op.mnemonic}: {_meaning(op)}", code="operand-count")
            return None
        built = [self._operand(op, x, kind) for x, kind in zip(ops, kinds)]
        if any(o is None for o in built):
            return None
        if len(kinds) < len(op.kinds):  # shorthand: OP d, a  ==  OP d, d, a
            built.insert(1, built[0])
        text = self.out.lines[stmt.span.line - 1][stmt.span.column - 1:stmt.span.end_column - 1]
        return Instruction(op, tuple(built), stmt.span, text)

    def _suggest(self, what: str, names) -> Suggester:
        """The did-you-mean index of labels or arrays, built at the first misspelling (all are known by then)."""
        if what not in self.suggesters:
            self.suggesters[what] = Suggester(names)
        return self.suggesters[what]

    def _text(self, span: Span) -> str:
        return self.out.lines[span.line - 1][span.column - 1:span.end_column - 1]

    def _operand(self, op: isa.Op, x, kind: str):
        if x.kind == "bad":
            return None
        if x.kind == "assign":
            self.out.error(tr("'=' belongs only in .reg and .data directives"), x.span,
                           hint=tr("write {mnemonic} with commas only",
                                   mnemonic=op.mnemonic), code="misplaced-equals")
            return None
        if kind == "L":
            if x.kind != "name":
                self.out.error(tr("{mnemonic} needs a label here, not a number", mnemonic=op.mnemonic), x.span,
                               hint=_forms(op),
                               code="needs-label")
                return None
            if x.name not in self.labels:
                self.out.error(tr("undefined label '{name}'", name=x.name), x.span,
                               hint=self._suggest("labels", self.labels).did_you_mean(x.name)
                               or tr("define it with 'NAME:' before an instruction"),
                               code="undefined-label")
                return None
            return LabelRef(x.name, self.labels[x.name], x.span)
        if kind == "M":
            if x.kind != "name":
                self.out.error(tr("{mnemonic} needs an array here, not a number", mnemonic=op.mnemonic), x.span,
                               hint=_forms(op),
                               code="needs-array")
                return None
            if x.name not in self.array_decl:
                hint = self._suggest("arrays", self.array_decl).did_you_mean(x.name) or \
                    tr("declare it with .data or .zeros")
                if x.name in self.reg_slot or x.name in self.reg_decl:
                    self.out.error(tr("'{name}' is a register, not an array", name=x.name), x.span, hint=hint,
                                   code="not-an-array")
                else:
                    self.out.error(tr("undefined array '{name}'", name=x.name), x.span, hint=hint,
                                   code="undefined-array")
                return None
            return ArrayRef(x.name, self.array_index.get(x.name, -1), x.span)  # -1: not built (it did not fit)
        if x.kind == "name":
            if not self._check_name(x, mark("register")):
                return None
            if x.name in self.array_decl:
                readers = [o.form_text(tuple(x.name if k == "M" else k for k in o.kinds)) for o in isa.OPS.values()
                           if o.position("dest") is not None and o.position("array") is not None]
                self.out.error(tr("'{name}' is an array, not a register", name=x.name), x.span,
                               hint=tr("read it into a register with {forms}", forms=tr(" or ").join(readers)),
                               code="not-a-register")
                return None
            return Reg(x.name, self._slot(x.name), x.span)
        # a constant
        if kind == "d":
            self.out.error(tr("{mnemonic} writes its first operand, so it must be a register, not the number "
                              "{number}", mnemonic=op.mnemonic, number=self._text(x.span)), x.span,
                           hint=f"{op.mnemonic}: {_meaning(op)}",
                           code="immediate-destination")
            return None
        if kind == "i" and (x.value != int(x.value) or x.value < 0):
            self.out.error(tr("an index must be a whole number ≥ 0, not {value}", value=render_number(x.value)),
                           x.span,
                           code="bad-index")
            return None
        return Imm(x.value, x.exact, self._text(x.span), x.span)


def assemble(text: Union[str, bytes], filename: str = "<input>") -> Program:
    """Assemble gdasm source into a Program, or raise AssemblyError carrying every diagnostic."""
    if not isinstance(text, (str, bytes)):
        raise UsageError(tr("text must be str or bytes (UTF-8), not {name}", name=type(text).__name__))
    if not isinstance(filename, str):
        raise UsageError(tr("filename must be a string, not {name}", name=type(filename).__name__))
    if isinstance(text, bytes):
        text = decode(text, filename)
    text = normalize(text)
    lines = text.split("\n")
    out = Collector(filename, lines)
    if len(lines) > isa.MAX_PROGRAM_LINES + (lines[-1] == ""):  # checked before parsing anything
        out.error(tr("a program may have at most {MAX_PROGRAM_LINES:,} lines; this one has {n:,}",
                     MAX_PROGRAM_LINES=isa.MAX_PROGRAM_LINES, n=len(lines) - (lines[-1] == '')),
                  Span(isa.MAX_PROGRAM_LINES + 1, 1, 2),
                  hint=tr("split it, or generate less: no program a class reads is this long"), code="too-many-lines")
        raise AssemblyError(out.diagnostics)
    collecting = gc.isenabled()
    # Assembling allocates millions of small objects and no cycles, and keeps them: the collector would walk
    # them all again and again for nothing (a third of the time of a 100,000-line program).
    gc.disable()
    try:
        parsed = _parse_lines(lines, out)
        r = _Resolver(parsed, out)
        r.collect()
        code = r.build()
        if not out.errors:
            r.warn_never_written(code)
            if not code:
                out.warning(tr("the program has no instructions: there is nothing to run"), None, code="empty")
        out.diagnostics.sort(key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0))
        if out.errors:
            raise AssemblyError(out.diagnostics)
        return Program(filename, text, tuple(code), tuple(r.registers),
                       tuple(i.name for i in r.array_inputs), tuple(r.reg_inputs), tuple(r.array_inputs),
                       dict(r.labels), tuple(out.diagnostics))
    finally:
        if collecting:
            gc.enable()


def program_from(data: bytes, shown: str) -> Program:
    """What a PROGRAM argument's bytes hold: a binary's program (vm/objfile.py, loaded only for one), or the
    source assembled."""
    if source.is_binary(shown, data[:len(source.BINARY_MAGIC)]):
        from .objfile import load
        return load(data, shown)
    return assemble(data, shown)


def as_program(program) -> Program:
    """A Program as given, or gdasm text (str or bytes) assembled; anything else is a UsageError."""
    if isinstance(program, (str, bytes)):
        return assemble(program)
    if not isinstance(program, Program):
        raise UsageError(tr("program must be a Program or gdasm text, not {name}", name=type(program).__name__))
    return program
