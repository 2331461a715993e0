"""When an assigned unit's next progress report is due, and whether it is late.

Pure: no Flask, no database. The rule (seed 001 四（一）3 and 四（四）3: 首次录入在
反馈时限之前，后续每季度更新一次，直至推进状态为“已完成”):

* the first report is due on the 反馈时限 (the deadline itself still counts);
* then one report in each calendar quarter after the deadline's quarter, due on
  that quarter's last day (so a deadline of 12-31 makes the next report due on
  03-31 of the following year);
* until a report saying 已完成 is approved: from then on nothing more is due.

Each report falls in one "slot": slot 0 runs up to the last day of the
deadline's quarter (a first report after the deadline but in that quarter still
is the first report, late), slot k ≥ 1 is the k-th quarter after it. The next
report is due at the end of the slot after the latest report's slot, or on the
deadline when nothing was filed; it is overdue from the day after. A slot
whose due date passed without a report in time (slot 0: on or before the
deadline; slot k: within its quarter) is *missed*; a late first report makes
good the overdue state, not the miss.

Which reports count is the caller's choice: the working lists pass the reports
filed and not sent back (submitted, under review or approved), dated by their
last submission; the cockpit passes approved ones only.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


def quarter_index(day: dt.date) -> int:
    """Quarters counted from year 0: consecutive quarters differ by one."""
    return day.year * 4 + (day.month - 1) // 3


def quarter_bounds(index: int) -> tuple[dt.date, dt.date]:
    """(first day, last day) of quarter ``index``."""
    year, q = divmod(index, 4)
    first_month, last_month = 3 * q + 1, 3 * q + 3
    return (dt.date(year, first_month, 1),
            dt.date(year, last_month, calendar.monthrange(year, last_month)[1]))


def quarter_end(day: dt.date) -> dt.date:
    return quarter_bounds(quarter_index(day))[1]


def slot_of(deadline: dt.date, day: dt.date) -> int:
    """The slot a report filed on ``day`` belongs to (0: the first report)."""
    return max(0, quarter_index(day) - quarter_index(deadline))


def due_of_slot(deadline: dt.date, slot: int) -> dt.date:
    """Slot 0 is due on the deadline, slot k on the last day of the k-th
    quarter after the deadline's quarter."""
    if slot <= 0:
        return deadline
    return quarter_bounds(quarter_index(deadline) + slot)[1]


@dataclass(frozen=True)
class Filing:
    """A report that counts: the day it was (last) submitted, and whether it
    is an approved report saying 已完成."""

    filed_on: dt.date
    completed: bool = False


OVERDUE, SOON, OPEN, COMPLETED = "overdue", "soon", "open", "completed"
STATUS_LABELS = {OVERDUE: "已逾期", SOON: "即将到期", OPEN: "按期推进", COMPLETED: "已完成"}


@dataclass(frozen=True)
class DueStatus:
    completed: bool
    next_due: dt.date | None  # None once completed
    days_overdue: int  # days since next_due passed (0: not overdue)
    days_left: int | None  # days until next_due (0: due today); None when overdue or completed
    missed: tuple[dt.date, ...]  # due dates that passed without a report in time
    last_filed: dt.date | None

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    def code(self, within_days: int = 7) -> str:
        if self.completed:
            return COMPLETED
        if self.overdue:
            return OVERDUE
        if self.days_left is not None and self.days_left <= within_days:
            return SOON
        return OPEN

    def label(self, within_days: int = 7) -> str:
        code = self.code(within_days)
        if code == OVERDUE:
            return f"已逾期{self.days_overdue}天"
        if code == SOON:
            return "今天到期" if self.days_left == 0 else f"{self.days_left}天内到期"
        return STATUS_LABELS[code]


def due_status(deadline: dt.date, filings: Iterable[Filing], today: dt.date) -> DueStatus:
    """The state of one unit's obligation on one assigned item on ``today``
    (see the module's docstring for the rule)."""
    filings = sorted(filings, key=lambda f: f.filed_on)
    done = next((f for f in filings if f.completed), None)
    last = filings[-1].filed_on if filings else None
    # the slots that are obligations: all, or up to the completing report's
    last_slot = slot_of(deadline, done.filed_on) if done is not None else None
    slots_filed_in_time = set()
    for f in filings:
        if f.filed_on <= deadline:
            slots_filed_in_time.add(0)
        slot = slot_of(deadline, f.filed_on)
        if slot >= 1:
            slots_filed_in_time.add(slot)
    missed = []
    slot = 0
    while True:
        due = due_of_slot(deadline, slot)
        if due >= today or (last_slot is not None and slot > last_slot):
            break
        if slot not in slots_filed_in_time:
            missed.append(due)
        slot += 1
    if done is not None:
        return DueStatus(True, None, 0, None, tuple(missed), last)
    next_due = deadline if last is None else due_of_slot(deadline, slot_of(deadline, last) + 1)
    if next_due < today:
        return DueStatus(False, next_due, (today - next_due).days, None, tuple(missed), last)
    return DueStatus(False, next_due, 0, (next_due - today).days, tuple(missed), last)


def missed_between(status: DueStatus, start: dt.date, end: dt.date) -> int:
    """How many of the missed due dates lie in [start, end]."""
    return sum(1 for d in status.missed if start <= d <= end)
