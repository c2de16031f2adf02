"""Jupyter: the tutorial notebook executed by nbclient in a real kernel (its numbers against the NumPy reference, its
committed outputs current), the `%%gdasm` magic in IPython (errors with a caret, `--help`, no traceback), rich
displays, and the magic's page stepping inside its iframe in a real browser."""

from __future__ import annotations

import copy
import html
import re

import numpy as np
import pytest

import reference
import vm
from conftest import ROOT

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("IPython")

NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
X, Y = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0]


def texts(cell) -> str:
    """What a code cell printed and returned, as plain text."""
    out = []
    for o in cell.get("outputs", []):
        out.append(o.get("text", "") if o.output_type == "stream" else o.get("data", {}).get("text/plain", ""))
    return "".join(out)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    import sys
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import make_tutorial
    finally:
        sys.path.pop(0)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    fresh = copy.deepcopy(nb)
    for c in fresh.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    make_tutorial.execute(fresh, tmp_path_factory.mktemp("nb"))
    return nb, fresh


def test_tutorial_notebook_runs_and_shows_the_reference_numbers(executed):
    _, nb = executed
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    out = "\n".join(texts(c) for c in nb.cells if c.cell_type == "code")
    seed = reference.seed_step(X, Y)
    true = -2 * np.mean(np.array(X) * np.array(Y))  # dMSE/dw at w = 0
    assert f"grad_avg = {seed['grad_avg']!r}" in out and f"w        = {seed['w']!r}" in out
    assert re.search(r"true dMSE/dw\s+" + re.escape(repr(float(true))), out)
    assert re.search(r"ratio seed / true\s+-0\.5\b", out)
    back = float(re.search(r"reverse mode \(vm\.grad\)\s+(\S+)", out).group(1))
    assert abs(back - true) < 1e-12
    gd = reference.gradient_descent(X, Y)
    m = re.search(r"(\d+) iterations sampled; last w = (\S+)", out)
    assert int(m.group(1)) == gd.iterations + 1  # one OUT per evaluation: the last one finds the slope flat
    assert abs(float(m.group(2)) - gd.params[0]) < 1e-12
    assert "formula: (((2 − 0·1)·1 + (4 − 0·2)·2) + (6 − 0·3)·3) / 3 = 9.333333333333334" in out
    assert "-- finished after 12 steps --" in out
    assert " |                ^^^^^" in out and "did you mean 'error1'" in out  # the %%gdasm error, with its caret


def test_committed_notebook_outputs_are_current(executed):
    committed, fresh = executed
    pairs = [(a, b) for a, b in zip(committed.cells, fresh.cells) if a.cell_type == "code"]
    assert len(committed.cells) == len(fresh.cells)
    for a, b in pairs:
        assert texts(a) == texts(b), f"docs/tutorial.ipynb is stale at {a.id}: python docs/make_tutorial.py"


@pytest.fixture
def ip():
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "vm")
    return shell


def test_cell_magic_shows_errors_with_a_caret_and_no_traceback(ip, capsys):
    shown = ip.run_cell_magic("gdasm", "", "    MOV a, 1\n    FROB b, a\n")
    text = shown._repr_html_()
    assert "cell.gdasm:2:5: error: unknown mnemonic" in html.unescape(text)
    assert "\n 2 |     FROB b, a\n   |     ^^^^" in html.unescape(text)
    assert "Traceback" not in text + capsys.readouterr().out
    bad = ip.run_cell_magic("gdasm", "--set w=abc", "    MOV a, 1\n")
    assert "w=abc" in html.unescape(bad._repr_html_()) and "error" in repr(bad)
    helped = ip.run_cell_magic("gdasm", "--help", "# the options\n")
    assert "--max-page-steps" in helped._repr_html_() and capsys.readouterr().out == ""
    helped = ip.run_line_magic("gdasm", "--help")
    assert "usage: %gdasm" in helped._repr_html_() and capsys.readouterr().out == ""


def test_line_magic_runs_a_bundled_program_by_name(ip):
    shown = ip.run_line_magic("gdasm", "gradient_step --no-page")
    assert repr(shown) == "-- finished after 12 steps --"
    assert f"<td>w</td><td>{reference.seed_step(X, Y)['w']!r}</td>" in shown._repr_html_()
    missing = ip.run_line_magic("gdasm", "no_such_program")
    assert "no such file or bundled program" in repr(missing)


def test_cell_magic_runs_and_embeds_the_page(ip):
    shown = ip.run_cell_magic("gdasm", "--set x=3", "    MUL y, x, x\n    OUT y\n")
    text = shown._repr_html_()
    assert "<td>y</td><td>9.0</td>" in text and "srcdoc=" in text
    assert repr(shown) == "-- finished after 2 steps --"
    faulted = ip.run_cell_magic("gdasm", "", "    MOV a, 1\n    DIV b, a, 0\n")
    t = html.unescape(faulted._repr_html_())
    assert "runtime error: division by zero" in t and "srcdoc" in faulted._repr_html_()


def test_rich_displays_of_result_samples_and_program():
    seed = vm.bundled("gradient_step")
    listing = seed._repr_html_()
    assert listing.count("<tr>") == len(seed.instructions) + 1 and "DIV grad_avg, grad_total, 3" in listing
    r = vm.run(seed)
    cells = re.findall(r"<tr><td>(\w+)</td><td>([^<]*)</td></tr>", r._repr_html_())
    assert [k for k, _ in cells] == list(r.registers)  # in order of first write
    expect = reference.seed_step(X, Y)
    assert all(dict(cells)[k] == repr(expect[k]) for k in ("grad_total", "grad_avg", "delta_w", "w"))
    s = vm.sample(vm.bundled("gradient_descent"), ["w"])
    rows = re.findall(r"<tr><td>([\d,]+)</td><td>\d+</td><td>([^<]*)</td></tr>", s._repr_html_())
    gd = reference.gradient_descent(X, Y)
    assert len(rows) == gd.iterations + 1
    assert abs(float(rows[-1][1]) - gd.params[0]) < 1e-12


def test_the_magic_in_chinese_by_option_or_by_the_kernels_environment(ip, monkeypatch):
    faulted = ip.run_cell_magic("gdasm", "--lang zh_CN", "    MOV a, 1\n    DIV b, a, 0\n")
    t = html.unescape(faulted._repr_html_())
    assert "cell.gdasm:2:5: runtime error: 除以零" in t and "<th>寄存器</th><th>值</th>" in t
    assert 'lang="zh-CN"' in t and "<td>a</td><td>1.0</td>" in t  # the page inside it is Chinese too
    helped = ip.run_cell_magic("gdasm", "--help --lang=zh", "#\n")
    assert "用法：%%gdasm" in helped._repr_html_() and "显示这条帮助信息后退出" in helped._repr_html_()
    bad = ip.run_cell_magic("gdasm", "--lang zh --height 5", "MOV a, 1\n")
    assert "%%gdasm：错误：参数 --height：'5' 不是" in html.unescape(bad._repr_html_())
    monkeypatch.setenv("LANGUAGE", "zh_CN")  # what `%env LANGUAGE=zh_CN` in a cell does
    shown = ip.run_line_magic("gdasm", "gradient_step --no-page")
    assert repr(shown) == "-- 执行 12 步后结束 --" and "<th>寄存器</th>" in shown._repr_html_()
    with vm.i18n.use("zh"):
        listing = vm.bundled("gradient_descent")._repr_html_()
    assert "33 条指令，20 个寄存器，2 个数组" in listing and "<th>地址</th><th>行</th><th>标签</th>" in listing


def test_bundled_by_name_and_a_helpful_error():
    assert vm.bundled("gradient_step.gdasm").instructions == vm.bundled("gradient_step").instructions
    with pytest.raises(vm.InputFileError, match="did you mean 'gradient_step'"):
        vm.bundled("gradient_stepp")
    with pytest.raises(vm.InputFileError):
        vm.bundled("../vm/cli")


def test_the_magics_page_steps_inside_its_iframe(ip, page):
    shown = ip.run_cell_magic("gdasm", "", (ROOT / "programs" / "gradient_step.gdasm").read_text(encoding="utf-8"))
    page.set_content("<!DOCTYPE html><meta charset='utf-8'><body>" + shown._repr_html_() + "</body>")
    frame = page.frame_locator("iframe")
    frame.locator("html[data-ready]").wait_for(state="attached")  # not just the markup: the script has run
    assert frame.locator("[data-step]").inner_text() == "0"
    frame.locator("#forward").click()
    for _ in range(11):
        frame.locator("body").press("ArrowRight")
    assert frame.locator("[data-step]").inner_text() == "12"
    assert frame.locator('[data-reg="w"]').inner_text() == repr(reference.seed_step(X, Y)["w"])
