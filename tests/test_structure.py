"""The shape of the code, read from the source (ast, nothing imported): no import cycles
between modules, no private name imported from another module, no file over 500 lines;
and ``adders.prefix`` imports without Numba."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("adders", "rnn", "viz", "carrylab")
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    """Every module of the four packages: dotted name -> file. Folders without an
    ``__init__.py`` (the course's notebook sources, read as text) hold no modules."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            folders = path.relative_to(ROOT).parents
            if all((ROOT / f / "__init__.py").is_file() for f in folders if str(f) != "."):
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path):
    """Yield ``(target module, imported names, line)`` for every import in the module, with
    relative imports resolved. ``from pkg import sub`` names the submodule if there is one."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, [alias.name for alias in node.names], node.lineno


def _graph() -> dict[str, set[str]]:
    """Module -> the modules of the four packages it imports (at any place in the file)."""
    graph = {}
    for name, path in MODULES.items():
        edges = set()
        for target, names, _ in _imports(name, path):
            for sub in names:
                if f"{target}.{sub}" in MODULES:
                    edges.add(f"{target}.{sub}")
            # importing a.b.c runs a and a.b first; a package importing its own submodules
            # is the ordinary __init__ and not a cycle through the parent
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                mod = ".".join(parts[:i])
                if mod in MODULES and mod != name and not name.startswith(mod + "."):
                    edges.add(mod)
        edges.discard(name)
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph) + 100))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_walk_finds_every_package():
    assert set(PACKAGES) <= set(MODULES)
    assert "adders.prefix" in MODULES and "carrylab.cli" in MODULES


def test_no_import_cycles():
    cycles = _cycles(_graph())
    assert cycles == [], "modules that import each other (directly or round a loop):\n" + \
        "\n".join(" <-> ".join(c) for c in cycles)


def test_no_private_names_imported_across_modules():
    found = []
    for name, path in MODULES.items():
        for target, names, line in _imports(name, path):
            for sub in names:
                # a package's private submodule (``from . import _style``) is its own layout
                if (sub.startswith("_") and not sub.startswith("__") and target != name
                        and f"{target}.{sub}" not in MODULES):
                    found.append(f"{path.relative_to(ROOT)}:{line}: from {target} import {sub}")
    assert found == [], "private names imported from another module:\n" + "\n".join(found)


def test_no_file_over_500_lines():
    long = [f"{path.relative_to(ROOT)}: {n} lines" for path in MODULES.values()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert long == [], f"files over {MAX_LINES} lines:\n" + "\n".join(long)


def test_the_checks_see_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", ["adders.prefix"])
def test_imports_without_numba(module):
    code = f"import sys, {module}; assert 'numba' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)



def _classes() -> dict[str, ast.ClassDef]:
    """Every top-level class of the four packages, by name (for inherited docstrings)."""
    found = {}
    for path in MODULES.values():
        for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
            if isinstance(node, ast.ClassDef):
                found.setdefault(node.name, node)
    return found


def _inherits_doc(cls: ast.ClassDef, method: str, classes: dict) -> bool:
    """True if a base class (of the four packages) documents ``method``, which
    ``inspect.getdoc`` and ``help`` then show for the override."""
    for base in cls.bases:
        parent = classes.get(base.id if isinstance(base, ast.Name) else getattr(base, "attr", ""))
        if parent is None:
            continue
        for item in parent.body:
            if isinstance(item, ast.FunctionDef) and item.name == method and ast.get_docstring(item):
                return True
        if _inherits_doc(parent, method, classes):
            return True
    return False


def _undocumented(path: Path, classes: dict) -> list[str]:
    """Public functions, classes and methods of public classes without a docstring of
    their own or inherited from a base class."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    missing = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            if ast.get_docstring(node) is None:
                missing.append(f"{node.name} (line {node.lineno})")
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if (isinstance(item, ast.FunctionDef) and not item.name.startswith("_")
                            and ast.get_docstring(item) is None
                            and not _inherits_doc(node, item.name, classes)):
                        missing.append(f"{node.name}.{item.name} (line {item.lineno})")
    return missing


def test_every_public_function_is_documented():
    classes = _classes()
    missing = {name: found for name, path in MODULES.items() if (found := _undocumented(path, classes))}
    assert not missing, missing


def test_imports_inside_adders_functions_say_why():
    """adders/ imports at module level; an import inside a function (to keep Numba out of
    ``import adders``, say) carries a comment on it or just above it."""
    silent = []
    for name, path in MODULES.items():
        if not name.startswith("adders"):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for func in ast.walk(ast.parse("\n".join(lines), str(path))):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    near = lines[max(0, node.lineno - 4):node.lineno]
                    if not any("#" in line for line in near):
                        silent.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert silent == [], "imports inside functions with no reason given:\n" + "\n".join(silent)
