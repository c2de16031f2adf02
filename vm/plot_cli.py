"""`gdasm plot`: its options, checked before anything runs; the data (pictures.py); the drawing (plot.py)."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from types import MappingProxyType

from . import pictures, progress, render, report, source
from .errors import GdasmError, UsageError
from .i18n import either, mark, tr
from .inputs import parse_sets, read_program, run_inputs, warnings_for

# Which options each kind reads: an option given to a kind that ignores it is refused, not silently dropped.
USES = MappingProxyType({"y": ("loss", "regs"), "every": ("loss", "regs"), "param": ("path",), "lr": ("lr",),
                        "pred": ("fit",)})


class MissingExtra(GdasmError):
    """An optional part of gdasm is not installed (exit 69, EX_UNAVAILABLE): the message names the extra."""

    exit_code = 69
    code = "unavailable"


def _size(text: str) -> tuple:
    m = re.fullmatch(r"\s*([0-9]{1,6}(?:\.[0-9]{0,6})?)\s*[,x]\s*([0-9]{1,6}(?:\.[0-9]{0,6})?)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"'{source.shorten(text)}' is not a size in inches: give W,H such as 8,5")
    return float(m.group(1)), float(m.group(2))


def _dpi(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,7}", text.strip()):
        raise argparse.ArgumentTypeError(f"'{source.shorten(text)}' is not a resolution: give dots per inch, "
                                         "such as 150")
    return int(text)


def add_options(p: argparse.ArgumentParser) -> None:
    """The options of `gdasm plot` after the run options."""
    p.add_argument("--kind", choices=pictures.KINDS, default="loss",
                   help=tr("loss: the OUT values per iteration; path: the iterates on the loss landscape; lr: "
                           "several "
                        "learning rates compared; fit: the data and the model's predictions; regs: registers "
                        "per iteration (default loss)"))
    p.add_argument("-o", "--output", metavar="FILE", help=tr("FILE.png, .svg or .pdf (default PROGRAM-KIND.png here; "
                                                         "PROGRAM-KIND-zh.png for a picture in Chinese)"))
    p.add_argument("--y", metavar="REG", help=tr("loss: plot this register, sampled at each OUT; regs: A,B,..."))
    p.add_argument("--every", metavar="LABEL|LINE", help=tr("loss, regs: sample where the loop reaches this line"))
    p.add_argument("--param", metavar="P[,Q]", default=None,
                   help=tr("path: the parameter (a curve) or two (contours), default w"))
    p.add_argument("--lr", metavar="R1,R2,...", help=tr("lr: the learning rates (default the program's × 0.1, 1, 10, "
                                                        "30)"))
    p.add_argument("--pred", metavar="REG", help=tr("fit: the register holding the model's prediction (default: the "
                                                 "first of {names} the program writes)",
                                                 names=", ".join(pictures.PREDICTIONS)))
    p.add_argument("--save-data", metavar="FILE.json", help=tr("also write every plotted number to FILE.json"))
    p.add_argument("--lang", choices=("en", "zh"), default=None,
                   help=tr("the picture's words: en or zh (中文); default: gdasm's language (see gdasm --help)"))
    p.add_argument("--dpi", type=_dpi, default=None, metavar="N", help=tr("dots per inch of a PNG (default 150, "
                                                                       "10 to 1200)"))
    p.add_argument("--size", type=_size, default=None, metavar="W,H",
                   help=tr("the picture's size in inches (default 8,5; each 1 to 50)"))


def _output(args, program_name: str) -> Path:
    """The picture's path, checked before any run: a known suffix, in a folder that exists."""
    if args.output is not None:
        given = args.output
    else:
        stem = "stdin" if args.program == "-" else Path(program_name).name.removesuffix(".gdasm")
        given = f"{stem}-{args.kind}{'-zh' if args.lang == 'zh' else ''}.png"  # one file a language
    return report.output_file(given, (".png", ".svg", ".pdf"), tr("a picture is written as .png, .svg or .pdf"))


def _check(args) -> None:
    for option, kinds in USES.items():
        if getattr(args, option) is not None and args.kind not in kinds:
            raise UsageError(tr("--{option} goes with --kind {kinds}, not --kind {kind}",
                                option=option, kinds=either(kinds), kind=args.kind))
    if args.kind == "loss" and args.y is not None and "," in args.y:
        raise UsageError(tr("--kind loss plots one register: --y REG (--kind regs plots several: --y A,B)"))


def run(args, con: report.Console) -> int:
    """Check the options, run the program as the kind needs, draw, write the file and print its path."""
    _check(args)
    try:
        from . import plot
    except ImportError:
        raise MissingExtra(tr("pictures need matplotlib, which is not installed: "
                              "pip install 'gdasm[plot]' (or pip install matplotlib)")) from None
    plot.check_size(args.size, args.dpi)
    program = read_program(args.program, con)
    warnings = warnings_for(program, parse_sets(args.set))
    if not args.json:
        report.print_diagnostics(warnings, con)
    path = _output(args, program.filename)
    plot.check_font(path, args.lang)  # before any run: a missing font is known now
    inputs = run_inputs(args)
    running = {"path": mark("the loss landscape"), "lr": mark("one run per learning rate"), "": mark("running")}
    what = tr(running.get(args.kind, running[""]))
    show = progress.Runs(con.err, progress.wanted(con.err), what)
    faults: list = []
    try:
        data = pictures.build(args.kind, program, y=args.y, every=args.every, param=args.param or "w",
                              rates=None if args.lr is None else args.lr.split(","), pred=args.pred,
                              progress=show, faults=faults, **inputs)
    finally:
        show.close()
    if not args.json:
        for d in faults:  # shown on the picture, and said here: the picture was still made (exit 0)
            report.print_diagnostics([d], con)
    plot.save(plot.draw(data, args.lang, args.size, args.dpi), path, args.lang)
    if args.save_data is not None:
        try:
            Path(args.save_data).write_text(json.dumps(data, ensure_ascii=False, allow_nan=False,
                                                       separators=(",", ":")) + "\n", encoding="utf-8")
        except OSError as e:
            raise report.StreamError(e.errno, tr("cannot write {save_data}: {value}",
                                                 save_data=render.safe(args.save_data), value=e.strerror or e)) \
                from None
    if args.json:
        con.say(report.dumps({"status": "ok", "file": str(path), "data": args.save_data, "kind": args.kind,
                              "faults": [d.to_json() for d in faults],
                              "warnings": [d.to_json() for d in warnings]}))
    else:
        con.say(render.safe(str(path)))
        if args.save_data is not None:
            con.say(render.safe(args.save_data))
    return 0
