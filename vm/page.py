"""The click-through page of a run: its data (recorded here, compact) and one self-contained HTML file.

The page holds the program's source, the code as the ISA describes it (what each address writes and reads, and
how `explain` writes it), and the run as one entry per kept step: its address, the value it wrote (an index into
a pool of value texts: Python's `repr`, or an exact fraction) and, for a STORE, the element. The browser rebuilds
every state, every old value and every provenance tree from that (page.js), so no step's text is precomputed.

A run longer than `max_steps` keeps its first and last halves: the machine runs once to learn the run's length
(noting each OUT), then again, at full speed to where the kept tail starts, whose whole state goes in the page.
"""

from __future__ import annotations

import html
import re
from fractions import Fraction
from importlib import resources
from types import MappingProxyType
from typing import Optional

from . import render
from .errors import GdasmError, RuntimeFault, UsageError
from .i18n import tr
from .ir import UNSET, Imm, Program, Reg
from .machine import DEFAULT_MAX_STEPS, Machine
from .numbers import fraction_text

MAX_PAGE_STEPS = 20_000  # steps a page holds by default (`--max-page-steps`)
MAX_PAGE_STEPS_LIMIT = 1_000_000  # the most it may be asked to hold (about 10 MB of page)
MAX_OUTS = 20_000  # OUT values a page keeps; a run with more keeps every k-th (and the last)
MAX_ELEMENTS = 200_000  # array elements a page holds (the start of the run, and of the kept tail)
PATH_STEPS = 2_000_000  # the path picture is drawn for runs up to this long (its landscape re-runs the program)
VERSION = 1  # the page data's shape (docs/page.md); tools reading `gdasm-data` check it

class _Pool:
    """Value texts, each once: the page refers to a value by its index (-1: unset)."""

    def __init__(self):
        self.texts: list[str] = []
        self._index: dict = {}

    def __call__(self, v) -> int:
        if v is UNSET or v is None:
            return -1
        text = fraction_text(v) if isinstance(v, Fraction) else repr(float(v))
        k = self._index.get(text)
        if k is None:
            k = self._index[text] = len(self.texts)
            self.texts.append(text)
        return k


def _kind(ins) -> str:
    eff = ins.op.effects
    if eff.stores:
        return "st"
    if ins.dest is not None:
        if ins.array is not None:
            return "ld" if ins.index is not None else "len"
        return "c"
    return "out" if eff.outputs else "j"


def _code(p: Program, pool: _Pool, exact: bool) -> tuple[list, list, dict]:
    """Each address as the page needs it, the immediates, and the notations by number."""
    from .history import immediate, plain_number  # here, not at import: history brings NumPy, which `gdasm`
    # commands other than html must not pay for at start-up
    imms: list = []
    notations: dict = {}

    def operand(o):
        if isinstance(o, Imm):
            value = o.exact if exact else o.value
            imms.append([o.text, pool(value), plain_number(o.text, value), *immediate(o.text)])
            return [1, len(imms) - 1]
        return [0, o.slot]

    try:
        from . import encoding  # here, like vm.history: only a page needs it
        words = encoding.encode(p)[0]
    except GdasmError:  # past the binary form's limits (docs/machine-code.md): the page shows no words
        words = [None] * len(p.instructions)
    code = []
    for ins, word in zip(p.instructions, words):
        k = _kind(ins)
        entry = {"l": ins.line, "t": ins.text, "k": k}
        if word is not None:
            entry["w"] = f"0x{word:016x}"  # as `gdasm listing` writes it
        if ins.dest is not None:
            entry["d"] = ins.dest.slot
        if ins.array is not None:
            entry["a"] = ins.array.slot
        if ins.index is not None:
            entry["i"] = [0, ins.index.slot] if isinstance(ins.index, Reg) else [2, int(ins.index.value)]
        if k in ("c", "st", "out"):
            entry["s"] = [operand(o) for o in ins.sources]
        if k == "c":
            n = ins.op.notation
            key = ins.op.mnemonic
            notations[key] = [n.template, n.level, list(n.operands), list(n.bare_prefix), n.groups]
            entry["n"] = key
        code.append(entry)
    return code, imms, notations


class _Tape:
    """The kept steps: [address, value, (element)] flattened, plus the OUT values of the whole run."""

    def __init__(self, pool: _Pool, program: Program):
        self.pool = pool
        self.flat: list[int] = []
        self.count = 0
        self.outs: list = []  # [step, address, value, index among all OUTs]: values pooled only when kept
        self.outs_total = 0
        self.stride = 1  # keep every stride-th OUT once there are more than MAX_OUTS
        self._kinds = [_kind(i) for i in program.instructions]

    def add(self, rec) -> None:
        self.count += 1
        self.flat.append(rec.address)
        k = self._kinds[rec.address]
        if k in ("c", "ld", "len"):
            self.flat.append(self.pool(rec.writes[0][2]))
        elif k == "st":
            _, index, _, new = rec.array_writes[0]
            self.flat += [self.pool(new), index]
        elif k == "out":
            self.flat.append(self.pool(rec.output))

    def out(self, step: int, address: int, value) -> None:
        """An OUT of the run (kept or not); every stride-th is kept, and the last."""
        self.outs_total += 1
        if self.outs and self.outs[-1][3] % self.stride:
            self.outs.pop()  # the last one kept only because it was the last
        self.outs.append([step, address, value, self.outs_total - 1])
        if len(self.outs) > MAX_OUTS:
            self.stride *= 2
            self.outs = [o for o in self.outs if o[3] % self.stride == 0]


def _state(m: Machine, pool: _Pool) -> dict:
    return {"regs": [pool(v) for v in m.regs], "order": list(m.write_order),
            "arrays": [[pool(v) for v in a] for a in m.arrays]}


def _fault(fault: RuntimeFault) -> dict:
    d = fault.diagnostic
    return {"line": d.span.line if d.span else 0, "column": d.span.column if d.span else 0,
            "address": fault.address, "step": fault.step, "code": fault.code,
            "text": {f: d.text(render.Formatter(f)) for f in render.NUMBER_FORMATS},
            "notes": {f: [ln.strip() for ln in render.diagnostic(d, fmt=render.Formatter(f)).split("\n")
                          if ln.startswith(("  note:", "  hint:"))] for f in render.NUMBER_FORMATS},
            "full": {f: render.diagnostic(d, fmt=render.Formatter(f)) for f in render.NUMBER_FORMATS}}


def record(program: Program, registers=None, arrays=None, max_steps: int = DEFAULT_MAX_STEPS,
           exact: bool = False, max_page_steps: int = MAX_PAGE_STEPS) -> dict:
    """The page's data for one run (see the module's docstring); the run may fault (the data says so)."""
    from .history import History
    if not 2 <= max_page_steps <= MAX_PAGE_STEPS_LIMIT:
        raise UsageError(tr("--max-page-steps must be from 2 to {MAX_PAGE_STEPS_LIMIT:,}, not {max_page_steps:,}",
                            MAX_PAGE_STEPS_LIMIT=MAX_PAGE_STEPS_LIMIT, max_page_steps=max_page_steps))
    pool = _Pool()
    code, imms, notations = _code(program, pool, exact)
    m = Machine(program, registers, arrays, max_steps, exact)
    elements = sum(len(a) for a in m.arrays)
    if elements > MAX_ELEMENTS:
        raise UsageError(tr("a page holds at most {MAX_ELEMENTS:,} array elements; this run starts with {elements:,} "
                            "(give smaller arrays with --data)", MAX_ELEMENTS=MAX_ELEMENTS, elements=elements))
    origins = _origins(program, m)
    start = _state(m, pool)
    tape = _Tape(pool, program)
    fault: Optional[RuntimeFault] = None
    head = max_page_steps // 2
    head_next = None
    try:
        # One chunk of up to a page of steps: the loop ends as it fills, before the recorder runs on.
        for rec in m.records(max_page_steps):
            tape.add(rec)
            if rec.output is not None:
                tape.out(rec.step, rec.address, rec.output)
            if tape.count == head:
                head_next = rec.next_pc
            if tape.count >= max_page_steps:
                break
    except RuntimeFault as f:
        fault = f
    tail = None
    total = m.steps
    if fault is None and m.status == "ready":  # perhaps longer than a page holds: run on, noting each OUT
        outs_at = {a for a, i in enumerate(program.instructions) if i.op.effects.outputs}
        try:
            while m.run_to(outs_at):
                rec = m.step()
                tape.out(rec.step, rec.address, rec.output)
        except RuntimeFault as f:
            fault = f
        total = m.steps
    if total > tape.count:  # it was: keep the first and the last halves
        flat_head = _cut_flat(tape, head)
        keep = max_page_steps - head
        again = Machine(program, registers, arrays, max_steps, exact)
        again._run(total - keep)  # the same deterministic run, at full speed, to where the kept tail starts
        tail = {"from": again.steps, "next": again.pc, **_state(again, pool)}
        tape.flat, tape.count = flat_head, head
        try:
            for rec in again.records():
                tape.add(rec)
        except RuntimeFault as f:
            fault = f
    return {
        "version": VERSION, "program": render.safe(program.filename), "lines": program.source.split("\n"),
        "exact": exact, "regs": list(program.registers), "arrays": list(program.arrays),
        "code": code, "imms": imms, "notations": notations, "origins": origins,
        "start": start, "steps": tape.flat, "kept": tape.count, "head": head if tail else tape.count,
        "head_next": head_next, "tail": tail, "total": total,
        "status": "fault" if fault else m.status, "fault": _fault(fault) if fault else None,
        "outs": [[st, a, pool(v), k] + ([_approx(v)] if exact else []) for st, a, v, k in tape.outs],
        "outs_total": tape.outs_total, "outs_stride": tape.stride,
        "limits": {"depth": 8, "max_depth": History.MAX_DEPTH, "max_nodes": History.MAX_NODES,
                   "max_lines": 200, "max_formula": 2000},
        "pool": pool.texts, "path": None,
    }


def _approx(v) -> Optional[float]:
    """An exact value as the nearest double, for the loss curve (None when it is past the doubles' range)."""
    try:
        return float(v)
    except OverflowError:
        return None


def _cut_flat(tape: _Tape, head: int) -> list:
    """The flat entries of the first `head` steps."""
    kinds, flat, out, i = tape._kinds, tape.flat, [], 0
    for _ in range(head):
        k = kinds[flat[i]]
        width = 3 if k == "st" else 2 if k in ("c", "ld", "len", "out") else 1
        out += flat[i:i + width]
        i += width
    return out


def _origins(p: Program, m: Machine) -> dict:
    """Where each register's and array's starting value came from, as `explain` says it."""
    from .history import History
    h = History(m)
    return {"regs": [h.input_origin(name) if m.regs[slot] is not UNSET else "never written"
                     for slot, name in enumerate(p.registers)],
            "arrays": [h.array_origin(slot) for slot in range(len(p.arrays))]}


def add_path(data: dict, program: Program, inputs: dict) -> None:
    """Add the path picture's data (Pictures' `path`, param w) when it applies: a loop that OUTs, a register w,
    a run short enough to re-run over a grid, and a landscape the Pictures issue can draw."""
    if data["total"] > PATH_STEPS or len(data["outs"]) < 2 or "w" not in program.registers or data["exact"]:
        return
    from . import pictures
    try:
        d = pictures.path(program, "w", **inputs)
    except GdasmError:  # not a picture this program has (w not a parameter it learns, say): the page goes without
        return
    data["path"] = {"grid": d["grid"][0], "landscape": d["landscape"], "w": d["iterates"][0], "loss": d["loss"],
                    "steps": d["steps_at"]}


def build(program: Program, inputs: dict, lang: str = "en", numbers: str = "dec",
          max_page_steps: int = MAX_PAGE_STEPS, path: bool = True) -> tuple[str, dict]:
    """The page of one run (`inputs`: Machine's keyword arguments), as HTML text, and its data."""
    data = record(program, max_page_steps=max_page_steps, **inputs)
    if path:
        add_path(data, program, inputs)
    return html_page(data, lang, numbers), data


WORDS = MappingProxyType({
    "en": MappingProxyType({
        "first": "Go to the start (step 0, Home)",
        "back": "Back one step (\u2190)",
        "forward": "Forward one step (\u2192)",
        "last": "Go to the end (End)",
        "counter_pre": "step",
        "counter_mid": "of",
        "counter_post": "",
        "step": "step",
        "source": "Program",
        "words": "machine code",
        "words_title": "Show each instruction's 64-bit word beside its line (W); docs/machine-code.md has the "
                       "layout",
        "registers": "Registers",
        "arrays": "Arrays",
        "output": "Output",
        "explain": "Explain",
        "numbers": "Numbers",
        "was": "was",
        "finished": "finished after {n} steps",
        "halted": "halted after {n} steps",
        "fault": "stopped by a fault at step {n}: that step did not complete; the values shown are those after "
                 "step {m}",
        "runtime_error": "runtime error",
        "ready": "next: line {line}",
        "ran": "step {step} ran line {line}: {text}",
        "start": "not started",
        "none_yet": "nothing yet",
        "earlier": "\u2026 {n} earlier values",
        "click_reg": "Click a register or an element to see how it got its value.",
        "after_step": "{name} after step {n}:",
        "kept": "This page keeps {kept} of the run's {total} steps: steps 1\u2013{head} and {from}\u2013{total}"
                " (steps {gap_from}\u2013{gap_to} are left out).",
        "all_outs": "Every OUT value of the run is kept ({n}).",
        "kept_outs": "This page keeps {kept} of the run's {total} OUT values (1 in every {stride}, and the last"
                     ").",
        "snapped": "Step {asked} is not in this page (steps {gap_from}\u2013{gap_to} were left out); showing st"
                   "ep {shown}.",
        "clamped": "The run has {total} steps; showing step {shown}.",
        "bad_hash": "#{hash} is not a step: write #step=N.",
        "not_again": "Line {line} does not run again after step {step}.",
        "is_next": "Line {line} is the next line to run.",
        "no_code": "Line {line} has no instruction.",
        "dropped": "written before step {n}: this part of the run is not in this page",
        "dropped_note": "note: this page does not include steps {a}\u2013{b}; a value written there is a leaf, "
                        "shown as it stood after step {b}",
        "loss": "Loss curve: each OUT value (click a point to go to the step that printed it)",
        "path": "The descent path: the program's loss at each w, and each iterate (click one)",
        "out_no": "OUT number",
        "run_to": "Run to line {line}",
        "depth": "depth",
        "close": "Close",
        "keys": "\u2190 \u2192 one step \u00b7 PgUp / PgDn ten \u00b7 Home / End the start and the end \u00b7 c"
                "lick a line number to run to that line \u00b7 W machine code",
        "fmt_dec": "decimal: Python's repr, as the command line prints it",
        "fmt_hex": "hexadecimal: float.hex()",
        "fmt_bits": "IEEE-754 bits: sign | exponent | fraction",
        "fmt_exact": "the double's exact decimal value",
        "lang": "en",
    }),
    "zh": MappingProxyType({
        "first": "\u56de\u5230\u5f00\u5934\uff08\u7b2c 0 \u6b65\uff0cHome\uff09",
        "back": "\u540e\u9000\u4e00\u6b65\uff08\u2190\uff09",
        "forward": "\u524d\u8fdb\u4e00\u6b65\uff08\u2192\uff09",
        "last": "\u8df3\u5230\u7ed3\u5c3e\uff08End\uff09",
        "counter_pre": "\u7b2c",
        "counter_mid": "\u6b65 / \u5171",
        "counter_post": "\u6b65",
        "step": "\u6b65",
        "source": "\u7a0b\u5e8f",
        "words": "\u673a\u5668\u7801",
        "words_title": "\u5728\u6bcf\u884c\u65c1\u663e\u793a\u8be5\u6307\u4ee4\u7684 64 \u4f4d\u673a\u5668\u5b57"
                       "\uff08W\uff09\uff1b\u5e03\u5c40\u89c1 docs/machine-code.md",
        "registers": "\u5bc4\u5b58\u5668",
        "arrays": "\u6570\u7ec4",
        "output": "\u8f93\u51fa",
        "explain": "\u8ffd\u6eaf",
        "numbers": "\u6570\u5b57\u683c\u5f0f",
        "was": "\u539f\u503c",
        "finished": "\u8fd0\u884c\u5b8c\u6bd5\uff0c\u5171 {n} \u6b65",
        "halted": "\u5df2\u505c\u673a\uff08HALT\uff09\uff0c\u5171 {n} \u6b65",
        "fault": "\u7b2c {n} \u6b65\u51fa\u9519\uff0c\u8fd0\u884c\u505c\u6b62\uff1a\u8be5\u6b65\u672a\u5b8c"
                 "\u6210\uff0c\u663e\u793a\u7684\u662f\u7b2c {m} \u6b65\u4e4b\u540e\u7684\u503c",
        "runtime_error": "\u8fd0\u884c\u9519\u8bef",
        "ready": "\u63a5\u4e0b\u6765\u6267\u884c\u7b2c {line} \u884c",
        "ran": "\u7b2c {step} \u6b65\u6267\u884c\u4e86\u7b2c {line} \u884c\uff1a{text}",
        "start": "\u5c1a\u672a\u5f00\u59cb",
        "none_yet": "\u6682\u65e0",
        "earlier": "\u2026 \u524d\u9762\u8fd8\u6709 {n} \u4e2a\u503c",
        "click_reg": "\u70b9\u51fb\u5bc4\u5b58\u5668\u6216\u6570\u7ec4\u5143\u7d20\uff0c\u67e5\u770b\u5b83"
                     "\u7684\u503c\u662f\u600e\u6837\u7b97\u51fa\u6765\u7684\u3002",
        "after_step": "{name}\uff08\u7b2c {n} \u6b65\u4e4b\u540e\uff09\uff1a",
        "kept": "\u672c\u9875\u4fdd\u7559\u4e86\u5168\u90e8 {total} \u6b65\u4e2d\u7684 {kept} \u6b65\uff1a"
                "\u7b2c 1\u2013{head} \u6b65\u548c\u7b2c {from}\u2013{total} \u6b65\uff08\u7b2c {gap_from}"
                "\u2013{gap_to} \u6b65\u672a\u6536\u5f55\uff09\u3002",
        "all_outs": "\u5168\u90e8 {n} \u4e2a OUT \u503c\u90fd\u5df2\u4fdd\u7559\u3002",
        "kept_outs": "\u672c\u9875\u4fdd\u7559\u4e86 {total} \u4e2a OUT \u503c\u4e2d\u7684 {kept} \u4e2a\uff08"
                     "\u6bcf {stride} \u4e2a\u53d6\u4e00\u4e2a\uff0c\u5e76\u542b\u6700\u540e\u4e00\u4e2a\uff09"
                     "\u3002",
        "snapped": "\u7b2c {asked} \u6b65\u4e0d\u5728\u672c\u9875\u4e2d\uff08\u7b2c {gap_from}\u2013{gap_to} "
                   "\u6b65\u672a\u6536\u5f55\uff09\uff1b\u663e\u793a\u7b2c {shown} \u6b65\u3002",
        "clamped": "\u672c\u6b21\u8fd0\u884c\u5171 {total} \u6b65\uff1b\u663e\u793a\u7b2c {shown} \u6b65\u3002",
        "bad_hash": "#{hash} \u4e0d\u662f\u6b65\u6570\uff1a\u8bf7\u5199 #step=N\u3002",
        "not_again": "\u7b2c {step} \u6b65\u4e4b\u540e\uff0c\u7b2c {line} \u884c\u4e0d\u518d\u6267\u884c\u3002",
        "is_next": "\u7b2c {line} \u884c\u5c31\u662f\u63a5\u4e0b\u6765\u8981\u6267\u884c\u7684\u884c\u3002",
        "no_code": "\u7b2c {line} \u884c\u6ca1\u6709\u6307\u4ee4\u3002",
        "dropped": "\u5199\u4e8e\u7b2c {n} \u6b65\u4e4b\u524d\uff1a\u8fd9\u90e8\u5206\u8fd0\u884c\u672a\u6536"
                   "\u5f55\u5728\u672c\u9875",
        "dropped_note": "\u6ce8\uff1a\u672c\u9875\u672a\u6536\u5f55\u7b2c {a}\u2013{b} \u6b65\uff1b\u5728\u90a3"
                        "\u91cc\u5199\u5165\u7684\u503c\u4f5c\u4e3a\u53f6\u5b50\u663e\u793a\uff0c\u53d6\u7b2c {"
                        "b} \u6b65\u4e4b\u540e\u7684\u503c",
        "loss": "\u635f\u5931\u66f2\u7ebf\uff1a\u6bcf\u4e2a OUT \u503c\uff08\u70b9\u51fb\u67d0\u70b9\uff0c"
                "\u8df3\u5230\u8f93\u51fa\u5b83\u7684\u90a3\u4e00\u6b65\uff09",
        "path": "\u4e0b\u964d\u8def\u5f84\uff1a\u7a0b\u5e8f\u5728\u5404\u4e2a w \u5904\u7684\u635f\u5931\uff0c"
                "\u4ee5\u53ca\u6bcf\u6b21\u8fed\u4ee3\uff08\u70b9\u51fb\u67d0\u70b9\uff09",
        "out_no": "\u7b2c\u51e0\u4e2a OUT \u503c",
        "run_to": "\u8fd0\u884c\u5230\u7b2c {line} \u884c",
        "depth": "\u6df1\u5ea6",
        "close": "\u5173\u95ed",
        "keys": "\u2190 \u2192 \u5355\u6b65 \u00b7 PgUp / PgDn \u5341\u6b65 \u00b7 Home / End \u5f00\u5934"
                "\u548c\u7ed3\u5c3e \u00b7 \u70b9\u51fb\u884c\u53f7\u8fd0\u884c\u5230\u8be5\u884c \u00b7 W "
                "\u673a\u5668\u7801",
        "fmt_dec": "\u5341\u8fdb\u5236\uff1aPython \u7684 repr\uff0c\u4e0e\u547d\u4ee4\u884c\u4e00\u81f4",
        "fmt_hex": "\u5341\u516d\u8fdb\u5236\uff1afloat.hex()",
        "fmt_bits": "IEEE-754 \u4e8c\u8fdb\u5236\u4f4d\uff1a\u7b26\u53f7 | \u6307\u6570 | \u5c3e\u6570",
        "fmt_exact": "\u8be5\u53cc\u7cbe\u5ea6\u6570\u7684\u7cbe\u786e\u5341\u8fdb\u5236\u503c",
        "lang": "zh-CN",
    }),
})


def _asset(name: str) -> str:
    return resources.files("vm").joinpath(name).read_text(encoding="utf-8")


def _script_json(data: dict) -> str:
    """JSON safe inside <script>: `<`, `>` and `&` as \\u escapes, so no text can end the element."""
    import json
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def html_page(data: dict, lang: str = "en", numbers: str = "dec", step: Optional[int] = None) -> str:
    """The whole page: one HTML file with its style, script and data inside, and no address outside it."""
    if lang not in WORDS:
        raise UsageError(tr("unknown language {lang!r}; the languages are {WORDS}",
                            lang=lang, WORDS=', '.join(WORDS)))
    render.Formatter(numbers)  # checks the name
    data = {**data, "words": dict(WORDS[lang]), "numbers": numbers, "open": step}
    title = html.escape(f"{render.safe(data['program'].replace(chr(92), '/').rsplit('/', 1)[-1])} \u00b7 gdasm")
    parts = {"lang": WORDS[lang]["lang"], "title": title, "style": _asset("page.css"), "data": _script_json(data),
             "script": _asset("page.js")}
    # One pass over the template: text put in (a program's comment) is never searched for placeholders.
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], _asset("page.html"))
