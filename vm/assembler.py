"""Text to Program: Lark parses each line's shape; the ISA table checks mnemonics and operands."""

from __future__ import annotations

import difflib
import gc
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional, Union

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from . import isa
from .errors import AssemblyError, Collector, Span
from .ir import ArrayRef, Imm, Input, Instruction, LabelRef, Program, Reg
from .render import value as render_number

MAX_ERRORS = 20
# A literal whose decimal exponent is larger than this gets no exact value (10**huge would hang).
_MAX_EXACT_EXPONENT = 4000
_BLANK = re.compile(r"[ \t]*(?:[#;].*)?\Z")
# Spaces a web page or an input method leaves in copied code: read as a space, with a warning.
_ODD_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")

# Characters an input method or a web page puts where ASCII belongs: what to type instead.
_LOOKALIKES = {
    "，": ",", "：": ":", "（": "(", "）": ")", "；": ";", "＃": "#", "．": ".", "。": ".",
    "＝": "=", "＋": "+", "－": "-", "＊": "*", "／": "/", "×": "*", "÷": "/", "−": "-",
    "、": ",", "＿": "_", "\u200b": "nothing", "\ufeff": "nothing", "\u2060": "nothing",
}


# --- parse-time values (not IR) ---------------------------------------------------------

@dataclass(frozen=True)
class _Const:
    value: float
    exact: Optional[Fraction]
    span: Span


@dataclass(frozen=True)
class _Name:
    name: str
    span: Span


@dataclass(frozen=True)
class _Assign:
    name: _Name
    expr: object
    span: Span


class _Bad:
    """An expression already reported as an error."""

    def __init__(self, span: Span):
        self.span = span


@dataclass(frozen=True)
class _Statement:
    kind: str  # "instruction" or "directive"
    word: str
    word_span: Span
    operands: tuple
    span: Span


_EXPONENT = re.compile(r"[eE]([+-]?[0-9]+)")


def exact_value(text: str) -> Optional[Fraction]:
    """The exact value of a decimal number's text (0.01 is 1/100); None when its exponent is too large
    to compute with (1e-99999 would need a 99,999-digit denominator)."""
    m = _EXPONENT.search(text)
    if m and abs(int(m.group(1))) > _MAX_EXACT_EXPONENT:
        return None
    try:
        return Fraction(text.strip())
    except ValueError:
        return Fraction(float(text))  # Python float syntax Fraction does not read, e.g. "1_000"


def _join(a: Span, b: Span) -> Span:
    return Span(a.line, a.column, b.end_column)


class _Builder(Transformer):
    """Inline LALR callbacks: fold constants as the parser reduces, so depth never recurses."""

    def __init__(self):
        super().__init__()
        self.lineno = 1
        self.out: Collector = None  # type: ignore[assignment]

    def _span(self, tok: Token) -> Span:
        return Span(self.lineno, tok.column, tok.end_column)

    def number(self, c):
        tok = c[0]
        span = self._span(tok)
        value = float(tok.value)
        if value in (float("inf"), float("-inf")):
            self.out.error(f"the number {tok.value} does not fit a binary64 float",
                           span, hint="the largest is 1.7976931348623157e+308")
            return _Bad(span)
        exact = exact_value(tok.value)
        if value == 0.0 and tok.value.lower().partition("e")[0].strip("0.") != "":
            self.out.warning(f"the number {tok.value} is too small for a binary64 float and becomes 0.0",
                             span)
        return _Const(value, exact, span)

    def name(self, c):
        return _Name(c[0].value, self._span(c[0]))

    def paren(self, c):
        lpar, inner, rpar = c
        span = Span(self.lineno, lpar.column, rpar.end_column)
        if isinstance(inner, _Const):
            return _Const(inner.value, inner.exact, span)
        if isinstance(inner, _Name):
            return self._name_in_expression(inner)
        return _Bad(span)

    def _name_in_expression(self, n: _Name):
        self.out.error(f"'{n.name}' is a name inside a constant expression", n.span,
                       hint="an immediate is numbers only; compute with registers in separate instructions")
        return _Bad(n.span)

    def _operand(self, x):
        if isinstance(x, _Name):
            return self._name_in_expression(x)
        return x

    def unary(self, c):
        sign, x = c
        x = self._operand(x)
        span = Span(self.lineno, sign.column, x.span.end_column)
        if isinstance(x, _Bad):
            return _Bad(span)
        if sign.value == "-":
            return _Const(-x.value, None if x.exact is None else -x.exact, span)
        return _Const(x.value, x.exact, span)

    def binary(self, c):
        left, op, right = (self._operand(c[0]), c[1], self._operand(c[2]))
        span = _join(left.span, right.span)
        if isinstance(left, _Bad) or isinstance(right, _Bad):
            return _Bad(span)
        a, b = left.value, right.value
        if op.value == "/" and b == 0:
            self.out.error("division by zero in a constant expression", right.span)
            return _Bad(span)
        value = {"+": a + b, "-": a - b, "*": a * b}[op.value] if op.value != "/" else a / b
        if value - value != 0:
            self.out.error("this constant expression overflows a binary64 float", self._span(op))
            return _Bad(span)
        exact = None
        if left.exact is not None and right.exact is not None:
            x, y = left.exact, right.exact
            exact = {"+": x + y, "-": x - y, "*": x * y}[op.value] if op.value != "/" else x / y
        return _Const(value, exact, span)

    def assign(self, c):
        name, expr = c
        n = _Name(name.value, self._span(name))
        return _Assign(n, expr, _join(n.span, expr.span))

    def operands(self, c):
        return tuple(c)

    def _statement(self, kind, c):
        word, operands = c[0], c[1] or ()
        span = self._span(word)
        if operands:
            span = _join(span, operands[-1].span)
        return _Statement(kind, word.value, self._span(word), operands, span)

    def instruction(self, c):
        return self._statement("instruction", c)

    def directive(self, c):
        return self._statement("directive", c)

    def label(self, c):
        return _Name(c[0].value, self._span(c[0]))

    def start(self, c):
        return c[0], c[1]


_PARSER: Optional[Lark] = None
_BUILDER = _Builder()


def _parser() -> Lark:
    global _PARSER
    if _PARSER is None:
        _PARSER = Lark.open("grammar.lark", rel_to=__file__, parser="lalr", transformer=_BUILDER,
                            maybe_placeholders=True)
    return _PARSER


_TERMINALS = {
    "NAME": "a name", "NUMBER": "a number", "COMMA": "','", "COLON": "':'", "LPAR": "'('",
    "RPAR": "')'", "ADDOP": "'+' or '-'", "MULOP": "'*' or '/'", "EQUAL": "'='",
    "DIRECTIVE": "a directive", "$END": "the end of the line",
}


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "end of line"
    text = tok.value if len(tok.value) <= 40 else tok.value[:37] + "…"
    return f"{_TERMINALS.get(tok.type, tok.type).split(' or ')[0]} '{text}'" \
        if tok.type in ("NAME", "NUMBER", "DIRECTIVE") else f"'{text}'"


def _syntax_error(out: Collector, err: UnexpectedInput, lineno: int, line: str) -> None:
    if isinstance(err, UnexpectedCharacters):
        col = err.column
        ch = line[col - 1] if 0 < col <= len(line) else ""
        span = Span(lineno, col, col + 1)
        code = f"U+{ord(ch):04X}" if ch else ""
        if ch in _LOOKALIKES:
            name = _unicode_name(ch)
            out.error(f"'{ch}' ({code} {name}) is not gdasm punctuation", span,
                      hint=f"type {_quote(_LOOKALIKES[ch])} instead; a Chinese input method in full-width mode types these")
        elif ch and ("\uff01" <= ch <= "\uff5e"):
            ascii_ch = chr(ord(ch) - 0xFEE0)
            out.error(f"'{ch}' ({code} {_unicode_name(ch)}) is a full-width character", span,
                      hint=f"type the ASCII '{ascii_ch}' instead (switch the input method to half-width)")
        elif ch == '"' or ch == "'":
            out.error("gdasm has no strings", span, hint="comments start with '#' or ';'")
        elif ch and (ord(ch) < 32 or ord(ch) == 127):
            out.error(f"control character {code} in the program text", span)
        else:
            out.error(f"unexpected character '{ch}' ({code})", span,
                      hint="names are ASCII letters, digits and '_'; comments start with '#' or ';'")
        return
    assert isinstance(err, UnexpectedToken)
    tok = err.token
    expected = sorted(err.accepts or err.expected)
    col = tok.column if tok.type != "$END" else len(line.rstrip()) + 1
    width = max(len(tok.value), 1) if tok.type != "$END" else 1
    span = Span(lineno, col, col + width)
    if tok.type == "LPAR":
        called = re.search(r"([A-Za-z_][A-Za-z0-9_]*)[ \t]*\Z", line[:col - 1])
        if called:
            start = called.start(1) + 1
            out.error(f"gdasm has no function calls: '{called.group(1)}(' is not an operand",
                      Span(lineno, start, col + 1),
                      hint="SQRT, EXP and LOG are instructions: EXP d, a")
            return
    if tok.type != "$END" and "COMMA" in expected and tok.type in ("NAME", "NUMBER", "LPAR", "ADDOP"):
        out.error(f"expected ',' between operands, found {_describe_token(tok)}", span,
                  hint="if the rest of the line is a comment, start it with '#' or ';'")
        return
    slashes = line.find("//")
    if 0 <= slashes < col:
        out.error("'//' does not start a comment in gdasm", Span(lineno, slashes + 1, slashes + 3),
                  hint="comments start with '#' or ';'")
        return
    if tok.type == "$END":
        out.error("the line ends where an operand should follow", span,
                  hint="remove the trailing operator or comma, or finish the operand")
        return
    if tok.type == "COLON":
        out.error("a label must come first on its line, and only one per line", span)
        return
    if tok.type == "EQUAL":
        out.error("'=' belongs only in .reg and .data directives", span)
        return
    wanted = [_TERMINALS.get(t, t) for t in expected if t in _TERMINALS]
    out.error(f"unexpected {_describe_token(tok)}"
              + (f"; expected {', '.join(wanted)}" if wanted else ""), span)


def _unicode_name(ch: str) -> str:
    import unicodedata
    return unicodedata.name(ch, "unnamed character")


def _quote(s: str) -> str:
    return s if s.startswith(("a ", "nothing")) else f"'{s}'"


def _forms(op: isa.Op) -> str:
    """`ADD takes d, a, b or d, a`: the operand lists an instruction accepts, from the ISA table."""
    return f"{op.mnemonic} takes " + " or ".join(", ".join(f) if f else "no operands" for f in op.forms)


def _did_you_mean(word: str, candidates, cutoff: float = 0.6) -> str:
    best = difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return f"did you mean '{best[0]}'?" if best else ""


def normalize(text: str) -> str:
    """Drop a leading BOM and turn CRLF and CR line ends into LF (line numbers are kept)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes, filename: str) -> str:
    """UTF-8 bytes to text, or an AssemblyError that names the byte offset and line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        out = Collector(filename, [])
        out.error(f"the file is not valid UTF-8: byte 0x{data[e.start]:02X} at offset {e.start} (line {line})",
                  Span(line, col, col + 1), hint="save the file as UTF-8")
        raise AssemblyError(out.diagnostics) from None


def _plain_spaces(line: str, lineno: int, out: Collector) -> str:
    """The line with odd Unicode spaces before its comment turned into plain spaces (columns unchanged)."""
    code = re.split(r"[#;]", line, maxsplit=1)[0]
    found = list(_ODD_SPACES.finditer(code))
    if not found:
        return line
    first = found[0]
    ch = first.group()
    more = f" (and {len(found) - 1} more on this line)" if len(found) > 1 else ""
    out.warning(f"'{ch}' (U+{ord(ch):04X} {_unicode_name(ch)}) read as a space{more}",
                Span(lineno, first.start() + 1, first.start() + 2),
                hint="code copied from a web page or typed with an input method often holds these; "
                     "type ordinary spaces", code="odd-space")
    return _ODD_SPACES.sub(" ", code) + line[len(code):]


def _parse_lines(lines: list[str], out: Collector) -> list[tuple[int, Optional[_Name], Optional[_Statement]]]:
    parser = _parser()
    _BUILDER.out = out
    parsed = []
    for lineno, line in enumerate(lines, 1):
        if _BLANK.match(line):
            continue
        if "\x00" in line:
            col = line.index("\x00") + 1
            out.error("NUL byte in the program text", Span(lineno, col, col + 1),
                      hint="this looks like a binary file, or a text file saved as UTF-16")
            continue
        line = _plain_spaces(line, lineno, out)
        _BUILDER.lineno = lineno
        before = len(out.diagnostics)
        try:
            label, stmt = parser.parse(line)
        except UnexpectedInput as err:
            del out.diagnostics[before:]  # a half-parsed line's folding messages are noise
            _syntax_error(out, err, lineno, line)
            continue
        except LarkError as err:  # pragma: no cover - Lark's other errors are internal
            out.error(f"cannot parse this line ({err.__class__.__name__})", Span(lineno, 1, len(line) + 1))
            continue
        parsed.append((lineno, label, stmt))
    return parsed


class _Resolver:
    """Pass two: checks every statement against the ISA table and builds the IR."""

    def __init__(self, parsed, out: Collector):
        self.parsed = parsed
        self.out = out
        self.labels: dict[str, int] = {}
        self.label_spans: dict[str, Span] = {}
        self.array_decl: dict[str, tuple[Span, list]] = {}
        self.reg_decl: dict[str, Span] = {}
        self.registers: list[str] = []
        self.reg_slot: dict[str, int] = {}
        self.reg_inputs: list[Input] = []
        self.array_inputs: list[Input] = []

    # names
    def _check_name(self, n: _Name, what: str) -> bool:
        if isa.is_reserved(n.name):
            self.out.error(f"'{n.name}' is a mnemonic and cannot be used as a {what} name", n.span,
                           hint="pick another name, e.g. '" + n.name.lower() + "_'")
            return False
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
            if label is not None and self._check_name(label, "label"):
                if label.name in self.labels:
                    first = self.label_spans[label.name]
                    self.out.error(f"label '{label.name}' is defined twice", label.span,
                                   related=((first, "first defined here"),),
                                   hint="rename one of them; a label names one place")
                else:
                    self.labels[label.name] = address
                    self.label_spans[label.name] = label.span
            if stmt is None:
                continue
            if stmt.kind == "instruction":
                address += 1
            else:
                self._directive(stmt)

    def _const(self, x, what: str) -> Optional[_Const]:
        if isinstance(x, _Const):
            return x
        if isinstance(x, _Name):
            self.out.error(f"{what} must be a constant, not the name '{x.name}'", x.span)
        elif isinstance(x, _Assign):
            self.out.error("'=' belongs only right after the name in .reg and .data", x.span)
        return None

    def _directive(self, stmt: _Statement):
        key = stmt.word.lower()
        d = isa.DIRECTIVES.get(key)
        if d is None:
            self.out.error(f"unknown directive '{stmt.word}'", stmt.word_span,
                           hint=_did_you_mean(key, isa.DIRECTIVES) or "directives are " + ", ".join(isa.DIRECTIVES))
            return
        ops = stmt.operands
        usage = f"write it as `{d.form}`"
        if key in (".reg", ".data"):
            if not ops or not isinstance(ops[0], _Assign):
                self.out.error(f"{d.name} needs a name and '='", stmt.span, hint=usage)
                return
            if key == ".reg" and len(ops) != 1:
                self.out.error(".reg sets one register to one value", ops[1].span, hint=usage)
                return
            name = ops[0].name
            values = [self._const(ops[0].expr, "a value")] + [self._const(x, "a value") for x in ops[1:]]
            if not self._check_name(name, "register" if key == ".reg" else "array"):
                return
            if any(v is None for v in values):
                return
            if key == ".reg":
                self._declare_reg(name, values[0])
            else:
                self._declare_array(name, values)
        else:  # .zeros
            if len(ops) != 2 or not isinstance(ops[0], _Name):
                self.out.error(".zeros needs a name and a length", stmt.span, hint=usage)
                return
            n = self._const(ops[1], "the length")
            if n is None or not self._check_name(ops[0], "array"):
                return
            if n.value != int(n.value) or not 1 <= n.value <= isa.MAX_ARRAY_LENGTH:
                self.out.error(f"the length of an array must be a whole number from 1 to "
                               f"{isa.MAX_ARRAY_LENGTH:,}, not {render_number(n.value)}", n.span)
                return
            zero = _Const(0.0, Fraction(0), n.span)
            self._declare_array(ops[0], [zero] * int(n.value))

    def _declare_reg(self, name: _Name, value: _Const):
        if name.name in self.reg_decl or name.name in self.array_decl:
            first = self.reg_decl.get(name.name) or self.array_decl[name.name][0]
            self.out.error(f"'{name.name}' is declared twice", name.span,
                           related=((first, "first declared here"),))
            return
        self.reg_decl[name.name] = name.span
        self.reg_inputs.append(Input(name.name, self._slot(name.name), (value.value,), (value.exact,),
                                     name.span))

    def _declare_array(self, name: _Name, values: list):
        if name.name in self.array_decl or name.name in self.reg_decl:
            first = self.array_decl[name.name][0] if name.name in self.array_decl else self.reg_decl[name.name]
            self.out.error(f"'{name.name}' is declared twice", name.span,
                           related=((first, "first declared here"),))
            return
        self.array_decl[name.name] = (name.span, values)
        self.array_inputs.append(Input(name.name, len(self.array_inputs), tuple(v.value for v in values),
                                       tuple(v.exact for v in values), name.span))

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
        for ins in code:
            for r in ins.reads:
                if r.name in written or r.name in warned:
                    continue
                warned.add(r.name)
                close = _did_you_mean(r.name, sorted(written))
                self.out.warning(f"register '{r.name}' is read but never written", r.span,
                                 hint=(close + " " if close else "") +
                                 "if it is an input, give it a value with .reg or --set",
                                 code=f"never-written:{r.name}")

    def _instruction(self, stmt: _Statement) -> Optional[Instruction]:
        op = isa.lookup(stmt.word)
        if op is None:
            hint = _did_you_mean(stmt.word.upper(), isa.OPS)
            if isa.DIRECTIVES.get("." + stmt.word.lower()):
                hint = f"directives start with a dot: .{stmt.word.lower()}"
            if not hint and len(stmt.operands) == 0 and stmt.word:
                hint = "a label needs a ':' after its name" if not isa.is_reserved(stmt.word) else ""
            self.out.error(f"unknown mnemonic '{stmt.word}'", stmt.word_span, hint=hint)
            return None
        ops = stmt.operands
        forms = op.forms
        kinds = next((f for f in forms if len(f) == len(ops)), None)
        if kinds is None:
            accepted = _forms(op).split(" takes ", 1)[1]
            counts = " or ".join(str(len(f)) for f in forms)
            where = ops[len(forms[0])].span if len(ops) > len(forms[0]) else stmt.span
            self.out.error(f"{op.mnemonic} takes {accepted} ({counts} operand{'s' if counts != '1' else ''}); "
                           f"got {len(ops)}", where,
                           hint=f"{op.mnemonic}: {op.meaning}")
            return None
        built = []
        ok = True
        for x, kind in zip(ops, kinds):
            o = self._operand(op, x, kind)
            ok = ok and o is not None
            built.append(o)
        if not ok:
            return None
        if len(kinds) < len(op.kinds):  # shorthand: OP d, a  ==  OP d, d, a
            d = built[0]
            built.insert(1, d)
        text = self.out.lines[stmt.span.line - 1][stmt.span.column - 1:stmt.span.end_column - 1]
        return Instruction(op, tuple(built), stmt.span, text)

    def _operand(self, op: isa.Op, x, kind: str):
        if isinstance(x, _Bad):
            return None
        if isinstance(x, _Assign):
            self.out.error("'=' belongs only in .reg and .data directives", x.span,
                           hint=f"write {op.mnemonic} with commas only")
            return None
        if kind == "L":
            if not isinstance(x, _Name):
                self.out.error(f"{op.mnemonic} needs a label here, not a number", x.span, hint=_forms(op))
                return None
            if x.name not in self.labels:
                self.out.error(f"undefined label '{x.name}'", x.span,
                               hint=_did_you_mean(x.name, self.labels) or "define it with 'NAME:' before an instruction")
                return None
            return LabelRef(x.name, self.labels[x.name], x.span)
        if kind == "M":
            if not isinstance(x, _Name):
                self.out.error(f"{op.mnemonic} needs an array here, not a number", x.span, hint=_forms(op))
                return None
            if x.name not in self.array_decl:
                hint = _did_you_mean(x.name, self.array_decl) or "declare it with .data or .zeros"
                what = "a register, not an array" if x.name in self.reg_slot or x.name in self.reg_decl else None
                self.out.error(f"'{x.name}' is {what}" if what else f"undefined array '{x.name}'", x.span, hint=hint)
                return None
            return ArrayRef(x.name, [i.name for i in self.array_inputs].index(x.name), x.span)
        if isinstance(x, _Name):
            if not self._check_name(x, "register"):
                return None
            if x.name in self.array_decl:
                self.out.error(f"'{x.name}' is an array, not a register", x.span,
                               hint=f"read an element with LOAD d, {x.name}, i or its length with LEN d, {x.name}")
                return None
            return Reg(x.name, self._slot(x.name), x.span)
        # a constant
        if kind == "d":
            text = self.out.lines[x.span.line - 1][x.span.column - 1:x.span.end_column - 1]
            self.out.error(f"{op.mnemonic} writes its first operand, so it must be a register, "
                           f"not the number {text}", x.span,
                           hint=f"{op.mnemonic}: {op.meaning}")
            return None
        text = self.out.lines[x.span.line - 1][x.span.column - 1:x.span.end_column - 1]
        if kind == "i" and (x.value != int(x.value) or x.value < 0):
            self.out.error(f"an index must be a whole number ≥ 0, not {render_number(x.value)}", x.span)
            return None
        return Imm(x.value, x.exact, text, x.span)


def assemble(text: Union[str, bytes], filename: str = "<input>") -> Program:
    """Assemble gdasm source into a Program, or raise AssemblyError carrying every diagnostic."""
    if isinstance(text, bytes):
        text = decode(text, filename)
    text = normalize(text)
    lines = text.split("\n")
    out = Collector(filename, lines)
    collecting = gc.isenabled()
    gc.disable()  # parsing allocates many small objects and no cycles: the collector only slows it (~15%)
    try:
        parsed = _parse_lines(lines, out)
    finally:
        if collecting:
            gc.enable()
    r = _Resolver(parsed, out)
    r.collect()
    code = r.build()
    if not out.errors:
        r.warn_never_written(code)
        if not code:
            out.warning("the program has no instructions: there is nothing to run", None,
                        code="empty")
    out.diagnostics.sort(key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0))
    if out.errors:
        raise AssemblyError(out.diagnostics)
    return Program(filename, text, tuple(code), tuple(r.registers),
                   tuple(i.name for i in r.array_inputs), tuple(r.reg_inputs), tuple(r.array_inputs),
                   dict(r.labels), tuple(out.diagnostics))
