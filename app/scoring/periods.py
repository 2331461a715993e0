"""Evaluation periods: 2024Q1 (quarter), 2024-B3 (two months), 2024 (year).

Pure: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from app.errors import BadInput

_Q = re.compile(r"^(\d{4})Q([1-4])$")
_B = re.compile(r"^(\d{4})-B([1-6])$")
_Y = re.compile(r"^(\d{4})$")


class PeriodError(BadInput, ValueError):
    """A period code that cannot be read (Chinese message) (also a ValueError,
    as before: code that catches that still works)."""


@dataclass(frozen=True)
class Period:
    code: str
    kind: str  # quarter | bimonth | year
    year: int
    start: dt.date
    end: dt.date  # inclusive

    @property
    def year_start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"{self.year}年第{self.code[-1]}季度"
        if self.kind == "bimonth":
            n = int(self.code[-1])
            return f"{self.year}年{2 * n - 1}—{2 * n}月"
        return f"{self.year}年度"


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def parse_period(code: str) -> Period:
    """Parse a period code; raise PeriodError with a Chinese message."""
    code = (code or "").strip().upper()
    if m := _Q.match(code):
        y, q = int(m[1]), int(m[2])
        return Period(code, "quarter", y, dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
    if m := _B.match(code):
        y, b = int(m[1]), int(m[2])
        return Period(code, "bimonth", y, dt.date(y, 2 * b - 1, 1), _month_end(y, 2 * b))
    if m := _Y.match(code):
        y = int(m[1])
        return Period(code, "year", y, dt.date(y, 1, 1), dt.date(y, 12, 31))
    raise PeriodError(f"无法识别的期间“{code}”：应为 2024Q1（季度）、2024-B3（两个月）或 2024（年度）")
