"""A non-editable install carries the grammar and the bundled programs inside the package."""

import shutil
import subprocess
import sys
import zipfile

from conftest import ROOT


def test_wheel_ships_programs_and_runs_them_by_name(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in ("vm", "programs"):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    [wheel] = dist.glob("gdasm-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for bundled in (ROOT / "programs").glob("*.gdasm"):
        assert f"vm/programs/{bundled.name}" in names
    assert "vm/grammar.lark" in names and "vm/programs/data/us_population.csv" in names
    assert any(n.endswith("entry_points.txt") for n in names)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    # Run from an empty folder, so only the unpacked wheel can supply `vm` and its programs.
    run = subprocess.run([sys.executable, "-m", "vm", "run", "gradient_step", "--quiet"], cwd=tmp_path,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    listing = subprocess.run([sys.executable, "-m", "vm", "list"], cwd=tmp_path,
                             env={"PYTHONPATH": str(site)}, capture_output=True, text=True)
    assert "gradient_step" in listing.stdout
