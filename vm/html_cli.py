"""`gdasm html`: its options, the run recorded for the page (page.py), and the file written."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import i18n, page, render, report
from .i18n import tr
from .inputs import parse_sets, read_program, run_inputs, steps_option, warnings_for


def add_options(p: argparse.ArgumentParser) -> None:
    """The options of `gdasm html` after the run options."""
    p.add_argument("-o", "--output", metavar="FILE.html", help=tr("where to write the page (default PROGRAM.html "
                                                                  "here)"))
    p.add_argument("--lang", choices=i18n.LANGS, default=None,
                   help=tr("the page's own words: en or zh (中文); default: gdasm's language (see gdasm --help)"))
    p.add_argument("--max-page-steps", type=steps_option, default=page.MAX_PAGE_STEPS, metavar="N",
                   help=tr("keep at most N steps in the page: the first and last halves of a longer run (default "
                           "{MAX_PAGE_STEPS:,})", MAX_PAGE_STEPS=page.MAX_PAGE_STEPS))
    p.add_argument("--no-path", action="store_true", help=tr("leave out the descent-path picture (it re-runs the "
                                                          "program over a grid of w)"))


def output_path(args, program_name: str) -> Path:
    """The page's path, checked before the run: .html, in a folder that exists."""
    given = args.output
    if given is None:
        given = ("stdin" if args.program == "-" else Path(program_name).name.removesuffix(".gdasm")) + ".html"
    return report.output_file(given, (".html", ".htm"), tr("a page is written as FILE.html"))


def run(args, con: report.Console) -> int:
    """Record the run, write the page, print its path; a run that faults still gets its page (exit 0)."""
    program = read_program(args.program, con)
    warnings = warnings_for(program, parse_sets(args.set))
    if not args.json:
        report.print_diagnostics(warnings, con)
    path = output_path(args, program.filename)
    text, data = page.build(program, run_inputs(args), args.lang, con.fmt.numbers, args.max_page_steps,
                            path=not args.no_path)
    body = text.encode("utf-8", "backslashreplace")  # made before the file is opened: no half-written page
    report.write_file(path, body)
    size = len(body)
    fault = data["fault"]
    if args.json:
        con.say(report.dumps({"status": "ok", "file": str(path), "bytes": size, "steps": data["total"],
                              "kept_steps": data["kept"], "run_status": data["status"],
                              "fault": {"code": fault["code"], "line": fault["line"], "step": fault["step"],
                                        "message": fault["text"][con.fmt.numbers]} if fault else None,
                              "warnings": [d.to_json() for d in warnings]}))
        return 0
    if fault:
        con.warn(fault["full"][con.fmt.numbers])
    con.say(render.safe(str(path)))
    return 0
