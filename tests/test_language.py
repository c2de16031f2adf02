"""The language contract of issue 2, through the Python API: text, operands, directives, faults."""

import math

import pytest

import vm
from vm import UNSET, AssemblyError, GdasmError, RuntimeFault, UsageError


def regs(text, **kw):
    return vm.run(vm.assemble(text), **kw).registers


def errors(text):
    with pytest.raises(AssemblyError) as e:
        vm.assemble(text, "t.gdasm")
    return [(d.span.line, d.span.column, d.message) for d in e.value.diagnostics if d.severity == "error"]


def fault(text, **kw):
    with pytest.raises(RuntimeFault) as e:
        vm.run(vm.assemble(text, "t.gdasm"), **kw)
    d = e.value.diagnostic
    return d.span.line, d.span.column, d.message


# --- source text ---------------------------------------------------------------------

@pytest.mark.parametrize("literal, value", [
    ("2", 2.0), ("0.0", 0.0), (".5", 0.5), ("3.", 3.0), ("1e-3", 0.001), ("2.5E+4", 25000.0),
    ("-7", -7.0), ("+7", 7.0), ("--7", 7.0), ("1+2*3", 7.0), ("(1+2)*3", 9.0), ("8/4/2", 1.0),
    ("10-4-3", 3.0), ("-2*3", -6.0), ("2*-3", -6.0), ("0*1", 0.0), ("1/3", 1 / 3),
    ("((((1))))", 1.0), ("0.1+0.2", 0.1 + 0.2),
])
def test_constant_expressions_fold_like_python_floats(literal, value):
    assert regs(f"MOV r, {literal}")["r"] == value


def test_bom_crlf_and_cr_keep_line_numbers():
    text = "\ufeffMOV a, 1\r\nMOV b, 2\rMOV c, 3\nMLU d, 1\r\n"
    assert errors(text) == [(4, 1, "unknown mnemonic 'MLU'")]
    assert regs(text.replace("MLU", "MOV")) == {"a": 1.0, "b": 2.0, "c": 3.0, "d": 1.0}
    assert regs(b"\xef\xbb\xbfMOV a, 1\r\n".decode("utf-8"))["a"] == 1.0


def test_comments_with_hash_or_semicolon_hold_any_text():
    text = "# 注释\n; 另一种注释\nMOV a, 1 # 初始权重设为0\nMOV b, 2 ; w=0+0.093=0.093, (x) \"q\" 'z'\n\t \n"
    assert regs(text) == {"a": 1.0, "b": 2.0}


def test_mnemonics_and_directives_are_case_insensitive_names_are_not():
    r = regs(".REG W = 1\n.Reg w = 2\nmov x, W\nMov y, w\nadd z, x, y")
    assert r["z"] == 3.0 and r["W"] == 1.0 and r["w"] == 2.0


@pytest.mark.parametrize("text, col, fragment", [
    ("MOV add, 1", 5, "'add' is a mnemonic"),
    ("MOV Neg, 1", 5, "'Neg' is a mnemonic"),
    ("out: HALT", 1, "'out' is a mnemonic"),
    (".reg Mov = 1", 6, "'Mov' is a mnemonic"),
    ("MOV a, out", 8, "'out' is a mnemonic"),
])
def test_a_mnemonic_is_not_a_name(text, col, fragment):
    [(line, c, msg)] = errors(text)
    assert (line, c) == (1, col) and fragment in msg


def test_labels_forward_and_backward_and_own_namespace():
    text = "JMP fwd\nback: MOV i, 1\nHALT\nfwd:\n  MOV back, 5   # a register named like a label\n  JMP back\n"
    r = regs(text)
    assert r == {"back": 5.0, "i": 1.0}


def test_label_at_end_of_file_jumps_to_the_end():
    result = vm.run(vm.assemble("JMP end\nMOV a, 1\nend:"))
    assert result.registers == {} and result.status == "finished" and result.steps == 1


def test_duplicate_label_points_at_both():
    with pytest.raises(AssemblyError) as e:
        vm.assemble("a: MOV x, 1\n\na: MOV x, 2", "t.gdasm")
    [d] = e.value.diagnostics
    assert (d.span.line, d.span.column) == (3, 1)
    [(first, source, message)] = d.related
    assert (first.line, first.column, source, message) == (1, 1, "a: MOV x, 1", "first defined here")


@pytest.mark.parametrize("text, where, fragment", [
    ("MOV a, w+1", (1, 8), "'w' is a name inside a constant expression"),
    ("MOV a, 2*(1-w)", (1, 13), "'w' is a name inside a constant expression"),
    ("MOV a, 1/(2-2)", (1, 10), "division by zero"),
    ("MOV a, 1e400", (1, 8), "does not fit a binary64"),
    ("MOV a, 1e200*1e200", (1, 13), "overflows"),
    ("MOV 3, w", (1, 5), "must be a register, not the number 3"),
    ("MOV a", (1, 1), "MOV takes d, a (2 operands); got 1"),
    ("ADD a", (1, 1), "ADD takes d, a, b or d, a"),
    ("HALT 1", (1, 6), "HALT takes no operands"),
    ("MOV a 1", (1, 7), "expected ',' between operands"),
    ("MOV a, 1,", (1, 10), "the line ends where an operand should follow"),
    ("JMP 3", (1, 5), "needs a label here"),
    ("JMP nowhere", (1, 5), "undefined label 'nowhere'"),
    ("LOAD a, xs, 0", (1, 9), "undefined array 'xs'"),
    ("LOAD a, xs, 0.5\n.data xs = 1", (1, 13), "whole number"),
    ("MOV a, x\n.data x = 1", (1, 8), "'x' is an array, not a register"),
    ("MOV w, 1\nLEN n, w", (2, 8), "'w' is a register, not an array"),
    (".reg a = 1\n.reg a = 2", (2, 6), "'a' is declared twice"),
    (".data a = 1\n.zeros a, 2", (2, 8), "'a' is declared twice"),
    (".reg a = 1\n.data a = 2", (2, 7), "'a' is declared twice"),
    (".reg a = b", (1, 10), "must be a constant"),
    (".reg a", (1, 1), ".reg needs a name and '='"),
    (".reg a = 1, 2", (1, 13), "one register to one value"),
    (".zeros z, 0", (1, 11), "whole number from 1 to"),
    (".zeros z, 2.5", (1, 11), "whole number from 1 to"),
    (".zeros z, 1e9", (1, 11), "whole number from 1 to 10,000,000"),
    (".bogus x = 1", (1, 1), "unknown directive '.bogus'"),
    ("MOV a, b = 1", (1, 8), "'=' belongs only in .reg and .data"),
    ("x: y: HALT", (1, 5), "a label must come first"),
    ("MOV a, 'x'", (1, 8), "no strings"),
    ("MOV a，1", (1, 6), "U+FF0C FULLWIDTH COMMA"),
    ("MOV a, １", (1, 8), "full-width"),
])
def test_assembly_errors_are_located(text, where, fragment):
    found = errors(text)
    assert any((l, c) == where and fragment in m for l, c, m in found), found


def test_every_error_of_a_file_is_reported_in_source_order():
    found = errors("MLU a, 1\nMOV a, 1\nMOV 3, b\nJMP x\nMOV c, 1/0\n")
    assert [(l, c) for l, c, _ in found] == [(1, 1), (3, 5), (4, 5), (5, 10)]


def test_assembly_error_is_a_gdasm_error_with_diagnostics():
    with pytest.raises(GdasmError) as e:
        vm.assemble("FOO", "f.gdasm")
    assert isinstance(e.value, AssemblyError) and e.value.exit_code == 65
    assert e.value.diagnostics[0].filename == "f.gdasm"


def test_unicode_spaces_are_read_as_spaces_with_a_warning():
    p = vm.assemble("MOV\u00a0a,\u30001  # 注释\u00a0")
    assert vm.run(p).registers == {"a": 1.0}
    [w] = p.warnings
    assert (w.severity, w.span.column) == ("warning", 4) and "and 1 more on this line" in w.message


def test_too_small_number_warns_and_is_zero():
    p = vm.assemble("MOV a, 1e-400")
    assert [d.message for d in p.warnings] == ["the number 1e-400 is too small for a binary64 float and becomes 0.0"]
    assert vm.run(p).registers["a"] == 0.0


def test_no_program_text_reaches_eval():
    errs = errors("MOV a, __import__('os').system('echo hi')")
    assert errs[0][:2] == (1, 8) and "no function calls" in errs[0][2]
    assert "'eval' is a name inside a constant expression" in errors("MOV a, 1 + eval")[0][2]


# --- instructions and faults ---------------------------------------------------------

def test_every_compute_instruction():
    r = regs("MOV a, 6\nMOV b, -4\nADD c, a, b\nSUB d, a, b\nMUL e, a, b\nDIV f, a, b\nNEG g, a\n"
             "ABS h, b\nSQRT i, 2\nEXP j, 1\nLOG k, 10\nMOV l, -0.0\nNEG m, 0")
    assert (r["c"], r["d"], r["e"], r["f"]) == (2.0, 10.0, -24.0, -1.5)
    assert (r["g"], r["h"], r["i"], r["j"], r["k"]) == (-6.0, 4.0, math.sqrt(2), math.e, math.log(10))
    assert math.copysign(1, r["l"]) == -1 and math.copysign(1, r["m"]) == -1


@pytest.mark.parametrize("text, where, fragment", [
    ("MOV z, 0\nDIV q, 1, z", (2, 1), "division by zero"),
    ("MOV a, 1\nDIV a, 0", (2, 1), "division by zero"),
    ("SQRT r, -1e-300", (1, 1), "square root of a negative number"),
    ("LOG r, 0", (1, 1), "logarithm of zero"),
    ("LOG r, -2", (1, 1), "logarithm of a negative number"),
    ("EXP r, 1000", (1, 1), "overflow"),
    ("MOV a, 1e308\nADD a, a", (2, 1), "overflow"),
    ("MOV a, 1e308\nMUL a, -10", (2, 1), "overflow"),
    ("MOV a, 1e300\nDIV a, 1e-300", (2, 1), "overflow"),
    ("ADD a, b, 1", (1, 8), "register 'b' is read before it is ever written"),
    ("MOV a, b", (1, 8), "register 'b' is read"),
    ("OUT b", (1, 5), "register 'b' is read"),
    ("JEQ b, 1, x\nx: HALT", (1, 5), "register 'b' is read"),
    ("JNE 1, b, x\nx: HALT", (1, 8), "register 'b' is read"),
    (".zeros a, 2\nSTORE a, 0, b", (2, 13), "register 'b' is read"),
    (".zeros a, 2\nSTORE a, i, 1", (2, 10), "register 'i' is read"),
    (".zeros a, 2\nLOAD v, a, 2", (2, 12), "index 2 is out of range for array 'a' of length 2"),
    (".zeros a, 2\nMOV i, -1\nLOAD v, a, i", (3, 12), "index -1 is out of range"),
    (".zeros a, 2\nMOV i, 0.5\nSTORE a, i, 1", (3, 10), "index 0.5 is not a whole number"),
    ("RET", (1, 1), "RET with nothing to return to"),
    ("f: CALL f", (1, 4), "call depth over 10,000"),
])
def test_faults_are_located(text, where, fragment):
    line, col, msg = fault(text)
    assert (line, col) == where and fragment in msg, (line, col, msg)


def test_fault_reports_step_and_values_read():
    with pytest.raises(RuntimeFault) as e:
        vm.run(vm.assemble("MOV a, 1\nMOV z, 0\nDIV q, a, z", "t.gdasm"))
    f = e.value
    assert f.step == 3 and f.reads == {"a": 1.0, "z": 0.0} and f.exit_code == 70
    d = f.diagnostic
    assert (d.step, d.reads, d.code) == (3, (("a", 1.0), ("z", 0.0)), "division-by-zero")
    text = vm.render.diagnostic(d, fmt=vm.Formatter("hex"))  # values kept, formatted when printed
    assert "note: at step 3" in text and "note: read: a = 0x1.0000000000000p+0, z = 0x0.0p+0" in text


def test_overflow_hint_speaks_of_the_learning_rate():
    with pytest.raises(RuntimeFault) as e:
        vm.run(vm.assemble("EXP r, 1000"))
    assert "learning rate" in e.value.diagnostic.hint


def test_call_and_ret_nest():
    r = regs("CALL a\nHALT\na: ADD n, 0, 1\nCALL b\nRET\nb: ADD n, 10\nRET")
    assert r["n"] == 11.0


def test_call_depth_limit_is_exactly_ten_thousand():
    deep = "MOV d, 0\nf: ADD d, 1\nJGE d, {n}, done\nCALL f\ndone: HALT"
    assert regs(deep.format(n=10_001))["d"] == 10_001  # 10,000 nested calls are fine
    assert "call depth" in fault(deep.format(n=10_002))[2]


def test_halt_counts_as_a_step_and_stops():
    result = vm.run(vm.assemble("MOV a, 1\nHALT\nMOV a, 2"))
    assert (result.status, result.steps, result.registers["a"]) == ("halted", 2, 1.0)


def test_step_limit_is_exact():
    p = vm.assemble("MOV a, 1\nMOV b, 2\nMOV c, 3")
    assert vm.run(p, max_steps=3).status == "finished"
    with pytest.raises(RuntimeFault) as e:
        vm.run(p, max_steps=2)
    assert "step limit of 2 steps" in e.value.diagnostic.message and e.value.diagnostic.span.line == 3
    assert vm.run(vm.assemble("MOV a, 1\nHALT"), max_steps=2).status == "halted"


def test_out_prints_values_in_order():
    assert vm.run(vm.assemble("OUT 1\nMOV a, 2.5\nOUT a\nOUT -0.0")).output == [1.0, 2.5, -0.0]


def test_len_and_empty_data_override():
    p = vm.assemble(".data x = 1, 2\nLEN n, x")
    assert vm.run(p).registers["n"] == 2.0
    assert vm.run(p, arrays={"x": []}).registers["n"] == 0.0
    assert vm.run(p, arrays={"x": range(7)}).registers["n"] == 7.0


# --- the Python API ------------------------------------------------------------------

def test_run_overrides_and_rejects_unknown_names():
    p = vm.assemble(".reg w = 0\n.data x = 1\nLOAD v, x, 0\nMUL r, v, w")
    assert vm.run(p, registers={"w": 3}, arrays={"x": [5]}).registers["r"] == 15.0
    for kw, fragment in [({"registers": {"q": 1}}, "not used by this program"),
                         ({"registers": {"x": 1}}, "it is an array"),
                         ({"arrays": {"w": [1]}}, "it is a register"),
                         ({"arrays": {"xx": [1]}}, "did you mean 'x'"),
                         ({"registers": {"w": float("inf")}}, "not a finite number"),
                         ({"registers": {"w": "abc"}}, "not a finite number"),
                         ({"max_steps": -1}, "max_steps")]:
        with pytest.raises(UsageError) as e:
            vm.run(p, **kw)
        assert fragment in str(e.value)


def test_machine_step_records():
    p = vm.assemble(".zeros a, 2\nMOV i, 1\nloop: STORE a, i, 7\nOUT i\nSUB i, 1\nJGE i, 0, loop\nHALT")
    m = vm.Machine(p)
    records = []
    while (rec := m.step()) is not None:
        records.append(rec)
    assert [r.step for r in records] == list(range(1, len(records) + 1))
    first = records[0]
    assert (first.address, first.line, first.text, first.writes) == (0, 2, "MOV i, 1", (("i", UNSET, 1.0),))
    assert records[1].array_writes == (("a", 1, 0.0, 7.0),) and records[1].writes == ()
    assert records[2].output == 1.0 and records[3].writes == (("i", 1.0, 0.0),)
    assert records[4].jump == 1 and records[4].text == "JGE i, 0, loop"
    assert records[-2].jump is None  # the last JGE falls through
    assert m.status == "halted" and m.step() is None
    assert m.result().arrays == {"a": [7.0, 7.0]} and m.result().output == [1.0, 0.0]


def test_step_and_run_agree_and_can_be_mixed():
    text = ".data x = 1, 2, 3\nMOV s, 0\nMOV i, 0\nl: LOAD v, x, i\nMUL v, v\nADD s, v\nADD i, 1\nJLT i, 3, l"
    p = vm.assemble(text)
    m = vm.Machine(p)
    for _ in range(5):
        m.step()
    mixed = m.run()
    assert mixed == vm.run(p)
    assert mixed.registers == {"s": 14.0, "i": 3.0, "v": 9.0}


def test_step_after_fault_returns_none_and_state_is_kept():
    m = vm.Machine(vm.assemble("MOV a, 1\nDIV a, 0\nMOV b, 2"))
    m.step()
    with pytest.raises(RuntimeFault):
        m.step()
    assert m.status == "fault" and m.step() is None and m.registers == {"a": 1.0} and m.pc == 1


def test_lookups_by_name_and_by_address_agree_with_a_scan():
    """Program.label_at / register_slot / array_slot answer from indexes; a plain scan here says the same."""
    text = ".data xs = 1\n.zeros ys, 2\na:\nb:\n    MOV r, 1\nc:\n    LOAD q, xs, 0\nd:\ne:\n"
    p = vm.assemble(text)
    for address in range(len(p.instructions) + 2):
        scan = next((name for name, at in p.labels.items() if at == address), None)
        assert p.label_at(address) == scan
    assert (p.label_at(0), p.label_at(1), p.label_at(2)) == ("a", "c", "d")
    assert [p.register_slot(n) for n in p.registers] == list(range(len(p.registers)))
    assert [p.array_slot(n) for n in p.arrays] == list(range(len(p.arrays)))
    assert p.register_slot("xs") is None and p.array_slot("r") is None and p.register_slot("nope") is None


def test_assembling_leaves_the_garbage_collector_as_it_was():
    """The assembler turns the collector off while it builds (no cycles, millions of objects), then back on."""
    import gc
    assert gc.isenabled()
    vm.assemble("MOV a, 1\n")
    assert gc.isenabled()
    with pytest.raises(vm.AssemblyError):
        vm.assemble("MOV a, \n")
    assert gc.isenabled()
    gc.disable()
    try:
        vm.assemble("MOV a, 1\n")
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


def test_every_use_of_a_bad_name_is_reported_though_good_names_are_checked_once():
    with pytest.raises(vm.AssemblyError) as e:
        vm.assemble("MOV add, 1\nMOV b, add\nMOV b, b\nMOV b, b\n")
    assert [(d.code, d.span.line) for d in e.value.diagnostics] == [("reserved-name", 1), ("reserved-name", 2)]
