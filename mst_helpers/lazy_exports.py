"""Packages that import a submodule only when one of its names is used (PEP 562).

:mod:`mst_helpers.plotting` offers every figure function of its submodules under one name
(``from mst_helpers.plotting import km_figure``). Importing them all eagerly would make every
chapter run every figure module, and the build, which re-runs a chapter when a helper it runs
changes (:func:`mst_helpers.build.helper_modules`), would re-run all sixteen chapters for a comment
in the RNA-seq figures. A lazy package imports ``survival_curves`` when a chapter asks for
``km_figure``, and the build reads the same table to know that it does.

A package is lazy when its ``__init__`` assigns a literal tuple of submodule names to
``_LAZY_SUBMODULES`` and calls :func:`install`; each submodule lists its public names in a literal
``__all__``.
"""

from __future__ import annotations

import ast
import functools
import importlib
from pathlib import Path

__all__ = ["LAZY_SUBMODULES", "install", "lazy_submodules", "exported_names"]

#: The variable a lazy package's ``__init__`` assigns.
LAZY_SUBMODULES = "_LAZY_SUBMODULES"


def _literal_assignment(path: Path, name: str):
    """The literal value assigned to ``name`` at the top level of ``path`` (None when absent)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    return None


def lazy_submodules(init_file: Path) -> tuple[str, ...]:
    """The submodules a package's ``__init__`` loads on demand (empty for an ordinary package)."""
    return tuple(_literal_assignment(Path(init_file), LAZY_SUBMODULES) or ())


@functools.lru_cache(maxsize=None)
def _exported(folder: str, submodules: tuple[str, ...], versions: tuple[int, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for submodule in submodules:
        for name in _literal_assignment(Path(folder) / f"{submodule}.py", "__all__") or ():
            if name in table:
                raise ImportError(f"{folder}: {name!r} is exported by both {table[name]} and {submodule}")
            table[name] = submodule
    return table


def exported_names(folder: Path, submodules: tuple[str, ...]) -> dict[str, str]:
    """``{public name: submodule}`` read from each submodule's ``__all__``, without importing it."""
    folder = Path(folder)
    versions = tuple((folder / f"{s}.py").stat().st_mtime_ns for s in submodules)
    return dict(_exported(str(folder), tuple(submodules), versions))


def install(namespace: dict) -> None:
    """Make the package whose ``globals()`` is ``namespace`` lazy: ``__getattr__``, ``__dir__``, ``__all__``."""
    package = namespace["__name__"]
    submodules = tuple(namespace[LAZY_SUBMODULES])
    table = exported_names(Path(namespace["__file__"]).parent, submodules)

    def __getattr__(name: str):
        if name in table:
            value = getattr(importlib.import_module(f"{package}.{table[name]}"), name)
            namespace[name] = value   # later look-ups skip this function
            return value
        if name in submodules:        # `package.survival_curves` before anything imported it
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    namespace["__getattr__"] = __getattr__
    namespace["__dir__"] = __dir__
    namespace["__all__"] = list(table)
