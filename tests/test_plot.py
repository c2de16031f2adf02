"""Pictures: the data read back from each Figure's artists equals an independent run of the machine (stepping it,
another program, NumPy, the curvature of the seed's loss); files, languages, fonts and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

import vm
from conftest import ROOT, gdasm
from vm import catalog

pytest.importorskip("matplotlib")
from vm import plot  # noqa: E402  (after the skip: the pictures need the extra gdasm[plot])

CENSUS = ["x=@us_population.csv:decades_since_1900", "y=@us_population.csv:population_millions"]


def program(name: str) -> vm.Program:
    return vm.assemble(catalog.find(name).read_text(encoding="utf-8"), filename=f"{name}.gdasm")


def line(fig, gid: str):
    """The one Line2D with this gid in the figure."""
    found = [ln for ax in fig.axes for ln in ax.lines if ln.get_gid() == gid]
    assert len(found) == 1, [ln.get_gid() for ax in fig.axes for ln in ax.lines]
    return found[0]


def texts(fig) -> list[str]:
    """Every piece of text the figure shows: titles, labels, annotations, legend entries."""
    out = []
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
    for legend in fig.legends:
        out += [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
    return out


def legend(fig) -> list[str]:
    """The legend entries of a figure (its axes' legends, then its own)."""
    found = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    return found + [t.get_text() for lg in fig.legends for t in lg.get_texts()]


def outputs(p: vm.Program, arrays=None, **regs) -> tuple[list, object]:
    """The OUT values of a run, collected as they happen, and the fault that ended it (or None)."""
    got: list = []
    try:
        vm.Machine(p, regs, arrays, on_output=got.append).run()
    except vm.RuntimeFault as fault:
        return got, fault
    return got, None


def at_each_out(p: vm.Program, reg: str, **regs) -> list:
    """A register's value at each OUT, found by stepping the machine one instruction at a time."""
    m, got = vm.Machine(p, regs), []
    while (rec := m.step()) is not None:
        if rec.output is not None:
            got.append(m.registers[reg])
    return got


# --- loss ----------------------------------------------------------------------------------------------

def test_loss_curve_is_the_runs_out_values_exactly():
    gd = program("gradient_descent")
    fig = plot.loss(gd)
    ln = line(fig, "values")
    out, fault = outputs(gd)
    assert fault is None and len(out) == 172
    assert list(ln.get_ydata()) == out and list(ln.get_xdata()) == list(range(172))
    assert fig.axes[0].get_yscale() == "log"  # 18.7 down to 5e-14: many decades
    last = [t for t in fig.axes[0].texts if t.get_gid() == "last"][0].get_text()
    assert f"{out[-1]:.6g}" in last and "171" in last


def test_loss_of_a_register_is_sampled_at_each_out_and_at_a_label():
    gd = program("gradient_descent")
    ws = at_each_out(gd, "w")
    assert list(line(plot.loss(gd, y="w"), "values").get_ydata()) == ws
    # At the loop's label, w_k is seen before loss_k is computed: the same values, the first one 0.
    at_label = list(line(plot.loss(gd, y="w", every="repeat"), "values").get_ydata())
    assert at_label == ws


def test_loss_scale_is_linear_when_the_values_do_not_span_decades():
    fig = plot.loss("MOV i, 0\nloop:\nADD i, 1\nOUT i\nJLT i, 5, loop\n")
    assert fig.axes[0].get_yscale() == "linear"
    assert list(line(fig, "values").get_ydata()) == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_sample_api_rows_match_stepping_and_trace_table():
    gd = program("gradient_descent")
    s = vm.sample(gd, regs=["w", "loss"], at="out")
    assert [r.values[0] for r in s.rows] == at_each_out(gd, "w")
    assert [r.out for r in s.rows] == [r.values[1] for r in s.rows] == outputs(gd)[0]
    assert s.status == "halted" and s.fault is None and s.steps == vm.run(gd).steps
    # the rows' steps are the steps of the OUT instructions, as stepping numbers them
    m = vm.Machine(gd)
    assert [r.step for r in s.rows] == [rec.step for rec in iter(m.step, None) if rec.output is not None]
    table = gdasm("trace", "gradient_descent", "--table", "--every", "repeat", "--regs", "w",
                  "--format", "csv").stdout.splitlines()
    at = vm.sample(gd, ["w"], at="repeat")
    assert [float(r.split(",")[2]) for r in table[1:]] == [r.values[0] for r in at.rows]
    assert [int(r.split(",")[1]) for r in table[1:]] == [r.step for r in at.rows]


def test_sample_keeps_a_fault_instead_of_raising():
    s = vm.sample("MOV i, 0\nloop:\nADD i, 1\nOUT i\nJLT i, 3, loop\nDIV z, 1, 0\n", ["i"])
    assert [r.out for r in s.rows] == [1.0, 2.0, 3.0]
    assert s.status == "fault" and s.fault.code == "division-by-zero"


# --- path ----------------------------------------------------------------------------------------------

def test_path_dots_are_w_at_each_iteration_and_the_landscape_is_mse_loss():
    gd, mse = program("gradient_descent"), program("mse_loss")
    fig = plot.path(gd)
    dots = line(fig, "iterates")
    assert list(dots.get_xdata()) == at_each_out(gd, "w")
    assert list(dots.get_ydata()) == outputs(gd)[0]
    assert len(dots.get_xdata()) == 172 and abs(dots.get_xdata()[-1] - 2) < 1e-6
    land = line(fig, "landscape")
    grid, values = land.get_xdata(), land.get_ydata()
    assert grid[0] < 0 < 2 < grid[-1]  # the grid covers the path with a margin
    # another program computes the same loss at each grid point: mse_loss with --set w=...
    assert list(values) == [vm.run(mse, {"w": g}).registers["loss"] for g in grid]
    # and NumPy agrees to rounding: L(w) = mean((y - w x)^2), a parabola with its bottom at w = 2
    x, y = np.array([1.0, 2, 3]), np.array([2.0, 4, 6])
    assert np.allclose(values, [np.mean((y - g * x) ** 2) for g in grid], rtol=1e-12, atol=1e-12)
    labels = texts(fig)
    assert any(t.startswith("start: w = 0.0") for t in labels) and any("iteration 171" in t for t in labels)
    assert any(t.startswith("end: w ≈ 2\n") for t in labels)  # 1.9999998941774972, rounded: said with ≈


def test_two_parameters_give_contours_with_the_census_path_on_top():
    lr = program("linear_regression")
    from vm.inputs import parse_data
    data = parse_data(CENSUS)
    regs = {"lr": "0.015", "tol": "1e-9"}
    fig = plot.path(lr, "w,b", registers=regs, arrays=data)
    dots = line(fig, "iterates")
    s = vm.sample(lr, ["w", "b"], registers=regs, arrays=data)
    assert list(dots.get_xdata()) == [r.values[0] for r in s.rows]
    assert list(dots.get_ydata()) == [r.values[1] for r in s.rows]
    assert 2800 < len(dots.get_xdata()) < 3000
    filled = [c for c in fig.axes[0].collections if c.get_gid() == "landscape"]
    assert filled, "filled contours"
    from vm import pictures
    d = pictures.path(lr, "w,b", registers=regs, arrays=data)
    (gx, gy), z = d["grid"], d["landscape"]
    for i, j in ((0, 0), (30, 17), (60, 60)):  # a grid value is the program's first OUT with (w, b) set
        out, _ = outputs(lr, data, **regs, w=gx[j], b=gy[i], max_iter=0)
        assert z[i][j] == out[0]
    xs, ys = (np.array(parse_data([c])[n], dtype=float) for c, n in zip(CENSUS, "xy"))
    assert np.isclose(z[30][17], np.mean((ys - (gx[17] * xs + gy[30])) ** 2), rtol=1e-12)


def test_path_refuses_a_parameter_the_program_never_reads():
    proc = gdasm("plot", "gradient_descent", "--kind", "path", "--param", "q", "-o", "/tmp/never.png")
    assert proc.returncode == 64 and "never reads a register 'q'" in proc.stderr


# --- learning rates ------------------------------------------------------------------------------------

def test_lr_default_rates_and_the_diverging_run_ends_at_its_fault():
    gd = program("gradient_descent")
    fig = plot.lr(gd)
    legend_ = legend(fig)
    assert [t.split(":")[0] for t in legend_] == ["lr = 0.001", "lr = 0.01", "lr = 0.1", "lr = 0.3"]
    out, fault = outputs(gd, lr=0.3)
    assert fault is not None and fault.code == "overflow"
    diverged = line(fig, "lr:0.3")
    assert list(diverged.get_ydata()) == out and diverged.get_xdata()[-1] == len(out) - 1
    assert legend_[3] == f"lr = 0.3: diverged: overflow at iteration {len(out)}"
    for rate, text in zip(("0.001", "0.01", "0.1"), legend_):
        got, f = outputs(gd, lr=float(rate))
        assert f is None and list(line(fig, f"lr:{rate}").get_ydata()) == got
        assert text == f"lr = {rate}: converged in {len(got) - 1} iterations"
    # the ✕ marks the last finite value, on the top edge since it is far above the converging runs
    assert line(fig, "fault:0.3").get_xdata()[0] == len(out) - 1
    lo, hi = fig.axes[0].get_ylim()
    assert hi < 1e10 and lo <= min(v for v in outputs(gd, lr=0.1)[0] if v > 0)


def test_the_seeds_curvature_decides_which_rates_diverge():
    """Gradient descent on L(w) = mean((y - w x)^2) diverges exactly when lr > 2 / L'' = 1 / mean(x^2)... = 3/14."""
    x = np.array([1.0, 2.0, 3.0])
    critical = Fraction(2) / (Fraction(2) * Fraction(int((x ** 2).sum()), len(x)))
    assert critical == Fraction(3, 14)
    from vm import pictures
    d = pictures.lr(program("gradient_descent"), ["0.2", "0.21", "0.22", "0.25"])
    assert [r["fault"] is None for r in d["runs"]] == [True, True, False, False]


def test_lr_marks_runs_that_hit_max_iter_and_log_of_zero():
    fig = plot.lr(program("logistic_regression"), ["0.5", "5", "50"], registers={"max_iter": 3000})
    legend_ = legend(fig)
    assert legend_[0] == "lr = 0.5: converged in 2941 iterations"
    assert legend_[1] == "lr = 5: not converged (3000 iterations)"
    out, fault = outputs(program("logistic_regression"), lr=50.0)
    assert fault.code == "log-zero" and legend_[2] == f"lr = 50: stopped: logarithm of zero at iteration {len(out)}"


def test_lr_rates_are_shown_as_written():
    fig = plot.lr(program("gradient_descent"), ["1e-3", "0.0500"])
    assert [t.split(":")[0] for t in legend(fig)] == ["lr = 1e-3", "lr = 0.0500"]


# --- fit -----------------------------------------------------------------------------------------------

def test_fit_of_absolute_loss_is_the_seeds_section_2_figure():
    fig = plot.fit(program("absolute_loss"))
    r = vm.run(program("absolute_loss")).registers
    truth, pred = line(fig, "y_true"), line(fig, "y_pred")
    assert (truth.get_color(), pred.get_color()) == ("r", "b")
    assert list(truth.get_ydata()) == [r["y_true"]] and list(pred.get_ydata()) == [r["y_pred"]]
    [loss] = [t for t in fig.axes[0].texts if t.get_gid() == "loss"]
    assert loss.get_text() == "Loss: 1.0" and loss.get_color() == "green"
    assert loss.get_position() == (r["x"], r["y_pred"] - 0.5)
    lo, hi = fig.axes[0].get_ylim()
    assert lo < r["y_pred"] - 0.5 < hi  # the label is inside the axes
    zh = texts(plot.fit(program("absolute_loss"), lang="zh"))
    assert {"预测值 vs 真实值", "输入 (x)", "输出 (y)", "真实值 (y_true)", "预测值 (y_pred)"} <= set(zh)


def test_fit_of_a_regression_shows_the_machines_predictions():
    p = program("linear_regression")
    fig = plot.fit(p)
    r = vm.run(p).registers
    preds = line(fig, "predictions")
    xs = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert list(preds.get_xdata()) == xs
    assert np.allclose(preds.get_ydata(), [r["w"] * x + r["b"] for x in xs], rtol=1e-15)
    model = line(fig, "model")
    mx, my = model.get_xdata(), model.get_ydata()
    assert len(mx) == 161 and mx[0] < 1 and mx[-1] > 5
    assert np.allclose(my, r["w"] * np.array(mx) + r["b"], rtol=1e-14)
    assert any(t == f"loss ≈ {vm.run(p).registers['loss']:.6g}" for t in texts(fig))  # 0.021400000001466555


# --- regs ----------------------------------------------------------------------------------------------

def test_regs_per_iteration_and_per_step():
    gd = program("gradient_descent")
    fig = plot.regs(gd, "w,grad")
    assert list(line(fig, "reg:w").get_ydata()) == at_each_out(gd, "w")
    assert list(line(fig, "reg:grad").get_ydata()) == at_each_out(gd, "grad")
    step = program("gradient_step")  # never prints: against the step
    fig = plot.regs(step, ["w"])
    ln = line(fig, "reg:w")
    assert list(ln.get_xdata()) == list(range(1, 13))
    ys = ln.get_ydata()
    assert ys[-1] == vm.run(step).registers["w"] and ys[0] == 0.0


# --- files, languages, the command line ----------------------------------------------------------------

@pytest.mark.parametrize("suffix,magic", [(".png", b"\x89PNG\r\n\x1a\n"), (".pdf", b"%PDF-"), (".svg", b"<?xml")])
def test_files_by_suffix(tmp_path, suffix, magic):
    out = tmp_path / f"pic{suffix}"
    proc = gdasm("plot", "gradient_descent", "--kind", "path", "-o", str(out))
    assert proc.returncode == 0 and proc.stdout.strip() == str(out)
    assert out.read_bytes().startswith(magic)
    if suffix == ".svg":
        assert b"<svg" in out.read_bytes()[:2000]


def test_default_name_is_program_kind_png_in_the_current_folder(tmp_path):
    proc = gdasm("plot", "gradient_descent", "--kind", "lr", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "gradient_descent-lr.png"
    assert (tmp_path / "gradient_descent-lr.png").read_bytes()[:4] == b"\x89PNG"
    # the overflow is shown on the picture and said on stderr, located; the picture was made: exit 0
    assert "gradient_descent.gdasm:42:5: runtime error: overflow" in proc.stderr
    assert "with lr = 0.3" in proc.stderr


def test_same_picture_same_bytes(tmp_path):
    for name in ("a", "b"):
        assert gdasm("plot", "absolute_loss", "--kind", "fit", "-o", str(tmp_path / f"{name}.svg")).returncode == 0
        assert gdasm("plot", "absolute_loss", "--kind", "fit", "-o", str(tmp_path / f"{name}.png")).returncode == 0
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def test_load_finds_bundled_programs_and_files(tmp_path):
    assert vm.load("gradient_descent") == program("gradient_descent")
    (tmp_path / "mine.gdasm").write_text("MOV a, 1\nOUT a\n", encoding="utf-8")
    assert vm.run(vm.load(tmp_path / "mine.gdasm")).output == [1.0]
    with pytest.raises(vm.InputFileError):
        vm.load("no_such_program")
    with pytest.raises(vm.UsageError):
        vm.load(42)


def test_chinese_default_name_does_not_overwrite_english(tmp_path):
    assert gdasm("plot", "absolute_loss", "--kind", "fit", cwd=tmp_path).stdout == "absolute_loss-fit.png\n"
    assert gdasm("plot", "absolute_loss", "--kind", "fit", "--lang", "zh", "-o", "x.svg", cwd=tmp_path).returncode == 0
    proc = gdasm("plot", "absolute_loss", "--kind", "fit", "--lang", "zh", cwd=tmp_path)
    if proc.returncode == 0:  # with a CJK font (CI has one)
        assert proc.stdout == "absolute_loss-fit-zh.png\n"


def test_chinese_svg_keeps_text_as_text(tmp_path):
    out = tmp_path / "fit.svg"
    assert gdasm("plot", "absolute_loss", "--kind", "fit", "--lang", "zh", "-o", str(out)).returncode == 0
    svg = out.read_text(encoding="utf-8")
    assert "预测值" in svg and "真实值 (y_true)" in svg and "Loss: 1.0" in svg


def test_chinese_png_needs_a_cjk_font(tmp_path, monkeypatch, capsys):
    from vm.cli import main
    if plot.cjk_font() is None and os.environ.get("CI") != "true":
        pytest.skip("no CJK font here (CI installs fonts-noto-cjk)")
    assert plot.cjk_font() is not None
    assert main(["plot", "absolute_loss", "--kind", "fit", "--lang", "zh", "-o", str(tmp_path / "zh.png")]) == 0
    monkeypatch.setattr(plot, "cjk_font", lambda: None)
    with pytest.raises(vm.UsageError):  # from Python too: the figure remembers its language
        plot.save(plot.fit(program("absolute_loss"), lang="zh"), tmp_path / "api.png")
    for suffix in (".png", ".pdf"):
        assert main(["plot", "absolute_loss", "--kind", "fit", "--lang", "zh", "-o", str(tmp_path / f"x{suffix}")]) == 64
        assert "fonts-noto-cjk" in capsys.readouterr().err
        assert not (tmp_path / f"x{suffix}").exists()
    assert main(["plot", "absolute_loss", "--kind", "fit", "--lang", "zh", "-o", str(tmp_path / "x.svg")]) == 0


@pytest.mark.parametrize("args,message", [
    (["gradient_step", "--kind", "loss"], "prints none"),
    (["gradient_step", "--kind", "path"], "prints none"),
    (["gradient_descent", "--kind", "path", "--param", "x"], "'x' is an array; a parameter is a register"),
    (["gradient_descent", "--kind", "path", "--param", "n"], "changes 'n' before it first prints the loss (line 28: LEN n, x)"),
    (["gradient_descent", "--kind", "path", "--param", "q"], "never reads a register 'q'"),
    (["gradient_descent", "--kind", "path", "--param", "w,w"], "the same parameter twice"),
    (["linear_regression", "--kind", "path"], "'b' changes too as the program runs"),
    (["gradient_descent", "--y", "x[9]"], "the array has 3 elements, so no element 9"),
    (["gradient_descent", "--kind", "regs", "--y", "w,w"], "up to 8 different registers"),
    (["gradient_descent", "--kind", "path", "--param", "w,b,lr"], "one parameter"),
    (["gradient_descent", "--kind", "lr", "--lr", "abc"], "'abc' is not a learning rate"),
    (["gradient_descent", "--kind", "lr", "--lr", "-1"], "'-1' is not a learning rate"),
    (["gradient_descent", "--kind", "loss", "--lr", "0.1"], "--lr goes with --kind lr"),
    (["gradient_descent", "--kind", "loss", "--every", "repeat"], "name the register with --y"),
    (["gradient_descent", "--kind", "loss", "--y", "nope"], "no register or array element named 'nope'"),
    (["mse_loss", "--kind", "lr"], "prints none"),
    (["absolute_loss", "--kind", "regs"], "name them with --y"),
    (["gradient_descent", "-o", "pic.jpg"], ".png, .svg or .pdf"),
    (["gradient_descent", "--size", "0,5"], "each from 1 to 50"),
    (["gradient_descent", "--size", "8"], "not a size in inches"),
    (["gradient_descent", "--dpi", "100000"], "dpi must be a whole number from 10 to 1200"),
    (["gradient_descent", "--size", "50,50", "--dpi", "1200"], "at most 10,000 a side"),
    (["gradient_descent", "--kind", "lr", "--lr", ",".join(["0.01"] * 13)], "at most 12"),
])
def test_bad_input_is_a_usage_error(tmp_path, args, message):
    proc = gdasm("plot", *args, cwd=tmp_path)
    assert proc.returncode == 64, proc.stderr
    assert message in proc.stderr and proc.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no picture left behind


def test_missing_matplotlib_names_the_extra(tmp_path):
    hide = ("import sys\n"
            "class Hide:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] == 'matplotlib': raise ImportError('hidden')\n"
            "sys.meta_path.insert(0, Hide())\n"
            "from vm.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    proc = subprocess.run([sys.executable, "-c", hide, "plot", "gradient_descent"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 69 and "gdasm[plot]" in proc.stderr and "Traceback" not in proc.stderr
    ok = subprocess.run([sys.executable, "-c", hide, "run", "gradient_step", "--quiet"], capture_output=True,
                        text=True, cwd=tmp_path, timeout=120)
    assert ok.returncode == 0  # everything else works without it


def test_import_vm_does_not_import_matplotlib():
    code = "import sys, vm; vm.sample; print('matplotlib' in sys.modules); vm.plot; print('matplotlib' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.split() == ["False", "True"]


# --- the docs' pictures --------------------------------------------------------------------------------

def _close(a, b, path="") -> None:
    """JSON data equal, floats to 1e-9 relative (EXP and LOG may differ by an ulp between C libraries)."""
    if isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-300), path
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for k, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{k}]")
    else:
        assert a == b, path


def test_docs_pictures_are_current(tmp_path):
    sys.path.insert(0, str(ROOT / "docs" / "images"))
    try:
        import make
    finally:
        sys.path.pop(0)
    make.make(tmp_path)
    docs = (ROOT / "docs" / "pictures.md").read_text(encoding="utf-8")
    for stem, args in make.IMAGES:
        committed = json.loads((ROOT / "docs" / "images" / f"{stem}.json").read_text(encoding="utf-8"))
        _close(json.loads((tmp_path / f"{stem}.json").read_text(encoding="utf-8")), committed, stem)
        assert (ROOT / "docs" / "images" / f"{stem}.png").is_file()
        assert make.command(args) in docs and f"images/{stem}.png" in docs, stem
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/images/path-gradient_descent.png" in readme and "docs/images/fit-absolute_loss.png" in readme


# --- hostile and odd input: each a clear answer ---------------------------------------------------------

def test_a_rate_the_program_sets_itself_is_refused(tmp_path):
    text = catalog.find("gradient_descent").read_text(encoding="utf-8").replace(".reg lr = 0.01", "")
    text = text.replace("    MOV iterations, 0\n", "    MOV iterations, 0\n    MOV lr, 0.01\n", 1)
    (tmp_path / "movlr.gdasm").write_text(text, encoding="utf-8")
    proc = gdasm("plot", "movlr.gdasm", "--kind", "lr", "--lr", "0.001,0.3", cwd=tmp_path)
    assert proc.returncode == 64 and "sets 'lr' itself (line" in proc.stderr and "MOV lr, 0.01" in proc.stderr


def test_fit_after_a_fault_shows_the_model_of_the_last_out():
    gd = program("gradient_descent")
    from vm import pictures
    d = pictures.fit(gd, max_steps=100)
    s = vm.sample(gd, ["w"], max_steps=100)
    assert s.fault.code == "step-limit" and d["fault"]["code"] == "step-limit"
    assert d["loss"] == s.rows[-1].out and d["params"]["w"] == s.rows[-1].values[0]
    # its predictions are those the machine made with that w, in the evaluation that printed that loss
    assert d["pred"] == [s.rows[-1].values[0] * x for x in (1.0, 2.0, 3.0)]
    assert len(d["curve_x"]) == 161


def test_names_with_dollars_and_controls_are_shown_as_written(tmp_path):
    (tmp_path / "a$x^^2$b.gdasm").write_text("MOV i, 0\nl:\nADD i, 1\nOUT i\nJLT i, 3, l\n", encoding="utf-8")
    fig = plot.loss(vm.assemble("MOV i, 0\nl:\nADD i, 1\nOUT i\nJLT i, 3, l\n", filename="a$x^^2$b.gdasm"))
    assert fig.axes[0].get_title() == r"a\$x^^2\$b: loss per iteration"  # escaped for matplotlib: drawn as is
    out = tmp_path / "d.svg"
    proc = gdasm("plot", "a$x^^2$b.gdasm", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0 and "a$x^^2$b: loss per iteration" in out.read_text(encoding="utf-8")
    (tmp_path / "e\x1bvil.gdasm").write_text("MOV i, 0\nOUT i\n", encoding="utf-8")
    proc = gdasm("plot", "e\x1bvil.gdasm", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == "e\\x1bvil-loss.png\n"


def test_values_wider_than_an_axis_are_a_clear_error(tmp_path):
    proc = gdasm("plot", "absolute_loss", "--kind", "fit", "--set", "y_pred=-1e308", "--set", "y_true=1e308",
                 cwd=tmp_path)
    assert proc.returncode == 64 and "span more than one axis can hold" in proc.stderr
    assert "runtime error: overflow" in proc.stderr  # the run's own fault is said too


def test_a_fault_before_the_first_out_is_the_answer(tmp_path):
    proc = gdasm("plot", "gradient_descent", "--kind", "path", "--set", "w=1.7e308", cwd=tmp_path)
    assert proc.returncode == 70 and "runtime error: overflow" in proc.stderr and list(tmp_path.iterdir()) == []


def test_output_that_cannot_be_written_names_the_file(tmp_path):
    proc = gdasm("plot", "gradient_descent", "-o", "missing/x.png", cwd=tmp_path)
    assert proc.returncode == 74 and "cannot write missing/x.png: no folder missing" in proc.stderr
    (tmp_path / "dir.png").mkdir()
    proc = gdasm("plot", "gradient_descent", "-o", "dir.png", cwd=tmp_path)
    assert proc.returncode == 74 and "cannot write dir.png: it is a folder" in proc.stderr
    if os.path.exists("/dev/full"):
        (tmp_path / "full.pdf").symlink_to("/dev/full")
        proc = gdasm("plot", "gradient_descent", "-o", "full.pdf", cwd=tmp_path)
        assert proc.returncode == 74 and "cannot write full.pdf: No space left on device" in proc.stderr


def test_every_names_a_label_even_one_called_step(tmp_path):
    text = "MOV w, 0\nstep:\nADD w, 1\nOUT w\nJLT w, 4, step\n"
    (tmp_path / "s.gdasm").write_text(text, encoding="utf-8")
    from vm import pictures
    d = pictures.regs(vm.assemble(text), ["w"], every="step")
    assert d["y"]["w"] == [0.0, 1.0, 2.0, 3.0] and d["x"] == [0, 1, 2, 3]


def test_seed_figure_shows_a_fault(tmp_path):
    text = ".reg x = 1\n.reg y_true = 3\n.reg y_pred = 2\nSUB diff, y_true, y_pred\nDIV loss, diff, 0\n"
    fig = plot.fit(text)
    assert any("division by zero" in t for t in texts(fig))
    assert not [t for t in fig.axes[0].texts if t.get_gid() == "loss"]  # no loss was computed: none is shown


def test_api_arguments_of_the_wrong_type_are_usage_errors():
    gd = program("gradient_descent")
    for call in (lambda: plot.loss(gd, y=5), lambda: plot.path(gd, param=5), lambda: plot.path(gd, param=None),
                 lambda: vm.sample(gd, regs=[None]), lambda: vm.sample(gd, limit="x"),
                 lambda: plot.loss(gd, size="8,5"), lambda: plot.loss(gd, size=(-1, 5)),
                 lambda: plot.loss(gd, dpi="abc"), lambda: plot.lr(gd, rates=[None])):
        with pytest.raises(vm.UsageError):
            call()
    assert [t.split(":")[0] for t in legend(plot.lr(gd, rates=[0.01, 0.1]))] == ["lr = 0.01", "lr = 0.1"]
    assert len(legend(plot.lr(gd, rates="0.01,0.1"))) == 2
