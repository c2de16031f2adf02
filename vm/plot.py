"""Pictures of runs, drawn with matplotlib (the optional extra `gdasm[plot]`): loss, path, lr, fit and regs.

Each public function runs the machine (through `pictures`, which computes every plotted number) and returns a
matplotlib `Figure`, made without pyplot, so nothing is global and a notebook shows it as it is. `save()` writes
one as PNG, SVG or PDF. `import vm` does not import this module; `vm.plot` loads it on first use.
"""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Optional

from . import pictures
from .errors import UsageError
from .ir import Program

try:
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, LogFormatterSciNotation, NullLocator
except ImportError as _missing:  # pragma: no cover - exercised by a test that hides matplotlib
    raise ImportError("pictures need matplotlib: install the extra with  pip install 'gdasm[plot]'") from _missing

FORMATS = ("png", "svg", "pdf")
SIZE, DPI = (8.0, 5.0), 150
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Noto Sans CJK JP", "Source Han Sans",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC")
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")

WORDS = MappingProxyType({
    "en": MappingProxyType({
        "iteration": "iteration", "step": "step", "loss": "loss", "loss_out": "loss (the value OUT prints)",
        "loss_title": "{program}: loss per iteration", "reg_title": "{program}: {reg} per iteration",
        "regs_title": "{program}: registers per {x}", "last": "last: {value}\n(iteration {k})",
        "stopped": "stopped: {message} at iteration {k}", "diverged": "diverged: {message} at iteration {k}",
        "path_title": "{program}: the ball rolling down the hill — {n} iterates of {params}",
        "landscape": "loss L({p}), computed by the machine at {n} points",
        "iterates": "iterates ({n}): {p} and its loss", "start": "start: {p} = {v}", "end": "end: {p} = {v}\n(iteration {k})",
        "contours_title": "{program}: loss over ({p1}, {p2}) and the path of {n} iterates",
        "lr_title": "{program}: the learning rate decides (loss per iteration)",
        "converged": "converged in {k} iterations", "not_converged": "not converged ({k} iterations)",
        "lr_label": "lr = {rate}: {how}", "zero_hidden": "a loss of exactly 0 cannot be drawn on a log scale",
        "seed_title": "prediction vs truth", "seed_x": "input (x)", "seed_y": "output (y)",
        "y_true": "truth (y_true)", "y_pred": "prediction (y_pred)",
        "fit_title": "{program}: the data and the model after {k} iterations", "data": "data (x, y)",
        "model": "model: {pred}(x) at {n} points, {params}",
        "preds": "the machine's predictions at the data points", "fit_loss": "loss = {value}",
        "x": "x", "y": "y", "value": "value", "fault_note": "the run stopped: {message} (step {step})",
    }),
    "zh": MappingProxyType({
        "iteration": "迭代次数", "step": "步", "loss": "损失", "loss_out": "损失(OUT 输出的值)",
        "loss_title": "{program}:每次迭代的损失", "reg_title": "{program}:每次迭代的 {reg}",
        "regs_title": "{program}:寄存器随{x}的变化", "last": "最后:{value}\n(第 {k} 次迭代)",
        "stopped": "停止:{message}(第 {k} 次迭代)", "diverged": "发散:{message}(第 {k} 次迭代)",
        "path_title": "{program}:小球滚下山 —— {params} 的 {n} 个迭代点",
        "landscape": "损失 L({p}),由机器在 {n} 个点上计算",
        "iterates": "迭代点({n} 个):{p} 及其损失", "start": "起点:{p} = {v}", "end": "终点:{p} = {v}\n(第 {k} 次迭代)",
        "contours_title": "{program}:({p1}, {p2}) 上的损失与 {n} 个迭代点的路径",
        "lr_title": "{program}:学习率的影响(每次迭代的损失)",
        "converged": "{k} 次迭代后收敛", "not_converged": "未收敛({k} 次迭代)",
        "lr_label": "学习率 lr = {rate}:{how}", "zero_hidden": "损失恰好为 0 的点无法画在对数坐标上",
        "seed_title": "预测值 vs 真实值", "seed_x": "输入 (x)", "seed_y": "输出 (y)",
        "y_true": "真实值 (y_true)", "y_pred": "预测值 (y_pred)",
        "fit_title": "{program}:数据与训练 {k} 次迭代后的模型", "data": "数据 (x, y)",
        "model": "模型:{pred}(x),{n} 个点,{params}",
        "preds": "机器在数据点上的预测值", "fit_loss": "损失 = {value}",
        "x": "x", "y": "y", "value": "值", "fault_note": "运行停止:{message}(第 {step} 步)",
    }),
})
FAULT_WORDS_ZH = MappingProxyType({
    "overflow": "溢出", "log-zero": "对零取对数", "log-negative": "对负数取对数", "division-by-zero": "除以零",
    "sqrt-negative": "对负数开平方", "step-limit": "达到步数上限", "unset-register": "读取了未赋值的寄存器",
    "index-out-of-range": "下标越界", "index-not-whole": "下标不是整数", "call-depth": "调用嵌套过深",
    "return-without-call": "没有调用就返回", "no-exact-result": "无法精确计算", "exact-too-large": "精确值过大"})


def short(v) -> str:
    """A number for a label: the CLI's own text when it is short (1.0, 0.01), else 6 significant digits."""
    if v is None:
        return "unset"
    text = repr(float(v))
    digits = sum(ch.isdigit() for ch in text.split("e")[0].lstrip("0.").replace(".", ""))
    return text if digits <= 6 else f"{v:.6g}"


def _words(lang: str) -> dict:
    if lang not in WORDS:
        raise UsageError(f"--lang {lang}: choose en or zh")
    return WORDS[lang]


def _fault_text(fault: dict, lang: str) -> str:
    if lang == "zh":
        return FAULT_WORDS_ZH.get(fault["code"], fault["message"])
    return fault["message"].split(":")[0]


# --- fonts ---------------------------------------------------------------------------------------------

def cjk_font() -> Optional[str]:
    """The family name of an installed font with Chinese characters, or None (looked for once per process)."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in known), None)
    if found is None:  # installed after matplotlib cached its font list: add them now
        for path in font_manager.findSystemFonts():
            if any(k in Path(path).name for k in ("CJK", "SourceHanSans", "wqy", "NotoSansSC")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        known = {f.name for f in font_manager.fontManager.ttflist}
        found = next((name for name in CJK_FONTS if name in known), None)
    return found


@contextmanager
def _style(lang: str):
    """Fonts for the labels made inside: a CJK family first for Chinese (digits and Latin fall back to it)."""
    family = ["DejaVu Sans"]
    if lang == "zh":
        cjk = cjk_font()
        family = [cjk, "DejaVu Sans"] if cjk else family
    with matplotlib.rc_context({"font.family": family, "axes.unicode_minus": False}):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
            yield


def _figure(size, dpi) -> tuple:
    fig = Figure(figsize=size or SIZE, dpi=dpi or DPI, layout="constrained")
    return fig, fig.add_subplot()


def _finish(ax, title: str, xlabel: str, ylabel: str, legend: bool = True, loc: str = "best") -> None:
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.35)
    if legend:
        ax.legend(loc=loc, framealpha=0.9)


def _fault_mark(ax, xs, ys, fault: dict, w: dict, lang: str, colour: str, words: str = "stopped") -> None:
    """A ✕ at the last value before a fault, with what happened."""
    last = next((k for k in range(len(ys) - 1, -1, -1) if ys[k] is not None), None)
    text = w[words].format(message=_fault_text(fault, lang), k=fault["iteration"])
    if last is None:
        ax.text(0.02, 0.02, text, transform=ax.transAxes, color=colour)
        return
    ax.plot([xs[last]], [ys[last]], marker="X", markersize=11, color=colour, linestyle="none", zorder=5,
            gid="fault")


def _decade_ticks(ax, lo: float, hi: float) -> None:
    """Log-scale limits and ticks set by hand: at most ~10 decades labelled, none near the float limit fails."""
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    every = max(1, math.ceil((b - a) / 10))
    ax.set_ylim(10.0 ** a, 10.0 ** b)
    ax.yaxis.set_major_locator(FixedLocator([10.0 ** k for k in range(a, b + 1, every)]))
    ax.yaxis.set_major_formatter(LogFormatterSciNotation())
    ax.yaxis.set_minor_locator(NullLocator())


def _scale(ax, values: list) -> None:
    """Log scale when the values are positive and span two decades or more."""
    pos = [v for v in values if v is not None and v > 0]
    if pos and len(pos) == len([v for v in values if v is not None]) and max(pos) / min(pos) >= 100:
        ax.set_yscale("log")
        _decade_ticks(ax, min(pos), max(pos))
    elif pos and max(pos) / min(pos) >= 100:
        ax.set_yscale("symlog", linthresh=min(pos))


# --- drawing each kind ---------------------------------------------------------------------------------

def draw(data: dict, lang: str = "en", size=None, dpi=None) -> "Figure":
    """A Figure for data from `pictures` (its "kind" says which)."""
    w = _words(lang)
    with _style(lang), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=RuntimeWarning)  # log axes near 1e308 overflow inside numpy
        return {"loss": _loss, "regs": _regs, "path": _path, "lr": _lr, "fit": _fit}[data["kind"]](
            data, w, lang, size, dpi)


def _loss(d: dict, w: dict, lang: str, size, dpi):
    fig, ax = _figure(size, dpi)
    xs, ys = d["x"], d["y"]
    reg = d["register"]
    label = reg or w["loss_out"]
    ax.plot(xs, [math.nan if v is None else v for v in ys], marker="." if len(xs) <= 300 else None,
            color=COLOURS[0], label=label, gid="values")
    _scale(ax, ys)
    if ys and ys[-1] is not None:  # below a falling curve, above a rising one: where the line is not
        falling = ys[0] is not None and ys[-1] <= ys[0]
        ax.annotate(w["last"].format(value=short(ys[-1]), k=xs[-1]), xy=(xs[-1], ys[-1]),
                    xytext=(-24, -30 if falling else 30), textcoords="offset points", ha="right",
                    va="top" if falling else "bottom", arrowprops={"arrowstyle": "->", "color": "0.3"}, gid="last")
    if d["fault"]:
        _fault_mark(ax, xs, ys, d["fault"], w, lang, COLOURS[3])
        ax.plot([], [], marker="X", color=COLOURS[3], linestyle="none",
                label=w["stopped"].format(message=_fault_text(d["fault"], lang), k=d["fault"]["iteration"]))
    title = w["reg_title"].format(program=d["program"], reg=reg) if reg else \
        w["loss_title"].format(program=d["program"])
    _finish(ax, title, w["iteration"], reg or w["loss"])
    return fig


def _regs(d: dict, w: dict, lang: str, size, dpi):
    names = d["registers"]
    fig = Figure(figsize=size or (SIZE[0], max(SIZE[1], 1.8 * len(names) + 1)), dpi=dpi or DPI,
                 layout="constrained")
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    x_word = w["step"] if d["at"] == "step" else w["iteration"]
    for k, (ax, name) in enumerate(zip(axes, names)):
        ys = d["y"][name]
        ax.plot(d["x"], [math.nan if v is None else v for v in ys], color=COLOURS[k % len(COLOURS)],
                marker="." if len(ys) <= 300 else None, label=name, gid=f"reg:{name}")
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.35)
        ax.legend(loc="best", framealpha=0.9)
        if d["fault"]:
            _fault_mark(ax, d["x"], ys, d["fault"], w, lang, COLOURS[3])
    axes[0].set_title(w["regs_title"].format(program=d["program"], x=x_word))
    axes[-1].set_xlabel(x_word)
    return fig


def _arrows(ax, xs, ys, colour: str, most: int = 40) -> None:
    """Arrows from iterate to iterate where a step is long enough to see (a thin line joins every one)."""
    pts = [(x, y) for x, y in zip(xs, ys) if x is not None and y is not None]
    if len(pts) < 2:
        return
    sx = (max(p[0] for p in pts) - min(p[0] for p in pts)) or 1.0
    sy = (max(p[1] for p in pts) - min(p[1] for p in pts)) or 1.0
    drawn = 0
    for a, b in zip(pts, pts[1:]):
        if math.hypot((b[0] - a[0]) / sx, (b[1] - a[1]) / sy) > 0.03 and drawn < most:
            ax.annotate("", xy=b, xytext=a, arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.2,
                                                        "shrinkA": 3, "shrinkB": 3}, zorder=4)
            drawn += 1


def _path(d: dict, w: dict, lang: str, size, dpi):
    if len(d["params"]) == 2:
        return _contours(d, w, lang, size, dpi)
    fig, ax = _figure(size, dpi)
    p = d["params"][0]
    grid, land = d["grid"][0], d["landscape"]
    its, loss = d["iterates"][0], d["loss"]
    ax.plot(grid, [math.nan if v is None else v for v in land], color="0.45", lw=2,
            label=w["landscape"].format(p=p, n=len(grid)), gid="landscape")
    ax.plot(its, loss, color=COLOURS[3], lw=0.8, alpha=0.6, zorder=3)
    ax.plot(its, loss, "o", color=COLOURS[3], markersize=4, zorder=4,
            label=w["iterates"].format(n=len(its), p=p), gid="iterates")
    _arrows(ax, its, loss, COLOURS[3])
    ax.annotate(w["start"].format(p=p, v=short(its[0])), xy=(its[0], loss[0]), xytext=(14, 4),
                textcoords="offset points", gid="start")
    ax.annotate(w["end"].format(p=p, v=short(its[-1]), k=len(its) - 1), xy=(its[-1], loss[-1]), xytext=(0, 36),
                textcoords="offset points", ha="center", arrowprops={"arrowstyle": "->", "color": "0.3"},
                gid="end")
    if d["fault"]:
        _fault_mark(ax, its, loss, d["fault"], w, lang, COLOURS[3])
    _finish(ax, w["path_title"].format(program=d["program"], n=len(its), params=p), p, w["loss"], loc="upper center")
    return fig


def _contours(d: dict, w: dict, lang: str, size, dpi):
    from matplotlib.colors import LogNorm
    fig, ax = _figure(size, dpi)
    p1, p2 = d["params"]
    gx, gy = d["grid"]
    z = [[math.nan if v is None else v for v in row] for row in d["landscape"]]
    flat = [v for row in z for v in row if v == v and v > 0]
    if flat and max(flat) / min(flat) >= 100:
        lo, hi = math.floor(math.log10(min(flat))), math.ceil(math.log10(max(flat)))
        levels = [10 ** (lo + (hi - lo) * k / 24) for k in range(25)]
        filled = ax.contourf(gx, gy, z, levels=levels, norm=LogNorm(10 ** lo, 10 ** hi), cmap="viridis")
        ax.contour(gx, gy, z, levels=[10 ** k for k in range(lo, hi + 1)], colors="white", linewidths=0.4,
                   alpha=0.5)
    else:
        filled = ax.contourf(gx, gy, z, levels=24, cmap="viridis")
    filled.set_gid("landscape")
    bar = fig.colorbar(filled, ax=ax)
    if flat and max(flat) / min(flat) >= 100:
        bar.set_ticks([10.0 ** k for k in range(lo, hi + 1)])
        bar.ax.yaxis.set_major_formatter(LogFormatterSciNotation())
        bar.ax.yaxis.set_minor_locator(NullLocator())
    bar.set_label(w["landscape"].format(p=f"{p1}, {p2}", n=f"{len(gx)} × {len(gy)}"))
    xs, ys = d["iterates"]
    ax.plot(xs, ys, color=COLOURS[3], lw=1, zorder=3)
    ax.plot(xs, ys, "o", color=COLOURS[3], markersize=2.5, zorder=4,
            label=w["iterates"].format(n=len(xs), p=f"({p1}, {p2})"), gid="iterates")
    _arrows(ax, xs, ys, "white", most=25)
    box = {"boxstyle": "round", "fc": "white", "alpha": 0.85}
    ax.annotate(w["start"].format(p=f"({p1}, {p2})", v=f"({short(xs[0])}, {short(ys[0])})"), xy=(xs[0], ys[0]),
                xytext=(12, -18), textcoords="offset points", bbox=box, gid="start")
    ax.annotate(w["end"].format(p=f"({p1}, {p2})", v=f"({short(xs[-1])}, {short(ys[-1])})", k=len(xs) - 1),
                xy=(xs[-1], ys[-1]), xytext=(24, -24), textcoords="offset points", ha="left", va="top", bbox=box,
                arrowprops={"arrowstyle": "->", "color": "white"}, gid="end")
    if d["fault"]:
        _fault_mark(ax, xs, ys, d["fault"], w, lang, COLOURS[3])
    _finish(ax, w["contours_title"].format(program=d["program"], p1=p1, p2=p2, n=len(xs)), p1, p2,
            loc="lower right")
    return fig


def _lr(d: dict, w: dict, lang: str, size, dpi):
    fig, ax = _figure(size, dpi)
    ax.set_yscale("log")
    kept, first, zero = [], [], False
    for k, run in enumerate(d["runs"]):
        ys = run["y"]
        zero = zero or any(v is not None and v <= 0 for v in ys)
        if run["fault"]:
            how = w["diverged" if run["fault"]["code"] == "overflow" else "stopped"].format(
                message=_fault_text(run["fault"], lang), k=run["fault"]["iteration"])
            first += [v for v in ys[:5] if v is not None and v > 0]
        else:
            how = w["converged" if run["converged"] else "not_converged"].format(k=run["iterations"])
            kept += [v for v in ys if v is not None and v > 0]
        colour = COLOURS[k % len(COLOURS)]
        ax.plot(run["x"], [math.nan if v is None else v for v in ys], color=colour, lw=1.6,
                label=w["lr_label"].format(rate=run["rate"], how=how), gid=f"lr:{run['rate']}")
    seen = kept + first or [1.0]
    lo, hi = min(seen), max(seen)
    _decade_ticks(ax, lo, hi if hi > lo else lo * 10)
    top = ax.get_ylim()[1]
    for k, run in enumerate(d["runs"]):
        if not run["fault"]:
            continue
        ys = run["y"]
        last = next((j for j in range(len(ys) - 1, -1, -1) if ys[j] is not None), None)
        colour = COLOURS[k % len(COLOURS)]
        if last is None:
            continue
        if ys[last] <= top:
            ax.plot([run["x"][last]], [ys[last]], marker="X", markersize=11, color=colour, zorder=5,
                    linestyle="none", gid=f"fault:{run['rate']}")
        else:  # off the top of the axes: the ✕ sits on the edge, with the value it reached
            ax.plot([run["x"][last]], [1.0], marker="X", markersize=11, color=colour, zorder=5, clip_on=False,
                    transform=ax.get_xaxis_transform(), linestyle="none", gid=f"fault:{run['rate']}")
            ax.annotate(f"↑ {short(ys[last])}", xy=(run["x"][last], 1.0), xycoords=ax.get_xaxis_transform(),
                        xytext=(0, -16), textcoords="offset points", ha="center", color=colour)
    ax.set_xlim(0, max((len(r["x"]) for r in d["runs"]), default=1) * 1.02 or 1)
    ax.title.set_y(1.03)  # room for a ✕ on the top edge
    if zero:
        ax.text(0.99, 0.01, w["zero_hidden"], transform=ax.transAxes, ha="right", va="bottom", fontsize=8,
                color="0.4")
    _finish(ax, w["lr_title"].format(program=d["program"]), w["iteration"], w["loss"], loc="upper right")
    return fig


def _fit(d: dict, w: dict, lang: str, size, dpi):
    if d["mode"] == "seed":
        return _seed(d, w, size, dpi)
    fig, ax = _figure(size, dpi)
    ax.plot(d["x"], d["y"], "o", color=COLOURS[0], label=w["data"], gid="data")
    params = ", ".join(f"{k} = {short(v)}" for k, v in d["params"].items()) or "-"
    ax.plot(d["curve_x"], d["curve_y"], color=COLOURS[1], lw=2,
            label=w["model"].format(pred=d["prediction"], n=len(d["curve_x"]), params=params), gid="model")
    ax.plot(d["x"][:len(d["pred"])], d["pred"], "X", color=COLOURS[3], markersize=8, label=w["preds"],
            gid="predictions")
    for x, y, p in zip(d["x"], d["y"], d["pred"]):
        if None not in (y, p):
            ax.plot([x, x], [y, p], color=COLOURS[3], lw=0.8, alpha=0.5)
    if d["fault"]:
        ax.text(0.02, 0.02, w["fault_note"].format(message=d["fault"]["message"], step=d["fault"]["step"]),
                transform=ax.transAxes, va="bottom", color=COLOURS[3])
    _finish(ax, w["fit_title"].format(program=d["program"], k=d["iterations"]), w["x"], w["y"], legend=False)
    legend = ax.legend(loc="best", framealpha=0.9, title=None if d["loss"] is None else
                       w["fit_loss"].format(value=short(d["loss"])))
    legend.get_title().set_color("green")
    legend.get_title().set_gid("loss")
    return fig


def _seed(d: dict, w: dict, size, dpi):
    """The seed's own section-2 figure: its colours, labels and 'Loss:' text, from the machine's values."""
    fig = Figure(figsize=size or (8, 6), dpi=dpi or DPI, layout="constrained")
    ax = fig.add_subplot()
    x, yt, yp = d["x"], d["y_true"], d["y_pred"]
    ax.plot([x], [yt], "ro", label=w["y_true"], gid="y_true")
    ax.plot([x], [yp], "bo", label=w["y_pred"], gid="y_pred")
    if d["loss"] is not None:
        ax.text(x, yp - 0.5, f"Loss: {short(d['loss'])}", fontsize=12, color="green", ha="center", gid="loss")
    lo, hi = min(yt, yp - 0.5), max(yt, yp)
    pad = max(0.5, (hi - lo) * 0.15)
    ax.set_ylim(lo - pad, hi + pad)
    _finish(ax, w["seed_title"], w["seed_x"], w["seed_y"])
    return fig


# --- the API -------------------------------------------------------------------------------------------

def _program(program) -> Program:
    if isinstance(program, (str, bytes)):
        from .assembler import assemble
        return assemble(program)
    if not isinstance(program, Program):
        raise UsageError(f"program must be a Program or gdasm text, not {type(program).__name__}")
    return program


def loss(program, y: Optional[str] = None, every=None, lang: str = "en", size=None, dpi=None, **run) -> "Figure":
    """The OUT values per iteration (or register y at each OUT, or where the loop passes `every`)."""
    return draw(pictures.loss(_program(program), y, every, **run), lang, size, dpi)


def path(program, param="w", lang: str = "en", size=None, dpi=None, **run) -> "Figure":
    """The loss landscape over one parameter (a curve) or two (contours), with the iterates rolling down it."""
    return draw(pictures.path(_program(program), param, **run), lang, size, dpi)


def lr(program, rates=None, lang: str = "en", size=None, dpi=None, **run) -> "Figure":
    """The loss per iteration for several learning rates on one log-scale plot."""
    return draw(pictures.lr(_program(program), rates, **run), lang, size, dpi)


def fit(program, pred: Optional[str] = None, lang: str = "en", size=None, dpi=None, **run) -> "Figure":
    """The data and the model's predictions after the run, with the loss (absolute_loss: the seed's figure)."""
    return draw(pictures.fit(_program(program), pred, **run), lang, size, dpi)


def regs(program, y, every=None, lang: str = "en", size=None, dpi=None, **run) -> "Figure":
    """Chosen registers against the iteration (or the step, for a program that never prints)."""
    names = [n.strip() for n in y.split(",")] if isinstance(y, str) else list(y)
    return draw(pictures.regs(_program(program), names, every, **run), lang, size, dpi)


def save(fig: "Figure", path, lang: str = "en") -> Path:
    """Write a Figure as PNG, SVG or PDF (by the file's suffix). SVG keeps text as text, so a browser draws
    Chinese with its own fonts; PNG and PDF need a CJK font for Chinese labels."""
    path = Path(path)
    fmt = check_font(path, lang)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "gdasm", "pdf.fonttype": 42}):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
            warnings.filterwarnings("ignore", category=RuntimeWarning)
            fig.savefig(path, format=fmt, metadata=_metadata(fmt))
    return path


def check_font(path, lang: str) -> str:
    """The file's format; a UsageError if it cannot be written in this language (Chinese with no CJK font)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageError(f"-o {path.name}: a picture is written as .png, .svg or .pdf")
    if lang == "zh" and fmt != "svg" and cjk_font() is None:
        raise UsageError("no font with Chinese characters is installed, so a PNG or PDF with --lang zh would show "
                         "empty boxes: install one (Debian/Ubuntu: apt-get install fonts-noto-cjk), or write "
                         ".svg, which keeps the text as text for the browser to draw")
    return fmt


def _metadata(fmt: str) -> dict:
    """No date or version in the file, so the same picture gives the same bytes."""
    if fmt == "png":
        return {"Software": None}
    if fmt == "svg":
        return {"Date": None, "Creator": None}
    return {"CreationDate": None, "Producer": None, "Creator": None}
