"""How numbers and labels are shown — one place for the pages, the PDF and Excel."""

from __future__ import annotations

import math
import re

DASH = "—"
_LATIN = re.compile(r"[A-Za-z_]{2,}")


def score(value) -> str:
    """A score with two decimals; an empty score is a dash."""
    if value is None:
        return DASH
    return f"{float(value):.2f}"


def number(value) -> str:
    """A collected value: up to four decimals, no trailing zeros."""
    if value is None:
        return DASH
    return fmt(value)


def fmt(x) -> str:
    """Up to 4 decimals, no trailing zeros (as the explanations write numbers)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return DASH
    s = f"{float(x):.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def points(value) -> str:
    return DASH if value is None else fmt(value)


def reason(text: str | None) -> str:
    """A 缺少数据来源 message for readers: the collectors name record types and
    source kinds by their code (e.g. ``pilot``); a reader gets Chinese only."""
    text = text or "缺少数据"
    if _LATIN.search(text):
        return "缺少数据来源：该类数据的填报模块尚未上线"
    return text


def explanation(cell: dict) -> str:
    if cell.get("status") == "缺少数据":
        return reason(cell.get("explanation"))
    return cell.get("explanation") or ""


def dt(value) -> str:
    """A moment as 2024-04-01 09:30:00 (an ISO string or a datetime)."""
    if value is None:
        return DASH
    text = value if isinstance(value, str) else value.isoformat(sep=" ", timespec="seconds")
    return text.replace("T", " ")[:19]
