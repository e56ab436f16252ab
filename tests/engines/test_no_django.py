"""Engines are plain Python: nothing under engines/ may import Django."""

import ast
from pathlib import Path

ENGINES = Path(__file__).resolve().parents[2] / "src" / "qiangshi" / "engines"


def test_engines_do_not_import_django():
    offenders = []
    for path in sorted(ENGINES.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] in ("django", "ninja")
                or n.startswith("qiangshi.")
                and not n.startswith("qiangshi.engines")
            ]
    assert offenders == []


def test_the_check_would_catch_an_import(tmp_path):
    source = "from django.db import models\n"
    tree = ast.parse(source)
    node = tree.body[0]
    assert isinstance(node, ast.ImportFrom) and node.module.split(".")[0] == "django"
