"""The house rules of docs/architecture.md, checked on the code's own imports (beside
tests/standards/test_purity.py, which keeps the bottom layer pure):

1. a lower layer never imports a higher one (standards → core → base → rooms → shell; a room's
   cli/routes modules are the shell's);
2. a room never reads another room's tables: it imports no other room's ``models``;
3. no private name (``_name``) is taken from another room or layer;
4. the import-graph diagram in docs/architecture.md is the code's.

Where today's code breaks a rule, the break is listed below by name with its reason — and the
test fails when a listed break is mended (so the list only shrinks) or a new one appears.
"""
from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
graph = sys.modules["import_graph"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(graph)

EDGES = graph.edges()
ROOMS = set(graph.LAYERS["rooms"])

#: (importing module, imported module): why it is allowed for now
LAYER_EXCEPTIONS = {
    ("lantian.limits", "lantian.enterprises.models"):
        "the field-length limits (core, a flush hook) name a ledger cell's column through the ledger's models: "
        "cell_limit(kind, field); the room could hand its columns to the limits instead",
    ("lantian.limits", "lantian.accounts.models"): "the same, for an enterprise's own columns",
}
#: (importing module, another room's models module): why it reads those tables for now
TABLE_EXCEPTIONS = {
    ("lantian.limits", "lantian.enterprises.models"): "see LAYER_EXCEPTIONS",
}
#: (importing module, imported module, private name): why
PRIVATE_EXCEPTIONS: dict[tuple[str, str, str], str] = {}


def _present(exceptions: dict) -> set:
    """The listed breaks whose importing module is in this tree (a branch not yet merged may lack one)."""
    return {key for key in exceptions if _is_module(key[0])}


def _layer_breaks(edges=EDGES) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in edges
            if e.target_unit not in ("lantian", "__version__") and graph.layer_of(e.source) < graph.layer_of(e.target)}


def _table_reads(edges=EDGES) -> set[tuple[str, str]]:
    found = set()
    for e in edges:
        if e.target_unit not in ROOMS or e.source_unit == e.target_unit:
            continue
        if e.target.split(".")[-1] == "models":
            found.add((e.source, e.target))
        elif "models" in e.names and e.target == f"lantian.{e.target_unit}":     # from lantian.x import models
            found.add((e.source, f"{e.target}.models"))
    return found


def _module_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name → lantian module, for names bound to a module (``from lantian.x import service as s``)."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("lantian.") and a.asname:
                    out[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").startswith("lantian"):
            for a in node.names:
                candidate = f"{node.module}.{a.name}"
                if _is_module(candidate):
                    out[a.asname or a.name] = candidate
    return out


def _is_module(name: str) -> bool:
    path = graph.SRC.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _private_imports(edges=EDGES) -> set[tuple[str, str, str]]:
    return {(e.source, e.target, n) for e in edges for n in e.names
            if n.startswith("_") and not n.startswith("__") and e.source_unit != e.target_unit}


def _private_uses() -> set[tuple[str, str, str]]:
    found = _private_imports()
    for path in graph.SRC.rglob("*.py"):
        source = graph.module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = _module_aliases(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                target = aliases[node.value.id]
                if graph.unit_of(target) != graph.unit_of(source):
                    found.add((source, target, node.attr))
    return found


def test_no_lower_layer_imports_a_higher_one():
    breaks = _layer_breaks()
    assert breaks - set(LAYER_EXCEPTIONS) == set(), "new imports upward: " + repr(sorted(breaks - set(LAYER_EXCEPTIONS)))
    assert _present(LAYER_EXCEPTIONS) - breaks == set(), "mended — strike from LAYER_EXCEPTIONS: " + repr(
        sorted(_present(LAYER_EXCEPTIONS) - breaks))


def test_no_room_reads_another_rooms_tables():
    reads = _table_reads()
    assert reads - set(TABLE_EXCEPTIONS) == set(), "a room reads another's tables: " + repr(
        sorted(reads - set(TABLE_EXCEPTIONS)))
    assert _present(TABLE_EXCEPTIONS) - reads == set(), "mended — strike from TABLE_EXCEPTIONS: " + repr(
        sorted(_present(TABLE_EXCEPTIONS) - reads))


def test_no_private_name_crosses_a_room():
    uses = _private_uses()
    assert uses - set(PRIVATE_EXCEPTIONS) == set(), repr(sorted(uses - set(PRIVATE_EXCEPTIONS)))
    assert set(PRIVATE_EXCEPTIONS) - uses == set()


def test_every_unit_has_a_layer():
    """A new room or top-level module is placed in a layer (scripts/import_graph.py LAYERS) — and so in the docs."""
    units = {graph.unit_of(graph.module_name(p)) for p in graph.SRC.rglob("*.py")} - {"lantian"}
    assert units - set(graph.RANK) == set()
    assert {"plan", "assessment", "geography", "standards"} <= units


def test_the_rules_catch_what_they_name():
    """The checks are not vacuous: a made-up upward import, table read and private import are each caught,
    and a room's own routes importing the web shell is not a break."""
    upward = graph.Edge("lantian.standards.aqi", "lantian.db", ("session",), 1, True)
    table = graph.Edge("lantian.fires.service", "lantian.plan.models", ("Task",), 1, True)
    private = graph.Edge("lantian.fires.service", "lantian.plan.service", ("_check_owner",), 1, False)
    shell = graph.Edge("lantian.fires.routes", "lantian.web.templating", ("render",), 1, True)
    assert _layer_breaks([upward, shell]) == {("lantian.standards.aqi", "lantian.db")}
    assert _table_reads([table, shell]) == {("lantian.fires.service", "lantian.plan.models")}
    assert _private_imports([private, shell]) == {("lantian.fires.service", "lantian.plan.service", "_check_owner")}


def test_the_import_graph_in_the_docs_is_current():
    assert graph.current() == graph.rendered(EDGES), "run: python scripts/import_graph.py"


def test_the_readme_names_every_room_and_command():
    """README "How it is built": every room in the tree, every top-level command in the command → room table."""
    import typer.main

    from lantian.cli import app
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    built = text[text.index("## How it is built"):]
    table = built[built.index("| command | room |"):]
    table = table[:table.index("\n\n")]
    for room in graph.LAYERS["rooms"] + graph.LAYERS["base"]:
        assert f"  {room}/" in built or f"  {room}.py" in built, room
    commands = typer.main.get_group(app).commands
    assert len(commands) > 25
    for name in commands:
        assert f"`{name}`" in table, name


def test_every_reference_points_into_the_repository():
    """A newcomer who clones the repository can follow every citation: no "spec §", DESIGN or shared/spec
    reference; each docs/standards.md §N and docs/architecture.md "Heading" names a section that exists."""
    import re
    files = [p for p in [*(ROOT / "src").rglob("*.py"), *(ROOT / "src").rglob("*.toml"), *(ROOT / "docs").glob("*.md"),
                         ROOT / "README.md"] if "__pycache__" not in p.parts]
    standards = (ROOT / "docs" / "standards.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^#+ (\d+(?:\.\d+)?)\.? ", standards, re.M))
    headings = set(re.findall(r"^#+ (.+)$", (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"), re.M))
    stale, missing = [], []
    for path in files:
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        stale += [f"{where}: {m}" for m in re.findall(r"\bspec §|DESIGN \"|spec/engine-notes|shared/spec/", text)]
        missing += [f"{where}: §{n}" for n in re.findall(r"standards\.md §(\d+(?:\.\d+)?)", text) if n not in sections]
        missing += [f"{where}: \"{h}\"" for h in re.findall(r"architecture\.md \"([^\"]+)\"", text) if " ".join(h.split()) not in headings]
        missing += [f"{where}: docs/{d}" for d in re.findall(r"docs/([\w-]+\.md)", text)
                    if not (ROOT / "docs" / d).is_file()]
    assert stale == [] and missing == [], (stale, missing)
