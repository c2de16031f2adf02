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

from . import i18n, render
from .errors import GdasmError, RuntimeFault, UsageError
from .i18n import pmark, tr
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
        text = fraction_text(v, said=True) if isinstance(v, Fraction) else repr(float(v))  # the page's language
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


def _note_heads() -> tuple:
    """How a diagnostic's note and hint lines start, in the language in use (render.diagnostic writes them)."""
    return tuple("  " + tr(w) for w in ("note:", "hint:"))  # msgids of render.py


def _fault(fault: RuntimeFault) -> dict:
    d = fault.diagnostic
    return {"line": d.span.line if d.span else 0, "column": d.span.column if d.span else 0,
            "address": fault.address, "step": fault.step, "code": fault.code,
            "text": {f: d.text(render.Formatter(f)) for f in render.NUMBER_FORMATS},
            "notes": {f: [ln.strip() for ln in render.diagnostic(d, fmt=render.Formatter(f)).split("\n")
                          if ln.startswith(_note_heads())] for f in render.NUMBER_FORMATS},
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
    from .history import EXPLAIN_WORDS, History
    h = History(m)
    return {"regs": [h.input_origin(name) if m.regs[slot] is not UNSET else tr(EXPLAIN_WORDS["never"])
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
    _known(lang)
    with i18n.use(lang):  # the data's words (where inputs came from, a fault's notes) in the page's language too
        data = record(program, max_page_steps=max_page_steps, **inputs)
        if path:
            add_path(data, program, inputs)
    return html_page(data, lang, numbers), data


# The page's own words (its buttons, notes and titles), translated into the page's language where it is made
# (vm/i18n.py; the context "page" keeps them apart from the command line's words). The page's script fills
# in their {placeholders}.
WORDS = MappingProxyType({
    "first": pmark("page", "Go to the start (step 0, Home)"),
    "back": pmark("page", "Back one step (←)"),
    "forward": pmark("page", "Forward one step (→)"),
    "last": pmark("page", "Go to the end (End)"),
    "step": pmark("page", "step"),
    "source": pmark("page", "Program"),
    "words": pmark("page", "machine code"),
    "words_title": pmark("page", "Show each instruction's 64-bit word beside its line (W); docs/machine-code.md has "
                                 "the layout"),
    "registers": pmark("page", "Registers"),
    "arrays": pmark("page", "Arrays"),
    "output": pmark("page", "Output"),
    "explain": pmark("page", "Explain"),
    "numbers": pmark("page", "Numbers"),
    "was": pmark("page", "was"),
    "finished": pmark("page", "finished after {n} steps"),
    "halted": pmark("page", "halted after {n} steps"),
    "fault": pmark("page",
                   "stopped by a fault at step {n}: that step did not complete; the values shown are those after "
                   "step {m}"),
    "runtime_error": pmark("page", "runtime error: {message}"),
    "ready": pmark("page", "next: line {line}"),
    "ran": pmark("page", "step {step} ran line {line}: {text}"),
    "start": pmark("page", "not started"),
    "none_yet": pmark("page", "nothing yet"),
    "earlier": pmark("page", "… {n} earlier values"),
    "click_reg": pmark("page", "Click a register or an element to see how it got its value."),
    "after_step": pmark("page", "{name} after step {n}:"),
    "kept": pmark("page", "This page keeps {kept} of the run's {total} steps: steps 1–{head} and {from}–{total} "
                          "(steps {gap_from}–{gap_to} are left out)."),
    "all_outs": pmark("page", "Every OUT value of the run is kept ({n})."),
    "kept_outs": pmark("page", "This page keeps {kept} of the run's {total} OUT values (1 in every {stride}, and the "
                               "last)."),
    "snapped": pmark("page",
                     "Step {asked} is not in this page (steps {gap_from}–{gap_to} were left out); showing step "
                     "{shown}."),
    "clamped": pmark("page", "The run has {total} steps; showing step {shown}."),
    "bad_hash": pmark("page", "#{hash} is not a step: write #step=N."),
    "not_again": pmark("page", "Line {line} does not run again after step {step}."),
    "is_next": pmark("page", "Line {line} is the next line to run."),
    "no_code": pmark("page", "Line {line} has no instruction."),
    "dropped": pmark("page", "written before step {n}: this part of the run is not in this page"),
    "dropped_note": pmark("page",
                          "note: this page does not include steps {a}–{b}; a value written there is a leaf, shown as "
                          "it stood after step {b}"),
    "loss": pmark("page", "Loss curve: each OUT value (click a point to go to the step that printed it)"),
    "path": pmark("page", "The descent path: the program's loss at each w, and each iterate (click one)"),
    "out_no": pmark("page", "OUT number"),
    "run_to": pmark("page", "Run to line {line}"),
    "depth": pmark("page", "depth"),
    "close": pmark("page", "Close"),
    "keys": pmark("page",
                  "← → one step · PgUp / PgDn ten · Home / End the start and the end · click a line number to run to "
                  "that line · W machine code"),
    "fmt_dec": pmark("page", "decimal: Python's repr, as the command line prints it"),
    "fmt_hex": pmark("page", "hexadecimal: float.hex()"),
    "fmt_bits": pmark("page", "IEEE-754 bits: sign | exponent | fraction"),
    "fmt_exact": pmark("page", "the double's exact decimal value"),
})
HTML_LANG = MappingProxyType({"en": "en", "zh": "zh-CN"})  # the page's <html lang>, by language
# The step counter's words around its two numbers ("step 3 of 12", "第 3 步 / 共 12 步"): its layout, by language.
COUNTER = MappingProxyType({"en": ("step", "of", ""), "zh": ("第", "步 / 共", "步")})


def _asset(name: str) -> str:
    return resources.files("vm").joinpath(name).read_text(encoding="utf-8")


def _script_json(data: dict) -> str:
    """JSON safe inside <script>: `<`, `>` and `&` as \\u escapes, so no text can end the element."""
    import json
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _known(lang: str) -> None:
    if lang not in i18n.LANGS:
        raise UsageError(tr("unknown language {lang!r}; the languages are {WORDS}",
                            lang=lang, WORDS=', '.join(i18n.LANGS)))


def _explain_words(lang: str) -> dict:
    """`explain`'s own messages (vm.history) for the page's script, as x_KEY: the page explains a value in the
    words the command line uses. The script fills in numbers already grouped, so format specs are dropped."""
    from .history import EXPLAIN_WORDS
    from .render import BITS_WORDS, UNSET_WORD
    messages = {**EXPLAIN_WORDS, "unset": UNSET_WORD, **BITS_WORDS}  # and how render.value says these
    bare = lambda text: re.sub(r"\{(\w+)(![rsa])?(:[^{}]*)?\}", r"{\1}", text)  # noqa: E731
    out = {}
    for key, message in messages.items():
        if isinstance(message, tuple):  # the singular and the plural, as the script chooses between them
            cat = i18n.catalogue(lang)
            out[f"x_{key}"], out[f"x_{key}_n"] = bare(cat.ngettext(*message, 1)), bare(cat.ngettext(*message, 2))
        else:
            out[f"x_{key}"] = bare(i18n.say(message, lang))
    return out


def html_page(data: dict, lang: str = "en", numbers: str = "dec", step: Optional[int] = None) -> str:
    """The whole page: one HTML file with its style, script and data inside, and no address outside it."""
    _known(lang)
    render.Formatter(numbers)  # checks the name
    words = {key: i18n.say(text, lang) for key, text in WORDS.items()}
    words.update(_explain_words(lang))
    counter = dict(zip(("counter_pre", "counter_mid", "counter_post"), COUNTER[lang]))
    data = {**data, "words": {**words, **counter, "lang": HTML_LANG[lang]}, "numbers": numbers, "open": step}
    title = html.escape(f"{render.safe(data['program'].replace(chr(92), '/').rsplit('/', 1)[-1])} \u00b7 gdasm")
    parts = {"lang": HTML_LANG[lang], "title": title, "style": _asset("page.css"), "data": _script_json(data),
             "script": _asset("page.js")}
    # One pass over the template: text put in (a program's comment) is never searched for placeholders.
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], _asset("page.html"))
