"""Optional dependencies of the corpus tools, with one clear error when one is missing."""

from __future__ import annotations

import importlib

from propscan.errors import MissingDependency

__all__ = ["MissingDependency", "need"]


def need(module: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependency(f"{module} is not installed; corpus analysis needs the corpus extra: "
                                "pip install 'propscan[corpus]'") from None
