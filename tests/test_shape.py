"""The shape later features build on: one table, one semantics, no hidden state.

- A new instruction is one entry in vm/isa.py: the assembler, the machine, the trace, explain and the docs
  generator all take it with no other change.
- run() and stepping are one semantics: on generated programs (every instruction of the table, loops,
  calls and faults) they end in the same state, and undo takes every step back to the start.
- Nothing in vm/ is process-wide: two threads running commands with different --numbers at once print
  what each prints alone.
"""

from __future__ import annotations

import ast
import io
import math
import operator
import re
import threading
from fractions import Fraction
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vm
from vm import docgen, isa
from vm.cli import main
from vm.history import History, explanation, formula

from conftest import ROOT

# --- a new instruction touches only the table ------------------------------------------------------------

POW = isa.Op("POW", "d a b", "compute", "d ← a^b", "power", fn=math.pow,
             domain=lambda a, b: "division-by-zero" if a == 0 and b < 0 else None, faults="a = 0 and b < 0",
             exact=False, notation=isa.Notation("{0}^{1}", isa.POWER, (isa.ATOM, isa.POWER), (False, False)))


@pytest.fixture
def with_pow(monkeypatch):
    monkeypatch.setattr(isa, "OPS", MappingProxyType({**isa.OPS, "POW": POW}))


def _value(node: ast.AST) -> float:
    """Evaluate a formula's arithmetic by walking its syntax tree (numbers, + − · / ^, unary −; no names)."""
    if isinstance(node, ast.Expression):
        return _value(node.body)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_value(node.operand)
    if isinstance(node, ast.BinOp):
        ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
               ast.Pow: math.pow}
        return ops[type(node.op)](_value(node.left), _value(node.right))
    raise AssertionError(f"unexpected {ast.dump(node)}")


POW_PROGRAM = """\
    MOV a, 2
    ADD b, a, 1
    POW c, b, 2
    POW e, c, 2
    POW f, 2, c
    NEG g, c
    POW h, g, 2
    MUL k, a, c
    DIV m, c, a
    POW n, m, a
"""
# The brackets, by the usual conventions: ^ binds tighter than − and ·, groups to the right, and a
# power of a power or of a negation keeps its brackets.
POW_FORMULAS = {"c": "(2 + 1)^2", "e": "((2 + 1)^2)^2", "f": "2^(2 + 1)^2", "g": "−(2 + 1)^2",
                "h": "(−(2 + 1)^2)^2", "k": "2·(2 + 1)^2", "m": "(2 + 1)^2 / 2", "n": "((2 + 1)^2 / 2)^2"}


def test_a_new_op_needs_only_the_table(with_pow, tmp_path):
    program = vm.assemble(POW_PROGRAM, "pow.gdasm")  # the assembler accepts it
    result = vm.run(program)  # the machine runs it
    assert result.registers["c"] == 9.0 and result.registers["f"] == 512.0 and result.registers["h"] == 81.0
    h = History(vm.Machine(program))
    while h.forward() is not None:
        pass
    for name, text in POW_FORMULAS.items():  # explain writes it with the right brackets
        node = h.explain(name)
        assert formula(node) == text
        python = text.replace("−", "-").replace("·", "*").replace("^", "**")
        assert _value(ast.parse(python, mode="eval")) == result.registers[name], name
    assert explanation(h.explain("c"))[0].startswith("c = 9.0   POW c, b, 2   (line 3, step 3)")
    path = tmp_path / "pow.gdasm"
    path.write_text(POW_PROGRAM, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["trace", str(path)], stdout=out, stderr=err) == 0, err.getvalue()  # the trace prints it
    assert re.search(r"^ +3 +3 +POW c, b, 2 +c = 9\.0$", out.getvalue(), re.M)
    assert "| `POW d, a, b` | d ← a^b | power | a = 0 and b < 0; no exact result under `--exact` |" \
        in docgen.tables()  # the docs generator lists it
    with pytest.raises(vm.RuntimeFault) as e:
        vm.run("MOV z, 0\nPOW q, z, -1\n")
    assert e.value.code == "division-by-zero" and e.value.diagnostic.span.line == 2
    with pytest.raises(vm.AssemblyError):
        vm.assemble("MOV pow, 1\n")  # a mnemonic is reserved as soon as it is in the table


def test_without_the_new_op_nothing_knows_it():
    with pytest.raises(vm.AssemblyError) as e:
        vm.assemble("POW c, 2, 3\n")
    assert e.value.diagnostics[0].code == "unknown-mnemonic"


def test_mnemonics_are_spelt_only_in_the_table():
    pattern = re.compile(r'"(ADD|SUB|MUL|DIV|NEG|ABS|SQRT|EXP|LOG|LOAD|STORE|JMP|CALL|RET|MOV|OUT|HALT|LEN|'
                         r'JLT|JLE|JGT|JGE|JEQ|JNE)"')
    for path in sorted((ROOT / "vm").glob("*.py")):
        if path.name != "isa.py":
            assert not pattern.search(path.read_text(encoding="utf-8")), path.name


# --- one semantics: run() and stepping agree, undo is exact -----------------------------------------------

REGS = ("r0", "r1", "r2")
IMMEDIATES = ("0", "1", "-1", "0.5", "2", "3", "-0.0", "1e308", "1e-3")
LABELS = ("l0", "l1", "l2")


@st.composite
def programs(draw):
    """A random program built from the ISA table: every instruction kind, labels for loops and calls."""
    lines = [".data xs = 1, 2, 3", ".zeros ys, 2"]
    for r in REGS:  # most registers start with a value, so most runs go further than a first read
        if draw(st.integers(0, 4)):
            lines.append(f".reg {r} = {draw(st.sampled_from(IMMEDIATES))}")
    ops = sorted(isa.OPS.values(), key=lambda o: o.mnemonic)
    body = []
    for _ in range(draw(st.integers(1, 14))):
        op = draw(st.sampled_from(ops))
        form = draw(st.sampled_from(op.forms))
        operands = []
        for kind in form:
            if kind == "d":
                operands.append(draw(st.sampled_from(REGS)))
            elif kind in "ab":
                operands.append(draw(st.sampled_from(REGS + IMMEDIATES)))
            elif kind == "i":
                operands.append(draw(st.sampled_from(REGS + ("0", "1", "2", "3"))))
            elif kind == "L":
                operands.append(draw(st.sampled_from(LABELS)))
            else:
                operands.append(draw(st.sampled_from(("xs", "ys"))))
        body.append(f"{op.mnemonic} {', '.join(operands)}".strip())
    for label in LABELS:  # every label somewhere, the end of the program included
        at = draw(st.integers(0, len(body)))
        body.insert(at, f"{label}:")
    return "\n".join(lines + body) + "\n"


def key(v):
    """A value to compare exactly: a float by its repr (-0.0 is not 0.0), a fraction by its two integers."""
    if isinstance(v, Fraction):
        return v.numerator, v.denominator
    if isinstance(v, (list, tuple)):
        return [key(x) for x in v]
    return repr(v)


def outcome(m: vm.Machine, fault) -> tuple:
    f = None if fault is None else (fault.code, fault.diagnostic.span, fault.step,
                                     [(k, key(v)) for k, v in fault.diagnostic.reads],
                                     fault.diagnostic.notes, fault.diagnostic.message)
    return ([(k, key(v)) for k, v in m.registers.items()], {k: key(v) for k, v in m.array_values.items()},
            key(m.output), m.steps, m.status, list(m.stack), f)


def start_state(m: vm.Machine) -> tuple:
    return (key(m.regs), key(m.arrays), key(m.output), list(m.stack), list(m.write_order), m.pc, m.steps)


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(), st.booleans(), st.sampled_from([0, 1, 7, 60, 400]))
def test_run_and_stepping_agree_and_undo_is_exact(text, exact, max_steps):
    program = vm.assemble(text, "gen.gdasm")
    fast = vm.Machine(program, max_steps=max_steps, exact=exact)
    fault = None
    try:
        fast.run()
    except vm.RuntimeFault as e:
        fault = e
    slow = vm.Machine(program, max_steps=max_steps, exact=exact)
    start = start_state(slow)
    records, slow_fault = [], None
    try:
        while (rec := slow.step()) is not None:
            records.append(rec)
    except vm.RuntimeFault as e:
        slow_fault = e
    assert outcome(slow, slow_fault) == outcome(fast, fault), text
    slow.clear_fault()
    for rec in reversed(records):
        slow.undo(rec)
    assert start_state(slow) == start


def test_the_generator_reaches_every_ending():
    """The property above sees faults of many kinds, loops cut by the step limit, halts and ends."""
    seen = set()

    @settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(programs())
    def collect(text):
        try:
            seen.add(vm.run(vm.assemble(text), max_steps=60).status)
        except vm.RuntimeFault as e:
            seen.add(e.code)

    collect()
    assert {"finished", "halted", "step-limit", "unset-register", "index-out-of-range",
            "return-without-call"} <= seen, seen


def test_the_hot_spot_is_named_from_steps_that_ran():
    """At the step limit, the note names the hottest line among the steps already run (no look-ahead)."""
    program = vm.assemble("MOV i, 0\nwarm: ADD i, 1\nJLT i, 20000, warm\nspin: ADD j, 1\nJMP spin\n.reg j = 0\n")
    with pytest.raises(vm.RuntimeFault) as e:
        vm.run(program, max_steps=40_002)  # 40,001 steps warm up; the limit comes 1 step into the spin loop
    [note] = e.value.diagnostic.notes
    # The last 10,000 steps are 30,003 … 40,002: 5,000 JLTs (odd steps), 4,999 ADD i, and one ADD j.
    assert "line 3 (`JLT i, 20000, warm`, in the loop at label 'warm')" in note
    assert "ran 5,000 times in the last 10,000 steps" in note


# --- no process-wide state ---------------------------------------------------------------------------------

JOBS = [
    ["run", "gradient_step", "--numbers", "hex"],
    ["trace", "gradient_descent", "--numbers", "bits", "--set", "max_iter=30"],
    ["explain", "gradient_step", "grad_avg", "--numbers", "exact"],
    ["trace", "mse_loss", "--table", "--numbers", "dec"],
    ["run", "-", "--numbers", "hex"],  # stdin: replaced below by a file with a fault
    ["check", "{bad}"],
]


def _job(words, bad, fault):
    out, err = io.StringIO(), io.StringIO()
    words = [w.format(bad=bad) for w in words]
    if words[1] == "-":
        words[1] = str(fault)
    code = main(words, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_two_threads_with_different_number_formats_print_what_each_prints_alone(tmp_path):
    bad = tmp_path / "bad.gdasm"
    bad.write_text("MLU a, 1\nMOV b c\n", encoding="utf-8")
    fault = tmp_path / "fault.gdasm"
    fault.write_text("MOV z, 0.1\nSUB z, 0.1\nDIV q, 1, z\n", encoding="utf-8")
    alone = [_job(j, bad, fault) for j in JOBS]
    assert f"w          = {(0.09333333333333334).hex()}" in alone[0][1]  # the format really applies
    assert "read: z = 0x0.0p+0" in alone[4][2] and "bad.gdasm:2:7: error: expected ','" in alone[5][2]
    results: dict = {}
    barrier = threading.Barrier(len(JOBS) * 2)

    def worker(k, j):
        barrier.wait()
        for _ in range(3):
            results.setdefault(k, []).append(_job(JOBS[j], bad, fault))

    threads = [threading.Thread(target=worker, args=(k, k % len(JOBS))) for k in range(len(JOBS) * 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    for k, got in results.items():
        assert all(g == alone[k % len(JOBS)] for g in got), JOBS[k % len(JOBS)]
    assert len(results) == len(JOBS) * 2


def test_no_module_level_mutable_state_in_vm():
    """Module-level names in vm/ are constants: no list, dict or set displays, no `global` statements."""
    for path in sorted((ROOT / "vm").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            assert not isinstance(node, ast.Global), f"{path.name}:{node.lineno}: global"
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                value = node.value
                mutable = isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp))
                mutable |= isinstance(value, ast.Call) and getattr(value.func, "id", "") in ("list", "dict", "set")
                assert not mutable, f"{path.name}:{node.lineno}: a mutable module-level value"


def _imports(module: str) -> set[str]:
    tree = ast.parse((ROOT / "vm" / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {a.name for a in node.names}
    return found


def test_the_machine_does_not_import_the_assembler():
    seen, todo = set(), ["machine"]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo += sorted(_imports(m))
    assert "assembler" not in seen and "numbers" in seen, seen
