"""Pictures of runs, drawn with matplotlib (the optional extra `gdasm[plot]`): loss, path, lr, fit and regs.

Each public function runs the machine (through `pictures`, which computes every plotted number) and returns a
matplotlib `Figure`, made without pyplot, so nothing is global and a notebook shows it as it is. `save()` writes
one as PNG, SVG or PDF. `import vm` does not import this module; `vm.plot` loads it on first use.
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Optional

from . import i18n, pictures, report
from .errors import UsageError
from .assembler import as_program
from .i18n import mark, nmark, tr
from .render import safe

try:
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, LogFormatterSciNotation, NullLocator
except ImportError as _missing:  # pragma: no cover - exercised by a test that hides matplotlib
    raise ImportError("pictures need matplotlib: install the extra with  pip install 'gdasm[plot]'") from _missing

FORMATS = ("png", "svg", "pdf")
SIZE, DPI = (8.0, 5.0), 150
MIN_INCHES, MAX_INCHES, MIN_DPI, MAX_DPI = 1, 50, 10, 1200
MAX_PIXELS = 10_000  # a side: 100 megapixels is the most a picture may take (about 400 MB to draw)
BIG = 1e300  # y-limits stay well inside the doubles
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Noto Sans CJK JP", "Source Han Sans",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC")
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")

# The pictures' words, translated where a picture is drawn, into its language (vm/i18n.py; the Chinese are in
# vm/locale): a count's words are singular and plural.
WORDS = MappingProxyType({
    "iteration": mark("iteration"),
    "step": mark("step"),
    "loss": mark("loss"),
    "loss_out": mark("loss (the value OUT prints)"),
    "loss_title": mark("{program}: loss per iteration"),
    "reg_title": mark("{program}: {reg} per iteration"),
    "at_title": mark("{program}: {reg} each time line {line} starts"),
    "at_x": mark("passes of line {line}, from 0"),
    "regs_title": mark("{program}: registers per {x}"),
    "last": mark("last {eq}\n(iteration {k})"),
    "last_at": mark("last {eq}\n(pass {k} of line {line})"),
    "stopped": mark("stopped: {message} at iteration {k}"),
    "diverged": mark("diverged: {message} at iteration {k}"),
    "path_title": nmark("{program}: the ball rolling down the hill — {n} iterate of {params}", "{program}: the ball rolling down the hill — {n} iterates of {params}"),
    "landscape": mark("loss L({p}), computed by the machine at {n} points"),
    "iterates": nmark("iterate ({n}): {p} and its loss", "iterates ({n}): {p} and its loss"),
    "iterates2": nmark("iterate ({n}) of {p}", "iterates ({n}) of {p}"),
    "start": mark("start: {p} {eq}"),
    "end": mark("end: {p} {eq}\n(iteration {k})"),
    "contours_title": nmark("{program}: loss over ({p1}, {p2}) and the path of {n} iterate", "{program}: loss over ({p1}, {p2}) and the path of {n} iterates"),
    "lr_title": mark("{program}: the learning rate decides (loss per iteration)"),
    "converged": nmark("converged in {k} iteration", "converged in {k} iterations"),
    "not_converged": nmark("not converged ({k} iteration)", "not converged ({k} iterations)"),
    "finished": nmark("finished after {k} iteration", "finished after {k} iterations"),
    "curve_note": mark("no curve: re-running the program with its trained registers does not reproduce its predictions (does it set a parameter itself?)"),
    "lr_label": mark("lr = {rate}: {how}"),
    "seed_title": mark("prediction vs truth"),
    "seed_x": mark("input (x)"),
    "seed_y": mark("output (y)"),
    "y_true": mark("truth (y_true)"),
    "y_pred": mark("prediction (y_pred)"),
    "fit_title": nmark("{program}: the data and the model after {k} iteration", "{program}: the data and the model after {k} iterations"),
    "data": mark("data (x, y)"),
    "model": mark("model: {pred}(x) at {n} points, {params}"),
    "preds": mark("the machine's predictions at the data points"),
    "fit_loss": mark("loss {eq}"),
    "x": mark("x"),
    "y": mark("y"),
    "value": mark("value"),
    "fault_note": mark("the run stopped: {message} (step {step})"),
})
# A fault in a picture's legend, by its code: a few words (the message itself is longer).
FAULT_WORDS = MappingProxyType({
    "overflow": mark("overflow"),
    "log-zero": mark("logarithm of zero"),
    "log-negative": mark("logarithm of a negative number"),
    "division-by-zero": mark("division by zero"),
    "sqrt-negative": mark("square root of a negative number"),
    "step-limit": mark("step limit reached"),
    "unset-register": mark("a register read before it is written"),
    "index-out-of-range": mark("index out of range"),
    "index-not-whole": mark("index not a whole number"),
    "call-depth": mark("calls nested too deep"),
    "return-without-call": mark("return without a call"),
    "no-exact-result": mark("no exact result"),
    "exact-too-large": mark("exact value too large"),
})


def short(v) -> str:
    """A number for a label: the CLI's own text when it is short (1.0, 0.01), else 6 significant digits."""
    if v is None:
        return "unset"
    text = repr(float(v))
    digits = sum(ch.isdigit() for ch in text.split("e")[0].lstrip("0.").replace(".", ""))
    return text if digits <= 6 else f"{v:.6g}"


def _eq(*values) -> str:
    """'= 1.0' when the label shows the machine's value exactly, '≈ 2' when it is rounded (w = 1.99999994…),
    so a picture never passes a rounded number off as exact; several values are shown as a tuple."""
    texts = [short(v) for v in values]
    exact = all(v is not None and t == repr(float(v)) for v, t in zip(values, texts))
    shown = texts[0] if len(texts) == 1 else f"({', '.join(texts)})"
    return ("= " if exact else "≈ ") + shown


class _Words:
    """The pictures' words in one language: w[key] a phrase, w.say(key, ...) one with its values."""

    def __init__(self, lang: str):
        self.lang = lang

    def __getitem__(self, key: str) -> str:
        return i18n.say(WORDS[key], self.lang)


def _words(lang: str) -> _Words:
    if lang not in i18n.LANGS:
        raise UsageError(tr("--lang {lang}: choose en or zh", lang=safe(str(lang))))
    return _Words(lang)


def _tex(text: str) -> str:
    """Text shown as written: matplotlib reads $...$ as TeX, so a `$` in a file or register name is escaped."""
    return text.replace("$", r"\$")


def _say(w: _Words, key: str, **kw) -> str:
    """A phrase with its numbers (and names, shown as written); a count's phrase agrees with the count given as
    n or k."""
    return i18n.say(WORDS[key], w.lang, **{k: _tex(v) if isinstance(v, str) else v for k, v in kw.items()})


def _fault_text(fault: dict, lang: str) -> str:
    """A fault in a few words: English says its message up to any colon; a translation, its code's words."""
    if lang != "en" and fault["code"] in FAULT_WORDS:
        return i18n.say(FAULT_WORDS[fault["code"]], lang)
    return fault["message"].split(":")[0]


def _fault_words(fault: dict, w: dict, lang: str) -> str:
    words = "diverged" if fault["code"] == "overflow" else "stopped"
    return _say(w, words, message=_fault_text(fault, lang), k=fault["iteration"])


def check_size(size, dpi) -> tuple:
    """(width, height) in inches and dots per inch, checked: at least 1 inch, at most MAX_PIXELS a side."""
    if size is None:
        size = SIZE
    ok = isinstance(size, (tuple, list)) and len(size) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and MIN_INCHES <= v <= MAX_INCHES for v in size)
    if not ok:
        raise UsageError(tr("size must be (width, height) in inches, each from {MIN_INCHES} to {MAX_INCHES}, not "
                            "{size}", MIN_INCHES=MIN_INCHES, MAX_INCHES=MAX_INCHES, size=safe(repr(size))[:40]))
    dpi = DPI if dpi is None else dpi
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not MIN_DPI <= dpi <= MAX_DPI:
        raise UsageError(tr("dpi must be a whole number from {MIN_DPI} to {MAX_DPI}, not {dpi}",
                            MIN_DPI=MIN_DPI, MAX_DPI=MAX_DPI, dpi=safe(repr(dpi))[:40]))
    if max(size) * dpi > MAX_PIXELS:
        raise UsageError(tr("a {size:g} × {size2:g} inch picture at {dpi} dots per inch would be {n:,} × {n2:,} "
                            "pixels; at most {MAX_PIXELS:,} a side",
                            size=size[0], size2=size[1], dpi=dpi, n=round(size[0] * dpi), n2=round(size[1] * dpi),
                            MAX_PIXELS=MAX_PIXELS))
    return tuple(float(v) for v in size), dpi


# --- fonts ---------------------------------------------------------------------------------------------

def cjk_font() -> Optional[str]:
    """The family name of an installed font with Chinese characters, or None."""
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
def _quiet():
    """matplotlib's own warnings (a tight layout on a tiny figure, an overflow near 1e308) are not gdasm's
    messages: the picture is made, and gdasm's errors say what went wrong."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@contextmanager
def _style(lang: str):
    """Fonts for the labels made inside: a CJK family first for Chinese (digits and Latin fall back to it).
    Names in the text go through _tex, so a `$` in them is not TeX."""
    family = ["DejaVu Sans"]
    if lang == "zh":
        cjk = cjk_font()
        family = [cjk, "DejaVu Sans"] if cjk else family
    with matplotlib.rc_context({"font.family": family, "axes.unicode_minus": False}):
        with _quiet():
            yield


def _figure(size, dpi) -> tuple:
    fig = Figure(figsize=size, dpi=dpi, layout="constrained")
    return fig, fig.add_subplot()


def _finish(ax, title: str, xlabel: str, ylabel: str, legend: bool = True, loc: str = "best") -> None:
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.35)
    if legend:
        ax.legend(loc=loc, framealpha=0.9)


def _nan(values) -> list:
    return [math.nan if v is None else v for v in values]


def _fault_mark(ax, xs, ys, fault: dict, w: dict, lang: str, colour: str) -> None:
    """A ✕ at the last value before a fault, and a legend entry saying what happened."""
    last = next((k for k in range(len(ys) - 1, -1, -1) if ys[k] is not None), None)
    if last is not None:
        ax.plot([xs[last]], [ys[last]], marker="X", markersize=11, color=colour, linestyle="none", zorder=5,
                markeredgecolor="white", clip_on=False, gid="fault")
    ax.plot([], [], marker="X", markersize=9, color=colour, linestyle="none", label=_fault_words(fault, w, lang))


def _decade_ticks(ax, lo: float, hi: float) -> None:
    """Log-scale limits and ticks set by hand: at most ~10 decades labelled, none near the float limit fails."""
    a = max(math.floor(math.log10(lo)), -323)
    b = min(max(math.ceil(math.log10(hi)), a + 1), 308)
    every = max(1, math.ceil((b - a) / 10))
    ax.set_ylim(10.0 ** a, 10.0 ** b)
    first = a + (-a) % every  # ticks at multiples of the spacing: 10⁻⁶, 10⁻³, 10⁰, …
    ax.yaxis.set_major_locator(FixedLocator([10.0 ** k for k in range(first, b + 1, every)]))
    ax.yaxis.set_major_formatter(LogFormatterSciNotation())
    ax.yaxis.set_minor_locator(NullLocator())


def _scale(ax, values: list) -> None:
    """Log scale when the values are positive and span two decades or more; symmetric log when some are not
    positive but the others span decades."""
    given = [v for v in values if v is not None]
    pos = [v for v in given if v > 0]
    if not pos or max(pos) / min(pos) < 100:
        return
    if len(pos) == len(given):
        ax.set_yscale("log")
        _decade_ticks(ax, min(pos), max(pos))
    else:
        ax.set_yscale("symlog", linthresh=min(pos))


# --- drawing each kind ---------------------------------------------------------------------------------

def draw(data: dict, lang: str = "en", size=None, dpi=None) -> "Figure":
    """A Figure for data from `pictures` (its "kind" says which)."""
    w = _words(lang)
    size, dpi = check_size(size, dpi)
    with _style(lang):
        fig = {"loss": _loss, "regs": _regs, "path": _path, "lr": _lr, "fit": _fit}[data["kind"]](
            data, w, lang, size, dpi)
    fig.gdasm_lang = lang  # save() checks a Chinese picture has its font
    return fig


def _loss(d: dict, w: dict, lang: str, size, dpi):
    fig, ax = _figure(size, dpi)
    xs, ys = d["x"], d["y"]
    reg = d["register"]
    ax.plot(xs, _nan(ys), marker="." if len(xs) <= 300 else None, color=COLOURS[0],
            label=_tex(reg) if reg else w["loss_out"],
            gid="values")
    _scale(ax, ys)
    line = d.get("line")
    if ys and ys[-1] is not None:  # above the end of a falling curve, below a rising one: where the line is not
        first = next((v for v in ys if v is not None), ys[-1])
        falling = ys[-1] <= first
        last = _say(w, "last", eq=_eq(ys[-1]), k=xs[-1]) if line is None else \
            _say(w, "last_at", eq=_eq(ys[-1]), k=xs[-1], line=line)
        ax.annotate(last, xy=(xs[-1], ys[-1]),
                    xytext=(0.96, 0.55 if falling else 0.15), textcoords="axes fraction", ha="right",
                    arrowprops={"arrowstyle": "->", "color": "0.3"}, gid="last")
    if d["fault"]:
        _fault_mark(ax, xs, ys, d["fault"], w, lang, COLOURS[3])
    if line is not None:
        title = _say(w, "at_title", program=d["program"], reg=reg, line=line)
    else:
        title = _say(w, "reg_title", program=d["program"], reg=reg) if reg else \
            _say(w, "loss_title", program=d["program"])
    _finish(ax, title, _say(w, "at_x", line=line) if line is not None else w["iteration"],
            _tex(reg) if reg else w["loss"])
    return fig


def _regs(d: dict, w: dict, lang: str, size, dpi):
    names = d["registers"]
    fig = Figure(figsize=(size[0], max(size[1], min(1.8 * len(names) + 1, MAX_PIXELS / dpi))), dpi=dpi,
                 layout="constrained")
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    x_word = w["step"] if d["at"] == "step" else w["iteration"] if d.get("line") is None else \
        _say(w, "at_x", line=d["line"])
    for k, (ax, key) in enumerate(zip(axes, names)):
        ys, name = d["y"][key], _tex(key)
        ax.plot(d["x"], _nan(ys), color=COLOURS[k % len(COLOURS)], marker="." if len(ys) <= 300 else None,
                label=name, gid=f"reg:{key}")
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.35)
        if d["fault"]:
            _fault_mark(ax, d["x"], ys, d["fault"], w, lang, COLOURS[3])
        ax.legend(loc="best", framealpha=0.9)
    axes[0].set_title(_say(w, "regs_title", program=d["program"], x=x_word))
    axes[-1].set_xlabel(x_word)
    return fig


def _arrows(ax, xs, ys, colour: str, most: int = 40) -> None:
    """Arrows from iterate to iterate where a step is long enough to see (a thin line joins every one)."""
    pts = [(x, y) for x, y in zip(xs, ys) if x is not None and y is not None]
    if len(pts) < 2:
        return
    sx = (max(p[0] for p in pts) / 2 - min(p[0] for p in pts) / 2) or 1.0
    sy = (max(p[1] for p in pts) / 2 - min(p[1] for p in pts) / 2) or 1.0
    drawn = 0
    for a, b in zip(pts, pts[1:]):
        if drawn < most and math.hypot(b[0] / sx - a[0] / sx, b[1] / sy - a[1] / sy) > 0.06:
            ax.annotate("", xy=b, xytext=a, arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.2,
                                                        "shrinkA": 3, "shrinkB": 3}, zorder=4)
            drawn += 1


def _path(d: dict, w: dict, lang: str, size, dpi):
    if len(d["params"]) == 2:
        return _contours(d, w, lang, size, dpi)
    fig, ax = _figure(size, dpi)
    p = d["params"][0]  # raw for _say, which escapes it; _tex(p) where it is shown directly
    grid, land = d["grid"][0], d["landscape"]
    its, loss = d["iterates"][0], d["loss"]
    ax.plot(grid, _nan(land), color="0.45", lw=2, label=_say(w, "landscape", p=p, n=len(grid)), gid="landscape")
    ax.plot(its, _nan(loss), color=COLOURS[3], lw=0.8, alpha=0.6, zorder=3)
    ax.plot(its, _nan(loss), "o", color=COLOURS[3], markersize=4, zorder=4,
            label=_say(w, "iterates", n=len(its), p=p), gid="iterates")
    _arrows(ax, its, loss, COLOURS[3])
    ax.annotate(_say(w, "start", p=p, eq=_eq(its[0])), xy=(its[0], loss[0]), xytext=(14, 4),
                textcoords="offset points", gid="start")
    if len(its) > 1:
        ax.annotate(_say(w, "end", p=p, eq=_eq(its[-1]), k=len(its) - 1), xy=(its[-1], loss[-1]), xytext=(0, 36),
                    textcoords="offset points", ha="center", arrowprops={"arrowstyle": "->", "color": "0.3"},
                    gid="end")
    if d["fault"]:
        _fault_mark(ax, its, loss, d["fault"], w, lang, COLOURS[3])
    _finish(ax, _say(w, "path_title", program=d["program"], n=len(its), params=p), _tex(p), w["loss"])
    return fig


def _contours(d: dict, w: dict, lang: str, size, dpi):
    from matplotlib.colors import LogNorm
    fig, ax = _figure(size, dpi)
    p1, p2 = d["params"]
    gx, gy = d["grid"]
    z = [_nan(row) for row in d["landscape"]]
    flat = [v for row in z for v in row if v == v and v > 0]
    logs = bool(flat) and max(flat) / min(flat) >= 100 and len(flat) == sum(v == v for row in z for v in row)
    if logs:
        lo, hi = max(math.floor(math.log10(min(flat))), -323), min(math.ceil(math.log10(max(flat))), 308)
        levels = [10 ** (lo + (hi - lo) * k / 24) for k in range(25)]
        filled = ax.contourf(gx, gy, z, levels=levels, norm=LogNorm(10.0 ** lo, 10.0 ** hi), cmap="viridis")
        ax.contour(gx, gy, z, levels=[10.0 ** k for k in range(lo, hi + 1)], colors="white", linewidths=0.4,
                   alpha=0.5)
    else:
        filled = ax.contourf(gx, gy, z, levels=24, cmap="viridis")
    filled.set_gid("landscape")
    bar = fig.colorbar(filled, ax=ax)
    if logs:
        bar.set_ticks([10.0 ** k for k in range(lo, hi + 1)])
        bar.ax.yaxis.set_major_formatter(LogFormatterSciNotation())
        bar.ax.yaxis.set_minor_locator(NullLocator())
    bar.set_label(_say(w, "landscape", p=f"{p1}, {p2}", n=f"{len(gx)} × {len(gy)}"))
    xs, ys = d["iterates"]
    ax.plot(xs, ys, color=COLOURS[3], lw=1, zorder=3)
    ax.plot(xs, ys, "o", color=COLOURS[3], markersize=2.5, zorder=4,
            label=_say(w, "iterates2", n=len(xs), p=f"({p1}, {p2})"), gid="iterates")
    _arrows(ax, xs, ys, "white", most=25)
    box = {"boxstyle": "round", "fc": "white", "alpha": 0.85}
    ax.annotate(_say(w, "start", p=f"({p1}, {p2})", eq=_eq(xs[0], ys[0])), xy=(xs[0], ys[0]),
                xytext=(12, -18), textcoords="offset points", bbox=box, gid="start")
    if len(xs) > 1:
        ax.annotate(_say(w, "end", p=f"({p1}, {p2})", eq=_eq(xs[-1], ys[-1]), k=len(xs) - 1),
                    xy=(xs[-1], ys[-1]), xytext=(24, -24), textcoords="offset points", ha="left", va="top",
                    bbox=box, arrowprops={"arrowstyle": "->", "color": "white"}, gid="end")
    if d["fault"]:
        _fault_mark(ax, xs, ys, d["fault"], w, lang, COLOURS[3])
    _finish(ax, _say(w, "contours_title", program=d["program"], p1=p1, p2=p2, n=len(xs)), _tex(p1), _tex(p2),
            loc="lower right")
    return fig


def _lr(d: dict, w: dict, lang: str, size, dpi):
    fig, ax = _figure(size, dpi)
    kept, first, nonpositive = [], [], False
    for k, run in enumerate(d["runs"]):
        ys = run["y"]
        nonpositive = nonpositive or any(v is not None and v <= 0 for v in ys)
        if run["fault"]:
            how = _fault_words(run["fault"], w, lang)
            first += [v for v in ys[:5] if v is not None]
        else:
            how = _say(w, run["ended"].replace(" ", "_"), k=run["iterations"])
            kept += [v for v in ys if v is not None]
        ax.plot(run["x"], _nan(ys), color=COLOURS[k % len(COLOURS)], lw=1.6,
                label=_say(w, "lr_label", rate=run["rate"], how=how), gid=f"lr:{run['rate']}")
    seen = kept or first
    pos = [v for v in seen if v > 0]
    logs = not nonpositive and bool(pos)
    if logs:
        ax.set_yscale("log")
        _decade_ticks(ax, min(pos), max(pos) if max(pos) > min(pos) else min(pos) * 10)
    elif pos:  # zero or negative losses: a log scale cannot show them
        ax.set_yscale("symlog", linthresh=min(pos))
    if seen and not logs:
        lo, hi = min(seen), max(seen)
        pad = (hi / 2 - lo / 2) * 0.2 or max(abs(lo) * 0.1, 1.0)
        ax.set_ylim(max(lo - pad, -BIG), min(hi + pad, BIG))
    right = max((len(r["x"]) for r in d["runs"]), default=1) * 1.02 or 1
    ax.set_xlim(0, right)
    top = ax.get_ylim()[1]
    above = 0
    for k, run in enumerate(d["runs"]):
        ys = run["y"]
        last = next((j for j in range(len(ys) - 1, -1, -1) if ys[j] is not None), None) if run["fault"] else None
        if last is None:
            continue
        colour = COLOURS[k % len(COLOURS)]
        mark = {"marker": "X", "markersize": 11, "color": colour, "markeredgecolor": "white", "zorder": 6,
                "linestyle": "none", "clip_on": False, "gid": f"fault:{run['rate']}"}
        if ys[last] <= top:
            ax.plot([run["x"][last]], [ys[last]], **mark)
            continue
        # Off the top of the axes: a dashed line along the top edge from where the run leaves the picture to
        # its ✕, and the value it reached beside the ✕ (one line of text a run, so two never overlap).
        edge = ax.get_xaxis_transform()
        gone = next(j for j, v in enumerate(ys) if v is not None and v > top)
        ax.plot([run["x"][gone], run["x"][last]], [1.0, 1.0], transform=edge, color=colour, lw=1.6,
                linestyle=(0, (4, 3)), clip_on=False, zorder=5)
        ax.plot([run["x"][last]], [1.0], transform=edge, **mark)
        at_right = run["x"][last] > 0.7 * right
        ax.annotate(f"↑ {short(ys[last])}", xy=(run["x"][last], 1.0), xycoords=edge, color=colour,
                    xytext=(-8 if at_right else 8, -16 - 14 * above), textcoords="offset points",
                    ha="right" if at_right else "left")
        above += 1
    ax.set_title(_say(w, "lr_title", program=d["program"]), pad=16)  # room for a ✕ on the top edge
    ax.set_xlabel(w["iteration"])
    ax.set_ylabel(w["loss"])
    ax.grid(True, alpha=0.35)
    fig.legend(loc="outside lower center", ncols=2 if len(d["runs"]) > 4 else 1)  # below: over no curve
    return fig


def _fit(d: dict, w: dict, lang: str, size, dpi):
    if d["mode"] == "seed":
        return _seed(d, w, lang, size, dpi)
    fig, ax = _figure(size, dpi)
    ax.plot(d["x"], _nan(d["y"]), "o", color=COLOURS[0], markersize=10, markerfacecolor="none", markeredgewidth=1.8,
            label=w["data"], gid="data")  # rings: a prediction on the data point shows inside it
    params = ", ".join(f"{k} {_eq(v)}" for k, v in d["params"].items()) or "-"
    if d["curve_x"]:
        ax.plot(d["curve_x"], _nan(d["curve_y"]), color=COLOURS[1], lw=2,
                label=_say(w, "model", pred=d["prediction"], n=len(d["curve_x"]), params=params), gid="model")
    ax.plot(d["x"][:len(d["pred"])], _nan(d["pred"]), "X", color=COLOURS[3], markersize=8, label=w["preds"],
            gid="predictions")
    for x, y, p in zip(d["x"], d["y"], d["pred"]):
        if None not in (x, y, p):
            ax.plot([x, x], [y, p], color=COLOURS[3], lw=0.8, alpha=0.5)
    _finish(ax, _say(w, "fit_title", program=d["program"], k=d["iterations"]), w["x"], w["y"], legend=False)
    heading = [] if d["loss"] is None else [_say(w, "fit_loss", eq=_eq(d["loss"]))]
    if d["fault"]:
        heading.append(_say(w, "fault_note", message=_fault_text(d["fault"], lang), step=f"{d['fault']['step']:,}"))
    if d.get("curve_note"):
        heading.append(w["curve_note"])
    width = 70 if lang == "en" else 36  # characters a line, so the legend stays inside the picture
    legend = fig.legend(loc="outside lower center", ncols=1,
                        title="\n".join(textwrap.fill(h, width) for h in heading) or None)
    legend.get_title().set_color("green" if not d["fault"] else COLOURS[3])
    legend.get_title().set_gid("loss")
    return fig


def _seed(d: dict, w: dict, lang: str, size, dpi):
    """The seed's own section-2 figure: its colours, labels and 'Loss:' text, from the machine's values."""
    fig = Figure(figsize=size if size != SIZE else (8, 6), dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    x, yt, yp = d["x"], d["y_true"], d["y_pred"]
    if x is not None and yt is not None:
        ax.plot([x], [yt], "ro", label=w["y_true"], gid="y_true")
    if x is not None and yp is not None:
        ax.plot([x], [yp], "bo", label=w["y_pred"], gid="y_pred")
    shown = [v for v in (yt, yp) if v is not None]
    if shown:
        lo, hi = min(shown), max(shown)
        gap = max(hi / 2 - lo / 2, abs(hi) / 4, 0.25) * 2  # how far apart they are, or their size
        if d["loss"] is not None and yp is not None and x is not None:
            if 0.5 >= gap * 0.05:  # the seed's own place: 0.5 below the prediction
                ax.text(x, yp - 0.5, f"Loss: {short(d['loss'])}", fontsize=12, color="green", ha="center",
                        gid="loss")
                lo = min(lo, yp - 0.5)
            else:  # 0.5 is nothing at this scale: just under the point instead
                ax.annotate(f"Loss: {short(d['loss'])}", xy=(x, yp), xytext=(0, -22), textcoords="offset points",
                            fontsize=12, color="green", ha="center", gid="loss")
        pad = max(0.5, (hi / 2 - lo / 2) * 0.3)
        if math.isfinite(lo - pad) and math.isfinite(hi + pad) and lo - pad < hi + pad:
            ax.set_ylim(lo - pad, hi + pad)
    if d["fault"]:
        ax.text(0.02, 0.02, _say(w, "fault_note", message=_fault_text(d["fault"], lang),
                                 step=f"{d['fault']['step']:,}"),
                transform=ax.transAxes, color=COLOURS[3], gid="fault")
    _finish(ax, w["seed_title"], w["seed_x"], w["seed_y"], legend=bool(ax.lines))
    return fig


# --- the API -------------------------------------------------------------------------------------------

def loss(program, y: Optional[str] = None, every=None, lang: str = "en", size=None, dpi=None, **run) -> "Figure":
    """The OUT values per iteration (or register y at each OUT, or where the loop passes `every`)."""
    check_size(size, dpi)
    return draw(pictures.loss(as_program(program), y, every, **run), lang, size, dpi)


def path(program, param="w", lang: str = "en", size=None, dpi=None, **run) -> "Figure":
    """The loss landscape over one parameter (a curve) or two (contours), with the iterates rolling down it."""
    check_size(size, dpi)
    return draw(pictures.path(as_program(program), param, **run), lang, size, dpi)


def lr(program, rates=None, lang: str = "en", size=None, dpi=None, **run) -> "Figure":
    """The loss per iteration for several learning rates on one log-scale plot."""
    check_size(size, dpi)
    return draw(pictures.lr(as_program(program), rates, **run), lang, size, dpi)


def fit(program, pred: Optional[str] = None, lang: str = "en", size=None, dpi=None, **run) -> "Figure":
    """The data and the model's predictions after the run, with the loss (absolute_loss: the seed's figure)."""
    check_size(size, dpi)
    return draw(pictures.fit(as_program(program), pred, **run), lang, size, dpi)


def regs(program, y, every=None, lang: str = "en", size=None, dpi=None, **run) -> "Figure":
    """Chosen registers against the iteration (or the step, for a program that never prints)."""
    check_size(size, dpi)
    return draw(pictures.regs(as_program(program), y.split(",") if isinstance(y, str) else y, every, **run),
                lang, size, dpi)


def save(fig: "Figure", path, lang: Optional[str] = None) -> Path:
    """Write a Figure as PNG, SVG or PDF (by the file's suffix). SVG keeps text as text, so a browser draws
    Chinese with its own fonts; PNG and PDF need a CJK font for Chinese labels (the language is the one the
    figure was drawn in). The picture is made in memory first, so a file that cannot be written is an OSError
    naming it, and no half-written file is left."""
    path = Path(path)
    fmt = check_font(path, lang or getattr(fig, "gdasm_lang", "en"))
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "gdasm", "pdf.fonttype": 42}), _quiet():
        try:
            fig.savefig(buffer, format=fmt, metadata=_metadata(fmt))
        except (ValueError, OverflowError) as e:  # an axis from -1e308 to 1e308 is wider than a double
            if "arange" not in str(e) and "overflow" not in str(e).lower() and not isinstance(e, OverflowError):
                raise
            raise UsageError(tr("cannot draw this picture: its values span more than one axis can hold (the width "
                             "of an axis, largest minus smallest value, must stay below 1.8e308)")) from None
    try:
        path.write_bytes(buffer.getvalue())
    except OSError as e:
        raise report.StreamError(e.errno, tr("cannot write {path}: {value}",
                                             path=safe(str(path)), value=e.strerror or e)) from None
    return path


def check_font(path, lang: str) -> str:
    """The file's format; a UsageError if it cannot be written in this language (Chinese with no CJK font)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageError(tr("-o {name}: a picture is written as .png, .svg or .pdf", name=safe(path.name)))
    if lang == "zh" and fmt != "svg" and cjk_font() is None:
        raise UsageError(tr("no font with Chinese characters is installed, so a PNG or PDF with --lang zh would show "
                         "empty boxes: install one (Debian/Ubuntu: apt-get install fonts-noto-cjk), or write "
                         ".svg, which keeps the text as text for the browser to draw"))
    return fmt


def _metadata(fmt: str) -> dict:
    """No date or version in the file, so the same picture gives the same bytes."""
    if fmt == "png":
        return {"Software": None}
    if fmt == "svg":
        return {"Date": None, "Creator": None}
    return {"CreationDate": None, "Producer": None, "Creator": None}
