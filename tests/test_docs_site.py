"""The documentation site builds from docs/ with MkDocs and the Material theme, strictly (a broken link or a
page left out of the navigation fails), and gdasm's code blocks come out highlighted by gdasm's own lexer."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT


def test_mkdocs_build_strict(tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert proc.returncode == 0, proc.stderr
    page = (site / "language" / "index.html").read_text(encoding="utf-8")
    assert '<span class="k">MOV</span>' in page  # a ```gdasm block, through vm/highlight.py
    zh = (site / "zh" / "glossary" / "index.html").read_text(encoding="utf-8")
    assert "寄存器" in zh and "学习率" in zh
    built = {p.relative_to(site).as_posix() for p in site.rglob("index.html")}
    sources = {p.relative_to(ROOT / "docs").with_suffix("").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    for name in sources:  # every page of docs/ is on the site
        assert ("index.html" if name == "index" else f"{name}/index.html".replace("/index/", "/")) in built, name
