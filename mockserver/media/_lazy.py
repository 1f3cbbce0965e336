"""Import heavy libraries (PyAV, Pillow) on first use, so the server starts without them."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_import(name: str) -> ModuleType:
    """`name` as a module object that really imports itself the first time an attribute is read."""
    found = sys.modules.get(name)
    if found is not None:
        return found
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:  # as a real import would: `PIL.Image` is also an attribute of `PIL`
        setattr(sys.modules[parent], child, module)
    spec.loader.exec_module(module)
    return module
