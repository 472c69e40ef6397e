"""DESIGN: ``standards`` imports nothing of lantian but itself, and does no I/O but its tables."""
import ast
from pathlib import Path

import lantian.standards

PKG = Path(lantian.standards.__file__).parent


def test_standards_imports_only_itself():
    offenders = []
    for path in PKG.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for n in names:
                if n.startswith("lantian") and not n.startswith("lantian.standards"):
                    offenders.append(f"{path.name}: {n}")
                if n.split(".")[0] in {"duckdb", "ibis", "pyarrow", "sqlalchemy", "fastapi", "pandas"}:
                    offenders.append(f"{path.name}: {n}")
    assert offenders == []
