"""lantian's import graph, read from the code, and the layers it must respect (docs/architecture.md).

    python scripts/import_graph.py          # rewrite the diagram in docs/architecture.md
    python scripts/import_graph.py --check  # exit 1 when the diagram is not the code's

Every ``import`` of lantian — at the top of a module or inside a function — is an edge. The
diagram shows the rooms and layers (one node a package or top-level module, one edge however many
imports), the architecture test (tests/test_architecture.py) checks the rules on the same edges.
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "lantian"
DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- import-graph: begin (scripts/import_graph.py writes it) -->", "<!-- import-graph: end -->"

#: the layers, lowest first: a module may import its own layer and the ones below, never one above
LAYERS: dict[str, tuple[str, ...]] = {
    "standards": ("standards",),
    "core": ("errors", "db", "audit", "workspace", "datadir", "textfiles", "sheets", "attachments", "migrations",
             "limits"),
    "base": ("measurements", "geography", "accounts", "backup", "documents"),
    "rooms": ("plan", "assessment", "emergency", "enterprises", "registers", "dustfall", "fires", "vehicles",
              "inventory", "apportionment", "live", "monitoring", "forecast", "analysis"),
    "bulletins": ("bulletins",),
    "shell": ("web", "cli", "terminal", "demo", "__main__", "backup_cli"),
}
RANK = {unit: i for i, units in enumerate(LAYERS.values()) for unit in units}
RANK["lantian"] = RANK["__version__"] = 0           # the package itself: its version string
#: a room's interface modules belong to the shell: they may use web/terminal, and nothing below imports them
INTERFACE = ("cli", "routes", "watch_cli", "ozone_routes")


@dataclass(frozen=True)
class Edge:
    source: str            # module, e.g. lantian.plan.service
    target: str            # module or name imported, e.g. lantian.accounts.scope
    names: tuple[str, ...]  # the names taken (``from x import a, b``); () for ``import x``
    line: int
    top: bool              # at module level (not inside a function)

    @property
    def source_unit(self) -> str:
        return unit_of(self.source)

    @property
    def target_unit(self) -> str:
        return unit_of(self.target)


def unit_of(module: str) -> str:
    """The room, layer package or top-level module a module belongs to: lantian.plan.service → plan."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "lantian"


def is_interface(module: str) -> bool:
    return module.split(".")[-1] in INTERFACE


def layer_of(module: str) -> int:
    """The layer's rank; a room's cli/routes module counts as the shell."""
    return RANK["web"] if is_interface(module) else RANK.get(unit_of(module), RANK["web"])


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def edges(src: Path = SRC) -> list[Edge]:
    """Every lantian import in ``src``, with where it stands."""
    out = []
    for path in sorted(src.rglob("*.py")):
        mod = module_name(path)
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(n) for n in tree.body}
        for node in tree.body:
            if isinstance(node, (ast.If, ast.Try)):
                top |= {id(n) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[:len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target != "lantian" and not target.startswith("lantian."):
                    continue
                names = tuple(a.name for a in node.names)
                if target == "lantian":      # from lantian import db, geography: each is a module
                    out.extend(Edge(mod, f"lantian.{n}", (), node.lineno, id(node) in top) for n in names)
                else:
                    out.append(Edge(mod, target, names, node.lineno, id(node) in top))
            elif isinstance(node, ast.Import):
                out.extend(Edge(mod, a.name, (), node.lineno, id(node) in top) for a in node.names
                           if a.name.startswith("lantian."))
    return out


def unit_graph(found: list[Edge]) -> dict[tuple[str, str], int]:
    """(source unit, target unit) → number of imports, units differing."""
    graph: dict[tuple[str, str], int] = {}
    for e in found:
        a, b = e.source_unit, e.target_unit
        if b == "__version__":
            b = "lantian"
        if a != b and b != "lantian":
            graph[(a, b)] = graph.get((a, b), 0) + 1
    return graph


#: drawn as boxes but not as arrow targets: every layer above uses them (the arrows would hide the rest)
UNDRAWN_TARGETS = LAYERS["standards"] + LAYERS["core"]
#: not drawn as arrow sources: the shell mounts every room (its arrows would hide the rooms' own)
UNDRAWN_SOURCES = LAYERS["shell"]


def mermaid(found: list[Edge]) -> str:
    """The diagram: one subgraph a layer (lowest at the bottom), one arrow an importing unit pair — arrows
    into the core and the standards and out of the shell left out (any unit above may use the former, the
    latter mounts every room), and a room's cli/routes using the shell's helpers (they are the shell's)."""
    drawn = [e for e in found if not (is_interface(e.source) and e.target_unit in LAYERS["shell"])]
    graph = {pair: n for pair, n in unit_graph(drawn).items()
             if pair[1] not in UNDRAWN_TARGETS and pair[0] not in UNDRAWN_SOURCES}
    present = {u for pair in graph for u in pair}
    lines = ["```mermaid", "flowchart TB"]
    for layer, units in reversed(list(LAYERS.items())):
        shown = [u for u in units if u in present]
        if shown:
            lines.append(f"  subgraph {layer}")
            lines.extend(f"    {_node(u)}[{u}]" for u in shown)
            lines.append("  end")
    for (a, b), n in sorted(graph.items()):
        lines.append(f"  {_node(a)} --> {_node(b)}")
    lines.append("```")
    return "\n".join(lines)


def _node(unit: str) -> str:
    return "n_" + unit.strip("_")


def summary(found: list[Edge]) -> str:
    """How many imports, and how many stand inside functions (printed, not kept in the docs: it changes
    with every import, the diagram only with a new dependency between rooms or layers)."""
    inside = [e for e in found if e.source_unit != e.target_unit]
    deferred = sum(1 for e in found if not e.top)
    return (f"{len(found)} imports of lantian modules in {len({e.source for e in found})} modules; "
            f"{len(inside)} cross a room or layer; {deferred} ({100 * deferred // max(len(found), 1)} %) stand "
            f"inside functions.")


def rendered(found: list[Edge] | None = None) -> str:
    found = edges() if found is None else found
    return f"{BEGIN}\n{mermaid(found)}\n{END}"


def current(doc: Path = DOC) -> str:
    text = doc.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end]


def write(doc: Path = DOC) -> None:
    text = doc.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    doc.write_text(text[:start] + rendered() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    if "--check" in sys.argv[1:]:
        same = current() == rendered()
        print("docs/architecture.md: the import graph is current" if same else
              "docs/architecture.md: the import graph is stale — run python scripts/import_graph.py")
        sys.exit(0 if same else 1)
    write()
    print(f"wrote the import graph into {DOC.relative_to(ROOT)}; {summary(edges())}")
