"""The Chinese catalogue's upkeep, for maintainers (Babel, from the `test` extra): `python -m vm.catalogue`
extracts every message of vm/, merges them into vm/locale/zh_CN/LC_MESSAGES/gdasm.po, compiles the .mo and lists
what is untranslated (exit 1). Not imported by gdasm itself; docs/translating.md says how a message is added.
"""

from __future__ import annotations

import io
import os
from types import MappingProxyType
from typing import Optional

from .i18n import DOMAIN


def extract(fileobj, keywords, comment_tags, options):
    """A Babel extractor for gdasm's Python: its tr/ntr/mark messages, and the debugger's help, which is the
    docstrings of its `do_` commands (translated where `help` shows them). Babel calls it as
    `vm.catalogue:extract` (tests/test_i18n.py; `python -m vm.catalogue` for maintainers)."""
    import ast
    from babel.messages.extract import extract_python
    data = fileobj.read()
    yield from extract_python(io.BytesIO(data), keywords, comment_tags, options)  # it reads a file once
    for node in ast.walk(ast.parse(data)):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("do_") and node.name != "do_EOF":
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield node.body[0].lineno, None, doc, []


METHOD_MAP = (("**.py", "vm.catalogue:extract"),)
KEYWORDS = MappingProxyType({"tr": None, "mark": None, "ntr": (1, 2), "nmark": (1, 2), "pmark": ((1, "c"), 2)})


def update(root: Optional[str] = None) -> int:
    """Maintainers: extract every message (Babel), merge them into the zh_CN catalogue, and compile it. New
    messages come with an empty translation to fill in; docs/translating.md says more."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po
    root = root or os.path.dirname(os.path.abspath(__file__))
    template = Catalog(project="gdasm", copyright_holder="gdasm authors")
    for filename, lineno, message, comments, context in extract_from_dir(
            root, method_map=METHOD_MAP, keywords=dict(KEYWORDS), comment_tags=()):
        template.add(message, None, [("vm/" + filename.replace(os.sep, "/"), None)], flags=(), context=context)
    po = os.path.join(root, "locale", "zh_CN", "LC_MESSAGES", DOMAIN + ".po")
    with open(po, "rb") as f:
        catalog = read_po(f, locale="zh_CN")
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    with open(po, "wb") as f:
        write_po(f, catalog, width=116, sort_by_file=True, include_previous=False)
    with open(po[:-3] + ".mo", "wb") as f:
        write_mo(f, catalog, use_fuzzy=False)
    missing = [m.id for m in catalog if m.id and not (m.string if isinstance(m.id, str) else m.string[0])]
    for message in missing:
        print(f"untranslated: {message!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(update())
