"""`gdasm html`: its options, the run recorded for the page (page.py), and the file written."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import page, render, report
from .inputs import make_machine, parse_data, parse_sets, read_program, steps_option, warnings_for


def add_options(p: argparse.ArgumentParser) -> None:
    """The options of `gdasm html` after the run options."""
    p.add_argument("-o", "--output", metavar="FILE.html", help="where to write the page (default PROGRAM.html here)")
    p.add_argument("--lang", choices=tuple(page.WORDS), default="en", help="the page's own words: en or zh (中文)")
    p.add_argument("--max-page-steps", type=steps_option, default=page.MAX_PAGE_STEPS, metavar="N",
                   help=f"keep at most N steps in the page: the first and last halves of a longer run "
                        f"(default {page.MAX_PAGE_STEPS:,})")
    p.add_argument("--no-path", action="store_true", help="leave out the descent-path picture (it re-runs the "
                                                          "program over a grid of w)")


def output_path(args, program_name: str) -> Path:
    """The page's path, checked before the run: .html, in a folder that exists."""
    given = args.output
    if given is None:
        given = ("stdin" if args.program == "-" else Path(program_name).name.removesuffix(".gdasm")) + ".html"
    return report.output_file(given, (".html", ".htm"), "a page is written as FILE.html")


def run(args, con: report.Console) -> int:
    """Record the run, write the page, print its path; a run that faults still gets its page (exit 0)."""
    program = read_program(args.program, con)
    warnings = warnings_for(program, parse_sets(args.set))
    if not args.json:
        report.print_diagnostics(warnings, con)
    path = output_path(args, program.filename)
    make_machine(program, args)  # checks --set and --data as `run` does, before the long part
    inputs = {"registers": parse_sets(args.set), "arrays": parse_data(args.data, exact=args.exact),
              "max_steps": args.max_steps, "exact": args.exact}
    data = page.record(program, max_page_steps=args.max_page_steps, **inputs)
    if not args.no_path and not args.exact:
        page.add_path(data, program, inputs)
    text = page.html_page(data, args.lang, con.fmt.numbers)
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
