"""Packages whose ``__init__`` runs on first use, not on import.

Flask-AppBuilder imports one class of SQLAlchemy-Utils
(``sqlalchemy_utils.types.uuid.UUIDType``, in ``models/sqla/interface.py``).
Importing it runs the package's ``__init__``, which imports all of
SQLAlchemy-Utils and what it wraps: about 110 modules and 5 MiB in every web
worker, none of them used. :func:`defer_init` puts the package (and
``sqlalchemy_utils.types``) in ``sys.modules`` with its real ``__path__`` and
``__spec__`` but without running its ``__init__``, so importing a submodule
loads only that submodule; the first access to anything else on the package
(``sqlalchemy_utils.database_exists``, ``from sqlalchemy_utils import …``)
runs the real ``__init__`` in place, and the package behaves as if imported
normally from then on. ``tests/test_lean_imports.py`` checks both.
"""

from __future__ import annotations

import importlib.util
import sys
import types

DEFERRED = ("sqlalchemy_utils", "sqlalchemy_utils.types")


class _DeferredInit(types.ModuleType):
    """A package whose ``__init__`` has not run yet: runs it on the first
    lookup of a name it does not have (dunder names excepted)."""

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        self.__class__ = types.ModuleType  # from now on a plain module
        self.__spec__.loader.exec_module(self)
        return getattr(self, name)


def defer_init(name: str) -> None:
    """Register package ``name`` with its ``__init__`` deferred (nothing
    happens when it is already imported or not installed)."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.submodule_search_locations is None:
        return
    module = _DeferredInit(name)
    module.__spec__ = spec
    module.__loader__ = spec.loader
    module.__file__ = spec.origin
    module.__path__ = list(spec.submodule_search_locations)
    module.__package__ = name
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


def install() -> None:
    for name in DEFERRED:
        defer_init(name)
