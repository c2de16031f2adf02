"""The README and docs/ say what gdasm really does: their examples run and their tables match the ISA."""

import json
import re
import subprocess
import sys

import pytest

import doc_examples
from conftest import ROOT, gdasm

README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(text: str, lang: str = "") -> list[str]:
    """The fenced code blocks of Markdown text (with the given info string, if any)."""
    found, current, info = [], None, ""
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if current is None:
                current, info = [], line[3:].strip()
            else:
                if not lang or info == lang:
                    found.append("".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return found


def test_quick_start_is_two_commands_and_ci_runs_exactly_them():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = [l for l in blocks(quick, "sh")[0].splitlines() if l.strip()]
    assert len(commands) == 2
    ci = [l for l in (ROOT / ".ci" / "run").read_text().splitlines() if l.strip() and not l.startswith("#")]
    assert ci[-2:] == commands
    assert "set -euo pipefail" in ci


def test_readme_trace_is_the_real_trace():
    shown = blocks(README.split("The trace it prints:", 1)[1])[0]
    assert gdasm("trace", "gradient_step").stdout == shown


def test_readme_language_example_meets_its_expectation(tmp_path):
    example = next(b for b in blocks(README) if b.startswith("# Sum of squares"))
    p = tmp_path / "sum.gdasm"
    p.write_text(example, encoding="utf-8")
    proc = gdasm("test", str(p))
    assert proc.returncode == 0 and "1 passed, 0 failed" in proc.stdout


def test_readme_error_example_is_real():
    example = next(b for b in blocks(README) if b.startswith("$ printf"))
    cmd, expected = example.split("\n", 1)
    proc = subprocess.run(cmd[2:].replace("gdasm", f"'{sys.executable}' -m vm"), shell=True, cwd=ROOT,
                          capture_output=True, text=True, env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 70
    assert proc.stdout + proc.stderr == expected


def test_readme_python_api_example_runs():
    code = blocks(README, "python")[0]
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)  # test code from our own README, not program text
    assert namespace["result"].registers["w"] == 0.09333333333333334


def test_language_reference_tables_match_the_isa():
    proc = subprocess.run([sys.executable, "-m", "vm.docgen", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_docgen_would_notice_a_drift():
    from vm import docgen, isa
    doc = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    assert docgen.render(doc) == doc
    for op in isa.OPS.values():
        assert f"`{op.form_text(op.kinds)}`" in doc
    assert docgen.render(doc.replace("| `NEG d, a` |", "| `NEG d, a, b` |")) != doc.replace(
        "| `NEG d, a` |", "| `NEG d, a, b` |")


@pytest.mark.parametrize("doc", doc_examples.DOCS, ids=lambda p: p.name)
def test_console_examples_in_docs_are_real(doc, tmp_path):
    text = doc.read_text(encoding="utf-8")
    found = doc_examples.examples(text)
    in_blocks = sum(b.count("\n$ ") + b.startswith("$ ") for b in blocks(text, "console"))
    assert found and len(found) == in_blocks  # every command of every console block is run
    for k, (command, expected) in enumerate(found):
        cwd = tmp_path / str(k) if doc.name in doc_examples.SCRATCH else None
        if cwd is not None:
            cwd.mkdir()
        assert doc_examples.run(command, cwd) == expected, command


def test_backprop_python_example_runs():
    code = blocks((ROOT / "docs" / "backprop.md").read_text(encoding="utf-8"), "python")[0]
    exec(compile(code, "backprop.md", "exec"), {})  # test code from our own docs, not program text


def test_pictures_python_example_runs(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    code = blocks((ROOT / "docs" / "pictures.md").read_text(encoding="utf-8"), "python")[0]
    (tmp_path / "programs").symlink_to(ROOT / "programs")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "pictures.md", "exec"), {})  # test code from our own docs, not program text
    assert (tmp_path / "path.svg").read_bytes().startswith(b"<?xml")


def error_rows():
    """(kind, code, message, example, extra) of every row of docs/errors.md's tables."""
    rows = []
    for line in (ROOT / "docs" / "errors.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| (assembly|warning|runtime|usage|file) \| `([a-z0-9-]+)` \| (.+?) \| `(.+?)`(.*?) \| .+ \|$",
                     line)
        if m:
            rows.append(m.groups())
    return rows


def _program_bytes(example: str) -> bytes:
    import codecs
    example = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), example)
    return codecs.escape_decode(example.encode("utf-8"))[0]


def test_errors_doc_lists_every_fault_code():
    """docs/errors.md names every fault code of the ISA table, each with an example a test runs."""
    from vm import isa
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert {r[0] for r in error_rows()} == {"assembly", "warning", "runtime", "usage", "file"}
    documented = set(re.findall(r"^\| runtime \| `([a-z-]+)` \|", text, re.M))
    assert documented == set(isa.FAULTS) - {"internal"}, set(isa.FAULTS) ^ documented


@pytest.mark.parametrize("kind, code, message, example, extra", error_rows(),
                         ids=lambda v: v[:30] if isinstance(v, str) else v)
def test_every_documented_message_is_real(kind, code, message, example, extra):
    if kind in ("usage", "file"):
        words = example.split()[1:]
        proc = gdasm(*words)
        assert proc.returncode == (66 if kind == "file" else 64)
        doc = json.loads(gdasm(*words, "--json").stdout)
        codes = [d["code"] for d in doc["diagnostics"]]
    else:
        args = ["check", "-"] if kind in ("assembly", "warning") else ["run", "-", "--quiet"]
        if "--exact" in extra:  # what --exact refuses shows only in a run
            args = ["run", "-", "--quiet", "--exact"]
        proc = gdasm(*args, stdin=_program_bytes(example))
        assert proc.returncode == {"assembly": 65, "warning": 0, "runtime": 70}[kind]
        json_args = [a for a in args if a != "--quiet"] + ["--json"]
        doc = json.loads(gdasm(*json_args, stdin=_program_bytes(example)).stdout)
        codes = [d["code"] for f in doc.get("files", []) for d in f["diagnostics"]] + \
            [doc[k]["code"] for k in ("diagnostic",) if k in doc] + [d["code"] for d in doc.get("diagnostics", [])]
    assert message in proc.stderr, proc.stderr
    assert code in codes, codes


def test_debugger_doc_transcript_replays_exactly():
    text = (ROOT / "docs" / "debugger.md").read_text(encoding="utf-8")
    head, _, rest = text.partition("```transcript ")
    program, _, rest = rest.partition("\n")
    transcript = rest.split("```", 1)[0]
    commands = [l[len("(gdasm) "):] for l in transcript.splitlines() if l.startswith("(gdasm) ")]
    assert len(commands) >= 10 and {"back 3", "reverse-continue", "goto 0", "explain grad_avg"} <= set(commands)
    proc = gdasm("debug", program, stdin="\n".join(commands) + "\n")
    assert proc.returncode == 0
    assert proc.stdout == transcript


def test_programs_doc_counts_iterations_and_machine_steps_as_the_machine_does():
    """docs/programs.md says iterations for loop rounds and steps for machine steps; both numbers are real."""
    text = " ".join((ROOT / "docs" / "programs.md").read_text(encoding="utf-8").split())
    claims = {"gradient_descent": r"(\d[\d,]*) iterations — \d+ steps downhill, ([\d,]+) machine steps",
              "linear_regression": r"in (\d[\d,]*) iterations \(([\d,]+) machine steps\)"}
    for name, pattern in claims.items():
        iterations, steps = (int(g.replace(",", "")) for g in re.search(pattern, text).groups())
        doc = json.loads(gdasm("run", name, "--json").stdout)
        assert (doc["registers"]["iterations"], doc["steps"]) == (iterations, steps), name


def test_the_chinese_language_reference_has_every_instruction_in_chinese():
    """The table carries both descriptions: every op and directive has its Chinese words, and the Chinese page
    lists every form the English one does."""
    from vm import docgen, isa
    assert all(op.doc_zh and (op.faults_zh or not op.faults) and (op.kink_note_zh or not op.kink)
               for op in isa.OPS.values())
    assert all(d.doc_zh for d in isa.DIRECTIVES.values()) and set(isa.KINDS_ZH) == set(isa.KINDS)
    zh = (ROOT / "docs" / "zh" / "language.md").read_text(encoding="utf-8")
    assert docgen.render(zh, docgen.DOCS["zh/language.md"]) == zh
    for op in isa.OPS.values():
        assert f"`{op.form_text(op.kinds)}`" in zh and f"| {docgen._cell(op.meaning_zh or op.meaning)}" in zh


def zh_error_rows():
    """(kind, code, message, example, extra) of every row of docs/zh/errors.md's tables, kinds in English."""
    kinds = {"汇编": "assembly", "警告": "warning", "运行": "runtime", "用法": "usage", "文件": "file"}
    rows = []
    for line in (ROOT / "docs" / "zh" / "errors.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| (汇编|警告|运行|用法|文件) \| `([a-z0-9-]+)` \| (.+?) \| `(.+?)`(.*?) \| .+ \|$", line)
        if m:
            rows.append((kinds[m.group(1)], *m.groups()[1:]))
    return rows


def test_the_chinese_error_tables_have_the_english_rows():
    """docs/zh/errors.md has every row of docs/errors.md, in the same order, with the same code and example."""
    english = [(kind, code, example, "--exact" in extra) for kind, code, _, example, extra in error_rows()]
    chinese = [(kind, code, example, "--exact" in extra) for kind, code, _, example, extra in zh_error_rows()]
    assert len(chinese) >= 70 and chinese == english


@pytest.mark.parametrize("kind, code, message, example, extra", zh_error_rows(),
                         ids=lambda v: v[:30] if isinstance(v, str) else v)
def test_every_chinese_documented_message_is_real(kind, code, message, example, extra, monkeypatch):
    """Each row of the Chinese table, run in process under --lang zh --json (one run: the JSON carries the
    message and the code): the exit code the English test expects, and the row's code with the row's message."""
    import io
    from vm.cli import main
    monkeypatch.chdir(ROOT)
    if kind in ("usage", "file"):
        argv = example.split()[1:]
    else:
        argv = ["check", "-"] if kind in ("assembly", "warning") else ["run", "-"]
        if "--exact" in extra:  # what --exact refuses shows only in a run
            argv = ["run", "-", "--exact"]
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(_program_bytes(example)), encoding="utf-8"))
    out, err = io.StringIO(), io.StringIO()
    exit_code = main(["--lang", "zh", *argv, "--json"], stdout=out, stderr=err)
    assert exit_code == {"assembly": 65, "warning": 0, "runtime": 70, "usage": 64, "file": 66}[kind], err.getvalue()
    doc = json.loads(out.getvalue())
    found = doc.get("diagnostics", []) + [doc[k] for k in ("diagnostic",) if k in doc] + doc.get("warnings", []) + \
        [d for f in doc.get("files", []) for d in f["diagnostics"]]
    assert code in [d["code"] for d in found], found
    assert any(message in d["message"] for d in found if d["code"] == code), found


def test_the_size_the_docs_quote_for_the_seeds_binary_is_real():
    """errors.md and machine-code.md (both languages) quote the header of a truncated seed.gdbin: its size is
    the size `gdasm asm gradient_step` writes."""
    import vm
    from vm import objfile
    size = len(objfile.write(vm.bundled("gradient_step")))
    quoted = []
    for name in ("errors.md", "machine-code.md", "zh/errors.md", "zh/machine-code.md"):
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        for english, chinese in re.findall(r"the header says the file is ([\d,]+) bytes|文件有 ([\d,]+) 字节", text):
            quoted.append((name, int((english or chinese).replace(",", ""))))
    assert len(quoted) >= 4 and all(n == size for _, n in quoted), (size, quoted)
