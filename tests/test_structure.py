"""The house as docs/architecture.md draws it: layers whose arrows point one way, features in
packages, no import cycle between modules, and every package the page names present."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("app", "ui", "db")
MAX_LOOSE = 12


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for layer in LAYERS for p in (ROOT / layer).rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Project modules a module imports, at its top or inside a function alike."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {m: imports_of(m, p, set(modules)) for m, p in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle_through_three_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_another_that_imports_it_back():
    assert cycles(import_graph()) == []


def test_imports_point_down_the_layers_only():
    below = {"ui": {"ui", "app", "db"}, "app": {"app", "db"}, "db": {"db"}}
    wrong = [f"{m} → {t}" for m, targets in import_graph().items() for t in targets
             if t.split(".")[0] not in below[m.split(".")[0]]]
    assert wrong == []


def test_app_and_db_never_import_qt():
    qt = re.compile(r"^\s*(from|import)\s+(PySide6|shiboken6|pyqtgraph)\b", re.MULTILINE)
    offenders = [str(p.relative_to(ROOT)) for layer in ("app", "db")
                 for p in (ROOT / layer).rglob("*.py") if qt.search(p.read_text("utf-8"))]
    assert offenders == []


def test_features_live_in_packages_not_loose_at_the_top_of_a_layer():
    for layer in ("app", "ui"):
        loose = sorted(p.name for p in (ROOT / layer).glob("*.py") if p.name != "__init__.py")
        assert len(loose) <= MAX_LOOSE, f"{layer}/: {loose}"


def test_every_package_and_module_the_architecture_page_names_exists():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:app|ui|db)/[\w/]*?)(?:\.py)?/?`", text))
    assert len(named) > 20   # the page names the packages of every feature
    missing = [n for n in sorted(named)
               if not (ROOT / n).is_dir() and not (ROOT / f"{n}.py").is_file()]
    assert missing == []
    # Every feature package in app/ and ui/ appears on the page.
    packages = {f"{layer}/{p.name}" for layer in ("app", "ui") for p in (ROOT / layer).iterdir()
                if (p / "__init__.py").is_file()}
    assert sorted(packages - named) == []


def test_a_feature_has_the_same_name_in_every_layer_it_spans():
    app = {p.name for p in (ROOT / "app").iterdir() if (p / "__init__.py").is_file()}
    ui = {p.name for p in (ROOT / "ui").iterdir() if (p / "__init__.py").is_file()}
    ui_only = {"widgets", "overview", "settings"}       # pages with no domain of their own
    app_only = {"documents", "cli"}                      # shared printing, the command line
    assert ui - ui_only <= app
    assert app - app_only <= ui


def test_no_package_core_binds_the_name_of_one_of_its_modules():
    """A package's __init__ that imported, say, db.audit as `audit` beside its own module
    audit.py would hand out the wrong module, and lose its own name once the module loads."""
    clashes = []
    for init in (p for layer in LAYERS for p in (ROOT / layer).rglob("__init__.py")):
        parts = {p.stem for p in init.parent.glob("*.py")} | {
            p.name for p in init.parent.iterdir() if (p / "__init__.py").is_file()}
        parts.discard("__init__")
        tree = ast.parse(init.read_text(encoding="utf-8"))
        for node in tree.body:
            bound = []
            if isinstance(node, ast.Import | ast.ImportFrom):
                bound = [(a.asname or a.name).split(".")[0] for a in node.names]
            elif isinstance(node, ast.FunctionDef | ast.ClassDef):
                bound = [node.name]
            elif isinstance(node, ast.Assign):
                bound = [t.id for t in node.targets if isinstance(t, ast.Name)]
            clashes += [f"{init.parent.relative_to(ROOT)}: {b}" for b in bound if b in parts]
    assert clashes == []
