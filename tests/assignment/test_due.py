"""The due rule of assigned items (seed 001 四（一）3, 四（四）3: 首次录入在反馈时限之前，
后续每季度更新一次，直至推进状态为“已完成”) at quarter and year boundaries. Pure:
no database."""

from __future__ import annotations

import datetime as dt

import pytest

from app.records.assignment.due import (
    Filing,
    due_of_slot,
    due_status,
    missed_between,
    quarter_bounds,
    quarter_end,
    quarter_index,
    slot_of,
)

D = dt.date


@pytest.mark.parametrize("day,end", [
    (D(2024, 1, 1), D(2024, 3, 31)), (D(2024, 3, 31), D(2024, 3, 31)),
    (D(2024, 4, 1), D(2024, 6, 30)), (D(2024, 6, 30), D(2024, 6, 30)),
    (D(2024, 7, 1), D(2024, 9, 30)), (D(2024, 9, 30), D(2024, 9, 30)),
    (D(2024, 10, 1), D(2024, 12, 31)), (D(2024, 12, 31), D(2024, 12, 31)),
    (D(2024, 2, 29), D(2024, 3, 31)),
])
def test_quarter_end(day, end):
    assert quarter_end(day) == end


def test_quarters_run_on_across_years():
    assert quarter_index(D(2025, 1, 1)) - quarter_index(D(2024, 12, 31)) == 1
    assert quarter_bounds(quarter_index(D(2024, 12, 31)) + 1) == (D(2025, 1, 1), D(2025, 3, 31))
    assert quarter_bounds(quarter_index(D(2024, 11, 5)) + 5) == (D(2026, 1, 1), D(2026, 3, 31))


def test_due_dates_after_a_deadline_of_december_31():
    deadline = D(2024, 12, 31)
    assert [due_of_slot(deadline, k) for k in range(4)] == [
        D(2024, 12, 31), D(2025, 3, 31), D(2025, 6, 30), D(2025, 9, 30)]
    assert slot_of(deadline, D(2024, 12, 31)) == 0
    assert slot_of(deadline, D(2025, 1, 1)) == 1
    assert slot_of(deadline, D(2025, 3, 31)) == 1
    assert slot_of(deadline, D(2025, 4, 1)) == 2
    assert slot_of(deadline, D(2024, 6, 1)) == 0  # early: still the first report


def test_due_dates_after_a_deadline_mid_quarter():
    deadline = D(2024, 5, 15)
    assert [due_of_slot(deadline, k) for k in range(3)] == [
        D(2024, 5, 15), D(2024, 9, 30), D(2024, 12, 31)]


def test_nothing_filed_due_on_the_deadline_itself_then_overdue_the_day_after():
    deadline = D(2024, 12, 31)
    s = due_status(deadline, [], D(2024, 12, 24))
    assert (s.next_due, s.days_left, s.overdue, s.code()) == (deadline, 7, False, "soon")
    assert s.label() == "7天内到期"
    s = due_status(deadline, [], D(2024, 12, 23))
    assert s.code() == "open" and s.days_left == 8
    s = due_status(deadline, [], D(2024, 12, 31))
    assert (s.days_left, s.overdue, s.label()) == (0, False, "今天到期")
    s = due_status(deadline, [], D(2025, 1, 1))
    assert (s.overdue, s.days_overdue, s.missed) == (True, 1, (deadline,))
    assert s.label() == "已逾期1天"


def test_first_report_on_december_31_makes_the_next_due_on_march_31():
    deadline = D(2024, 12, 31)
    s = due_status(deadline, [Filing(D(2024, 12, 31))], D(2025, 1, 1))
    assert (s.next_due, s.overdue, s.missed) == (D(2025, 3, 31), False, ())
    s = due_status(deadline, [Filing(D(2024, 12, 31))], D(2025, 3, 31))
    assert (s.days_left, s.overdue) == (0, False)
    s = due_status(deadline, [Filing(D(2024, 12, 31))], D(2025, 4, 1))
    assert (s.next_due, s.days_overdue, s.missed) == (D(2025, 3, 31), 1, (D(2025, 3, 31),))


def test_first_report_a_day_late_across_the_year_end_falls_in_the_next_quarter():
    """Deadline 12-31, filed 01-01: the first report was missed, and the report
    of 01-01 counts for the first quarter of the new year."""
    deadline = D(2024, 12, 31)
    s = due_status(deadline, [Filing(D(2025, 1, 1))], D(2025, 1, 2))
    assert (s.next_due, s.overdue, s.missed) == (D(2025, 6, 30), False, (deadline,))


def test_late_first_report_within_the_deadlines_quarter_makes_good_the_overdue():
    deadline = D(2024, 5, 15)
    assert due_status(deadline, [], D(2024, 5, 20)).days_overdue == 5
    s = due_status(deadline, [Filing(D(2024, 5, 20))], D(2024, 5, 21))
    assert (s.overdue, s.next_due, s.missed) == (False, D(2024, 9, 30), (deadline,))


def test_report_on_the_last_day_of_a_quarter_counts_for_that_quarter():
    deadline = D(2024, 5, 15)
    reports = [Filing(D(2024, 5, 10)), Filing(D(2024, 9, 30))]
    s = due_status(deadline, reports, D(2024, 10, 1))
    assert (s.next_due, s.overdue, s.missed) == (D(2024, 12, 31), False, ())
    s = due_status(deadline, reports, D(2025, 1, 1))
    assert (s.next_due, s.days_overdue, s.missed) == (D(2024, 12, 31), 1, (D(2024, 12, 31),))
    # filed one day later it is the fourth quarter's report: the third was missed,
    # the fourth is done, the next one is due at the end of the next year's first
    reports = [Filing(D(2024, 5, 10)), Filing(D(2024, 10, 1))]
    s = due_status(deadline, reports, D(2024, 10, 2))
    assert (s.next_due, s.overdue, s.missed) == (D(2025, 3, 31), False, (D(2024, 9, 30),))
    s = due_status(deadline, reports, D(2025, 4, 1))
    assert (s.next_due, s.days_overdue) == (D(2025, 3, 31), 1)


def test_deadline_on_the_last_day_of_a_quarter():
    deadline = D(2024, 3, 31)
    s = due_status(deadline, [Filing(D(2024, 3, 31))], D(2024, 4, 1))
    assert s.next_due == D(2024, 6, 30) and not s.missed
    s = due_status(deadline, [Filing(D(2024, 4, 1))], D(2024, 4, 2))
    assert s.next_due == D(2024, 9, 30) and s.missed == (deadline,)


def test_a_missed_quarter_stays_overdue_until_the_next_report():
    deadline = D(2024, 2, 10)
    reports = [Filing(D(2024, 2, 1))]
    s = due_status(deadline, reports, D(2024, 11, 5))  # Q2 and Q3 missed
    assert s.next_due == D(2024, 6, 30) and s.days_overdue == (D(2024, 11, 5) - D(2024, 6, 30)).days
    assert s.missed == (D(2024, 6, 30), D(2024, 9, 30))
    assert missed_between(s, D(2024, 7, 1), D(2024, 9, 30)) == 1
    assert missed_between(s, D(2024, 1, 1), D(2024, 12, 31)) == 2
    # a report in the fourth quarter is that quarter's: the next is due on 03-31
    s = due_status(deadline, reports + [Filing(D(2024, 11, 5))], D(2024, 11, 6))
    assert (s.overdue, s.next_due) == (False, D(2025, 3, 31))
    assert s.missed == (D(2024, 6, 30), D(2024, 9, 30))


def test_an_approved_completed_report_ends_the_cycle():
    deadline = D(2024, 12, 31)
    reports = [Filing(D(2024, 12, 20)), Filing(D(2025, 3, 31), completed=True)]
    s = due_status(deadline, reports, D(2026, 1, 1))
    assert s.completed and s.next_due is None and not s.overdue and s.missed == ()
    assert s.code() == "completed" and s.label() == "已完成"
    # 已完成 filed but not (yet) approved: the cycle goes on
    pending = [Filing(D(2024, 12, 20)), Filing(D(2025, 3, 31), completed=False)]
    s = due_status(deadline, pending, D(2025, 7, 1))
    assert not s.completed and s.next_due == D(2025, 6, 30) and s.days_overdue == 1


def test_completion_keeps_the_misses_before_it():
    deadline = D(2024, 5, 15)
    reports = [Filing(D(2024, 11, 20), completed=True)]  # nothing until the 4th quarter
    s = due_status(deadline, reports, D(2025, 6, 1))
    assert s.completed and s.missed == (D(2024, 5, 15), D(2024, 9, 30))


def test_leap_day_deadline():
    s = due_status(D(2024, 2, 29), [Filing(D(2024, 2, 29))], D(2024, 3, 1))
    assert s.next_due == D(2024, 6, 30)
