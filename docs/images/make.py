"""Regenerate the pictures of docs/pictures.md and README.md: `python docs/images/make.py [FOLDER]`.

Each picture is made by the command line the docs show (`gdasm plot ...`), with `--save-data` writing every
plotted number beside it as JSON; tests/test_plot.py regenerates the data into a temporary folder and compares.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CENSUS = ["--data", "x=@us_population.csv:decades_since_1900", "--data", "y=@us_population.csv:population_millions",
          "--set", "lr=0.015", "--set", "tol=1e-9"]
# (file stem, the command's arguments after `gdasm plot`)
IMAGES = (
    ("loss-gradient_descent", ["gradient_descent", "--kind", "loss"]),
    ("path-gradient_descent", ["gradient_descent", "--kind", "path"]),
    ("lr-gradient_descent", ["gradient_descent", "--kind", "lr"]),
    ("fit-absolute_loss", ["absolute_loss", "--kind", "fit"]),
    ("fit-absolute_loss-zh", ["absolute_loss", "--kind", "fit", "--lang", "zh"]),
    ("lr-gradient_descent-zh", ["gradient_descent", "--kind", "lr", "--lang", "zh"]),
    ("path-gradient_descent-zh", ["gradient_descent", "--kind", "path", "--lang", "zh"]),
    ("regs-gradient_descent", ["gradient_descent", "--kind", "regs", "--y", "w,grad"]),
    ("path-linear_regression-census", ["linear_regression", "--kind", "path", "--param", "w,b", *CENSUS]),
    ("fit-linear_regression-census", ["linear_regression", "--kind", "fit", *CENSUS]),
    ("lr-logistic_regression", ["logistic_regression", "--kind", "lr", "--lr", "0.5,5,50", "--set", "max_iter=3000"]),
    ("fit-logistic_regression", ["logistic_regression", "--kind", "fit"]),
)


def command(args: list) -> str:
    """The command as the docs show it."""
    return "gdasm plot " + " ".join(args)


def make(folder: Path, only=None) -> None:
    from vm.cli import main
    folder.mkdir(parents=True, exist_ok=True)
    for stem, args in IMAGES:
        if only and stem not in only:
            continue
        code = main(["plot", *args, "-o", str(folder / f"{stem}.png"), "--save-data", str(folder / f"{stem}.json")])
        if code != 0:
            raise SystemExit(f"{command(args)}: exit {code}")


if __name__ == "__main__":
    make(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
