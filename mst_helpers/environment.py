"""The software environment a build ran in, listed the same way on every clean build."""

from __future__ import annotations

import re
from importlib.metadata import distributions

__all__ = ["installed_packages"]


def _canonical(name: str) -> str:
    """PEP 503 normalised name: ``Jupyter_Book`` and ``jupyter-book`` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_packages(dists=None) -> list[str]:
    """``name==version`` for every installed distribution, once each, sorted by normalised name.

    A package can be visible twice — its installed metadata and a leftover ``*.egg-info`` in a
    folder on ``sys.path`` (the project root, for this book) — and the list would then change with
    the checkout's leftovers; the first one found (the one Python imports) is kept.
    """
    found: dict[str, str] = {}
    for dist in dists if dists is not None else distributions():
        name = dist.metadata["Name"]
        if name and _canonical(name) not in found:
            found[_canonical(name)] = f"{name}=={dist.version}"
    return [found[key] for key in sorted(found)]
