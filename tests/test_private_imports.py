"""A name with a leading underscore is private to its module: no module of the project
imports one from another (make it public, with a docstring, or move it)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "saikoku"


def test_no_module_imports_a_private_name_from_another():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("saikoku"):
                found += [
                    f"{path.relative_to(SRC)}:{node.lineno} {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
    assert not found, found
