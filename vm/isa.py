"""The one table of gdasm instructions and directives: the parser, every engine, the describer and docs/ read it.

Adding an instruction means adding one `Op` to `_TABLE`: its operands (kinds, which give each operand its
role), its behaviour (what an engine does and what a step of it may change), its semantics (`fn`, `domain`),
how `explain` writes it (`notation`) and its documentation. Nothing outside this file names a mnemonic.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Mapping, Optional

from .i18n import mark

# Limits the machine enforces and the docs state.
MAX_CALL_DEPTH = 10_000
MAX_ARRAY_LENGTH = 10_000_000
MAX_ARRAYS_TOTAL = 10_000_000  # all arrays together, in elements: bounds memory before anything is allocated
MAX_EXACT_ARRAYS_TOTAL = 1_000_000  # ... under --exact, where each value is a Fraction of ~100 bytes or more
MAX_PROGRAM_LINES = 200_000  # lines of one program: each instruction costs ~2.6 KB once assembled and built

# Operand kinds, as the table's `operands` strings spell them, and the role each gives its operand.
KINDS = MappingProxyType({
    "d": "register written",
    "a": "register or immediate read",
    "b": "register or immediate read",
    "i": "index: register or immediate holding a whole number",
    "L": "label",
    "M": "array",
})
KINDS_ZH = MappingProxyType({
    "d": "被写入的寄存器",
    "a": "被读取的寄存器或立即数",
    "b": "被读取的寄存器或立即数",
    "i": "索引：存放整数的寄存器或立即数",
    "L": "标签",
    "M": "数组",
})
ROLES = MappingProxyType({"d": "dest", "a": "source", "b": "source", "i": "index", "L": "label", "M": "array"})


@dataclass(frozen=True)
class Behaviour:
    """How an engine runs a family of instructions, and what one step of it may change."""

    name: str
    zh: str  # its name in Chinese, for `gdasm stats` (the English name is also a JSON key)
    transfer: str = ""  # "" falls through; "always" jumps; "if" jumps when fn(a, b) holds
    verb: str = "jump"  # how a trace names a transfer: jump, call, return
    stack: str = ""  # "push" (the return address) or "pop" it and go there
    stores: bool = False  # writes the array element M[i]
    outputs: bool = False  # appends its source to the program's output
    stops: bool = False  # ends the run (HALT)


BEHAVIOURS: Mapping[str, Behaviour] = MappingProxyType({b.name: b for b in (
    Behaviour("compute", "计算"),
    Behaviour("jump", "跳转", transfer="always"),
    Behaviour("branch", "分支", transfer="if"),
    Behaviour("call", "调用", transfer="always", verb="call", stack="push"),
    Behaviour("ret", "返回", transfer="always", verb="return", stack="pop"),
    Behaviour("load", "读取"),
    Behaviour("store", "写入", stores=True),
    Behaviour("len", "长度"),
    Behaviour("out", "输出", outputs=True),
    Behaviour("halt", "停机", stops=True),
)})

# How tightly a formula binds, for `explain`'s brackets: a sum, a product, a prefix (−a, √a), a power,
# an atom (a name, a number, f(a), |a|).
SUM, PRODUCT, PREFIX, POWER, ATOM = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Notation:
    """How `explain` writes an operation: a template over its operands and where brackets go.

    An operand goes without brackets when its own level is at least `operands[k]`, when it is not a prefix
    form in a place that `bare_prefix[k]` forbids (a − (−b)), and when it is not a `groups` operation inside
    an operation of its own level (a / b inside a product keeps its brackets: a·(b / c), (a / b)·c).
    """

    template: str  # "{0} + {1}"; "{0}" passes its operand through (MOV, LOAD, STORE)
    level: int = ATOM
    operands: tuple[int, ...] = ()
    bare_prefix: tuple[bool, ...] = ()
    groups: bool = False

    @property
    def passes_through(self) -> bool:
        return self.template == "{0}"


PASS_THROUGH = Notation("{0}", ATOM, (0,), (True,))


def _binary(symbol: str, level: int, right: int, right_prefix: bool, groups: bool = False) -> Notation:
    return Notation("{0}" + symbol + "{1}", level, (level + 1, right), (True, right_prefix), groups)


# The cost model (docs/machine-code.md): what each instruction would cost as the x86-64 instruction it stands for,
# in core clock cycles of latency on one real CPU, from one published source. It is a model: it adds latencies
# as if each instruction waited for the one before, where a real core overlaps independent work, predicts
# branches and may miss the cache.
COST_CPU = "Intel Skylake (client cores: 6th-generation Core, 2015)"
COST_SOURCE = "LLVM's scheduling model for Skylake, SkylakeClientModel in llvm/lib/Target/X86/X86SchedSkylakeClient.td"
COST_ESTIMATE = ("an estimate, not from that source: a call to the C library's exp or log, whose latency is "
                 "measured at about 45 cycles (glibc 2.35's log2 on an AMD Zen 3, LLVM review D150374)")


@dataclass(frozen=True)
class Cost:
    """One instruction's cost in the model: cycles of latency, or None for I/O, which is counted, not timed."""

    cycles: Optional[int]
    x86: str  # the x86-64 instruction(s) it stands for
    basis: str  # where the number comes from: the source's scheduling class(es), or "estimate"


_BRANCH = Cost(3, "ucomisd; j<cc>", "WriteFComX 2 + WriteJump 1")


@dataclass(frozen=True)
class Op:
    """One mnemonic: its operands, behaviour, semantics, notation and documentation."""

    mnemonic: str
    operands: str  # kinds separated by spaces, e.g. "d a b"
    behaviour: str  # a key of BEHAVIOURS
    meaning: str  # one line of notation for the docs, e.g. "d ← a + b"
    doc: str  # one-line description
    fn: Optional[Callable] = None  # compute: the value; branch: the condition
    domain: Optional[Callable] = None  # the values read -> a fault code of DOMAIN_FAULTS, or None when defined
    faults: str = ""  # one line for the docs
    shorthand: bool = False  # "OP d, a" means "OP d, d, a"
    exact: bool = True  # has an exact rational result (False: --exact faults)
    notation: Optional[Notation] = None  # how `explain` writes a compute op's result
    # Reverse mode (`gdasm grad`): the values read and the result -> ∂result/∂(each value read), in operand order.
    # Where the derivative does not exist (`kink` of the values read is true), gdasm uses what `partials` gives
    # there — `kink_note` says what — and warns.
    partials: Optional[Callable] = None
    derivative: str = ""  # the partials as the docs write them
    kink: Optional[Callable] = None
    kink_note: str = ""
    opcode: Optional[int] = None  # the instruction word's top byte (docs/machine-code.md); None: not encodable
    cost: Optional[Cost] = None  # the cost model's figures (docs/machine-code.md)
    # The compiled engine (vm/compiled.py): `py` writes fn as a Python expression over {0}, {1} with the same
    # result, bit for bit (a test checks); without it the engine calls fn. `finite`: finite operands give a
    # finite result or raise, so the engine need not check the result for overflow.
    py: str = ""
    finite: bool = False
    spreads: tuple = ()  # operand positions (among the values read) where a non-finite value gives one, or raises
    # The docs' words in Chinese (docs/zh/language.md's tables): the meaning where it is words, not a formula;
    # what it does; its faults; its kink note.
    meaning_zh: str = ""
    doc_zh: str = ""
    faults_zh: str = ""
    kink_note_zh: str = ""

    kinds: tuple = field(default=(), init=False, repr=False)  # derived from `operands`
    roles: tuple = field(default=(), init=False, repr=False)  # the role of each operand, in order

    def __post_init__(self):
        kinds = tuple(self.operands.split())
        object.__setattr__(self, "kinds", kinds)
        object.__setattr__(self, "roles", tuple(ROLES[k] for k in kinds))

    @property
    def effects(self) -> Behaviour:
        """What a step of this instruction may change, from its behaviour."""
        return BEHAVIOURS[self.behaviour]

    def position(self, role: str) -> Optional[int]:
        """Where the first operand with this role is, or None."""
        return self.roles.index(role) if role in self.roles else None

    @property
    def forms(self) -> tuple[tuple[str, ...], ...]:
        """Every accepted operand list, longest first."""
        full = self.kinds
        return (full, full[:2]) if self.shorthand else (full,)

    def form_text(self, kinds: tuple[str, ...]) -> str:
        return f"{self.mnemonic} {', '.join(kinds)}" if kinds else self.mnemonic


# Faults a domain check reports, and every fault the machine can report: code -> message (or a template).
FAULTS = MappingProxyType({
    "unset-register": mark("register '{name}' is read before it is ever written"),
    "division-by-zero": mark("division by zero"),
    "sqrt-negative": mark("square root of a negative number"),
    "log-zero": mark("logarithm of zero"),
    "log-negative": mark("logarithm of a negative number"),
    "overflow": mark("overflow: the result is not a finite number"),
    "index-not-whole": mark("index {index} is not a whole number"),
    "index-out-of-range": mark("index {index} is out of range for array '{array}' of length {length}"),
    "call-depth": mark("call depth over {limit}"),
    "return-without-call": mark("RET with nothing to return to"),
    "step-limit": mark("the step limit of {limit} steps was reached"),
    "no-exact-result": mark("{mnemonic} has no exact result in exact arithmetic"),
    "exact-too-large": mark("the exact fraction passes {digits} digits"),
    "internal": mark("internal error: {detail}"),
})


def _div_domain(a, b):
    return "division-by-zero" if b == 0 else None


def _sqrt_domain(a):
    return "sqrt-negative" if a < 0 else None


def _log_domain(a):
    return "log-zero" if a == 0 else ("log-negative" if a < 0 else None)


_TABLE = (
    Op("MOV", "d a", "compute", "d ← a", "copy a value into a register", opcode=0x01,
       doc_zh="把一个值复制到寄存器",
       cost=Cost(1, "movapd", "WriteFMove"),
       fn=operator.pos, py="+{0}", finite=True, spreads=(0,), notation=PASS_THROUGH, partials=lambda a, r: (1,), derivative="1"),
    Op("ADD", "d a b", "compute", "d ← a + b", "add", opcode=0x02,
       doc_zh="加",
       cost=Cost(4, "addsd", "WriteFAdd64"), fn=operator.add, py="{0} + {1}", spreads=(0, 1), shorthand=True,
       notation=_binary(" + ", SUM, PRODUCT, True), partials=lambda a, b, r: (1, 1), derivative="1, 1"),
    Op("SUB", "d a b", "compute", "d ← a − b", "subtract", opcode=0x03,
       doc_zh="减",
       cost=Cost(4, "subsd", "WriteFAdd64"), fn=operator.sub, py="{0} - {1}", spreads=(0, 1), shorthand=True,
       notation=_binary(" − ", SUM, PRODUCT, False), partials=lambda a, b, r: (1, -1), derivative="1, −1"),
    Op("MUL", "d a b", "compute", "d ← a × b", "multiply", opcode=0x04,
       doc_zh="乘",
       cost=Cost(4, "mulsd", "WriteFMul64"), fn=operator.mul, py="{0} * {1}", spreads=(0, 1), shorthand=True,
       notation=Notation("{0}·{1}", PRODUCT, (PRODUCT, PRODUCT), (True, False)),
       partials=lambda a, b, r: (b, a), derivative="b, a"),
    Op("DIV", "d a b", "compute", "d ← a ÷ b", "divide", opcode=0x05,
       doc_zh="除", faults_zh="b = 0",
       cost=Cost(14, "divsd", "WriteFDiv64"), fn=operator.truediv, py="{0} / {1}", spreads=(0,), shorthand=True,
       domain=_div_domain, faults="b = 0",
       notation=Notation("{0} / {1}", PRODUCT, (PRODUCT, PREFIX), (True, False), groups=True),
       partials=lambda a, b, r: (1 / b, -r / b), derivative="1/b, −a/b²"),
    Op("NEG", "d a", "compute", "d ← −a", "negate", opcode=0x06,
       doc_zh="取相反数",
       cost=Cost(1, "xorpd (flip the sign bit)", "WriteFLogic"), fn=operator.neg, py="-{0}", finite=True, spreads=(0,),
       notation=Notation("−{0}", PREFIX, (PREFIX,), (True,)), partials=lambda a, r: (-1,), derivative="−1"),
    Op("ABS", "d a", "compute", "d ← |a|", "absolute value", opcode=0x07,
       doc_zh="绝对值", kink_note_zh="在 a = 0 处 gdasm 取 0（一个次梯度：−1 到 1 之间的任何斜率都是）",
       cost=Cost(1, "andpd (clear the sign bit)", "WriteFLogic"), fn=abs, py="abs({0})", finite=True, spreads=(0,),
       notation=Notation("|{0}|", ATOM, (0,), (True,)), partials=lambda a, r: ((a > 0) - (a < 0),),
       derivative="sign a", kink=lambda a: a == 0, kink_note="at a = 0 gdasm uses 0 (a subgradient: any slope from −1 to 1 is one)"),
    Op("SQRT", "d a", "compute", "d ← √a", "square root", opcode=0x08,
       doc_zh="平方根", faults_zh="a < 0", kink_note_zh="在 a = 0 处斜率是竖直的：gdasm 取 ∞",
       cost=Cost(18, "sqrtsd", "WriteFSqrt64"), fn=math.sqrt, domain=_sqrt_domain, finite=True, spreads=(0,),
       faults="a < 0", exact=False, notation=Notation("√{0}", PREFIX, (PREFIX,), (True,)),
       partials=lambda a, r: (1 / (2 * r) if r else math.inf,), derivative="1/(2√a)", kink=lambda a: a == 0,
       kink_note="at a = 0 the slope is vertical: gdasm uses ∞"),
    Op("EXP", "d a", "compute", "d ← eᵃ", "exponential", opcode=0x09,
       doc_zh="指数函数", faults_zh="结果太大（溢出）",
       cost=Cost(45, "call exp", "estimate"), fn=math.exp, finite=True,
       faults="result too large (overflow)", exact=False, notation=Notation("exp({0})", ATOM, (0,), (True,)),
       partials=lambda a, r: (r,), derivative="eᵃ"),
    Op("LOG", "d a", "compute", "d ← ln a", "natural logarithm", opcode=0x0A,
       doc_zh="自然对数", faults_zh="a ≤ 0",
       cost=Cost(45, "call log", "estimate"), fn=math.log, domain=_log_domain, finite=True, spreads=(0,),
       faults="a ≤ 0", exact=False, notation=Notation("ln({0})", ATOM, (0,), (True,)),
       partials=lambda a, r: (1 / a,), derivative="1/a"),
    Op("JMP", "L", "jump", "go to L", "jump", opcode=0x10, cost=Cost(1, "jmp", "WriteJump"),
       meaning_zh="跳到 L", doc_zh="跳转"),
    Op("JLT", "a b L", "branch", "go to L if a < b", "jump if less", opcode=0x11, cost=_BRANCH, fn=operator.lt, py="{0} < {1}",
       meaning_zh="若 a < b 则跳到 L", doc_zh="小于时跳转"),
    Op("JLE", "a b L", "branch", "go to L if a ≤ b", "jump if less or equal", opcode=0x12,
       meaning_zh="若 a ≤ b 则跳到 L", doc_zh="小于或等于时跳转",
       cost=_BRANCH, fn=operator.le, py="{0} <= {1}"),
    Op("JGT", "a b L", "branch", "go to L if a > b", "jump if greater", opcode=0x13, cost=_BRANCH, fn=operator.gt, py="{0} > {1}",
       meaning_zh="若 a > b 则跳到 L", doc_zh="大于时跳转"),
    Op("JGE", "a b L", "branch", "go to L if a ≥ b", "jump if greater or equal", opcode=0x14,
       meaning_zh="若 a ≥ b 则跳到 L", doc_zh="大于或等于时跳转",
       cost=_BRANCH, fn=operator.ge, py="{0} >= {1}"),
    Op("JEQ", "a b L", "branch", "go to L if a = b", "jump if equal", opcode=0x15, cost=_BRANCH, fn=operator.eq, py="{0} == {1}",
       meaning_zh="若 a = b 则跳到 L", doc_zh="相等时跳转"),
    Op("JNE", "a b L", "branch", "go to L if a ≠ b", "jump if not equal", opcode=0x16, cost=_BRANCH, fn=operator.ne, py="{0} != {1}",
       meaning_zh="若 a ≠ b 则跳到 L", doc_zh="不相等时跳转"),
    Op("CALL", "L", "call", "push the next address; go to L", "call a subroutine", opcode=0x18,
       meaning_zh="把下一条的地址压栈；跳到 L", doc_zh="调用子程序", faults_zh=f"调用深度超过 {MAX_CALL_DEPTH:,}",
       cost=Cost(3, "call", "CALL64pcrel32"),
       faults=f"call depth over {MAX_CALL_DEPTH:,}"),
    Op("RET", "", "ret", "pop an address; go there", "return from a subroutine", opcode=0x19,
       meaning_zh="弹出一个地址；跳到那里", doc_zh="从子程序返回", faults_zh="没有可以返回的地方",
       cost=Cost(7, "ret", "RET64"),
       faults="nothing to return to"),
    Op("LOAD", "d M i", "load", "d ← M[i]", "read an array element (0-based)", opcode=0x20,
       doc_zh="读取数组元素（从 0 开始编号）", faults_zh="i 不是范围内的整数",
       cost=Cost(5, "movsd xmm, [mem] (an L1 hit)", "WriteFLoad"),
       faults="i not a whole number in range"),
    Op("STORE", "M i a", "store", "M[i] ← a", "write an array element (0-based)", opcode=0x21,
       doc_zh="写入数组元素（从 0 开始编号）", faults_zh="i 不是范围内的整数",
       cost=Cost(1, "movsd [mem], xmm", "WriteFStore"),
       faults="i not a whole number in range"),
    Op("LEN", "d M", "len", "d ← length of M", "number of elements of an array", opcode=0x22,
       meaning_zh="d ← M 的长度", doc_zh="数组的元素个数",
       cost=Cost(1, "movapd (the length is a constant)", "WriteFMove")),
    Op("OUT", "a", "out", "print a", "print a value as one line of program output", opcode=0x30,
       meaning_zh="打印 a", doc_zh="把一个值打印为程序输出的一行",
       cost=Cost(None, "", "I/O: counted, not given cycles (its cost depends on the terminal)")),
    Op("HALT", "", "halt", "stop", "stop the program (counts as a step)", opcode=0x3F,
       meaning_zh="停止", doc_zh="停止程序（算作一步）",
       cost=Cost(1, "jmp (to the exit)", "WriteJump")),
)

OPS: Mapping[str, Op] = MappingProxyType({op.mnemonic: op for op in _TABLE})
BY_OPCODE: Mapping[int, Op] = MappingProxyType({op.opcode: op for op in _TABLE if op.opcode is not None})

# The instruction word (docs/machine-code.md): 64 bits, one word an instruction, as wide as a double, so code and
# constant pool share a word size. The top byte is the opcode (0x00 is none: a zeroed word is not code); then one
# 18-bit field per operand of the table's full form, in order, at bits 55–38, 37–20 and 19–2; bits 1–0 and the
# fields an op does not use are 0. What a field holds follows from the operand's kind: a register number (d), an
# array number (M), a code address (L), or for a value read (a, b, i) a register number, or a constant-pool
# index with the top bit of the field set. Limits this implies: 131,072 registers and constants (17 bits),
# 262,144 arrays; code addresses up to 262,143, beyond MAX_PROGRAM_LINES instructions.
WORD_BITS = 64
OPCODE_SHIFT = 56
FIELD_BITS = 18
FIELD_SHIFTS = (38, 20, 2)
CONSTANT_FLAG = 1 << (FIELD_BITS - 1)
FIELD_KINDS = MappingProxyType({"d": "register", "a": "value", "b": "value", "i": "value", "L": "address",
                                "M": "array"})
MAX_FIELD = MappingProxyType({"register": CONSTANT_FLAG - 1, "constant": CONSTANT_FLAG - 1,
                              "array": (1 << FIELD_BITS) - 1, "address": (1 << FIELD_BITS) - 1})


@dataclass(frozen=True)
class Directive:
    """One assembler directive: not a step; it declares initial state."""

    name: str
    form: str
    doc: str
    doc_zh: str  # the same in Chinese (docs/zh/language.md)


DIRECTIVES: Mapping[str, Directive] = MappingProxyType({
    d.name: d
    for d in (
        Directive(".reg", ".reg NAME = EXPR",
                  "initial value of a register (`--set` on the command line overrides it)",
                  "寄存器的初始值（命令行的 `--set` 会覆盖它）"),
        Directive(".data", ".data NAME = EXPR, EXPR, ...",
                  "a named array of numbers (`--data` on the command line replaces it)",
                  "一个有名字的数组（命令行的 `--data` 会替换它）"),
        Directive(".zeros", ".zeros NAME, N",
                  f"an array of N zeros (N a whole number from 1 to {MAX_ARRAY_LENGTH:,})",
                  f"N 个零组成的数组（N 是 1 到 {MAX_ARRAY_LENGTH:,} 之间的整数）"),
    )
})


def lookup(mnemonic: str) -> Optional[Op]:
    """The Op for a mnemonic in any case, or None."""
    return OPS.get(mnemonic.upper())


def is_reserved(name: str) -> bool:
    """True for a word that may not be a name: a mnemonic, in any case."""
    return name.upper() in OPS
