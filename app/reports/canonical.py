"""Canonical JSON and hashes of snapshots — pure Python (no numpy, pandas,
Flask or database), so that the web app can import it at start-up."""

from __future__ import annotations

import hashlib
import json
import math


def number(value):
    """One collected number as JSON: a float, or None for NaN / missing."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def _default(value):
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()  # a numpy scalar
    raise TypeError(f"not JSON: {type(value).__name__}")


def canonical(obj) -> str:
    """One text for one content: sorted keys, no spaces, UTF-8. A NaN is an
    error here (callers turn them into None where the data is built)."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False, default=_default)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest(obj) -> str:
    return sha256(canonical(obj))
