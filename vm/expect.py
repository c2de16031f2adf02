"""Expectations written in a program's comments, checking a run against them, and `gdasm test`.

    # expect: w = 0.09333333333333334      exact value of a register (or x[2] for an array element)
    # expect: w ≈ 2 ± 1e-6                 within an absolute tolerance (ASCII: w ~ 2 +- 1e-6)
    # expect output: 1.0, 0.5              the whole OUT output, in order
    # expect fault: division-by-zero       a runtime fault with this code, or whose message contains the text
    # expect error: unknown-mnemonic       an assembly error with this code, or whose message contains the text
    # expect steps: 12                     the number of steps executed
    # expect status: halted                halted, finished or fault
    # expect gradient: loss w:grad         gdasm gradcheck says grad matches ∂loss/∂w (`× -1/2`: that factor)
    # run: --set lr=1.0                    the options to run with, as for `gdasm run`

`fault` and `error` accept a place after the text: `# expect fault: zero @ 12:5` (line:column). A file's
lines are read as the assembler reads them (UTF-8, a byte-order mark dropped, LF, CRLF or CR line ends).

`gdasm test` grades files nobody has read: `# run:` may read only files inside the test file's own folder
(symlinks resolved), may not ask for help or a step limit past the default, and a folder search does not
leave its folder. A line that looks like an expectation but would check nothing fails its file.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Optional

from . import datafile, i18n, render, report, source
from .assembler import assemble
from .errors import AssemblyError, GdasmError, InputFileError, RuntimeFault, UsageError
from .i18n import mark, ntr, tr
from .inputs import ArgParser, add_run_options, find_program, make_machine, parse_data, parse_sets
from .machine import DEFAULT_MAX_STEPS
from .numbers import NumberError, TooManyDigits, is_decimal, to_number

# Every pattern here runs in time linear in the line: a lazy `.*?` before `\s*$` or `\s*@` took minutes
# on a line of 100,000 spaces, and the files `gdasm test` reads may be written by anyone.
_LINE = re.compile(r"\s*[#;]\s*(expect(?:\s+(?P<kind>[a-z]+))?|run)\s*:(?P<body>.*)\Z", re.IGNORECASE | re.DOTALL)
_TARGET = r"(?P<name>[^\W\d]\w*)(?:\[(?P<index>[0-9]{1,15})\])?"
_EXACT = re.compile(_TARGET + r"\s*=\s*(?P<value>\S+)\Z")
_PLACE = re.compile(r"\s*(?P<line>[0-9]{1,15})(?::(?P<col>[0-9]{1,15}))?\s*\Z")
KINDS = ("", "output", "fault", "error", "steps", "status", "gradient")
# `# expect gradient: LOSS PARAM:GRADREG[,...] [× FACTOR]`: gdasm gradcheck's verdict (matches, or that factor)
_GRADIENT = re.compile(r"\s*(?P<loss>[^\W\d]\w*)\s+(?P<pairs>[^×*\s]+(?:\s*,\s*[^×*\s]+)*)"
                       r"(?:\s*[×*x]\s*(?P<factor>\S+))?\s*\Z")
STATUSES = ("halted", "finished", "fault")


@dataclass(frozen=True)
class Expectation:
    """One `# expect` line."""

    kind: str
    body: str
    line: int


@dataclass
class Spec:
    """Everything a file's comments ask of its run."""

    expectations: list = field(default_factory=list)
    options: list = field(default_factory=list)  # words of `# run:` lines
    problems: list = field(default_factory=list)  # (line, text): malformed lines, reported in line order
    run_line: int = 0  # the first `# run:` line


def parse(text) -> Spec:
    """Find the `# expect` and `# run` lines of a program (text or bytes)."""
    spec = Spec()
    for n, line in enumerate(source.lines(text) if isinstance(text, str) else _lines(text), 1):
        m = _LINE.match(line)
        if not m:
            problem = _near_miss(line)
            if problem:
                spec.problems.append((n, problem))
            continue
        head = m.group(1).lower()
        body = m.group("body").strip()
        if head == "run":
            spec.run_line = spec.run_line or n
            try:
                spec.options += shlex.split(body)
            except ValueError as e:
                spec.problems.append((n, tr("cannot read '# run:' options: {e}", e=e)))
            continue
        kind = (m.group("kind") or "").lower()
        if kind not in KINDS:
            spec.problems.append((n, tr("unknown expectation 'expect {kind}' (the kinds are: {kinds})",
                                        kind=_short(kind),
                                        kinds=", ".join(["expect"] + [f"expect {k}" for k in KINDS if k]))))
            continue
        if not body and kind in ("", "fault", "error"):  # `# expect output:` alone means: no output
            spec.problems.append((n, tr("'# {line}:' with nothing after it checks nothing: {form}",
                                        line="expect " + kind if kind else "expect", form=tr(dict(_FORMS)[kind]))))
            continue
        spec.expectations.append(Expectation(kind, body, n))
    return spec


_FORMS = (("", mark("write '# expect: NAME = VALUE' or '# expect: NAME ≈ VALUE ± TOLERANCE'")),
          ("fault", mark("an expected fault needs a code or part of its message, e.g. division-by-zero")),
          ("error", mark("an expected error needs a code or part of its message, e.g. unknown-mnemonic")))
_NEAR = re.compile(r"\s*[#;]\s*(?P<word>expect\w*|run\w*)\b(?P<rest>.*)\Z", re.IGNORECASE | re.DOTALL)


def _near_miss(line: str) -> str:
    """Why a line that looks like an expectation is not read as one ("" when it is only a comment)."""
    code, sep, comment = re.split(r"([#;])", line, maxsplit=1) if re.search("[#;]", line) else (line, "", "")
    if code.strip():
        m = _LINE.match(sep + comment)
        if m:
            if m.group(1).lower() == "run":
                return tr("a '# run:' line must be a comment line of its own; this one follows code and is not read "
                          "(put it on a line by itself)")
            return tr("an expectation must be a comment line of its own; this one follows code and is not checked "
                      "(put it on a line by itself)")
    m = _NEAR.match(line)
    if not m:
        return ""
    word, rest = m.group("word").lower(), m.group("rest").lstrip()
    if word not in ("expect", "run") and rest.startswith(":"):
        return tr("'{word}:' is not read; did you mean '# {keyword}:'?",
                  word=_short(m.group('word')), keyword='run' if word.startswith('run') else 'expect')
    if rest.startswith("："):  # a Chinese input method in full-width mode
        return tr("'：' after '{word}' is a full-width colon: type the ASCII ':'", word=_short(m.group("word")))
    if word == "expect" and re.search(r"[=≈~＝]", rest):
        return tr("an expectation needs a ':' after 'expect' (write '# expect: NAME = VALUE')")
    return ""


def _lines(data: bytes) -> list[str]:
    return source.normalize(data.decode("utf-8", errors="replace")).split("\n")


def _short(text: str, limit: int = 60) -> str:
    """User text quoted in a message: a long one cut (a 10,000-digit value is not echoed whole)."""
    text = str(text)
    return text if len(text) <= limit else text[:limit - 20] + "…" + text[-19:]


def _number(text: str, exact: bool, what: str):
    text = text.strip()
    try:
        return to_number(text, exact)
    except NumberError as e:
        if not is_decimal(text):
            raise _Unreadable(tr("{what} '{text}' is not a number", what=what, text=_short(text))) from None
        why = tr("has too many digits for exact arithmetic") if isinstance(e, TooManyDigits) else \
            tr("is not a finite number (it does not fit a binary64 float)")
        raise _Unreadable(f"{what} '{_short(text)}' {why}") from None


class _Unreadable(Exception):
    """An expectation line this module cannot read; the message says why, in its own words."""


def _place_matches(diag, line: Optional[str], col: Optional[str]) -> bool:
    if line is None:
        return True
    if diag.span is None or diag.span.line != int(line):
        return False
    return col is None or diag.span.column == int(col)


def check(spec: Spec, result=None, error: Optional[GdasmError] = None, exact: bool = False,
          gradient=None, english=None) -> list[str]:
    """Every way the run differs from the expectations, as lines of text in line order (empty: all hold).
    `gradient(body)` checks an `# expect gradient:` line (None: it cannot be checked here); `english()` gives the
    error's diagnostics in English, for a fault or error expected by its words in another language."""
    failures = [(n, tr("line {line}: {problem}", line=n, problem=text)) for n, text in spec.problems]
    kinds = {e.kind for e in spec.expectations}
    if error is not None and not (isinstance(error, RuntimeFault) and "fault" in kinds) \
            and not (isinstance(error, AssemblyError) and "error" in kinds):
        for d in error.diagnostics:  # the program's own errors, located, as `gdasm check` reports them
            if d.severity != "warning":
                where = f"{d.span.line}:{d.span.column}: " if d.span else ""
                failures.append((d.span.line if d.span else 0, f"{where}{d.severity}: {d.message}"))
    elif not spec.expectations:
        failures.append((0, tr("no expectations (add '# expect' lines to say what the program must produce)")))
    else:
        for e in spec.expectations:
            try:
                problem = _check_one(e, result, error, exact, gradient, english)
            except _Unreadable as exc:
                problem = tr("cannot read this expectation: {exc}", exc=exc)
            if problem:
                failures.append((e.line, tr("line {line}: {problem}", line=e.line, problem=problem)))
    return [text for _, text in sorted(failures, key=lambda f: f[0])]


def _place(body: str) -> tuple[str, Optional[str], Optional[str]]:
    """`TEXT @ LINE[:COL]` of a fault or error expectation: (text, line, column), the place None if absent."""
    text, at, where = body.rpartition("@")
    m = _PLACE.match(where) if at else None
    return (text.strip(), m.group("line"), m.group("col")) if m else (body, None, None)


def _close(body: str):
    """`NAME ≈ VALUE ± TOLERANCE` as (name, index, value, tolerance), or None. By hand, not one regex: a
    pattern that backtracks over `±` runs in time quadratic in a long hostile line."""
    head = re.match(_TARGET + r"\s*(?:≈|~)\s*", body)
    if not head:
        return None
    rest = body[head.end():]
    cut = max(rest.rfind("±"), rest.rfind("+-"))
    if cut < 0:
        return None
    value, tol = rest[:cut].strip(), rest[cut + (1 if rest[cut] == "±" else 2):].strip()
    if not value or not tol or len(value.split()) > 1 or len(tol.split()) > 1:
        return None
    return head.group("name"), head.group("index"), value, tol


def _check_one(e: Expectation, result, error, exact: bool, gradient=None, english=None) -> Optional[str]:
    body = _short(e.body)
    if e.kind == "gradient":
        if not _GRADIENT.match(e.body):
            raise _Unreadable(tr("write '# expect gradient: LOSS PARAM:GRADREG' (or '... × -1/2' for a known factor)",
                                 ))
        if result is None or gradient is None:
            return tr("no run to check '{body}' against", body=body)
        return gradient(e.body)
    if e.kind in ("fault", "error"):
        want = RuntimeFault if e.kind == "fault" else AssemblyError
        text, line, col = _place(e.body)
        if not text.strip():
            raise _Unreadable(tr(dict(_FORMS)[e.kind]))
        if not isinstance(error, want):
            if e.kind == "fault":
                return tr("expected a fault '{text}', but the program ran without one", text=_short(text)) \
                    if error is None else tr("expected a fault '{text}', but the program failed otherwise",
                                             text=_short(text))
            return tr("expected an assembly error '{text}', but the program ran without one", text=_short(text)) \
                if error is None else tr("expected an assembly error '{text}', but the program failed otherwise",
                                         text=_short(text))
        diags = [d for d in error.diagnostics if d.severity != "warning"]
        # The text is matched in the reader's language and in English, so that a grade does not depend on
        # the language of whoever runs `gdasm test` (`# expect fault: division by zero` passes in Chinese too).
        for d in diags + (english() if english is not None and i18n.language() != "en" else []):
            words = [d.message] + [i18n.catalogue(lang).gettext(d.message) for lang in i18n.LANGS]  # whole ones
            if (text == d.code or any(text.lower() in w.lower() for w in words)) and _place_matches(d, line, col):
                return None
        got = "; ".join(f"{d.span.line}:{d.span.column}: {d.message}" if d.span else d.message for d in diags[:5])
        return tr("expected {kind} '{body}', got: {got}",
                  kind=e.kind, body=body, got=got) + ("; …" if len(diags) > 5 else "")
    if e.kind == "status":
        if e.body.strip().lower() not in STATUSES:
            raise _Unreadable(tr("the status '{body}' is not one of {STATUSES}",
                                 body=body, STATUSES=', '.join(STATUSES)))
        got = "fault" if isinstance(error, RuntimeFault) else (result.status if result else "error")
        return None if got == e.body.strip().lower() else tr("expected status {body}, got {got}", body=body, got=got)
    if isinstance(error, AssemblyError):
        return tr("the program does not assemble")
    if result is None:
        return tr("no result to check '{body}' against (the run faulted)", body=body)
    if e.kind == "steps":
        if not re.fullmatch(r"\s*[0-9][0-9_,]{0,20}\s*", e.body):
            raise _Unreadable(tr("the number of steps '{body}' is not a whole number", body=body))
        want = int(e.body.replace(",", "").replace("_", ""))
        return None if result.steps == want else tr("expected {want} steps, got {steps}",
                                                    want=want, steps=result.steps)
    if e.kind == "output":
        want = [_number(t, exact, tr("the output value")) for t in e.body.split(",")] if e.body.strip() else []
        got = list(result.output)
        if got == want:
            return None
        shown = ", ".join(render.value(v) for v in got[:10]) + (", …" if len(got) > 10 else "")
        if not got:
            return tr("expected output {body}, got nothing (0 values)", body=body)
        return ntr("expected output {body}, got {shown} ({n} value)", "expected output {body}, got {shown} ({n} values)",
                   len(got), body=body, shown=shown)
    close = _close(e.body)
    m = None if close else _EXACT.match(e.body)
    if close:
        name, index, value, tol_text = close
    elif m:
        name, index, value, tol_text = m.group("name"), m.group("index"), m.group("value"), None
    else:
        raise _Unreadable(tr("'{body}' is not NAME = VALUE or NAME ≈ VALUE ± TOLERANCE", body=body))
    if index is not None:
        if name not in result.arrays:
            return tr("no array '{name}'", name=name)
        arr = result.arrays[name]
        if int(index) >= len(arr):
            return tr("{name}[{index}] is out of range (length {arr})", name=name, index=index, arr=len(arr))
        got, label = arr[int(index)], f"{name}[{index}]"
    else:
        if name not in result.registers:
            return tr("register '{name}' was never written", name=name)
        got, label = result.registers[name], name
    want = _number(value, exact, tr("the value"))
    if tol_text is not None:
        tol = _number(tol_text, False, tr("the tolerance"))  # a finite float: '± inf' or '± 1e999' checks nothing
        if tol < 0:
            raise _Unreadable(tr("the tolerance '{tol_text}' is negative", tol_text=_short(tol_text)))
        if abs(got - want) <= tol:
            return None
        return tr("{label} = {got}, not within {tol_text} of {value}",
                  label=label, got=render.value(got), tol_text=_short(tol_text), value=_short(value))
    if got == want:
        return None
    return tr("{label} = {got}, expected {value}", label=label, got=render.value(got), value=_short(value))


# --- `# run:` options: a file nobody has read may ask only for a run --------------------------------------

MAX_RUN_WORDS = 200  # words of all `# run:` lines together; argparse slows down on thousands
RUN_OPTIONS = "--set, --data, --max-steps, --exact, --numbers"


class _RunOptionsParser(ArgParser):
    """argparse for `# run:` words: a bad one is a UsageError whose message reads after 'bad options:'."""

    def error(self, message):
        raise UsageError(message)


def _options_parser() -> ArgParser:
    """`# run:` options: those of `gdasm run`, and nothing that would print help and exit."""
    p = _RunOptionsParser(prog="# run:", add_help=False)
    add_run_options(p, program=False)
    p.add_argument("--quiet", action="store_true")
    return p


def _asks_for_help(word: str) -> bool:
    """`--help`, `-h`, `--version`, `--vers`, `-HELP`, `--help=x`: a word that would ask for help or the version
    in any spelling argparse or a reader might take it in."""
    stem = word.split("=", 1)[0].lower()
    bare = stem.lstrip("-")
    return stem.startswith("-") and (stem == "-?" or (bare != "" and ("help".startswith(bare)
                                                                        or "version".startswith(bare))))


EXACT_MAX_STEPS = 100_000  # the step limit of a test's `# run: --exact` run (the default, and the most it may ask)


def read_options(spec: Spec, folder: Path):
    """The `# run:` options as argparse's namespace, or a UsageError that says why they cannot be used:
    a word that asks for help, too many words, a step limit past the default, or a file outside `folder`."""
    if len(spec.options) > MAX_RUN_WORDS:
        raise UsageError(tr("{options:,} words; a file's '# run:' lines may hold at most {MAX_RUN_WORDS}",
                            options=len(spec.options), MAX_RUN_WORDS=MAX_RUN_WORDS))
    for word in spec.options:
        if _asks_for_help(word):
            raise UsageError(tr("{word} asks for help or the version, which a test does not print; '# run:' takes "
                                "the options of a run: {RUN_OPTIONS}", word=_short(word), RUN_OPTIONS=RUN_OPTIONS))
    args = _options_parser().parse_args(spec.options)
    if args.max_steps > DEFAULT_MAX_STEPS:
        # A file nobody has read must not keep a grader busy for hours: the default limit is the ceiling.
        raise UsageError(tr("--max-steps {max_steps:,} is past {DEFAULT_MAX_STEPS:,}, the most a '# run:' line may "
                            "ask for (`gdasm run --max-steps N` runs longer)",
                            max_steps=args.max_steps, DEFAULT_MAX_STEPS=DEFAULT_MAX_STEPS))
    if args.exact and args.max_steps > EXACT_MAX_STEPS:
        # Exact fractions may grow to 10,000 digits, ~150 µs a step: the default limit would be ~25 minutes.
        if any(w.startswith("--m") for w in spec.options):
            raise UsageError(tr("--max-steps {max_steps:,} with --exact is past {EXACT_MAX_STEPS:,}, the most a '# "
                                "run:' line may ask for with exact arithmetic",
                                max_steps=args.max_steps, EXACT_MAX_STEPS=EXACT_MAX_STEPS))
        args.max_steps = EXACT_MAX_STEPS
    for item in args.data:
        refusal = _outside(item, folder)
        if refusal:
            raise UsageError(tr("--data {item}: {refusal}; a test reads only files in its own folder",
                                item=_short(item), refusal=refusal))
    return args


def _outside(item: str, folder: Path) -> str:
    """Why `--data NAME=@FILE[:COLUMN]` would read something other than a regular file inside `folder`
    (the resolved folder, symlinks followed); "" when it reads inside it, or no file at all.

    The file name is split off as `datafile.load` splits it. A name that is not in the folder may still be a
    bundled data file (`@us_population.csv`), which load finds by its plain name: that file ships with gdasm.
    """
    value = item.partition("=")[2]
    if not value.startswith("@"):
        return ""
    name, sep, column = value[1:].rpartition(":")
    if not sep or not column:
        name = value[1:]
    if not name.strip():
        return ""  # load says that a name is missing
    shown = _short(name)
    if name.strip() == "-":
        return tr("'-' would read standard input")
    path = Path(name)
    if path.is_absolute() or name.startswith("~"):
        return tr("'{shown}' is an absolute path (write a path relative to the test file)", shown=shown)
    try:
        root = folder.resolve()
        real = (folder / path).resolve()
        lexical = Path(os.path.normpath(folder.absolute() / path))
        if not real.is_relative_to(root):
            if not lexical.is_relative_to(folder.absolute()):
                return tr("'{shown}' leads outside the folder ('..')", shown=shown)
            return tr("'{shown}' is or passes through a symlink that leads outside the folder", shown=shown)
        mode = os.stat(real).st_mode if os.path.lexists(real) else None
    except (OSError, RuntimeError, ValueError) as e:  # a loop of symlinks, a NUL byte, a name too long
        return tr("'{shown}' cannot be checked ({value})", shown=shown, value=getattr(e, 'strerror', None) or e)
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return tr("'{shown}' is not a regular file (a pipe or a device)", shown=shown)
    return ""


def _in_english(data: bytes, path: Path, args) -> list:
    """The diagnostics of a program that fails, as English gives them (it is run again, only when asked)."""
    with i18n.use("en"):
        try:
            make_machine(assemble(data, str(path)), args, base=path.parent).run()
        except (AssemblyError, RuntimeFault) as err:
            return [d for d in err.diagnostics if d.severity != "warning"]
    return []


def run_expectations(path: Path) -> list[str]:
    """Run one program and check the expectations in its comments; the failures, or []."""
    try:
        data = datafile.read_input(path, str(path), tr("a program"))
    except InputFileError as e:
        return [e.diagnostics[0].message]
    spec = parse(data)
    try:
        args = read_options(spec, path.parent)  # `# run:` paths are relative to the program, and inside its folder
    except UsageError as e:
        bad = (spec.run_line, tr("line {run_line}: bad '# run:' options: {message}",
                                 run_line=spec.run_line, message=e.diagnostics[0].message))
        return [text for _, text in sorted([(n, tr("line {line}: {problem}", line=n, problem=t))
                                            for n, t in spec.problems] + [bad])]
    try:
        program = assemble(data, str(path))
        m = make_machine(program, args, base=path.parent)
        result = m.run()
    except (AssemblyError, RuntimeFault) as err:
        failures = check(spec, None, err, exact=args.exact, english=lambda: _in_english(data, path, args))
        if isinstance(err, RuntimeFault):  # a wrong gradient often diverges: say which, beside the fault
            for e in spec.expectations:
                try:
                    problem = _check_one(e, True, None, args.exact, lambda body: _gradient(program, args, path, body)) \
                        if e.kind == "gradient" else None
                except _Unreadable as exc:
                    problem = tr("cannot read this expectation: {exc}", exc=exc)
                if problem:
                    failures.append(tr("line {line}: {problem}", line=e.line, problem=problem))
        return failures
    except GdasmError as err:
        return [tr("line {run_line}: bad '# run:' options: {message}",
                   run_line=spec.run_line, message=err.diagnostics[0].message)]
    except MemoryError:  # this file's run, not the grading of the others
        return [tr("the run needs more memory than there is (smaller data, arrays or --max-steps)")]
    return check(spec, result, None, exact=args.exact, gradient=lambda body: _gradient(program, args, path, body))


def _gradient(program, args, path: Path, body: str) -> Optional[str]:
    """An `# expect gradient:` line, by gdasm gradcheck: a problem, or None when the verdict is the expected one."""
    from .gradient_check import _factor_text, gradcheck
    m = _GRADIENT.match(body)
    want = Fraction(1)
    if m.group("factor"):
        try:
            want = Fraction(m.group("factor").replace("−", "-"))
        except (ValueError, ZeroDivisionError):
            raise _Unreadable(tr("the factor '{value}' is not a number such as -1/2",
                                 value=_short(m.group('factor')))) from None
    try:
        c = gradcheck(program, m.group("loss"), m.group("pairs").replace(" ", ""), parse_sets(args.set),
                      parse_data(args.data, path.parent), args.max_steps)
    except GdasmError as err:
        return tr("cannot check the gradient: {message}", message=err.diagnostics[0].message)
    wrong = [v.text for v in c.verdicts if v.factor is None or Fraction(v.factor) != want]
    if not wrong:
        return None
    expected = tr("to match") if want == 1 else tr("to be {want} × the derivative", want=_factor_text(want))
    return tr("expected each gradient register {expected}; gradcheck says: ", expected=expected) + "; ".join(wrong)


# --- which files: a folder nobody has read is searched without leaving it -----------------------------------

def _search(folder: Path) -> list[tuple[Path, str]]:
    """The `*.gdasm` entries under `folder`, sorted, each with why it is not read ("" when it is): a symlink
    leading outside the folder, a pipe or device; and each subfolder that cannot be searched (which rglob
    would skip without a word). Symlinked folders are not entered, as rglob does not enter them."""
    root = folder.resolve()
    found, todo = [], [folder]
    while todo:  # a stack, not recursion: a folder may be nested deeper than Python's recursion limit
        here = todo.pop()
        try:
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            found.append((here, tr("{here}: cannot search this folder: {value}",
                                   here=render.safe(str(here)), value=e.strerror or e)))
            continue
        for entry in entries:
            path = here / entry.name
            try:
                real_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                real_folder = False
            if entry.name.endswith(".gdasm"):
                found.append((path, _refused(path, root)))
            if real_folder:
                todo.append(path)
    return sorted(found, key=lambda f: f[0])


def _refused(path: Path, root: Path) -> str:
    """Why a file found in a folder is not read ("" when it is): it leads outside the folder, or is not a file."""
    try:
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            return tr("{path}: a symlink that leads outside {root}: not read",
                      path=render.safe(str(path)), root=render.safe(str(root)))
        mode = os.stat(path).st_mode
    except (OSError, RuntimeError, ValueError):
        return ""  # dangling, a loop, unreadable: reading it says why
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        return tr("{path}: not a regular file (a pipe or a device): not read", path=render.safe(str(path)))
    return ""


def gdasm_files(paths: list[str], con: report.Console) -> list[tuple[Path, str]]:
    """The .gdasm files named: files, folders (searched, sorted) or programs by name — a local copy before
    a bundled one, as `gdasm run` chooses — each with why it is not read ("" when it is)."""
    files = []
    for p in paths:
        path = Path(p)
        try:
            is_dir, exists = path.is_dir(), path.exists()
        except (OSError, ValueError) as e:  # a name too long, a NUL byte
            raise InputFileError(tr("{p}: cannot read: {value}",
                                    p=_short(render.safe(p)), value=getattr(e, 'strerror', None) or e)) from None
        if is_dir:
            found = _search(path)
            if not found:
                raise InputFileError(tr("{p}: no .gdasm files in this folder", p=render.safe(p)))
            files += found
        elif exists:
            files.append((path, ""))
        else:
            files.append((find_program(p, con), ""))
    return files


def run_tests(paths: list[str], con: report.Console, as_json: bool = False) -> int:
    """`gdasm test`: a PASS/FAIL line per file and a summary (or one JSON document); exit 1 if any failed."""
    files = gdasm_files(paths, con)
    results = []
    colour = con.colour
    for f, refusal in files:
        failures = [render.safe(line) for line in ([refusal] if refusal else run_expectations(f))]
        results.append({"file": render.safe(str(f)), "ok": not failures, "failures": failures})
        if as_json:
            continue
        con.say(f"{render.paint('FAIL', 'error', colour)} {render.safe(str(f))}" if failures else
                f"{render.paint('PASS', 'green', colour)} {render.safe(str(f))}")
        for line in failures:
            con.say(f"     {line}")
    passed = sum(r["ok"] for r in results)
    failed = len(results) - passed
    if as_json:
        con.say(report.dumps({"status": "passed" if failed == 0 and files else "failed", "passed": passed,
                              "failed": failed, "files": results}))
    else:
        con.say(tr("{passed} passed, {failed} failed", passed=passed, failed=failed))
    return 0 if failed == 0 and files else 1
