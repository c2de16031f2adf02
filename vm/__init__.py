"""gdasm: a small, exact register machine that runs gradient descent as assembly."""

from typing import Optional

from . import i18n, machine as _machine
from .assembler import as_program, assemble
from .i18n import tr
from .errors import AssemblyError, Diagnostic, GdasmError, InputFileError, RuntimeFault, Span, UsageError
from .ir import UNSET, Program
from .machine import DEFAULT_MAX_STEPS, Machine, Result, StepRecord
from .render import Formatter



def run(program, registers=None, arrays=None, max_steps: int = DEFAULT_MAX_STEPS, exact: bool = False,
        engine: str = "auto") -> Result:
    """Run a Program (or assemble gdasm text first); returns a Result or raises RuntimeFault.

    `engine`: "compiled" (generated Python, floating point), "reference" (the closure engine, which also steps
    and traces) or "auto" (compiled when it can); every engine gives the same results (docs/performance.md).
    """
    return _machine.run(as_program(program), registers, arrays, max_steps, exact, engine)


def load(name) -> Program:
    """A program by file path, or a bundled program by name (`vm.load("gradient_descent")`), assembled."""
    import os
    from pathlib import Path
    from . import catalog, source
    if not isinstance(name, (str, os.PathLike)):
        raise UsageError(tr("load() takes a file path or a bundled program's name, not {type}",
                            type=type(name).__name__))
    path = Path(name)
    if not source.exists(path):
        found = catalog.find(str(name))
        if found is None:
            raise InputFileError(tr("{name}: no such file or bundled program (bundled: {names})",
                                    name=source.shorten(str(name)), names=", ".join(catalog.names())))
        path = found
    shown = path.name if path.parent == catalog.programs_dir() else str(path)
    from .assembler import program_from  # a .gdbin binary, or source
    from .source import read_program_bytes
    return program_from(read_program_bytes(path, shown), shown)


def bundled(name: str) -> Program:
    """A bundled program by name, assembled: `vm.bundled("gradient_descent")` (`gdasm list` names them all)."""
    from . import catalog, source
    if not isinstance(name, str):
        raise UsageError(tr("bundled() takes a bundled program's name, not {type}", type=type(name).__name__))
    path = catalog.find(name)
    if path is None:
        from .suggest import closest
        close = closest(name.removesuffix(".gdasm"), catalog.names()) if len(name) < 100 else None
        raise InputFileError(tr("{name}: no bundled program of that name", name=source.shorten(name))
                             + (tr("; did you mean '{close}'?", close=close) if close else
                                tr(" (bundled: {names})", names=", ".join(catalog.names()))))
    return assemble(source.read_bounded(path, source.PROGRAM_LIMIT, tr("a program"), path.name), path.name)


def page_html(program, registers=None, arrays=None, max_steps: int = DEFAULT_MAX_STEPS, exact: bool = False,
         lang: Optional[str] = None, numbers: str = "dec", max_page_steps: int = 20_000) -> str:
    """The click-through page of a run (what `gdasm html` writes), as HTML text; see docs/page.md. `lang`: the
    page's words, "en" or "zh"; by default the language in use (vm.i18n)."""
    from . import page as _page
    inputs = {"registers": registers, "arrays": arrays, "max_steps": max_steps, "exact": exact}
    return _page.build(as_program(program), inputs, lang or i18n.language(), numbers, max_page_steps)[0]


def load_ipython_extension(ipython) -> None:
    """`%load_ext vm` in Jupyter/IPython: registers the `%%gdasm` cell magic (needs gdasm[notebook])."""
    from .notebook import load_ipython_extension as _load
    _load(ipython)


def grad(program, register: str, wrt, registers=None, arrays=None, max_steps: int = DEFAULT_MAX_STEPS,
         exact: bool = False, at=None, at_out=None):
    """∂register/∂each input of `wrt` by reverse mode over the run's executed steps (see docs/backprop.md)."""
    from .autodiff import grad as _grad
    return _grad(as_program(program), register, wrt, registers, arrays, max_steps, exact, at, at_out)


def gradcheck(program, loss: str, grads, registers=None, arrays=None, max_steps: int = DEFAULT_MAX_STEPS,
              at_out=None):
    """Whether each PARAM:GRADREG of `grads` holds ∂loss/∂PARAM at the program's evaluations: the verdicts."""
    from .gradient_check import gradcheck as _check
    return _check(as_program(program), loss, grads, registers, arrays, max_steps, at_out)


def __getattr__(name: str):
    """Loaded on first use: `vm.plot` needs matplotlib (gdasm[plot]), which `import vm` must not load; and
    `vm.__version__` needs importlib.metadata (and the email package it loads), about 10 ms of a command's
    start-up that only --version uses."""
    if name in ("plot", "describe"):  # vm.describe (what a step changed) too: `gdasm run` starts without it
        from importlib import import_module
        return import_module(f".{name}", __name__)
    if name == "sweep":  # NumPy's lanes: loaded by the sweeps that use them
        from .sweeping import sweep
        return sweep
    if name in ("sample", "Samples"):  # vm.sample: the sampled runs of the API, which the commands do not need
        from . import sampling
        return getattr(sampling, name)
    if name == "__version__":
        from importlib import metadata
        try:
            version = metadata.version("gdasm")  # one version: pyproject.toml's, as installed
        except metadata.PackageNotFoundError:  # a source tree used without installing it
            version = "0+unknown"
        globals()["__version__"] = version
        return version
    raise AttributeError(f"module 'vm' has no attribute '{name}'")


__all__ = (
    "assemble", "run", "Machine", "Program", "Result", "StepRecord", "UNSET", "DEFAULT_MAX_STEPS", "Formatter",
    "GdasmError", "AssemblyError", "RuntimeFault", "UsageError", "InputFileError", "Diagnostic", "Span",
    "sample", "Samples", "sweep", "load", "bundled", "page_html", "grad", "gradcheck",
)
