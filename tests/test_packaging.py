"""A non-editable install carries the grammar and the bundled programs inside the package."""

import shutil
import subprocess
import sys
import zipfile

from conftest import ROOT


def test_wheel_ships_programs_and_runs_them_by_name(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
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
    assert "vm/locale/zh_CN/LC_MESSAGES/gdasm.mo" in names
    assert any(n.endswith("entry_points.txt") for n in names)
    assert any(n.endswith("LICENSE") and ".dist-info/" in n for n in names)
    metadata = next(zipfile.ZipFile(wheel).read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    assert "Requires-Dist: lark" in metadata and "Requires-Dist: numpy" not in metadata.split("Provides-Extra")[0]
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    # Run from an empty folder, so only the unpacked wheel can supply `vm` and its programs.
    run = subprocess.run([sys.executable, "-m", "vm", "run", "gradient_step", "--quiet"], cwd=tmp_path,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    zh = subprocess.run([sys.executable, "-m", "vm", "--lang", "zh", "run", "-"], input="DIV a, 1, 0\n", cwd=tmp_path,
                        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert zh.returncode == 70 and "除以零" in zh.stderr  # the catalogue came with the wheel
    listing = subprocess.run([sys.executable, "-m", "vm", "list"], cwd=tmp_path,
                             env={"PYTHONPATH": str(site)}, capture_output=True, text=True)
    assert "gradient_step" in listing.stdout
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    # The docs' census example, as written, finds the bundled data file by its name.
    docs = (ROOT / "docs" / "programs.md").read_text(encoding="utf-8")
    census = next(l for l in docs.splitlines() if l.startswith("gdasm run linear_regression --data x=@"))
    proc = subprocess.run([sys.executable, "-m", "vm", *census.split()[1:], "--json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    import json
    regs = json.loads(proc.stdout)["registers"]
    assert round(regs["w"], 4) == 21.6097 and round(regs["b"], 4) == 59.6299
    shown = subprocess.run([sys.executable, "-m", "vm", "show", "gradient_step"], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert shown.stdout == (ROOT / "programs" / "gradient_step.gdasm").read_text(encoding="utf-8")
    version = subprocess.run([sys.executable, "-m", "vm", "--version"], cwd=tmp_path, env=env,
                             capture_output=True, text=True)
    assert version.stdout.strip() == f"gdasm {declared_version()}"  # read from the wheel's metadata
    docgen = subprocess.run([sys.executable, "-m", "vm.docgen"], cwd=tmp_path, env=env, capture_output=True,
                            text=True)
    assert docgen.returncode == 2 and "source checkout" in docgen.stderr  # it writes nothing outside a checkout


def declared_version() -> str:
    import re
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^version = "([^"]+)"$', text, re.M).group(1)


def test_one_version_from_the_package_metadata():
    from importlib.metadata import version
    import vm
    assert vm.__version__ == version("gdasm") == declared_version()
