"""Every bad input gets a clear, located answer: one row per case, checked through the command line.

Each row: the program text (or None), the command-line words ({prog} is the program's path), the exit
code, the line and column of the message (None for command-line errors), its severity, its stable code and a
fragment of its hint. Rows match codes, not wording (docs/errors.md's test checks the English messages).
Every row runs with --json, so the machine-readable form is checked too, and once more in text form for the
`FILE:LINE:COL: severity: MESSAGE` + source line + caret layout, with the message JSON gave.
"""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from vm.cli import main
from vm.render import safe

from conftest import ROOT, gdasm_script

R, C, U = ["run", "{prog}"], ["check", "{prog}"], ["run", "{prog}"]
DEEP = "MOV a, " + "(" * 10_000 + "1" + ")" * 10_000

ROWS = [
    # --- unknown mnemonics and wrong operands ------------------------------------------------------
    ("mnemonic typo", "MLU a, 1, 2", C, 65, 1, 1, "error", "unknown-mnemonic", "did you mean 'MUL'?"),
    ("mnemonic typo 2", "  MOVE a, 1", C, 65, 1, 3, "error", "unknown-mnemonic", "did you mean 'MOV'?"),
    ("directive without dot", "reg w = 1", C, 65, 1, 1, "error", "unknown-mnemonic", "start with a dot: .reg"),
    ("directive word as mnemonic", "zeros a, 2", C, 65, 1, 1, "error", "unknown-mnemonic", "start with a dot"),
    ("too few operands", "MOV a", C, 65, 1, 1, "error", "operand-count", ""),
    ("forms listed", "ADD a", C, 65, 1, 1, "error", "operand-count", ""),
    ("operands on HALT", "HALT 1", C, 65, 1, 6, "error", "operand-count", ""),
    ("too many operands", "MOV a, 1, 2", C, 65, 1, 11, "error", "operand-count", ""),
    ("JMP needs a label", "JMP", C, 65, 1, 1, "error", "operand-count", ""),
    ("LOAD arity", ".data x = 1\nLOAD a, x", C, 65, 2, 1, "error", "operand-count", ""),
    ("immediate written", "MOV 3, w", C, 65, 1, 5, "error", "immediate-destination", ""),
    ("immediate written expr", "ADD (1+2), 2, 3", C, 65, 1, 5, "error", "immediate-destination", ""),
    ("number for label", "JMP 3", C, 65, 1, 5, "error", "needs-label", ""),
    ("number for array", "LEN n, 3", C, 65, 1, 8, "error", "needs-array", ""),
    ("undefined label", "loop: HALT\nJMP lop", C, 65, 2, 5, "error", "undefined-label", "did you mean 'loop'?"),
    ("undefined array", ".data xs = 1\nLEN n, x", C, 65, 2, 8, "error", "undefined-array", "did you mean 'xs'?"),
    ("array as register", ".data x = 1\nMOV a, x", C, 65, 2, 8, "error", "not-a-register", "LOAD"),
    ("register as array", "MOV w, 1\nLEN n, w", C, 65, 2, 8, "error", "not-an-array", ""),
    ("index not whole", ".data x = 1\nLOAD a, x, 1.5", C, 65, 2, 12, "error", "bad-index", ""),
    ("index negative", ".data x = 1\nLOAD a, x, -1", C, 65, 2, 12, "error", "bad-index", ""),
    # --- labels, names and declarations ------------------------------------------------------------
    ("duplicate label", "a: HALT\na: HALT", C, 65, 2, 1, "error", "duplicate-label", "rename"),
    ("duplicate .reg", ".reg w = 1\n.reg w = 2", C, 65, 2, 6, "error", "duplicate-declaration", ""),
    ("duplicate array", ".data x = 1\n.zeros x, 3", C, 65, 2, 8, "error", "duplicate-declaration", ""),
    ("mnemonic as register", "MOV add, 1", C, 65, 1, 5, "error", "reserved-name", ""),
    ("mnemonic as label", "out: HALT", C, 65, 1, 1, "error", "reserved-name", ""),
    ("mnemonic as array", ".data Neg = 1", C, 65, 1, 7, "error", "reserved-name", ""),
    ("two labels", "x: y: HALT", C, 65, 1, 5, "error", "label-not-first", ""),
    ("unknown directive", ".dat x = 1", C, 65, 1, 1, "error", "unknown-directive", "did you mean '.data'?"),
    (".reg without value", ".reg a", C, 65, 1, 1, "error", "directive-shape", ".reg NAME = EXPR"),
    (".reg two values", ".reg a = 1, 2", C, 65, 1, 13, "error", "directive-shape", ""),
    (".reg from a name", ".reg a = b", C, 65, 1, 10, "error", "not-a-constant", ""),
    (".data empty", ".data x =", C, 65, 1, 10, "error", "unexpected-end", ""),
    (".zeros zero", ".zeros z, 0", C, 65, 1, 11, "error", "bad-length", ""),
    (".zeros absurd", ".zeros z, 1e12", C, 65, 1, 11, "error", "bad-length", ""),
    ("= in an instruction", "MOV a, b = 1", C, 65, 1, 8, "error", "misplaced-equals", ""),
    # --- constant expressions ----------------------------------------------------------------------
    ("too large", "MOV a, 1e400", C, 65, 1, 8, "error", "number-too-large", "1.7976931348623157e+308"),
    ("too small", "MOV a, 1e-400", C, 0, 1, 8, "warning", "number-too-small", ""),
    ("name in expression", "MOV a, w+1", C, 65, 1, 8, "error", "name-in-expression", ""),
    ("constant division by zero", "MOV a, 2/(1-1)", C, 65, 1, 10, "error", "constant-division-by-zero", ""),
    ("constant overflow", "MOV a, 1e200*1e200", C, 65, 1, 13, "error", "constant-overflow", ""),
    ("python in an operand", "MOV a, __import__('os')", C, 65, 1, 8, "error", "no-function-calls", ""),
    ("eval in an operand", "MOV a, eval(1)", C, 65, 1, 8, "error", "no-function-calls", ""),
    ("strings", "MOV a, 'x'", C, 65, 1, 8, "error", "no-strings", ""),
    ("unclosed parenthesis", "MOV a, (1+2", C, 65, 1, 12, "error", "unexpected-end", ""),
    ("deep parentheses", DEEP, R, 0, None, None, "", "", ""),
    # --- punctuation, spaces and text after an instruction -----------------------------------------
    ("missing comma", "MOV a 1", C, 65, 1, 7, "error", "missing-comma", ""),
    ("text after instruction", "MOV a, 1 then", C, 65, 1, 10, "error", "missing-comma", "start it with '#' or ';'"),
    ("slash comment", "MOV a, 1 // set a", C, 65, 1, 10, "error", "slash-comment", "'#' or ';'"),
    ("trailing comma", "MOV a, 1,", C, 65, 1, 10, "error", "unexpected-end", ""),
    ("double comma", "MOV a,, 1", C, 65, 1, 7, "error", "unexpected-token", ""),
    ("starts with a number", "1 MOV a", C, 65, 1, 1, "error", "unexpected-token", ""),
    ("full-width comma", "MOV a，1", C, 65, 1, 6, "error", "lookalike-character", "type ','"),
    ("full-width colon", "loop：HALT", C, 65, 1, 5, "error", "lookalike-character", "type ':'"),
    ("full-width parenthesis", "MOV a, （1）", C, 65, 1, 8, "error", "lookalike-character", "'('"),
    ("full-width semicolon", "MOV a, 1 ；注释", C, 65, 1, 10, "error", "lookalike-character", "';'"),
    ("ideographic comma", "MOV a、1", C, 65, 1, 6, "error", "lookalike-character", "','"),
    ("full-width digit", "MOV a, １", C, 65, 1, 8, "error", "full-width-character", "the ASCII '1'"),
    ("full-width letter", "ＭOV a, 1", C, 0, 1, 1, "warning", "normalised-name", "NFKC"),
    ("no-break space", "MOV\u00a0a, 1", C, 0, 1, 4, "warning", "odd-space", ""),
    ("ideographic space", "MOV a,\u30001", C, 0, 1, 7, "warning", "odd-space", ""),
    ("zero-width space", "MOV a,\u200b1", C, 65, 1, 7, "error", "lookalike-character", "nothing"),
    ("control character", "MOV a, 1\x07", C, 65, 1, 9, "error", "control-character", ""),
    ("NUL byte", "MOV a, 1\x00", C, 65, 1, 9, "error", "nul-byte", "binary file"),
    ("never written", "MOV grad_total, 1\nADD w, 0, grad_tota1", C, 0, 2, 11, "warning",
     "never-written", "did you mean 'grad_total'?"),
    ("empty program", "# only a comment", C, 0, None, None, "warning", "empty", ""),
    # --- runtime faults ----------------------------------------------------------------------------
    ("division by zero", "MOV z, 0\nDIV q, 1, z", R, 70, 2, 1, "runtime error", "division-by-zero", ""),
    ("unset register", "MOV total, 1\nADD s, totl, 1", R, 70, 2, 8, "runtime error",
     "unset-register", "did you mean 'total'?"),
    ("unset hint", "OUT x", R, 70, 1, 5, "runtime error", "unset-register", "set it with .reg or --set"),
    ("square root", "SQRT r, -1", R, 70, 1, 1, "runtime error", "sqrt-negative", ""),
    ("log of zero", "LOG r, 0", R, 70, 1, 1, "runtime error", "log-zero", ""),
    ("log of negative", "LOG r, -3", R, 70, 1, 1, "runtime error", "log-negative", ""),
    ("exp overflow", "EXP r, 800", R, 70, 1, 1, "runtime error", "overflow", "learning rate that is too large"),
    ("growth overflow", "MOV v, 10\nl: MUL v, v\nJMP l", R, 70, 2, 4, "runtime error", "overflow", "grew without bound"),
    ("index out of range", ".data x = 1, 2\nLOAD v, x, 2", R, 70, 2, 12, "runtime error",
     "index-out-of-range", "valid indexes are 0 to 1"),
    ("index not whole at run time", ".zeros a, 3\nMOV i, 0.5\nSTORE a, i, 1", R, 70, 3, 10, "runtime error",
     "index-not-whole", ""),
    ("return with no call", "RET", R, 70, 1, 1, "runtime error", "return-without-call", ""),
    ("call depth", "f: CALL f", R, 70, 1, 4, "runtime error", "call-depth", "a way to stop"),
    ("step limit", "MOV i, 0\nspin: ADD i, 1\nJMP spin", R + ["--max-steps", "500"], 70, 3, 1, "runtime error",
     "step-limit", "--max-steps"),
    ("exact mode", "SQRT r, 2", R + ["--exact"], 70, 1, 1, "runtime error", "no-exact-result", "without --exact"),
    # --- the command line --------------------------------------------------------------------------
    ("--set not a number", ".reg w = 0", R + ["--set", "w=abc"], 64, None, None, "error", "usage", ""),
    ("--set unknown name", ".reg w = 0", R + ["--set", "ww=1"], 64, None, None, "error", "usage", ""),
    ("--set an array", ".data x = 1", R + ["--set", "x=1"], 64, None, None, "error", "usage", ""),
    ("--set shape", ".reg w = 0", R + ["--set", "w:1"], 64, None, None, "error", "usage", ""),
    ("--data bad list", ".data x = 1", R + ["--data", "x=1,,2"], 64, None, None, "error", "usage", ""),
    ("--data a register", ".reg w = 0", R + ["--data", "w=1"], 64, None, None, "error", "usage", ""),
    ("--exact huge exponent", ".reg w = 0", R + ["--exact", "--set", "w=1e-999999999"], 64, None, None, "error",
     "usage", ""),
    ("--max-steps", "HALT", R + ["--max-steps", "-5"], 64, None, None, "error", "usage", ""),
    ("unknown option", "HALT", R + ["--fast"], 64, None, None, "error", "usage", ""),
    ("missing file", None, ["run", "{dir}/nope.gdasm"], 66, None, None, "error", "input-file", ""),
    ("directory", None, ["run", "{dir}"], 66, None, None, "error", "input-file", ""),
    ("missing data file", ".data x = 1", R + ["--data", "x=@{dir}/none.csv:a"], 66, None, None, "error", "input-file", ""),
    ("bad data cell", ".data x = 1", R + ["--data", "x=@{dir}/d.csv:v"], 65, 3, 1, "error", "data-not-a-number", ""),
    ("missing data column", ".data x = 1", R + ["--data", "x=@{dir}/d.csv:w"], 64, None, None, "error", "usage", ""),
]


def _invoke(tmp_path: Path, source, words, json_mode: bool, capsys, lang: str = "en"):
    prog = tmp_path / "prog.gdasm"
    if source is not None:
        prog.write_bytes(source.encode("utf-8") if isinstance(source, str) else source)
    (tmp_path / "d.csv").write_text("v\n1\noops\n", encoding="utf-8")
    argv = [w.format(prog=prog, dir=tmp_path) for w in words] + (["--json"] if json_mode else [])
    code = main((["--lang", lang] if lang != "en" else []) + argv)
    out, err = capsys.readouterr()
    return code, out, err, str(prog)


def _all(doc: dict) -> list[dict]:
    """Every diagnostic in a JSON answer, whatever command produced it."""
    found = list(doc.get("diagnostics", []))
    if "diagnostic" in doc:
        found.append(doc["diagnostic"])
    found += doc.get("warnings", [])
    for f in doc.get("files", []):
        found += f.get("diagnostics", [])
    return found


CJK = re.compile("[\u4e00-\u9fff]")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name, source, words, exit_code, line, col, severity, code, hint", ROWS,
                         ids=[r[0] for r in ROWS])
def test_bad_input(tmp_path, capsys, name, source, words, exit_code, line, col, severity, code, hint, lang):
    """Each row in English and in Chinese: the same exit code, fault code, line and column (JSON keys too)."""
    got, out, err, prog = _invoke(tmp_path, source, words, True, capsys, lang)
    assert got == exit_code, (out, err)
    assert "Traceback" not in out + err
    if not code:
        return
    diags = [d for d in _all(json.loads(out)) if d["code"] == code]
    assert diags, out
    d = diags[0]
    assert (d["line"], d["column"]) == (line, col), d
    assert d["severity"] == severity
    if lang == "en":
        assert hint in (d["hint"] or "")
    else:  # the words are Chinese; what tools read is not
        assert CJK.search(d["message"]), d["message"]
        assert not hint or CJK.search(d["hint"] or ""), d["hint"]
    # The same case in text: FILE:LINE:COL: severity: MESSAGE, then the source line and a caret.
    got, out, err, prog = _invoke(tmp_path, source, words, False, capsys, lang)
    assert got == exit_code
    if line is None:
        assert d["message"] in err and len([l for l in err.splitlines() if "error" in l]) <= 1
        return
    where = f":{line}:{col}: {severity}: {safe(d['message'])}"  # text shows control and zero-width escaped
    lines = err.splitlines()
    at = next(i for i, l in enumerate(lines) if where in l)
    assert re.match(rf"^ {line} \| ", lines[at + 1]) and re.match(r"^ +\| +\^+$", lines[at + 2]), lines[at:at + 3]


def test_the_rows_cover_every_fault_code():
    """Every runtime fault of the ISA table (but an internal error) has a row above, found by its code."""
    import vm
    from vm import isa
    codes = set()
    for name, source, words, *_ in ROWS:
        if source is None or words[0] != "run" or "--" in " ".join(words[2:]):
            continue
        try:
            vm.run(vm.assemble(source), max_steps=50_000)
        except vm.RuntimeFault as e:
            codes.add(e.code)
        except vm.GdasmError:
            pass
    missing = set(isa.FAULTS) - {"internal", "exact-too-large", "no-exact-result", "step-limit"} - codes
    assert not missing, missing


def test_many_errors_are_all_reported_then_counted(tmp_path, capsys):
    source = "\n".join(f"MLU a{i}, 1, 2" for i in range(25)) + "\nMOV 3, w\n"
    code, out, err, _ = _invoke(tmp_path, source, C, False, capsys)
    assert code == 65
    assert err.count("error: unknown mnemonic") == 20 and "... and 6 more errors" in err
    code, out, err, _ = _invoke(tmp_path, source, C, True, capsys)
    assert len(json.loads(out)["files"][0]["diagnostics"]) == 26  # JSON holds every one


def test_one_bad_line_does_not_hide_the_next(tmp_path, capsys):
    code, out, err, prog = _invoke(tmp_path, "MOV a 1\nMLU b, 1\nJMP nowhere\nMOV c, 1/0\n", C, True, capsys)
    lines = [(d["line"], d["column"]) for d in _all(json.loads(out))]
    assert lines == [(1, 7), (2, 1), (3, 5), (4, 10)]


def test_caret_underlines_the_whole_token(tmp_path, capsys):
    code, out, err, _ = _invoke(tmp_path, "MOV 345, w\n", C, False, capsys)
    assert " 1 | MOV 345, w\n   |     ^^^\n" in err


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_caret_under_wide_characters(tmp_path, capsys, lang):
    code, out, err, _ = _invoke(tmp_path, "MOV 权重，1\n", C, False, capsys, lang)
    assert " 1 | MOV 权重，1\n   |         ^^\n" in err  # 权重 is a name; each wide character takes two columns
    code, out, err, _ = _invoke(tmp_path, "MOV a，1  # 权重\n", C, False, capsys, lang)
    assert " 1 | MOV a，1  # 权重\n   |      ^^\n" in err
    code, out, err, _ = _invoke(tmp_path, ".reg 权重 = 1\nDIV 损失, 权重, 0\n", R, False, capsys, lang)
    assert code == 70 and " 2 | DIV 损失, 权重, 0\n   | " + "^" * 17 + "\n" in err  # the whole line: 17 columns
    assert ("除以零" in err) == (lang == "zh")


# --- hostile files -------------------------------------------------------------------------------

def test_invalid_utf8_says_offset_and_line(tmp_path, capsys):
    code, out, err, _ = _invoke(tmp_path, b"MOV a, 1\nMOV b, 2 # \xc3\x28\n", C, True, capsys)
    [d] = json.loads(out)["files"][0]["diagnostics"]
    assert code == 65 and (d["line"], d["column"]) == (2, 12) and "offset 20" in d["message"]


def test_empty_file_is_a_note_not_a_crash(tmp_path, capsys):
    code, out, err, _ = _invoke(tmp_path, "", R, False, capsys)
    assert code == 0 and "warning: the program has no instructions" in err and "finished after 0 steps" in out


def test_a_one_megabyte_line(tmp_path, capsys):
    long_expr = "MOV a, " + "+".join(["1"] * 350_000)  # about 1 MB
    assert len(long_expr) > 700_000
    code, out, err, _ = _invoke(tmp_path, long_expr, R, True, capsys)
    assert code == 0 and json.loads(out)["registers"]["a"] == 350_000.0
    code, out, err, _ = _invoke(tmp_path, "MOV a, 1 " + "x" * 1_000_000, C, False, capsys)
    assert code == 65 and len(err) < 2_000  # the excerpt is cut, not a megabyte of caret line


def test_a_hundred_thousand_lines(tmp_path, capsys):
    # Speed is measured by bench/bench_assembler.py, not asserted here.
    source = "".join(f"ADD r, {i % 7}  # line {i}\n" if i % 10 else f"l{i}:\n" for i in range(100_000))
    code, out, err, _ = _invoke(tmp_path, source, C, False, capsys)
    assert code == 0 and "ok (90,000 instructions)" in out


def test_ten_thousand_deep_parentheses_in_error(tmp_path, capsys):
    code, out, err, _ = _invoke(tmp_path, DEEP.replace("1", "w"), C, True, capsys)
    [d] = json.loads(out)["files"][0]["diagnostics"]
    assert code == 65 and d["column"] == 10_008 and "name inside a constant expression" in d["message"]


# The one documented exemption: the compiled engine compiles and runs the text it generates from validated
# instructions (generated names, repr floats, whole numbers only), which tests/test_compiled.py tokenizes for
# every program it tries. No other module may call exec or compile, and none may call eval.
COMPILES = {"compiled.py": 1}


def test_no_module_in_vm_calls_eval_or_exec():
    calls = {}
    for path in (ROOT / "vm").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "eval", f"{path.name}:{node.lineno}"
                if node.func.id in ("exec", "compile"):
                    assert path.name in COMPILES, f"{path.name}:{node.lineno}"
                    calls[path.name] = calls.get(path.name, 0) + 1
            if isinstance(node, ast.Attribute) and node.attr in ("eval", "exec", "compile") \
                    and isinstance(node.value, ast.Name) and node.value.id == "builtins":
                raise AssertionError(f"{path.name}:{node.lineno}")
    assert calls == {name: 2 * n for name, n in COMPILES.items()}  # exec(compile(...)), once


def test_ctrl_c_says_where_it_stopped_and_exits_130(tmp_path):
    """Wherever the signal lands, the report is true: the step running then finishes and is counted, and the
    report names the next one. Deterministic: the signal goes once the first OUT has printed, and the test
    checks what must hold for any landing point (steps, the register i and the next line agree)."""
    prog = tmp_path / "spin.gdasm"
    prog.write_text("OUT 1\nMOV i, 0\nspin: ADD i, 1\nJMP spin\n", encoding="utf-8")
    proc = subprocess.Popen([gdasm_script(), "run", str(prog), "--max-steps", "1000000000000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdout.readline() == "1.0\n"  # the run has begun: OUT 1 ran (step 1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    m = re.search(r"interrupted after ([\d,]+) steps?; step ([\d,]+) would be .*spin.gdasm:(\d): (.*)$", err, re.M)
    assert m, err
    steps, nxt, line = int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")), int(m.group(3))
    assert steps >= 1 and nxt == steps + 1
    # Step 1 is OUT (line 1), step 2 MOV (line 2), then ADD (line 3) on odd steps and JMP (line 4) on even ones.
    assert line == (2 if steps == 1 else 3 if steps % 2 == 0 else 4), (steps, line)
    assert m.group(4) == {2: "MOV i, 0", 3: "ADD i, 1", 4: "JMP spin"}[line]
    adds = max(0, (steps - 1) // 2)  # ADDs among steps 3..steps
    i = re.search(r"^  i = (\d+)\.0$", err, re.M)
    assert (i is None and steps == 1) or int(i.group(1)) == adds, (steps, err)
