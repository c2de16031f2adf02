"""Chinese messages: the catalogue is complete and current, placeholders agree, and only words change.

The messages are found the way translators find them, by Babel's extractor over vm/ (the keywords tr, ntr and
mark, and the debugger's command docstrings, which are its help: vm/catalogue.py), not by asking gdasm; the
catalogue is read with Babel too, and compiled by Babel to compare with the committed .mo.
"""

from __future__ import annotations

import ast
import io
import json
import re
import string
import subprocess
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from vm import catalogue as upkeep
from vm import i18n
from vm.cli import main

from conftest import ROOT, gdasm, gdasm_script

CJK = re.compile("[\u4e00-\u9fff]")

VM = ROOT / "vm"
PO = VM / "locale" / "zh_CN" / "LC_MESSAGES" / "gdasm.po"
MO = PO.with_suffix(".mo")
KEYWORDS = dict(upkeep.KEYWORDS)


def extracted() -> dict:
    """(msgid (or (singular, plural)), context) -> the files that use it, as Babel extracts them from vm/."""
    found: dict = {}
    for filename, _, message, _, context in extract_from_dir(str(VM), method_map=upkeep.METHOD_MAP,
                                                             keywords=KEYWORDS, comment_tags=()):
        found.setdefault((message, context), set()).add(filename)
    return found


def catalogue():
    with PO.open("rb") as f:
        return read_po(f, locale="zh_CN")


def fields(text: str) -> list:
    """The {placeholders} of a message, with their conversions and format specs, sorted."""
    return sorted((name, conv or "", spec or "") for _, name, spec, conv in string.Formatter().parse(text)
                  if name is not None)


def test_every_message_has_a_chinese_translation_none_fuzzy():
    cat = catalogue()
    missing, fuzzy = [], []
    for message, context in extracted():
        key = message if isinstance(message, str) else message[0]
        entry = cat.get(key, context=context)
        text = None if entry is None else entry.string if isinstance(entry.string, str) else entry.string[0]
        if not text:
            missing.append(key)
        elif entry.fuzzy:
            fuzzy.append(key)
    assert (len(missing), len(fuzzy)) == (0, 0), f"missing: {missing[:20]}\nfuzzy: {fuzzy[:20]}"


def test_placeholders_agree_between_english_and_chinese():
    mismatched = []
    for entry in catalogue():
        if not entry.id:
            continue
        ids = [entry.id] if isinstance(entry.id, str) else list(entry.id)
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        for text in strings:
            if text and fields(text) != fields(ids[0]) and fields(text) != fields(ids[-1]):
                mismatched.append((ids[0], text))
    assert mismatched == []


def test_the_compiled_catalogue_is_the_one_babel_compiles_from_the_po():
    """`python -m vm.catalogue` after every change to the .po (docs/translating.md)."""
    out = io.BytesIO()
    write_mo(out, catalogue(), use_fuzzy=False)
    assert MO.read_bytes() == out.getvalue(), "vm/locale/zh_CN/LC_MESSAGES/gdasm.mo is stale: python -m vm.catalogue"


def test_messages_are_constant_text_so_that_they_can_be_extracted():
    """tr("... {name} ...", name=x), never tr(f"...") or tr("..." + x): the extractor reads only literals; and
    every literal message is one the extractor finds (it does not look inside an f-string's {tr("...")})."""
    bad, literal = [], set()
    for path in sorted(VM.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS:
                for arg in node.args[:2 if node.func.id == "ntr" else 1]:
                    if isinstance(arg, (ast.JoinedStr, ast.BinOp)):
                        bad.append(f"{path.name}:{node.lineno}")
                    elif isinstance(arg, ast.Constant) and node.func.id in ("tr", "mark"):
                        literal.add((arg.value, f"{path.name}:{node.lineno}"))
    found = {message for message, _ in extracted()}
    assert bad == [] and [where for message, where in sorted(literal) if message not in found] == []


def test_language_from_the_environment_as_gettext_reads_it():
    env = i18n.from_environment
    assert env({}) == "en"
    assert env({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert env({"LANG": "zh_TW.UTF-8"}) == "zh"
    assert env({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}) == "en"
    assert env({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}) == "zh"
    assert env({"LANGUAGE": "zh_CN:en", "LC_ALL": "C"}) == "zh"
    assert env({"LANGUAGE": "", "LANG": "C.UTF-8"}) == "en"
    with i18n.use("zh"):
        assert i18n.tr("division by zero") == "除以零"
        with i18n.use("en"):
            assert i18n.tr("division by zero") == "division by zero"
    assert i18n.tr("division by zero") == "division by zero"
    with pytest.raises(ValueError):
        i18n.use("fr")


DIVIDE = "MOV a, 1\nMOV b, 0\nDIV c, a, b\nOUT c\n"


def test_a_fault_in_chinese_keeps_every_key_code_and_place(tmp_path, capsys):
    prog = tmp_path / "div.gdasm"
    prog.write_text(DIVIDE, encoding="utf-8")
    docs = {}
    for lang in ("en", "zh"):
        assert main(["--lang", lang, "run", str(prog), "--json"]) == 70
        docs[lang] = json.loads(capsys.readouterr().out)
    en, zh = docs["en"], docs["zh"]
    assert en["diagnostic"].pop("message") == "division by zero" and zh["diagnostic"].pop("message") == "除以零"
    assert en == zh  # keys, code, line, column, step, reads, status: the same


def test_the_command_line_in_chinese_by_option_and_by_environment(tmp_path):
    bad = tmp_path / "bad.gdasm"
    bad.write_text("MOV a, 1\nJMP 终点\n", encoding="utf-8")
    by_option = gdasm("--lang", "zh", "check", str(bad))
    by_env = gdasm("check", str(bad), env={"LANG": "zh_CN.UTF-8"})
    english = gdasm("check", str(bad))
    assert by_option.returncode == by_env.returncode == english.returncode == 65
    assert by_option.stderr == by_env.stderr
    assert "2:5: error: 未定义的标签 '终点'\n 2 | JMP 终点\n   |     ^^^^\n" in by_env.stderr
    assert "2:5: error: undefined label '终点'" in english.stderr
    assert gdasm("--lang", "en", "check", str(bad), env={"LANG": "zh_CN.UTF-8"}).stderr == english.stderr
    run = gdasm("--lang", "zh", "run", "-", stdin=DIVIDE)
    assert run.returncode == 70
    assert "-- 在第 3 步因故障停止 --" in run.stdout
    assert "3:1: runtime error: 除以零\n 3 | DIV c, a, b\n   | ^^^^^^^^^^^\n  注：在第 3 步\n" in run.stderr


def test_help_in_chinese():
    debug = gdasm("--lang", "zh", "debug", "gradient_step", stdin="help\nhelp back\nquit\n")
    assert "back [N]（b）：撤销最近的 N 步" in debug.stdout and "\n  step [N]（s、n、next）：" in debug.stdout
    proc = gdasm("--lang", "zh", "run", "--help")
    assert proc.returncode == 0 and "运行前设置一个寄存器" in proc.stdout
    assert "用汇编运行梯度下降" in gdasm("--help", env={"LANGUAGE": "zh_CN"}).stdout


def test_a_grade_does_not_depend_on_the_graders_language(tmp_path):
    """`# expect fault:` by code, by its English words or by its Chinese words: the same grade in both."""
    for name, expect in (("code", "division-by-zero"), ("en", "division by zero"), ("zh", "除以零"),
                         ("wrong", "overflow"), ("placed", "step limit")):
        (tmp_path / f"{name}.gdasm").write_text(f"MOV a, 1\nDIV b, a, 0\n# expect fault: {expect}\n", encoding="utf-8")
    (tmp_path / "limit.gdasm").write_text("top:\nJMP top\n# run: --max-steps 50\n# expect fault: step limit\n",
                                          encoding="utf-8")
    english, chinese = gdasm("test", str(tmp_path)), gdasm("--lang", "zh", "test", str(tmp_path))
    verdicts = [[l.split()[0] + " " + l.split()[1].rsplit("/", 1)[1] for l in p.stdout.splitlines()
                 if l.startswith(("PASS", "FAIL"))] for p in (english, chinese)]
    assert verdicts[0] == verdicts[1] == ["PASS code.gdasm", "PASS en.gdasm", "PASS limit.gdasm",
                                          "FAIL placed.gdasm", "FAIL wrong.gdasm", "PASS zh.gdasm"]
    assert english.returncode == chinese.returncode == 1


def test_lang_anywhere_on_the_command_line_the_last_one_counting(tmp_path):
    bad = tmp_path / "bad.gdasm"
    bad.write_text("MOV a, 1\nDIV b, a, 0\n", encoding="utf-8")
    for words in (["run", str(bad), "--lang", "zh"], ["check", str(bad), "--lang=zh"], ["--la=zh", "run", str(bad)],
                  ["--lang", "en", "run", str(bad), "--lang", "zh"], ["test", str(tmp_path), "--lang", "zh"]):
        proc = gdasm(*words)
        assert CJK.search(proc.stderr + proc.stdout), words
    english = gdasm("--lang", "zh", "run", str(bad), "--lang", "en")
    assert english.returncode == 70 and not CJK.search(english.stderr)
    operands = gdasm("check", "--", "--lang", "zh")  # after --, words are files
    assert operands.returncode == 66 and not CJK.search(operands.stderr)


def test_a_callers_language_holds_in_main_and_in_the_errors_main_prints(capsys):
    with i18n.use("zh"):
        main(["run", "gradient_step", "--set", "ww=1"])
    assert "不能设置寄存器 'ww'" in capsys.readouterr().err
    full = subprocess.run(f"{gdasm_script()} --lang zh run gradient_step > /dev/full", shell=True, text=True,
                          capture_output=True, timeout=60)
    assert full.returncode == 74 and "无法写到标准输出" in full.stderr, full.stderr


def test_what_tools_read_stays_english_in_a_chinese_diagnostic(tmp_path):
    twice = tmp_path / "twice.gdasm"
    twice.write_text("a: HALT\na: HALT\n", encoding="utf-8")
    proc = gdasm("--lang", "zh", "check", str(twice))
    assert "2:1: error: 标签 'a' 定义了两次" in proc.stderr and "1:1: note: 第一次定义在这里" in proc.stderr


def test_columns_line_up_under_chinese_names():
    from vm.render import display_width
    proc = gdasm("--lang", "zh", "sweep", "-", "--set", "计数=1,22", "--regs", "和",
                 stdin=".reg 计数 = 1\n    MOV 和, 0\n    ADD 和, 计数\n")
    lines = [l for l in proc.stdout.splitlines() if l][:3]
    starts = [display_width(lines[0][:lines[0].index("status")])] + \
        [display_width(l[:l.index("finished")]) for l in lines[1:]]
    assert len(set(starts)) == 1, proc.stdout  # the status column starts in one place on every row


def test_the_chinese_page_keeps_a_faults_notes(tmp_path):
    from vm import page
    program = "MOV a, 1\nDIV b, a, 0\n"
    for lang in ("en", "zh"):
        with i18n.use(lang):
            data = page.record(vm_assemble(program), {})
        assert len(data["fault"]["notes"]["dec"]) == 2, (lang, data["fault"]["notes"])


def vm_assemble(text):
    import vm
    return vm.assemble(text)


def test_a_chinese_trace_differs_from_the_english_only_in_the_words_for_jumps_and_outputs():
    said = {m.id: m.string for m in read_po(PO.open("rb")) if m.context == "trace"}
    rules = [(r"(?<=  |; )no jump\b", said["no jump"]), (r"(?<=  |; )out (?=\S)", said["out"] + " "),
             (r"→ line (\d+)", "→ " + said["line {line}"].replace("{line}", r"\1"))] + \
        [(rf"(?<=  |; ){verb} → ", said[verb] + " → ") for verb in ("jump", "call", "return")]

    def rows(text):
        return [line for line in text.splitlines() if re.match(r"\s*\d", line)]

    for engine in ([], ["--exact"]):  # the fast rows and the describer's
        english = rows(gdasm("trace", "gradient_descent", "--max-steps", "60", *engine).stdout)
        for rule, words in rules:
            english = [re.sub(rule, words, line) for line in english]
        chinese = rows(gdasm("--lang", "zh", "trace", "gradient_descent", "--max-steps", "60", *engine).stdout)
        assert chinese == english and any("返回 → 第 15 行" in line for line in chinese), engine


@pytest.mark.parametrize("command, english_words", [
    (["stats", "gradient_descent"], ["instructions", "registers", "compute", "branch", "pool", "bytes", "stripped"]),
    (["listing", "--bits", "gradient_step"], ["addr", "word", "source", "constants", "registers"]),
    (["debug", "gradient_step"], ["opcode", "unused", "reserved", "register 0", "constant 0", "address"])])
def test_static_facts_in_chinese_say_the_same_numbers_in_chinese_words(command, english_words):
    stdin = "word\nword 17\nquit\n" if command[0] == "debug" else None
    english, chinese = (gdasm(*lang, *command, stdin=stdin).stdout for lang in ([], ["--lang", "zh"]))
    numbers = [re.findall(r"\d+(?:[,.]\d+)*", text) for text in (english, chinese)]  # 1,555 and 0.5 whole
    assert numbers[0] == numbers[1], chinese
    for word in english_words:
        assert word in english and word not in chinese, word


def test_gdasm_list_describes_each_bundled_program_in_the_language_asked():
    english, chinese = (gdasm(*lang, "list").stdout.splitlines() for lang in ([], ["--lang", "zh"]))
    assert [l.split()[0] for l in english] == [l.split()[0] for l in chinese] and len(english) >= 8
    assert not any(CJK.search(line) for line in english)
    assert all(CJK.search(line.split(None, 1)[1][:12]) for line in chinese), chinese  # Chinese from its start


def test_the_debuggers_breakpoints_and_outputs_in_chinese():
    session = "break 20 if w > 1\nbreak 15\ninfo\ncontinue\nnext\nquit\n"
    english, chinese = (gdasm(*lang, "debug", "gradient_descent", stdin=session).stdout for lang in ([], ["--lang", "zh"]))
    assert "(if w > 1)" in english and "1  breakpoint  line 20 if w > 1: SUB w, step" in english
    assert "（条件：w > 1）" in chinese and "1  断点      第 20 行，条件 w > 1：SUB w, step" in chinese
    assert "\n2  断点      第 15 行：OUT loss\n" in chinese
    first = re.search(r"\bout (\d\S*)\n", english).group(1)
    assert float(first) == 56 / 3 and re.search(rf"(^|\s)输出 {re.escape(first)}\n", chinese, re.M)  # the first loss, mean((y − 0·x)²)


def test_chinese_help_is_wrapped_by_terminal_columns_and_loses_no_word(monkeypatch, capsys):
    from vm.render import display_width

    def help_of(command, columns):
        monkeypatch.setenv("COLUMNS", str(columns))
        assert main(["--lang", "zh", *command, "--help"]) == 0
        return capsys.readouterr().out

    commands = [[]] + [[c] for c in ("run", "trace", "explain", "grad", "gradcheck", "plot", "html", "sweep", "debug",
                                     "asm", "listing", "stats", "disasm", "check", "test", "list", "show")]
    rewrapped = 0
    for command in commands:
        narrow, wide = help_of(command, 60), help_of(command, 1000)
        too_wide = [line for line in narrow.splitlines() if CJK.search(line) and display_width(line) > 58]
        assert too_wide == [], (command, too_wide)  # argparse's width: COLUMNS − 2
        assert re.sub(r"\s", "", narrow) == re.sub(r"\s", "", wide), command  # the same words, only re-wrapped
        rewrapped += len(narrow.splitlines()) > len(wide.splitlines())
    assert rewrapped >= 10


def test_a_number_typed_in_full_width_gets_the_ascii_it_stands_for(tmp_path):
    data = tmp_path / "x.csv"
    data.write_text("x\n1\n２．５\n", encoding="utf-8")
    given = gdasm("--lang", "zh", "run", "gradient_descent", f"--data=x=@{data}:x")
    assert given.returncode == 65 and "x.csv:3:1: error:" in given.stderr
    assert "请写成 ASCII 的 '2.5'" in given.stderr
    option = gdasm("run", "gradient_descent", "--set", "w=０.５")
    assert option.returncode == 64 and "write the ASCII '0.5'" in option.stderr
    assert "full-width" not in gdasm("run", "gradient_descent", "--set", "w=abc").stderr


def test_explain_at_a_step_past_the_end_says_so_in_both_languages():
    for lang, said in (("en", "note: the program stopped after 12 steps, before step 50"),
                       ("zh", "注：程序执行 12 步后就停止了，没有到第 50 步")):
        proc = gdasm("--lang", lang, "explain", "gradient_step", "grad_avg", "--at", "50")
        assert proc.returncode == 0 and proc.stdout.rstrip().endswith(said), proc.stdout + proc.stderr


@pytest.mark.parametrize("command", [["trace", "-", "--format", "csv", "--numbers", "bits"],
                                     ["trace", "-", "--format", "csv", "--exact"],
                                     ["sweep", "-", "--set", "s=0,5e-324", "--format", "csv", "--numbers", "bits"]])
def test_csv_cells_are_the_same_in_every_language(command):
    program = ".reg s = 1\n    MOV a, 0\n    MOV b, 5e-324\n    MUL c, s, 3.5\n"
    english, chinese = (gdasm(*lang, *command, stdin=program) for lang in ([], ["--lang", "zh"]))
    assert english.returncode == chinese.returncode == 0 and english.stdout == chinese.stdout, chinese.stdout
    assert "unset" in english.stdout or "(zero)" in english.stdout or "7/2" in english.stdout
    shown = gdasm("--lang", "zh", "trace", "-", "--numbers", "bits", stdin=program).stdout
    assert "(零)" in shown and "(次正规数，2^-1022)" in shown and "unset" not in shown


def test_an_expectation_typed_with_a_full_width_colon_says_so(tmp_path):
    student = tmp_path / "hw.gdasm"
    student.write_text("MOV g, 4\n# expect： g = 4\n", encoding="utf-8")
    proc = gdasm("--lang", "zh", "test", str(student))
    assert proc.returncode == 1 and "第 2 行：'expect' 后面的 '：' 是全角冒号" in proc.stdout, proc.stdout


def test_a_file_saved_as_gbk_is_named_as_such(tmp_path):
    saved = tmp_path / "notepad.gdasm"
    saved.write_bytes("MOV w, 0.0  # 初始权重设为0\n".encode("gbk"))  # Notepad's "ANSI" on a Chinese Windows
    proc = gdasm("check", str(saved))
    assert proc.returncode == 65 and "it looks like GBK/GB18030" in proc.stderr
    other = tmp_path / "other.gdasm"
    other.write_bytes(b"MOV a, 1 # \xff\xfe\n")
    assert "hint: save the file as UTF-8" in gdasm("check", str(other)).stderr


@pytest.mark.parametrize("words, said", [
    (["rnu", "gradient_step"], "did you mean 'run'?"), (["trace", "gradient_step", "--tabel"], "did you mean '--table'?"),
    (["run", "gradient_step", "--numbers", "hexx"], "did you mean 'hex'?"),
    (["run", "gradient_step", "--tabel"], None)])  # run has no --table: no near miss to offer
def test_a_mistyped_command_option_or_choice_gets_the_near_miss(words, said):
    proc = gdasm(*words)
    assert proc.returncode == 64 and (said in proc.stderr if said else "did you mean" not in proc.stderr), proc.stderr


def test_the_hottest_line_note_counts_in_the_singular_too():
    assert "it ran 1 time in the last 3 steps" in gdasm("run", "gradient_step", "--max-steps", "3").stderr
