"""`gdasm debug`: a time-travel debugger. Step forward and back without limit, jump to any step, stop at
breakpoints and watched registers (going either way), print values in any number format, and explain
where a value came from.

Commands come from a terminal or from standard input (`gdasm debug prog < cmds.txt`); without a terminal
each command is echoed after the prompt, so a session's output reads like a transcript.
"""

from __future__ import annotations

import cmd
import re
import sys
from typing import Optional

from . import render
from .errors import RuntimeFault
from .history import History, explanation
from .ir import UNSET
from .machine import Machine

ALIASES = {"s": "step", "b": "back", "g": "goto", "c": "continue", "run": "continue", "r": "continue",
           "rc": "reverse_continue", "reverse-continue": "reverse_continue", "br": "break", "w": "watch",
           "d": "delete", "p": "print", "l": "list", "e": "explain", "q": "quit", "exit": "quit",
           "i": "info", "n": "step", "next": "step", "where": "where", "bt": "where"}


class Debugger(cmd.Cmd):
    """The command loop. Every move prints where the machine now stands and what changed."""

    prompt = "(gdasm) "

    def __init__(self, machine: Machine, stdin=None, stdout=None, echo: Optional[bool] = None):
        super().__init__(stdin=stdin or sys.stdin, stdout=stdout or sys.stdout)
        self.use_rawinput = self.stdin is sys.stdin and sys.stdin.isatty()
        self.echo = (not self.stdin.isatty()) if echo is None else echo
        self.h = History(machine)
        self.program = machine.program
        self.lines = self.program.lines
        self.breaks: dict[int, tuple[str, int]] = {}  # number -> ("line", LINE) or ("watch", SLOT)
        self._next_break = 1

    # --- the loop ----------------------------------------------------------------------
    def say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")

    def postloop(self):
        render.use_numbers(self._numbers_before)  # `numbers` is for this session only

    def preloop(self):
        self._numbers_before = render.current_numbers()
        n = len(self.program.instructions)
        self.say(f"gdasm debugger: {self.program.filename}, {n} instruction{'s' if n != 1 else ''}. "
                 "Type 'help' for commands.")
        self.show_position()

    def precmd(self, line):
        if self.echo and line != "EOF":
            self.stdout.write(line.rstrip("\n") + "\n")
        words = line.strip().split(maxsplit=1)
        if words and words[0] in ALIASES:
            return " ".join([ALIASES[words[0]]] + words[1:])
        if words and words[0] == "info" and len(words) > 1 and words[1].startswith(("b", "w")):
            return "info breakpoints"
        return line

    def emptyline(self):
        return False  # an empty line does nothing (it does not repeat the last command)

    def default(self, line):
        word = line.split()[0] if line.split() else line
        self.say(f"unknown command '{word}'; 'help' lists the commands")

    def do_EOF(self, arg):
        """End of input: leave the debugger."""
        if self.echo:
            self.say()
        return True

    def do_quit(self, arg):
        """quit (q): leave the debugger."""
        return True

    # --- showing where we are ----------------------------------------------------------
    def _status(self) -> str:
        m = self.h.m
        if self.h.fault is not None:
            return "stopped by a fault"
        return {"halted": "halted", "finished": "finished"}.get(m.status, "")

    def show_position(self, context: int = 1) -> None:
        """The step count, the next instruction in its source context, and any end or fault."""
        m = self.h.m
        n = len(self.program.instructions)
        status = self._status()
        if self.h.fault is not None:
            d = self.h.fault.diagnostic
            self.say(f"step {self.h.step:,}: fault at line {d.span.line}: {d.message}")
            if d.hint:
                self.say(f"  hint: {d.hint}")
            self.show_source(d.span.line, context)
            return
        if status:
            self.say(f"step {self.h.step:,}: {status}")
            return
        if m.pc >= n:
            self.say(f"step {self.h.step:,}: at the end")
            return
        ins = self.program.instructions[m.pc]
        self.say(f"step {self.h.step:,}: next is line {ins.line}: {ins.text}")
        self.show_source(ins.line, context)

    def show_source(self, line: int, context: int) -> None:
        break_lines = {v for k, (kind, v) in self.breaks.items() if kind == "line"}
        first, last = max(1, line - context), min(len(self.lines), line + context)
        width = len(str(last))
        for i in range(first, last + 1):
            mark = "→" if i == line else ("●" if i in break_lines else " ")
            self.say(f" {mark} {i:>{width}} | {self.lines[i - 1]}")

    def _snapshot(self) -> dict:
        return dict(self.h.m.registers)

    def show_changes(self, before: dict) -> None:
        after = self._snapshot()
        changes = []
        for k, v in after.items():
            if k not in before:
                changes.append(f"{k} = {render.value(v)}")
            elif repr(before[k]) != repr(v):  # repr: -0.0 differs from 0.0
                changes.append(f"{k}: {render.value(before[k])} → {render.value(v)}")
        for k in before:
            if k not in after:
                changes.append(f"{k}: {render.value(before[k])} → unset")
        if changes:
            self.say("changed: " + "; ".join(changes))

    def _move(self, action, reason: Optional[list] = None) -> None:
        """Do a move, then show its output, why it stopped, where the machine stands and what changed."""
        before = self._snapshot()
        out_before = len(self.h.m.output)
        try:
            action()
        except KeyboardInterrupt:  # Ctrl-C stops a long continue, not the session
            reason = ["interrupted"]
        for v in self.h.m.output[out_before:]:
            self.say(f"out {render.value(v)}")
        if reason:
            self.say(f"stopped: {reason[0]}")
        self.show_position()
        self.show_changes(before)

    # --- moving forward and back -------------------------------------------------------
    def _count(self, arg: str, what: str) -> Optional[int]:
        arg = arg.strip()
        if not arg:
            return 1
        if not re.fullmatch(r"\d+", arg):
            self.say(f"{what} takes a whole number of steps, not '{arg}'")
            return None
        return int(arg)

    def _forward(self):
        """One step: its record, or None when the machine cannot go on (the end, or a fault it keeps)."""
        try:
            return self.h.forward()
        except RuntimeFault:
            return None

    def do_step(self, arg):
        """step [N] (s): run the next N instructions (default 1)."""
        n = self._count(arg, "step")
        if n is None:
            return

        def go():
            for _ in range(n):
                if self._forward() is None:
                    break
        self._move(go)

    def do_back(self, arg):
        """back [N] (b): undo the last N steps (default 1), as far back as step 0."""
        n = self._count(arg, "back")
        if n is None:
            return
        if self.h.step == 0 and self.h.fault is None:
            self.say("already at step 0")
            return

        def go():
            for _ in range(n):
                if self.h.step == 0 and self.h.fault is None:
                    break
                self.h.back()
        self._move(go)

    def do_goto(self, arg):
        """goto N (g): go to just after step N, forward or backward."""
        if not re.fullmatch(r"\s*\d+\s*", arg):
            self.say("goto takes a step number, e.g. goto 7")
            return
        self._move(lambda: self.h.goto(int(arg)))

    def _watch_hit(self, rec) -> Optional[str]:
        """The watch that a step's write sets off: the register changed (a first write counts)."""
        for k, (kind, v) in sorted(self.breaks.items()):
            if kind == "watch" and rec.writes and rec.instruction.dest.slot == v:
                name, old, new = rec.writes[0]
                if old is UNSET or repr(old) != repr(new):  # repr: -0.0 differs from 0.0
                    return f"watch {k}: {name} changed"
        return None

    def _line_hit(self, line: int) -> Optional[str]:
        for k, (kind, v) in sorted(self.breaks.items()):
            if kind == "line" and v == line:
                return f"breakpoint {k} at line {line}"
        return None

    def _hit(self, rec) -> Optional[str]:
        """Going forward: stop after a step that changed a watched register, or before a breakpoint's line."""
        m = self.h.m
        why = self._watch_hit(rec)
        if not why and m.status == "ready" and m.pc < len(self.program.instructions):
            why = self._line_hit(self.program.instructions[m.pc].line)
        return why

    def do_continue(self, arg):
        """continue (c, run): run on to the next breakpoint, a watched change, or the end."""
        reason = []

        def go():
            while (rec := self._forward()) is not None:
                why = self._hit(rec)
                if why:
                    reason.append(why)
                    return
        self._move(go, reason)

    def do_reverse_continue(self, arg):
        """reverse-continue (rc): run backward to the previous breakpoint or watched change, or step 0."""
        reason = []

        def go():
            while self.h.step > 0 or self.h.fault is not None:
                rec = self.h.back()
                if rec is None:
                    continue
                why = self._hit_backward(rec)
                if why:
                    reason.append(why)
                    return
        self._move(go, reason)

    def _hit_backward(self, undone) -> Optional[str]:
        """Going back: stop before a breakpoint's line, or just after a step that changed a watched register."""
        why = self._line_hit(undone.instruction.line)
        if not why and self.h.records:
            why = self._watch_hit(self.h.records[-1])
        return why

    # --- breakpoints and watches -------------------------------------------------------
    def do_break(self, arg):
        """break LINE|LABEL (br): stop before the instruction on that line runs."""
        arg = arg.strip()
        if not arg:
            self.say("break takes a line number or a label, e.g. break 12 or break loop")
            return
        if arg.isdigit():
            line = int(arg)
            lines = [i.line for i in self.program.instructions if i.line >= line]
            if not lines:
                self.say(f"no instruction on or after line {line}")
                return
            line = min(lines)
        elif arg in self.program.labels:
            address = self.program.labels[arg]
            if address >= len(self.program.instructions):
                self.say(f"label '{arg}' is at the end of the program: nothing runs there")
                return
            line = self.program.instructions[address].line
        else:
            self.say(f"no label '{arg}' (break takes a line number or a label)")
            return
        k = self._add(("line", line))
        self.say(f"breakpoint {k} at line {line}: {self.lines[line - 1].strip()}")

    def do_watch(self, arg):
        """watch REG (w): stop right after REG changes."""
        name = arg.strip()
        slot = self.program.register_slot(name)
        if slot is None:
            self.say(f"no register named '{name}'")
            return
        k = self._add(("watch", slot))
        self.say(f"watch {k}: {name}")

    def _add(self, spec) -> int:
        k = self._next_break
        self._next_break += 1
        self.breaks[k] = spec
        return k

    def do_delete(self, arg):
        """delete [N] (d): delete breakpoint or watch N, or all of them."""
        arg = arg.strip()
        if not arg:
            n = len(self.breaks)
            self.breaks.clear()
            self.say(f"deleted {n} breakpoint{'s' if n != 1 else ''} and watches")
        elif arg.isdigit() and int(arg) in self.breaks:
            del self.breaks[int(arg)]
            self.say(f"deleted {arg}")
        else:
            self.say(f"no breakpoint or watch {arg}")

    def do_info(self, arg):
        """info breakpoints (i b): list breakpoints and watches."""
        if not self.breaks:
            self.say("no breakpoints or watches")
        for k, (kind, v) in sorted(self.breaks.items()):
            if kind == "line":
                self.say(f"{k}  breakpoint  line {v}: {self.lines[v - 1].strip()}")
            else:
                self.say(f"{k}  watch       {self.program.registers[v]}")

    # --- looking -----------------------------------------------------------------------
    def do_print(self, arg):
        """print REG | ARRAY[i] (p): a value."""
        target = arg.strip()
        m = self.h.m
        am = re.fullmatch(r"([A-Za-z_]\w*)\[(\d+)\]", target)
        if am:
            slot = self.program.array_slot(am.group(1))
            if slot is None:
                self.say(f"no array named '{am.group(1)}'")
            elif int(am.group(2)) >= len(m.arrays[slot]):
                self.say(f"{target} is out of range: '{am.group(1)}' has {len(m.arrays[slot])} elements")
            else:
                self.say(f"{target} = {render.value(m.arrays[slot][int(am.group(2))])}")
            return
        slot = self.program.register_slot(target)
        if slot is None:
            if self.program.array_slot(target) is not None:
                self.say(f"{target} = {render.array(m.arrays[self.program.array_slot(target)])}")
            else:
                self.say(f"no register or array named '{target}'")
            return
        v = m.regs[slot]
        self.say(f"{target} is unset" if v is UNSET else f"{target} = {render.value(v)}")

    def do_regs(self, arg):
        """regs: every register that holds a value, in order of first write."""
        regs = self.h.m.registers
        if not regs:
            self.say("no register holds a value yet")
        width = max((len(k) for k in regs), default=0)
        for k, v in regs.items():
            self.say(f"{k:<{width}} = {render.value(v)}")

    def do_arrays(self, arg):
        """arrays: every array."""
        arrays = self.h.m.array_values
        if not arrays:
            self.say("the program has no arrays")
        for k, v in arrays.items():
            self.say(f"{k} = {render.array(v)}")

    def do_list(self, arg):
        """list [LINE] (l): the source around the next instruction (or LINE); → next, ● breakpoint."""
        m = self.h.m
        if arg.strip().isdigit():
            line = int(arg)
        elif self.h.fault is not None:
            line = self.h.fault.diagnostic.span.line
        elif m.pc < len(self.program.instructions):
            line = self.program.instructions[m.pc].line
        else:
            line = len(self.lines)
        self.show_source(line, 5)

    def do_where(self, arg):
        """where: the step, the next instruction, and the call stack."""
        self.show_position(context=0)
        stack = self.h.m.stack
        if stack:
            frames = [f"return to line {self.program.instructions[a].line}" if a < len(self.program.instructions)
                      else "return to the end" for a in reversed(stack)]
            self.say("call stack: " + "; ".join(frames))
        else:
            self.say("call stack: empty")

    def do_explain(self, arg):
        """explain REG [DEPTH] (e): how REG got its value: the operations, lines and inputs behind it."""
        words = arg.split()
        if not words:
            self.say("explain takes a register name, e.g. explain grad_avg")
            return
        depth = int(words[1]) if len(words) > 1 and words[1].isdigit() else 8
        try:
            node = self.h.explain(words[0], depth=depth)
        except KeyError as e:
            self.say(str(e.args[0]))
            return
        for line in explanation(node):
            self.say(line)

    def do_numbers(self, arg):
        """numbers dec|hex|bits|exact: how values are shown from now on."""
        fmt = arg.strip()
        if fmt not in render.NUMBER_FORMATS:
            self.say(f"numbers takes one of: {', '.join(render.NUMBER_FORMATS)}")
            return
        render.use_numbers(fmt)
        self.say(f"numbers: {fmt}")

    def do_help(self, arg):
        """help [COMMAND]: the commands, or one command."""
        if arg:
            name = ALIASES.get(arg, arg).replace("-", "_")
            fn = getattr(self, "do_" + name, None)
            self.say(fn.__doc__ if fn and fn.__doc__ else f"no command '{arg}'")
            return
        for name in sorted(n[3:] for n in self.get_names() if n.startswith("do_") and n != "do_EOF"):
            doc = getattr(self, "do_" + name).__doc__ or ""
            self.say("  " + doc.split("\n")[0])


def debug(machine: Machine, stdin=None, stdout=None) -> int:
    """Run a debugger session to its end (quit or end of input)."""
    Debugger(machine, stdin=stdin, stdout=stdout).cmdloop()
    return 0
