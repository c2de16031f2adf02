"""The click-through page (`gdasm html`), checked in a real browser against independent computations: NumPy for
the seed's numbers, a vm.Machine stepped to each step for every register shown, the CLI's `explain` (vm.history,
a second implementation) for every explanation, and `struct` for the IEEE-754 fields."""

from __future__ import annotations

import io
import json
import random
import re
import struct
from pathlib import Path

import numpy as np
import pytest

import vm
from conftest import ROOT, gdasm
from vm import cli, page as pagemod, render
from vm.history import History, explanation

CJK = re.compile("[\u4e00-\u9fff]")

FORMATS = ("dec", "hex", "bits", "exact")


def build(folder: Path, program: str, *args: str, name: str | None = None) -> Path:
    """`gdasm html PROGRAM ARGS -o FOLDER/NAME.html`, in process; the page's path."""
    out = folder / ((name or Path(program).stem) + ".html")
    so, se = io.StringIO(), io.StringIO()
    code = cli.main(["html", str(program), *args, "-o", str(out)], so, se)
    assert code == 0, se.getvalue()
    return out


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    return {"seed": build(folder, "gradient_step", name="seed"),
            "gd": build(folder, "gradient_descent"),
            "lr": build(folder, "linear_regression")}


def data_of(path: Path) -> dict:
    """The page's data, read back as a browser would: the JSON inside <script id="gdasm-data">."""
    text = path.read_text(encoding="utf-8")
    body = re.search(r'<script type="application/json" id="gdasm-data">(.*?)</script>', text, re.S).group(1)
    return json.loads(body)


def regs_shown(pg) -> list:
    return pg.eval_on_selector_all("[data-reg]", "els => els.map(e => [e.dataset.reg, e.textContent])")


def open_page(pg, path: Path, fragment: str = ""):
    pg.goto(path.as_uri() + fragment)
    pg.wait_for_selector("html[data-ready]", state="attached")  # the script has run: the controls work


# --- the seed's page ----------------------------------------------------------------------------------------------

def seed_by_numpy() -> dict:
    """Section 6's listing, operation by operation in NumPy float64."""
    f = np.float64
    e1, e2, e3 = f(2) - f(0) * f(1), f(4) - f(0) * f(2), f(6) - f(0) * f(3)
    total = (e1 * f(1) + e2 * f(2)) + e3 * f(3)
    avg = total / f(3)
    delta = avg * f(0.01)
    return {"grad_avg": avg, "delta_w": delta, "w": f(0.0) + delta}


def test_seed_page_steps_with_the_keyboard(page, pages):
    expect = seed_by_numpy()
    open_page(page, pages["seed"])
    assert page.inner_text("[data-step]") == "0"  # it opens at step 0
    for _ in range(12):
        page.keyboard.press("ArrowRight")
    assert page.inner_text("[data-step]") == "12"
    assert page.inner_text('[data-reg="w"]') == repr(float(expect["w"])) == "0.09333333333333334"
    page.keyboard.press("ArrowLeft")
    assert page.inner_text("[data-step]") == "11"
    assert page.inner_text('[data-reg="w"]') == "0.0"  # its value before the last step
    page.keyboard.press("End")
    assert page.inner_text("[data-step]") == "12"
    assert "0.0" in page.inner_text("tr:has([data-reg='w']) .prev")  # the previous value beside the new one
    page.keyboard.press("Home")
    assert page.inner_text("[data-step]") == "0" and regs_shown(page) == []
    assert page.requests == [pages["seed"].as_uri()]  # nothing fetched but the file itself


def test_seed_page_opens_at_a_linked_step(page, pages):
    open_page(page, pages["seed"], "#step=10")
    assert page.inner_text("[data-step]") == "10"
    cell = page.locator('[data-reg="grad_avg"]')
    assert cell.inner_text() == repr(float(seed_by_numpy()["grad_avg"])) == "9.333333333333334"
    assert "changed" in cell.get_attribute("class")  # written by step 10: highlighted
    assert page.locator(".src.now").get_attribute("data-line") == "15"  # DIV grad_avg, the line just run
    assert page.locator(".src.next").get_attribute("data-line") == "16"


def test_clicking_a_register_explains_it_as_the_cli_does(page, pages):
    open_page(page, pages["seed"], "#step=10")
    page.click('[data-reg="grad_avg"]')
    # still green as the value this step wrote, while selected and under the mouse
    assert page.eval_on_selector('[data-reg="grad_avg"]', "e => getComputedStyle(e).backgroundColor") == \
        "rgb(217, 247, 212)"
    page.focus("#explain-tools input")
    page.keyboard.press("ArrowLeft")  # keys typed in the depth box stay there
    assert page.inner_text("[data-step]") == "10"
    formula = page.inner_text("#explain .formula")
    assert formula.startswith("formula: (((2 − 0·1)·1 + (4 − 0·2)·2) + (6 − 0·3)·3) / 3 = 9.333333333333334")
    cli_text = gdasm("explain", "gradient_step", "grad_avg", "--at", "10").stdout.splitlines()[1:]
    assert page.get_attribute("#explain", "data-text").splitlines() == cli_text


def bits_by_struct(x: float) -> str:
    raw = struct.unpack(">Q", struct.pack(">d", x))[0]
    e = (raw >> 52) & 0x7FF
    return f"{raw >> 63} | {e:011b} ({'zero' if raw << 1 == 0 else f'2^{e - 1023}'}) | {raw & (2**52 - 1):052b}"


def test_bits_switch_shows_what_the_cli_shows(page, pages):
    open_page(page, pages["seed"], "#step=12")
    page.click('button[data-format="bits"]')
    shown = page.inner_text('[data-reg="w"]')
    cli_line = next(ln for ln in gdasm("run", "gradient_step", "--numbers", "bits").stdout.splitlines()
                    if ln.startswith("w "))
    assert shown == cli_line.split("=", 1)[1].strip() == bits_by_struct(float(seed_by_numpy()["w"]))
    page.click('button[data-format="hex"]')
    assert page.inner_text('[data-reg="w"]') == float(seed_by_numpy()["w"]).hex()
    page.click('button[data-format="exact"]')
    assert page.inner_text('[data-reg="grad_avg"]') == format(__import__("decimal").Decimal(28 / 3), "f")


def test_every_format_of_every_kind_of_double_matches_python(page, pages):
    open_page(page, pages["seed"])
    rng = random.Random(12)
    values = [0.0, -0.0, 1.0, -2.5, 0.1, 0.01, 1e-320, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
              1e22, 1e23, 123456789.125, float("inf"), float("-inf")]
    values += [struct.unpack(">d", struct.pack(">Q", rng.getrandbits(64)))[0] for _ in range(300)]
    values = [v for v in values if v == v]  # a NaN's sign and payload are not the machine's to show
    texts = [repr(v) for v in values]
    got = page.evaluate("([ts, fs]) => ts.map(t => fs.map(f => gdasm.format(t, f)))", [texts, list(FORMATS)])
    for v, row in zip(values, got):
        assert row == [render.value(v, f) for f in FORMATS], v


# --- faults and hostile text ----------------------------------------------------------------------------------------

def test_a_faulting_program_opens_at_its_fault_and_shows_injected_text_as_text(page, write):
    prog = write("# </script><script>alert(1)</script> <img src=x onerror=alert(2)>\n"
                 ".reg n = 0\n    MOV a, 6\n    DIV b, a, n   # </script><b>bold</b>\n    OUT b\n")
    proc = gdasm("html", str(prog), "-o", str(prog.with_suffix(".html")))
    assert proc.returncode == 0, proc.stderr
    assert "division by zero" in proc.stderr and ":4:5: runtime error:" in proc.stderr
    html = prog.with_suffix(".html").read_text(encoding="utf-8")
    assert "</script><script>alert" not in html and "<img src=x" not in html
    open_page(page, prog.with_suffix(".html"))
    assert page.inner_text("[data-step]") == "1"  # the steps that ran; the fault is in the next
    assert "division by zero" in page.inner_text("#faultline")
    assert page.locator("#faultline").is_visible()
    assert page.inner_text("#status").startswith("stopped by a fault at step 2")
    assert page.inner_text('.src[data-line="1"] .comment') == \
        "# </script><script>alert(1)</script> <img src=x onerror=alert(2)>"
    assert page.locator("img, b").count() == 0  # shown as text, never made into elements
    assert page.title() == f"{prog.name} · gdasm"
    # (the `page` fixture fails the test had any dialog opened)


def test_page_data_is_escaped_inside_its_script_element(tmp_path, write):
    text = "# a & b < c > d </script> \u2028 {{script}} {{data}}\n    MOV a, 1\n"
    out = build(tmp_path, write(text))
    raw = out.read_text(encoding="utf-8")
    body = re.search(r'id="gdasm-data">(.*?)</script>', raw, re.S).group(1)
    assert "<" not in body and ">" not in body and "&" not in body
    assert data_of(out)["lines"][0] == text.split("\n")[0]
    assert raw.count("<script") == 2  # the data and the page's one script: nothing the program wrote


# --- the whole of gradient_descent, and the cut linear_regression, against the machine ------------------------------

def machine_registers(program: vm.Program, steps: list[int], **inputs) -> dict:
    """Each asked step's registers, from a Machine stepped there: [(name, repr)] in order of first write."""
    m = vm.Machine(program, **inputs)
    out = {}
    for n in sorted(steps):
        while m.steps < n:
            m.step()
        out[n] = [[k, render.value(v)] for k, v in m.registers.items()]
    return out


def assert_page_shows_machine(page, path: Path, name: str, steps: list) -> None:
    """At each step, the registers the page shows (names, order, text) are a stepped Machine's."""
    expect = machine_registers(vm.load(name), steps)
    open_page(page, path)
    for n in steps:
        page.evaluate("n => gdasm.go(n)", n)
        assert page.inner_text("[data-step]") == str(n)
        assert regs_shown(page) == expect[n], n


def test_every_sampled_step_of_gradient_descent_shows_the_machine_state(page, pages):
    total = data_of(pages["gd"])["total"]
    rng = random.Random(3)
    steps = sorted(set(range(0, total + 1, 41)) | set(rng.sample(range(total + 1), 60)) | {total})
    assert len(steps) >= 200
    assert_page_shows_machine(page, pages["gd"], "gradient_descent", steps)


def test_a_cut_page_shows_the_machine_state_on_both_sides_of_the_gap(page, pages):
    d = data_of(pages["lr"])
    total, head, start = d["total"], d["head"], d["tail"]["from"]
    assert d["kept"] == 20_000 and head == 10_000 and start == total - 10_000
    steps = [0, 1, 5_000, head - 1, head, start, start + 1, start + 4_321, total - 1, total]
    assert_page_shows_machine(page, pages["lr"], "linear_regression", steps)
    notice = page.inner_text("[data-kept]")
    assert f"20,000 of the run's {total:,} steps" in notice and f"10,001\u2013{start:,}" in notice
    assert f"Every OUT value of the run is kept ({len(vm.run(vm.load('linear_regression')).output):,})" in notice


def test_a_step_inside_the_gap_snaps_to_the_nearest_kept_step(page, pages):
    d = data_of(pages["lr"])
    open_page(page, pages["lr"], "#step=10500")
    assert page.inner_text("[data-step]") == "10000"
    assert "Step 10,500 is not in this page" in page.inner_text("#notice")
    open_page(page, pages["lr"], f"#step={d['tail']['from'] - 3}")
    assert page.inner_text("[data-step]") == str(d["tail"]["from"])


def python_explanation(program: vm.Program, target: str, step: int, fmt: str, depth: int = 8) -> list[str]:
    h = History(vm.Machine(program))
    while h.step < step:
        h.forward()
    return explanation(h.explain(target, depth=depth), render.Formatter(fmt))


@pytest.mark.parametrize("name, lang", [("gradient_descent", "en"), ("linear_regression", "en"),
                                        ("mse_gradient_step", "en"), ("linear_regression", "zh")])
def test_explain_in_the_page_equals_the_cli_at_sampled_steps_and_formats(page, tmp_path, name, lang):
    path = build(tmp_path, name, "--lang", lang)
    d = data_of(path)
    program = vm.load(name)
    rng = random.Random(name)
    open_page(page, path)
    checked = notes = 0
    last = d["head"]  # explanations in the kept first part only: the tail's reach back into the gap
    for _ in range(12):
        step = rng.randrange(1, last + 1)
        m = vm.Machine(program)
        for _ in range(step):
            m.step()
        for target in rng.sample(list(m.registers), min(3, len(m.registers))):
            fmt, depth = rng.choice(FORMATS), rng.choice([1, 3, 8, 30])
            got = page.evaluate("([t, s, f, d]) => gdasm.explain(t, s, f, d)", [target, step, fmt, depth])
            with vm.i18n.use(lang):
                want = python_explanation(program, target, step, fmt, depth)
            assert got == want, (target, step, fmt, depth)
            notes += sum(line.startswith(("note:", "注：")) for line in want)
            checked += 1
    assert checked >= 30 and notes > 0  # some at a depth that leaves values unexpanded


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_explain_covers_arrays_calls_and_lengths(page, tmp_path, lang):
    src = ROOT / "tests" / "programs" / "arrays_and_calls.gdasm"
    path = build(tmp_path, src, "--lang", lang)
    program = vm.assemble(src.read_text(encoding="utf-8"), filename=src.name)
    d = data_of(path)
    open_page(page, path)
    m = vm.Machine(program)
    targets, seen = [], set()
    while m.step():
        pass
    targets = list(m.registers) + [f"{a}[{i}]" for a, vals in zip(program.arrays, m.arrays)
                                   for i in range(min(len(vals), 4))]
    for step in sorted({1, d["total"] // 2, d["total"]}):
        for target in targets:
            for fmt in ("dec", "exact"):
                if "[" not in target and target not in vm.run(program, max_steps=10**7).registers:
                    continue
                got = page.evaluate("([t, s, f]) => gdasm.explain(t, s, f)", [target, step, fmt])
                try:
                    with vm.i18n.use(lang):  # the command line's explanation in the page's language
                        want = python_explanation(program, target, step, fmt)
                except KeyError:
                    continue
                assert got == want, (target, step, fmt)
                seen.update(line for line in want if CJK.search(line)) if lang == "zh" else None
    assert lang == "en" or any("（第" in line for line in seen) and any("的长度" in line for line in seen) and \
        any(line.startswith("公式：") for line in seen), seen


def test_tail_explanations_say_where_history_was_dropped(page, pages):
    d = data_of(pages["lr"])
    open_page(page, pages["lr"])
    step = d["tail"]["from"] + 2
    lines = page.evaluate("s => gdasm.explain('w', s, 'dec', 200)", step)
    assert any(f"written before step {d['tail']['from'] + 1:,}" in ln for ln in lines)
    page.evaluate("s => gdasm.go(s)", step)
    page.click('[data-reg="w"]')
    assert f"this page does not include steps 10,001\u2013{d['tail']['from']:,}" in page.inner_text("#explain")


# --- controls -------------------------------------------------------------------------------------------------------

def test_slider_buttons_and_run_to_line(page, pages):
    open_page(page, pages["gd"])
    page.click("#forward")
    page.click("#forward")
    assert page.inner_text("[data-step]") == "2"
    page.click("#back")
    assert page.inner_text("[data-step]") == "1"
    page.click("#last")
    total = data_of(pages["gd"])["total"]
    assert page.inner_text("[data-step]") == str(total)
    assert page.inner_text("#status").endswith(f" \u00b7 halted after {total:,} steps")
    page.click("#first")
    page.click('.src[data-line="20"] .no')  # SUB w, step: run until it is the next line to run
    n = int(page.inner_text("[data-step]"))
    m = vm.Machine(vm.load("gradient_descent"))
    while m.program.instructions[m.pc].line != 20:
        m.step()
    assert n == m.steps
    page.click('.src[data-line="1"] .no')  # a comment line
    assert page.inner_text("#notice") == "Line 1 has no instruction."
    page.keyboard.press("End")
    page.click('.src[data-line="14"] .no')
    assert page.inner_text("#notice") == f"Line 14 does not run again after step {total:,}."
    page.fill("#slider", "5000")
    page.dispatch_event("#slider", "input")
    assert page.inner_text("[data-step]") == "5000"


def test_loss_curve_points_go_to_their_iteration(page, pages):
    open_page(page, pages["gd"])
    outs = []
    m = vm.Machine(vm.load("gradient_descent"))
    while (rec := m.step()) is not None:
        if rec.output is not None:
            outs.append((rec.step, rec.output))
    figure = page.locator("figure").first
    points = figure.locator("circle.pt")
    assert points.count() == len(outs) == 172
    for i in (0, 5, 171):
        points.nth(i).click(force=True)
        assert page.inner_text("[data-step]") == str(outs[i][0])
        assert page.inner_text("#output").splitlines()[-1] == repr(outs[i][1])
    path = page.locator("figure").nth(1).locator("circle.pt")
    assert path.count() == 172  # the path picture: one iterate per OUT


def test_chinese_page_words(page, tmp_path):
    path = build(tmp_path, "gradient_step", "--lang", "zh")
    open_page(page, path, "#step=12")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.inner_text("#status").endswith("\u8fd0\u884c\u5b8c\u6bd5\uff0c\u5171 12 \u6b65")
    assert page.inner_text("#counter") == "\u7b2c 12 \u6b65 / \u5171 12 \u6b65"
    assert page.inner_text("#registers-h") == "\u5bc4\u5b58\u5668"


def test_phone_sized_viewport_has_no_sideways_scroll(browser, pages):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    pg = ctx.new_page()
    pg.goto(pages["seed"].as_uri() + "#step=10")
    width = pg.evaluate("document.documentElement.scrollWidth")
    ctx.close()
    assert width <= 390


# --- sizes, long runs and the command line ----------------------------------------------------------------------------

def test_bundled_pages_stay_small(pages):
    sizes = {k: p.stat().st_size for k, p in pages.items()}
    assert sizes["gd"] < 2 * 2**20 and sizes["lr"] < 2 * 2**20, sizes


def test_a_twenty_million_step_loop_gives_a_bounded_page(page, tmp_path, write):
    prog = write("# 20,015,002 steps\n    MOV i, 0\n    MOV k, 0\nloop:\n    ADD i, i, 1\n    ADD k, k, 1\n    MUL s, i, 2\n"
                 "    JLT k, 1000, loop\n    OUT i\n    MOV k, 0\n    JLT i, 5000000, loop\n")
    path = build(tmp_path, prog, "--max-steps", "30000000")
    d = data_of(path)
    total = 5_000_000 * 4 + 5_000 * 3 + 2  # 4 per inner iteration, OUT/MOV/JLT per thousand, two MOVs
    assert d["total"] == total and d["kept"] == 20_000
    assert path.stat().st_size < 2**20
    assert [o[0] for o in d["outs"]][:2] == [2 + 4 * 1000 + 1, 2 + 4 * 2000 + 4] and d["outs_total"] == 5_000
    open_page(page, path, "#step=12000000")
    assert page.inner_text("[data-step]") == str(d["tail"]["from"])
    assert "keeps 20,000 of the run's 20,015,002 steps" in page.inner_text("[data-kept]")
    page.keyboard.press("End")
    assert page.inner_text('[data-reg="i"]') == "5000000.0"


def test_cli_default_name_json_and_errors(tmp_path, write):
    proc = gdasm("html", "gradient_step", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "gradient_step.html"
    assert (tmp_path / "gradient_step.html").stat().st_size > 1000
    proc = gdasm("html", "gradient_descent", "--json", "-o", str(tmp_path / "g.html"))
    doc = json.loads(proc.stdout)
    assert doc["steps"] == vm.run(vm.load("gradient_descent")).steps and doc["run_status"] == "halted"
    assert doc["bytes"] == (tmp_path / "g.html").stat().st_size
    bad = write("    FOO a, 1\n")
    proc = gdasm("html", str(bad), "-o", str(tmp_path / "b.html"))
    assert proc.returncode == 65 and ":1:5: error:" in proc.stderr and not (tmp_path / "b.html").exists()
    assert gdasm("html", "gradient_step", "-o", str(tmp_path / "x.png")).returncode == 64
    assert gdasm("html", "gradient_step", "-o", str(tmp_path / "no" / "x.html")).returncode == 74
    assert gdasm("html", "gradient_step", "--max-page-steps", "1").returncode == 64
    assert gdasm("html", "gradient_step", "--set", "w=abc").returncode == 64


# --- what an adversarial review found ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(vm.catalog.names()))
def test_every_register_of_every_bundled_program_explains_as_the_cli_does(page, tmp_path, name):
    path = build(tmp_path, name, "--no-path")
    d = data_of(path)
    program = vm.load(name)
    open_page(page, path)
    step = d["head"]  # the last step, or the last of the kept first half of a long run
    h = History(vm.Machine(program))
    while h.step < step:
        h.forward()
    for target in list(h.m.registers) + [f"{a}[0]" for a in program.arrays]:
        want = explanation(h.explain(target), render.Formatter("dec"))
        assert page.evaluate("([t, s]) => gdasm.explain(t, s, 'dec')", [target, step]) == want, target


@pytest.mark.parametrize("values", [("1.0", "1.0000000000000002"), ("1e16", "1e16+2"), ("1.7e308", "-1.7e308"),
                                    ("5e-324", "0")])
def test_loss_curves_of_awkward_values_draw_without_errors(page, write, tmp_path, values):
    a, b = values
    prog = write(f"    MOV a, {a}\n    OUT a\n    MOV a, {b}\n    OUT a\n")
    open_page(page, build(tmp_path, prog))
    assert page.locator("figure circle.pt").count() == 2  # both points drawn; the fixture fails on any script error
    assert page.inner_text("#status").startswith("not started")


def test_a_malformed_fragment_is_a_note_not_a_blank_page(page, pages):
    open_page(page, pages["seed"], "#%E0%A4%A")
    assert page.inner_text("[data-step]") == "0" and "is not a step" in page.inner_text("#notice")
    open_page(page, pages["seed"], "#step=99999999999999999999")
    assert page.inner_text("[data-step]") == "12"


def test_a_run_exactly_as_long_as_the_page_is_not_cut(page, write, tmp_path):
    prog = write("    MOV a, 1\n    MOV z, 0\n    ADD a, a, 1\n    ADD a, a, 1\n    DIV b, a, z\n")
    path = build(tmp_path, prog, "--max-page-steps", "4")
    d = data_of(path)
    assert d["tail"] is None and d["kept"] == d["total"] == 4 and d["status"] == "fault"
    open_page(page, path)
    assert page.locator("[data-kept]").is_hidden()
    program = vm.assemble(prog.read_text(), filename=prog.name)
    assert page.evaluate("gdasm.explain('a', 4, 'dec')") == python_explanation(program, "a", 4, "dec")


def test_a_page_of_many_outs_holds_only_the_values_it_keeps(monkeypatch, write):
    monkeypatch.setattr(pagemod, "MAX_OUTS", 100)
    prog = write("    MOV w, 1\nloop:\n    MUL w, w, 0.999\n    OUT w\n    ADD i, i, 1\n    JLT i, 20000, loop\n"
                 ".reg i = 0\n")
    program = vm.assemble(prog.read_text(), filename=prog.name)
    d = pagemod.record(program, max_page_steps=200)
    assert d["outs_total"] == 20_000 and d["outs_stride"] == 256 and len(d["outs"]) <= 101
    assert d["outs"][-1][3] == 19_999  # the last OUT is kept
    assert len(d["pool"]) < 400  # the kept steps' values and the kept OUTs', not all 20,000
    last = vm.run(program).output[-1]
    assert d["pool"][d["outs"][-1][2]] == repr(last)


def test_thinned_output_lines_say_which_out_they_are(page, monkeypatch, tmp_path, write):
    monkeypatch.setattr(pagemod, "MAX_OUTS", 50)
    prog = write("loop:\n    ADD i, i, 1\n    OUT i\n    JLT i, 1000, loop\n.reg i = 0\n")
    path = build(tmp_path, prog)
    open_page(page, path)
    page.keyboard.press("End")
    lines = page.inner_text("#output").splitlines()
    assert lines[-1] == "#1,000  1000.0" and lines[-2] == "#993  993.0"  # OUT 1 + 32k, and the last
    assert "1 in every 32" in page.inner_text("[data-kept]")


def test_exact_runs_draw_every_loss_point(page, tmp_path, write):
    prog = write("    MOV w, 0\nloop:\n    MUL w, w, 0.3\n    ADD w, w, 0.7\n    OUT w\n    ADD i, i, 1\n"
                 "    JLT i, 40, loop\n.reg i = 0\n")
    path = build(tmp_path, prog, "--exact")
    open_page(page, path)
    assert page.locator("figure circle.pt").count() == 40


def test_many_arrays_show_a_bounded_number_of_elements(page, tmp_path, write):
    prog = write("".join(f".zeros a{k}, 200\n" for k in range(300)) + "    MOV i, 150\n    STORE a299, i, 7\n")
    open_page(page, build(tmp_path, prog), "#step=2")
    assert page.locator(".elem").count() == 2000 + 1  # 2,000 shown, and the element step 2 wrote
    assert page.inner_text('[data-elem="a299[150]"]') == "7.0"


def test_a_file_name_that_is_not_utf8_gets_its_page(tmp_path):
    import os
    import subprocess
    from conftest import gdasm_script
    name = os.fsencode(tmp_path) + b"/bad\xff.gdasm"
    with open(name, "wb") as f:
        f.write(b"    MOV a, 1\n")
    proc = subprocess.run([os.fsencode(gdasm_script()), b"html", name, b"-o", os.fsencode(tmp_path) + b"/p.html"],
                          capture_output=True)
    assert proc.returncode == 0, proc.stderr
    assert data_of(tmp_path / "p.html")["program"].endswith("bad\\xff.gdasm")


def test_an_output_path_that_names_a_folder_is_refused(tmp_path):
    proc = gdasm("html", "gradient_step", "-o", str(tmp_path / "x.html") + "/")
    assert proc.returncode == 64 and "not a folder" in proc.stderr and not (tmp_path / "x.html").exists()


def test_the_page_script_never_parses_text_as_html():
    """Program text reaches the page only through textContent: no API that parses a string as HTML or code."""
    script = (ROOT / "vm" / "page.js").read_text(encoding="utf-8")
    for api in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                "setTimeout(\"", "createContextualFragment"):
        assert api not in script, api
    template = (ROOT / "vm" / "page.html").read_text(encoding="utf-8")
    assert re.findall(r"\{\{(\w+)\}\}", template) == ["lang", "title", "style", "data", "script"]
    assert "http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';" in template


def test_the_command_line_does_not_load_numpy_at_start_up():
    """The page needs vm.history (NumPy) only when a page is made: other commands start without it."""
    import subprocess
    import sys
    code = "import sys, vm.cli; print('numpy' in sys.modules, 'vm.history' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout
    assert out.split() == ["False", "False"]


def test_machine_code_beside_each_line_is_the_binarys(page, pages, tmp_path):
    """W (or the button) shows each instruction's word beside its line: the words `gdasm asm` writes, read back
    from the file's code section by `struct` (docs/machine-code.md's layout), not from the encoder."""
    def code_words(*strip: str) -> tuple:
        binary = tmp_path / "seed.gdbin"
        assert gdasm("asm", *strip, "gradient_step", "-o", str(binary)).returncode == 0
        data = binary.read_bytes()
        count = struct.unpack_from("<I", data, 24)[0]
        table = [struct.unpack_from("<IIQQ", data, 32 + 24 * k) for k in range(count)]
        _, _, offset, length = next(t for t in table if t[0] == 1)  # section 1: the code
        return struct.unpack_from(f"<{length // 8}Q", data, offset)

    words = code_words()
    lines = [ins.line for ins in vm.load("gradient_step").instructions]
    open_page(page, pages["seed"])
    assert page.get_attribute("#words-toggle", "aria-pressed") == "false"
    assert page.eval_on_selector_all("[data-word]", "els => els.filter(e => e.offsetWidth > 0).length") == 0
    page.keyboard.press("w")
    assert page.get_attribute("#words-toggle", "aria-pressed") == "true"
    shown = page.eval_on_selector_all(
        "[data-word]", "els => els.map(e => [Number(e.closest('.src').dataset.line), e.textContent, e.offsetWidth])")
    assert len(shown) == len(words) == 12
    assert [(line, text) for line, text, _ in shown] == [(n, f"0x{w:016x}") for n, w in zip(lines, words)]
    assert all(width > 0 for *_, width in shown)
    page.click("#words-toggle")
    assert page.get_attribute("#words-toggle", "aria-pressed") == "false"
    stripped = code_words("--strip")  # a stripped pool keeps one 0.0 for `0.0` and `0*1`: other constant numbers
    assert stripped != words
    open_page(page, build(tmp_path, str(tmp_path / "seed.gdbin"), "--lang", "zh"))
    assert page.inner_text("#words-toggle") == "\u673a\u5668\u7801"
    page.click("#words-toggle")
    assert [int(t, 16) for t in page.eval_on_selector_all("[data-word]", "els => els.map(e => e.textContent)")] \
        == list(stripped)
