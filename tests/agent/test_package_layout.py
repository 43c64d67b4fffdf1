"""The sync agent's package keeps its layout: no import cycles, a public API
at the root whose names all resolve, and one exception tree that says
whether each error is retryable.

The import graph is read from the source with :mod:`ast` (every import, also
those inside functions), so that a cycle hidden behind a local import counts
too: such an import only postpones the cycle to the first call.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

import pytest

import sync_agent
from sync_agent import (
    DeliveryFailed,
    GatewayCallError,
    GatewayUnavailable,
    MappingError,
    PortalError,
    SyncAgentError,
)

PACKAGE_DIR = Path(sync_agent.__file__).resolve().parent
ROOT = "sync_agent"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}
#: The modules that may be imported to look at them (``__main__`` runs a command).
IMPORTABLE: list[str] = [name for name in MODULES if not name.endswith(".__main__")]


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _imported(name: str) -> set[str]:
    """The package's modules that ``name`` imports (relative or absolute),
    with the packages they are in: importing ``a.b.c`` runs ``a.b`` first."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if _is_package(name) else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # ``from . import xmldoc`` imports a module; ``from .x import Name`` a name of x
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target == ROOT or target.startswith(ROOT + "."):
                found.update(_with_parents(target))
    return {module for module in found if module in MODULES and module != name}


def _with_parents(module: str) -> list[str]:
    """``module`` and the subpackages it is in (the root itself only when named:
    it runs first for any import, and imports no module that needs it)."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts))] + [module]


GRAPH: dict[str, set[str]] = {name: _imported(name) for name in MODULES}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as a path (first node repeated), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_graph_sees_relative_and_local_imports() -> None:
    assert "sync_agent.mapping.xmldoc" in GRAPH["sync_agent.mapping.documents"]  # from . import xmldoc
    assert "sync_agent.outbox.contract" in GRAPH["sync_agent.testing"]  # an import inside a method
    assert "sync_agent.outbox" in GRAPH["sync_agent.delivery.worker"]  # the package of a module it imports


def test_the_package_has_no_import_cycle() -> None:
    # The root re-exports the API, so every module is below it: only edges into the root could close
    # a cycle through it, and there must be none (see the next test).
    below_root = {name: GRAPH[name] - {ROOT} for name in GRAPH if name != ROOT}
    assert _cycle(below_root) is None


def test_no_module_imports_the_package_root() -> None:
    importers = sorted(name for name, imported in GRAPH.items() if ROOT in imported)
    assert importers == [], "import from the defining module (e.g. sync_agent._version), not from the root"


def test_every_module_imports_on_its_own() -> None:
    """Each module imported first, in a fresh set of the package's modules, so
    that an import that only works after some other module is caught."""
    names = sorted(IMPORTABLE)
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'sync_agent' or m.startswith('sync_agent.')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
        f"print('imported', {len(names)})\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"imported {len(names)}"


def test_the_wheel_ships_every_package() -> None:
    """pyproject.toml lists the packages explicitly (its package data needs
    package-dir): a new subpackage missing there would only fail once installed."""
    pyproject = tomllib.loads((PACKAGE_DIR.parent / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    packages = {name for name in MODULES if _is_package(name)}
    assert packages - listed == set()


def test_the_root_exports_a_public_api_that_resolves() -> None:
    exported = sync_agent.__all__
    assert len(exported) == len(set(exported)), "a name listed twice in __all__"
    assert [name for name in exported if not hasattr(sync_agent, name)] == []
    assert [name for name in exported if name.startswith("_") and name != "__version__"] == []
    for name in ("MappingRegistry", "Worker", "PortalMapping", "DocumentMapping", "SyncAgentError"):
        assert name in exported


def _exception_classes() -> list[type[BaseException]]:
    """Every public exception class defined in the package."""
    found: dict[str, type[BaseException]] = {}
    for name in IMPORTABLE:
        module = __import__(name, fromlist=["_"])
        for attr, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == name
                and not attr.startswith("_")
            ):
                found[f"{name}.{attr}"] = value
    return [found[key] for key in sorted(found)]


def test_every_error_of_the_package_is_in_one_tree_that_says_retryable() -> None:
    classes = _exception_classes()
    assert len(classes) >= 15
    assert {cls.__module__ for cls in classes} == {"sync_agent.errors"}, "errors live in sync_agent.errors"
    assert [cls.__name__ for cls in classes if not issubclass(cls, SyncAgentError)] == []
    assert [cls.__name__ for cls in classes if not isinstance(cls.retryable, bool)] == []
    assert [cls.__name__ for cls in classes if cls.__name__ not in sync_agent.__all__] == []


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (GatewayUnavailable("odoo down"), True),
        (GatewayCallError("crash", kind="builtins.KeyError"), True),
        (GatewayCallError("refused", kind="odoo.exceptions.UserError"), False),
        (MappingError("no mapping"), False),
        (PortalError("503", retryable=True, status=503), True),
        (PortalError("400", retryable=False, status=400), False),
        (DeliveryFailed("writing failed: disk full", retryable=True), True),
        (DeliveryFailed("no portal is configured for target x", retryable=False), False),
    ],
)
def test_retryable_is_an_attribute_of_the_error(error: SyncAgentError, retryable: bool) -> None:
    assert error.retryable is retryable
    assert type(error).retryable in (True, False)  # the class states its usual answer too


def test_the_tree_drawn_in_the_errors_docstring_names_every_error() -> None:
    import sync_agent.errors as errors

    drawn = {
        line.replace("│", " ").replace("├──", " ").replace("└──", " ").split()[0]
        for line in (errors.__doc__ or "").splitlines()
        if line.startswith("    ") and line.strip()
    }
    assert sorted(cls.__name__ for cls in _exception_classes()) == sorted(drawn)
