"""Arrays from files (--data NAME=@FILE.csv:COLUMN, @FILE) and the real-data example."""

import csv
import json

import numpy as np

import reference as ref

from conftest import ROOT, gdasm

CENSUS = ROOT / "programs" / "data" / "us_population.csv"


def census_columns():
    rows = list(csv.DictReader(CENSUS.open(encoding="utf-8")))
    return [float(r["decades_since_1900"]) for r in rows], [float(r["population_millions"]) for r in rows]


def test_linear_regression_on_census_data_converges_to_polyfit():
    proc = gdasm("run", "linear_regression", "--json",
                 "--data", f"x=@{CENSUS}:decades_since_1900", "--data", f"y=@{CENSUS}:population_millions",
                 "--set", "lr=0.015", "--set", "tol=1e-9")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    x, y = census_columns()
    w, b = ref.least_squares_line(x, y)  # the normal equations, solved exactly
    assert np.allclose(np.polyfit(x, y, 1), [w, b], rtol=1e-12)  # numpy agrees, as the docs say
    assert abs(doc["registers"]["w"] - w) < 1e-6 and abs(doc["registers"]["b"] - b) < 1e-6
    assert doc["arrays"]["y"] == y and len(x) == 13
    assert doc["registers"]["iterations"] < 10000  # converged, not cut off by max_iter


def test_the_docs_command_for_census_data_runs():
    text = (ROOT / "docs" / "programs.md").read_text(encoding="utf-8")
    line = next(l for l in text.splitlines() if l.startswith("gdasm run linear_regression --data x=@"))
    proc = gdasm(*line.split()[1:])
    assert proc.returncode == 0 and "iterations =" in proc.stdout


def test_one_number_a_line(tmp_path):
    f = tmp_path / "nums.txt"
    f.write_text("1\n\n2.5\n  -3e0  \n", encoding="utf-8")
    proc = gdasm("run", "mse_loss", "--json", "--data", f"x=@{f}", "--data", "y=0,0,0")
    assert json.loads(proc.stdout)["arrays"]["x"] == [1.0, 2.5, -3.0]


def test_quoted_csv_cells_and_bom(tmp_path):
    f = tmp_path / "q.csv"
    f.write_bytes('\ufeff"name, with comma",value\n"a, b",1.5\nc,"2"\n'.encode("utf-8"))
    proc = gdasm("run", "mse_loss", "--json", "--data", f"x=@{f}:value", "--data", "y=0,0")
    assert json.loads(proc.stdout)["arrays"]["x"] == [1.5, 2.0]


def test_missing_file_is_66(tmp_path):
    proc = gdasm("run", "mse_loss", "--data", f"x=@{tmp_path}/none.csv:a")
    assert proc.returncode == 66 and "none.csv: no such file" in proc.stderr


def test_missing_column_is_64_and_lists_the_columns():
    proc = gdasm("run", "mse_loss", "--data", f"x=@{CENSUS}:pop")
    assert proc.returncode == 64
    assert "has no column 'pop'; its columns are: year, decades_since_1900, population_millions" in proc.stderr


def test_a_cell_that_is_not_a_number_is_65_with_line_and_column(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("a,b\n1,2\n3, x9\n4,\n", encoding="utf-8")
    proc = gdasm("run", "mse_loss", "--data", f"x=@{f}:b")
    assert proc.returncode == 65
    assert f"{f}:3:4: error: 'x9' in column 'b' is not a number" in proc.stderr
    assert " 3 | 3, x9" in proc.stderr and "   |    ^^" in proc.stderr
    assert f"{f}:4:3: error: '' in column 'b' is not a number" in proc.stderr
    g = tmp_path / "bad.txt"
    g.write_text("1\nnan\n", encoding="utf-8")
    proc = gdasm("run", "mse_loss", "--data", f"x=@{g}")
    assert proc.returncode == 65 and f"{g}:2:1: error: 'nan' is not a number" in proc.stderr


def test_run_lines_resolve_data_paths_next_to_the_program(tmp_path):
    (tmp_path / "d.csv").write_text("v\n3\n4\n", encoding="utf-8")
    p = tmp_path / "p.gdasm"
    p.write_text(".data x = 0\n# run: --data x=@d.csv:v\nLOAD a, x, 1\n# expect: a = 4\n", encoding="utf-8")
    proc = gdasm("test", str(p), cwd=ROOT)
    assert proc.returncode == 0, proc.stdout
