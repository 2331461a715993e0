"""The record types. Each subpackage declares one or more record types in its
``models.py`` (see :mod:`app.kit.spec`); a subpackage may also have a
``setup.py`` with ``register(appbuilder)`` for screens that are not record
types (e.g. the 领域/跑道 taxonomy) and CLI commands.

:func:`load` imports every subpackage's models, which registers its types;
the app factory then registers the screens of every registered type in one loop
(:func:`app.kit.setup.register_record_types`).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil


def subpackages() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.ispkg)


def load() -> None:
    for name in subpackages():
        if importlib.util.find_spec(f"{__name__}.{name}.models") is not None:
            importlib.import_module(f"{__name__}.{name}.models")


def register_extras(appbuilder) -> None:
    for name in subpackages():
        try:
            setup = importlib.import_module(f"{__name__}.{name}.setup")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}.setup":
                raise
            continue
        setup.register(appbuilder)
