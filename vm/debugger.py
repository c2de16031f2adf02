"""`gdasm debug`: a time-travel debugger. Step forward and back without limit, jump to any step, stop at
breakpoints (with conditions) and watched registers or array elements (going either way), print values in
any number format, and explain where a value came from.

Commands come from a terminal or from standard input (`gdasm debug prog < cmds.txt`); without a terminal
each command is echoed after the prompt, so a session's output reads like a transcript. What a move
changed is said by the one describer of a step (`describe.py`), as the trace says it.
"""

from __future__ import annotations

from types import MappingProxyType

import cmd
import operator
import re
import sys
from dataclasses import dataclass
from typing import Callable, Optional

from . import describe
from .errors import InputFileError, RuntimeFault
from .history import History, explanation
from .i18n import ntr, tr
from .ir import UNSET
from .machine import Machine, stop_on_ctrl_c
from .numbers import NumberError, to_number
from .render import NUMBER_FORMATS, Formatter, display_width, ljust, safe, wrap

ALIASES = MappingProxyType({"s": "step", "n": "step", "next": "step", "b": "back", "g": "goto", "c": "continue",
           "run": "continue", "r": "continue", "rc": "reverse_continue", "reverse-continue": "reverse_continue",
           "br": "break", "w": "watch", "d": "delete", "p": "print", "l": "list", "e": "explain", "q": "quit",
           "exit": "quit", "i": "info", "bt": "where"})
# What an empty line repeats: moves and looks, not commands that add or change something.
_REPEATABLE = frozenset({"step", "back", "continue", "reverse_continue", "list", "print", "regs", "arrays", "where"})
_TARGET = re.compile(r"([^\W\d]\w*)(?:\[([0-9]{1,15})\])?\Z")
_WHOLE = re.compile(r"\s*([0-9]{1,15})\s*\Z")  # ASCII digits ("²" is a digit to str.isdigit, not to int)
_BREAK = re.compile(r"(.*?)(?:\s+if\b(.*))?\Z", re.DOTALL)  # `12`, `12 if w > 1.5`, and `12 if` (no condition)
_CONDITION = re.compile(r"\s*(?P<target>\S+?)\s*(?P<op><=|>=|==|!=|<|>|=)\s*(?P<value>\S+)\s*\Z")
MAX_CHANGES = 20  # places a move's `changed:` line names; a long move may change millions
MAX_COMMAND = 65_536  # characters in one command line: far past what anyone types; /dev/zero never ends one
_COMPARE = MappingProxyType({"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
                                 "==": operator.eq, "=": operator.eq, "!=": operator.ne})


def _short(text: str) -> str:
    """What the user typed, for a reply: cut to 40 characters (a 5,000-digit number is not echoed whole)."""
    return text if len(text) <= 40 else text[:30] + f"… ({len(text):,} characters)"


class _Lines:
    """Commands from a file or a pipe, a line at a time, each at most MAX_COMMAND characters."""

    def __init__(self, stream):
        self.stream = stream

    def readline(self) -> str:
        line = self.stream.readline(MAX_COMMAND + 1)
        if len(line) > MAX_COMMAND:
            raise InputFileError(tr("a debugger command line is longer than {MAX_COMMAND:,} characters: is standard "
                                    "input a binary file?", MAX_COMMAND=MAX_COMMAND))
        return line


def _whole(text: str) -> Optional[int]:
    """A whole number of at most 15 ASCII digits, or None."""
    m = _WHOLE.match(text)
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class _Place:
    """A register (`index` None) or an array element the user named: `w`, `buf[1]`."""

    name: str
    index: Optional[int]

    @property
    def text(self) -> str:
        return self.name if self.index is None else f"{self.name}[{self.index}]"


@dataclass(frozen=True)
class _Stop:
    """A breakpoint (`line`, maybe with a condition) or a watch (`place`)."""

    kind: str  # "break" or "watch"
    line: int = 0
    place: Optional[_Place] = None
    condition: Optional[tuple] = None  # (place, op text, value text)

    def describe(self) -> str:
        if self.kind == "watch":
            return tr("watch       {place}", place=self.place.text)
        if self.condition:
            return tr("breakpoint  line {line} if {condition}", line=self.line, condition=self.condition_text)
        return tr("breakpoint  line {line}", line=self.line)

    @property
    def condition_text(self) -> str:
        """`w > 1.5`, as the condition was given."""
        return f"{self.condition[0].text} {self.condition[1]} {self.condition[2]}"


class Debugger(cmd.Cmd):
    """The command loop. Every move prints where the machine now stands and what changed."""

    prompt = "(gdasm) "

    def __init__(self, machine: Machine, stdin=None, stdout=None, echo: Optional[bool] = None,
                 fmt: Formatter = Formatter()):
        super().__init__(stdin=stdin or sys.stdin, stdout=stdout or sys.stdout)
        self.use_rawinput = self.stdin is sys.stdin and sys.stdin.isatty()
        self.echo = (not self.stdin.isatty()) if echo is None else echo
        if not self.use_rawinput:
            self.stdin = _Lines(self.stdin)
        self.h = History(machine)
        self.fmt = fmt
        self.program = machine.program
        self.lines = self.program.lines
        self.stops: dict[int, _Stop] = {}
        self._next_stop = 1
        self._started = False

    # --- the loop ----------------------------------------------------------------------
    def say(self, text: str = "") -> None:
        """Write a reply; what a program or the user wrote cannot send control characters to the terminal."""
        self.stdout.write("\n".join(map(safe, text.split("\n"))) + "\n")

    def preloop(self):
        if self._started:
            return
        self._started = True
        n = len(self.program.instructions)
        self.say(ntr("gdasm debugger: {file}, {n} instruction. Type 'help' for commands.",
                     "gdasm debugger: {file}, {n} instructions. Type 'help' for commands.", n,
                     file=self.program.filename))
        self.show_position()

    def precmd(self, line):
        if self.echo and line != "EOF":
            self.say(line.rstrip("\n"))
        words = line.strip().split(maxsplit=1)
        if words and words[0] in ALIASES:
            return " ".join([ALIASES[words[0]]] + words[1:])
        if words and words[0] == "info" and len(words) > 1 and words[1].startswith(("b", "w")):
            return "info breakpoints"
        return line

    def emptyline(self):
        """Enter repeats the last move or look (step, back, continue, list, print, …), as in gdb."""
        if self.lastcmd and self.lastcmd.split()[0] in _REPEATABLE:
            return self.onecmd(self.lastcmd)
        return False

    def default(self, line):
        word = line.split()[0] if line.split() else line
        self.say(tr("unknown command '{word}'; 'help' lists the commands", word=_short(word)))

    def do_EOF(self, arg):
        """End of input: leave the debugger."""
        if self.echo:
            self.say()
        return True

    def do_quit(self, arg):
        """quit (q, exit): leave the debugger."""
        return True

    # --- showing where we are ----------------------------------------------------------
    def show_position(self, context: int = 1) -> None:
        """The step count, the next instruction in its source context, and any end or fault."""
        m = self.h.m
        if self.h.fault is not None:
            d = self.h.fault.diagnostic
            self.say(tr("step {step:,}: fault at step {step2:,}, line {line}: {fmt}",
                        step=self.h.step, step2=self.h.fault.step, line=d.span.line, fmt=d.text(self.fmt)))
            if d.hint:
                self.say(tr("  hint: {hint}", hint=d.hint))
            self.show_source(d.span.line, context)
            return
        if m.status in ("halted", "finished"):
            self.say(tr("step {step:,}: halted", step=self.h.step) if m.status == "halted" else
                     tr("step {step:,}: finished", step=self.h.step))
            return
        if m.pc >= len(self.program.instructions):
            self.say(tr("step {step:,}: at the end", step=self.h.step))
            return
        ins = self.program.instructions[m.pc]
        self.say(tr("step {step:,}: next is line {line}: {text}", step=self.h.step, line=ins.line, text=ins.text))
        self.show_source(ins.line, context)

    def show_source(self, line: int, context: int) -> None:
        break_lines = {s.line for s in self.stops.values() if s.kind == "break"}
        first, last = max(1, line - context), min(len(self.lines), line + context)
        width = len(str(last))
        for i in range(first, last + 1):
            mark = "→" if i == line else ("●" if i in break_lines else " ")
            self.say(f" {mark} {i:>{width}} | {self.lines[i - 1]}")

    def _move(self, action: Callable[[], Optional[str]]) -> None:
        """Do a move, then show its output, why it stopped early, where the machine stands and what changed."""
        h = self.h
        start = h.step
        kept = list(h.window)  # the records a short backward move takes away
        before = h.m.snapshot()  # for a long move: the state it left
        out_before = len(h.m.output)
        try:
            with stop_on_ctrl_c(h.m):  # Ctrl-C stops a long move at a step boundary, not the session
                reason = action()
        except KeyboardInterrupt:
            reason = "interrupted"
        said = describe.words()["out"] if len(h.m.output) > out_before else ""
        for v in h.m.output[out_before:]:
            self.say(f"{said} {self.fmt.value(v)}")
        if reason:
            self.say(tr("stopped: {reason}", reason=reason))
        self.show_position()
        if h.step >= start and h.recent(start) is not None:
            changes = describe.net_changes(h.recent(start))
        elif h.step < start and start - h.step <= len(kept):
            changes = describe.net_changes(kept[len(kept) - (start - h.step):], backward=True)
        else:
            changes = describe.state_changes(before, h.m.snapshot(), self.program)
        if changes:
            shown = "; ".join(describe.change_text(c, self.fmt) for c in changes[:MAX_CHANGES])
            more = len(changes) - MAX_CHANGES
            self.say(tr("changed: ") + shown + (tr("; … and {more:,} more (print shows any of them)",
                                               more=more) if more > 0 else ""))

    # --- moving forward and back -------------------------------------------------------
    def _count(self, arg: str, what: str) -> Optional[int]:
        arg = arg.strip()
        if not arg:
            return 1
        n = _whole(arg)
        if n is None:
            self.say(tr("{what} takes a whole number of steps, not '{arg}'", what=what, arg=_short(arg)))
        return n

    def _forward(self):
        """One step: its record, or None when the machine cannot go on (the end, or a fault it keeps)."""
        try:
            return self.h.forward()
        except RuntimeFault:
            return None

    def _run_forward(self, limit: Optional[int]) -> Optional[str]:
        """Step until `limit` steps ran (None: no limit), a stop is hit, or the machine cannot go on."""
        if not self.stops:  # nothing to stop at on the way: a chunk at a time
            try:
                self.h.run(None if limit is None else self.h.step + limit)
            except RuntimeFault:
                pass  # the history keeps it
            return self.h.full or None
        n = 0
        while limit is None or n < limit:
            rec = self._forward()
            if rec is None:
                return self.h.full or None
            n += 1
            why = self._hit_forward(rec)
            if why and (limit is None or n < limit):
                return why
        return None

    def do_step(self, arg):
        """step [N] (s, n, next): run the next N instructions (default 1); stops early at a breakpoint or watch."""
        n = self._count(arg, "step")
        if n is not None:
            self._move(lambda: self._run_forward(n))

    def _run_back(self, limit: Optional[int]) -> Optional[str]:
        n = 0
        while (limit is None or n < limit) and (self.h.step > 0 or self.h.fault is not None):
            rec = self.h.back()
            if rec is None:
                continue  # the fault was forgotten; the next back takes a step
            n += 1
            why = self._hit_backward(rec)
            if why and (limit is None or n < limit):
                return why
        return None

    def do_back(self, arg):
        """back [N] (b): undo the last N steps (default 1), as far back as step 0; stops early at a breakpoint or watch."""
        n = self._count(arg, "back")
        if n is None:
            return
        if self.h.step == 0 and self.h.fault is None:
            self.say(tr("already at step 0"))
            return
        self._move(lambda: self._run_back(n))

    def do_goto(self, arg):
        """goto N (g): go to just after step N, forward or backward."""
        n = _whole(arg)
        if n is None:
            self.say(tr("goto takes a step number, e.g. goto 7"))
            return
        self._move(lambda: self.h.goto(n))

    def do_continue(self, arg):
        """continue (c, r, run): run on to the next breakpoint, a watched change, a fault or the end."""
        self._move(lambda: self._run_forward(None))

    def do_reverse_continue(self, arg):
        """reverse-continue (rc): run backward to the previous breakpoint or watched change, or step 0."""
        self._move(lambda: self._run_back(None))

    # --- stops -------------------------------------------------------------------------
    def _watch_hit(self, rec) -> Optional[str]:
        """The watch that a step's write sets off: the register or element changed (a first write counts)."""
        for c in describe.describe(rec, self.program).changes:
            if c.old is not UNSET and describe.same(c.old, c.new):
                continue
            for k, s in sorted(self.stops.items()):
                if s.kind == "watch" and (s.place.name, s.place.index) == (c.name, c.index):
                    return tr("watch {k}: {target} changed", k=k, target=c.target)
        return None

    def _line_hit(self, line: int) -> Optional[str]:
        for k, s in sorted(self.stops.items()):
            if s.kind == "break" and s.line == line and self._holds(s.condition):
                if s.condition:
                    return tr("breakpoint {k} at line {line} ({condition})", k=k, line=line,
                              condition=s.condition_text)
                return tr("breakpoint {k} at line {line}", k=k, line=line)
        return None

    def _holds(self, condition) -> bool:
        if condition is None:
            return True
        place, op, value = condition
        left, right = self._value(place), self._operand_value(value)
        if left is UNSET or right is UNSET or left is None or right is None:
            return False
        return _COMPARE[op](left, right)

    def _operand_value(self, text: str):
        place = self._place(text, quiet=True)
        if place is not None:
            return self._value(place)
        return to_number(text, self.h.m.exact)

    def _hit_forward(self, rec) -> Optional[str]:
        """Going forward: stop after a step that changed a watched place, or before a breakpoint's line."""
        m = self.h.m
        why = self._watch_hit(rec)
        if not why and m.status == "ready" and m.pc < len(self.program.instructions):
            why = self._line_hit(self.program.instructions[m.pc].line)
        return why

    def _hit_backward(self, undone) -> Optional[str]:
        """Going back: stop before a breakpoint's line, or just after a step that changed a watched place."""
        why = self._line_hit(undone.instruction.line)
        if not why and self.h.step:
            why = self._watch_hit(self.h.last)
        return why

    def do_break(self, arg):
        """break LINE|LABEL [if REG OP VALUE] (br): stop before the instruction on that line runs (when the condition holds)."""
        parts = _BREAK.match(arg.strip())
        where, has_if, cond_text = parts.group(1).strip(), parts.group(2) is not None, (parts.group(2) or "").strip()
        if not where:
            self.say(tr("break takes a line number or a label, e.g. break 12, break loop, break 12 if w > 1.5"))
            return
        condition = None
        if has_if and not cond_text:
            self.say(tr("a condition is REG OP VALUE, e.g. break 12 if w > 1.5 (OP: < <= > >= == !=)"))
            return
        if cond_text:
            m = _CONDITION.match(cond_text)
            place = m and self._place(m.group("target"))
            if not m or place is None:
                if not m:
                    self.say(tr("a condition is REG OP VALUE, e.g. break 12 if w > 1.5 (OP: < <= > >= == !=)"))
                return
            value = m.group("value")
            if self._place(value, quiet=True) is None:
                try:
                    to_number(value, self.h.m.exact)
                except NumberError:
                    self.say(tr("'{value}' is neither a number nor a register of this program", value=_short(value)))
                    return
            condition = (place, m.group("op"), value)
        if _whole(where) is not None:
            lines = [i.line for i in self.program.instructions if i.line >= _whole(where)]
            if not lines:
                self.say(tr("no instruction on or after line {where}", where=where))
                return
            line = min(lines)
        elif where in self.program.labels:
            address = self.program.labels[where]
            if address >= len(self.program.instructions):
                self.say(tr("label '{where}' is at the end of the program: nothing runs there", where=where))
                return
            line = self.program.instructions[address].line
        else:
            self.say(tr("no label '{where}' (break takes a line number or a label)", where=_short(where)))
            return
        stop = _Stop("break", line=line, condition=condition)
        k = self._add(stop)
        self.say(tr("breakpoint {k} at line {line}: {lines}", k=k, line=line, lines=self.lines[line - 1].strip())
                 + (tr("  (if {condition})", condition=stop.condition_text) if condition else ""))

    def _place(self, text: str, quiet: bool = False) -> Optional[_Place]:
        """`w` or `buf[1]` as a place of this program, or None (saying why unless quiet)."""
        m = _TARGET.match(text.strip())
        if not m:
            if not quiet:
                self.say(tr("'{text}' is not a register or ARRAY[i]", text=_short(text)))
            return None
        name, index = m.group(1), m.group(2)
        if index is None:
            if self.program.register_slot(name) is None:
                if not quiet:
                    self.say(tr("no register named '{name}'", name=name) if self.program.array_slot(name) is None else
                             tr("'{name}' is an array: name an element, e.g. {name}[0]", name=name))
                return None
            return _Place(name, None)
        slot = self.program.array_slot(name)
        if slot is None:
            if not quiet:
                self.say(tr("no array named '{name}'", name=name))
            return None
        length = len(self.h.m.arrays[slot])
        if int(index) >= length:
            if not quiet:
                self.say(tr("{name}[{index}] is out of range: '{name}' has {length} elements",
                            name=name, index=index, length=length))
            return None
        return _Place(name, int(index))

    def _value(self, place: _Place):
        m = self.h.m
        if place.index is None:
            return m.regs[self.program.register_slot(place.name)]
        arr = m.arrays[self.program.array_slot(place.name)]
        return arr[place.index] if place.index < len(arr) else None

    def do_watch(self, arg):
        """watch REG | ARRAY[i] (w): stop right after it changes."""
        if not arg.strip():
            self.say(tr("watch takes a register or an array element, e.g. watch w or watch buf[1]"))
            return
        place = self._place(arg)
        if place is not None:
            k = self._add(_Stop("watch", place=place))
            self.say(tr("watch {k}: {text}", k=k, text=place.text))

    def _add(self, stop: _Stop) -> int:
        k = self._next_stop
        self._next_stop += 1
        self.stops[k] = stop
        return k

    def do_delete(self, arg):
        """delete [N] (d): delete breakpoint or watch N, or all of them."""
        arg = arg.strip()
        if not arg:
            n = len(self.stops)
            self.stops.clear()
            self.say(ntr("deleted {n} breakpoint and watches", "deleted {n} breakpoints and watches", n))
        elif _whole(arg) in self.stops:
            del self.stops[_whole(arg)]
            self.say(tr("deleted {arg}", arg=arg))
        else:
            self.say(tr("no breakpoint or watch {arg}", arg=arg))

    def do_info(self, arg):
        """info breakpoints (i b): list breakpoints and watches."""
        if not self.stops:
            self.say(tr("no breakpoints or watches"))
        for k, s in sorted(self.stops.items()):
            said = tr("{stop}: {source}", stop=s.describe(), source=self.lines[s.line - 1].strip()) \
                if s.kind == "break" else s.describe()
            self.say(f"{k}  {said}")

    # --- looking -----------------------------------------------------------------------
    def do_print(self, arg):
        """print REG | ARRAY | ARRAY[i] (p): a value."""
        target = arg.strip()
        if not target:
            self.say(tr("print takes a register, an array or an element, e.g. print w, print x or print x[0]"))
            return
        m = self.h.m
        if self.program.register_slot(target) is None and self.program.array_slot(target) is not None:
            self.say(f"{target} = {self.fmt.array(m.arrays[self.program.array_slot(target)])}")
            return
        if _TARGET.match(target) and self.program.register_slot(_TARGET.match(target).group(1)) is None \
                and self.program.array_slot(_TARGET.match(target).group(1)) is None:
            self.say(tr("no register or array named '{value}'", value=_TARGET.match(target).group(1)))
            return
        place = self._place(target)
        if place is not None:
            v = self._value(place)
            self.say(tr("{target} is unset", target=target) if v is UNSET else f"{target} = {self.fmt.value(v)}")

    def do_regs(self, arg):
        """regs: every register that holds a value, in order of first write."""
        regs = self.h.m.registers
        if not regs:
            self.say(tr("no register holds a value yet"))
        width = max((display_width(k) for k in regs), default=0)
        for k, v in regs.items():
            self.say(f"{ljust(k, width)} = {self.fmt.value(v)}")

    def do_arrays(self, arg):
        """arrays: every array."""
        arrays = self.h.m.array_values
        if not arrays:
            self.say(tr("the program has no arrays"))
        for k, v in arrays.items():
            self.say(f"{k} = {self.fmt.array(v)}")

    def do_list(self, arg):
        """list [LINE] (l): the source around the next instruction (or LINE); → next, ● breakpoint."""
        m = self.h.m
        if arg.strip():
            line = _whole(arg)
            if line is None or not 1 <= line <= len(self.lines):
                self.say(tr("list takes a line number from 1 to {lines}, not '{arg}'",
                            lines=len(self.lines), arg=_short(arg.strip())))
                return
        elif self.h.fault is not None:
            line = self.h.fault.diagnostic.span.line
        elif m.pc < len(self.program.instructions):
            line = self.program.instructions[m.pc].line
        else:
            line = len(self.lines)
        self.show_source(line, 5)

    def do_where(self, arg):
        """where (bt): the step, the next instruction, and the call stack."""
        self.show_position(context=0)
        stack = self.h.m.stack
        if stack:
            frames = [tr("return to {program}",
                         program=describe.where(self.program, a, label=False)) for a in reversed(stack)]
            self.say(tr("call stack: ") + "; ".join(frames))
        else:
            self.say(tr("call stack: empty"))

    def do_explain(self, arg):
        """explain REG [DEPTH] (e): how REG got its value: the operations, lines and inputs behind it."""
        words = arg.split()
        if not words:
            self.say(tr("explain takes a register name, e.g. explain grad_avg"))
            return
        depth = 8
        if len(words) > 1:
            depth = _whole(words[1])
            if depth is None or len(words) > 2:
                self.say(tr("explain takes a register and a depth (a whole number), not '{arg}'",
                            arg=_short(arg.strip())))
                return
        try:
            node = self.h.explain(words[0], depth=depth)
        except KeyError as e:
            self.say(str(e.args[0]))
            return
        for line in explanation(node, self.fmt):
            self.say(line)

    def do_word(self, arg):
        """word [LINE|LABEL]: the 64-bit machine word of the next instruction (or of that line's), field by field."""
        from . import encoding
        from .errors import AssemblyError
        code = self.program.instructions
        address = self.h.m.pc
        where = arg.strip()
        if where and _whole(where) is not None:
            address = next((a for a, i in enumerate(code) if i.line >= _whole(where)), None)
            if address is None:
                self.say(tr("word: no instruction on or after line {where}", where=where))
                return
        elif where in self.program.labels:
            address = self.program.labels[where]
        elif where:
            self.say(tr("word takes a line number or a label, e.g. word 15, word loop; '{where}' is neither",
                        where=_short(where)))
            return
        if address >= len(code):
            self.say(tr("word: there is no instruction there (the end of the program)") if where else
                     tr("word: there is no next instruction (the program has ended)"))
            return
        if getattr(self, "_encoded", None) is None:
            try:
                self._encoded = encoding.encode(self.program)
            except AssemblyError as e:
                self.say(tr("word: {message}", message=e.diagnostics[0].message))
                return
        words, pool = self._encoded
        ins = code[address]
        self.say(tr("word at address {address:#06x} (line {line}: {text}) = {words:#018x}",
                    address=address, line=ins.line, text=safe(ins.text), words=words[address]))
        for line in encoding.word_lines(words[address], self.program.registers, pool, self.program.arrays):
            self.say(safe(line))

    def do_numbers(self, arg):
        """numbers dec|hex|bits|exact: how values are shown from now on."""
        fmt = arg.strip()
        if fmt not in NUMBER_FORMATS:
            self.say(tr("numbers takes one of: {NUMBER_FORMATS}", NUMBER_FORMATS=', '.join(NUMBER_FORMATS)))
            return
        self.fmt = Formatter(fmt)
        self.say(tr("numbers: {fmt}", fmt=fmt))

    def do_help(self, arg):
        """help [COMMAND]: the commands, or one command."""
        if arg:
            name = ALIASES.get(arg, arg).replace("-", "_")
            fn = getattr(self, "do_" + name, None)
            self.say(tr(fn.__doc__) if fn and fn.__doc__ else tr("no command '{arg}'", arg=arg))
            return
        import shutil
        width = max(shutil.get_terminal_size((80, 24)).columns - 1, 40)  # wrapped to the terminal, CJK counting two
        for name in sorted(n[3:] for n in self.get_names() if n.startswith("do_") and n != "do_EOF"):
            doc = getattr(self, "do_" + name).__doc__ or ""  # the help: translated (vm.i18n.extract finds it)
            lines = wrap(tr(doc).split("\n")[0], width - 4)
            self.say("\n".join(("  " if k == 0 else "    ") + line for k, line in enumerate(lines)))
        aliases = ", ".join(f"{a} = {c.replace('_', '-')}" for a, c in ALIASES.items() if a != c.replace("_", "-"))
        self.say("\n".join(wrap(tr("Enter repeats the last step, back, continue, reverse-continue, list, print, regs, "
                                   "arrays or where. Aliases: ") + aliases, width)))


def debug(machine: Machine, stdin=None, stdout=None, fmt: Formatter = Formatter()) -> int:
    """Run a debugger session to its end (quit or end of input); Ctrl-C at the prompt does not end it."""
    d = Debugger(machine, stdin=stdin, stdout=stdout, fmt=fmt)
    while True:
        try:
            d.cmdloop()
            return 0
        except KeyboardInterrupt:
            d.say(tr("\n(Ctrl-C: type 'quit' to leave the debugger)"))
