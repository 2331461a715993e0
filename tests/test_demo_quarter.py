"""The demo quarter (issue #11 item 7): deterministic, idempotent, every state,
truthful histories, valid records, a real ranking, work waiting for the demo
reviewers and the reform office."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from sqlalchemy import func, select

from app.demo import units as U
from app.demo.load import DEMO_ACCOUNTS
from app.demo.quarter import (
    GENERATORS,
    demo_context,
    demo_periods,
    district_accounts,
    load_demo_quarter,
    register_generator,
)
from app.extensions import db
from app.security.models import ReformUser
from app.workflow.chain import APPROVED, DRAFT, REJECTED
from app.workflow.engine import refusal, target_state, todo_clause, todo_count
from app.workflow.models import WorkflowHistory
from app.workflow.registry import get_type

TODAY = dt.date(2026, 11, 20)  # 2026Q4; the earlier quarter is 2026Q3
NOW = dt.datetime.combine(TODAY, dt.time(8, 0))  # the demo's last moment
IN_Q1 = dt.date(2026, 2, 10)  # 2026Q1; the earlier quarter 2025Q4 lies in the previous year
TYPES = ("demand", "recognition")
STATES = {DRAFT, "pending_1", "pending_2", REJECTED, APPROVED}


def _model(record_type):
    return get_type(record_type).model


def _load(app, monkeypatch, today=TODAY, **kw):
    # the evaluation year is the demo's current year (as on the day it runs)
    monkeypatch.setitem(app.config, "EVALUATION_YEAR", today.year)
    with app.app_context():
        return load_demo_quarter(today=today, **kw)


def _totals(app) -> dict:
    with app.app_context():
        out = {t: db.session.scalar(select(func.count()).select_from(_model(t))) for t in TYPES}
        out["history"] = db.session.scalar(select(func.count()).select_from(WorkflowHistory))
        out["users"] = db.session.scalar(select(func.count()).select_from(ReformUser))
        return out


# -- loading ---------------------------------------------------------------------------------

def test_load_is_idempotent_and_fast(app, monkeypatch):
    started = time.perf_counter()
    counts = _load(app, monkeypatch)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"loading took {elapsed:.2f} s"
    assert set(TYPES) <= set(counts) and all(counts[t] for t in TYPES)
    before = _totals(app)
    assert before["users"] >= len(district_accounts()) + len(DEMO_ACCOUNTS)
    assert before["history"] > sum(before[t] for t in TYPES)
    # again, on another day of the quarter, in the next quarter, today: nothing added
    for day in (TODAY, TODAY - dt.timedelta(days=30), TODAY + dt.timedelta(days=45), None):
        with app.app_context():
            assert load_demo_quarter(today=day) == {"demand": {}, "recognition": {}}
        assert _totals(app) == before


def test_generation_is_deterministic_per_seed_and_type(app, monkeypatch):
    monkeypatch.setitem(app.config, "EVALUATION_YEAR", TODAY.year)
    with app.app_context():
        for name, generate in GENERATORS.items():
            first = generate(demo_context(today=TODAY))
            assert first == generate(demo_context(today=TODAY)), name
            assert first != generate(demo_context(today=TODAY, seed=7)), name
            # each type draws from its own stream: another type's generator
            # running first changes nothing
            ctx = demo_context(today=TODAY)
            for other, gen in GENERATORS.items():
                if other != name:
                    gen(ctx)
            assert generate(ctx) == first, name


def test_counts_cover_every_state_and_match_the_database(app, monkeypatch):
    counts = _load(app, monkeypatch)
    with app.app_context():
        for t in TYPES:
            model = _model(t)
            in_db = dict(db.session.execute(
                select(model.state, func.count()).group_by(model.state)).all())
            assert in_db == counts[t]
            assert set(in_db) == STATES, t
            assert in_db[APPROVED] > sum(v for k, v in in_db.items() if k != APPROVED) / 2
        # rejected and resubmitted: a record whose history holds a reject and goes on
        for t in TYPES:
            resubmitted = db.session.scalar(
                select(func.count(func.distinct(WorkflowHistory.record_id))).where(
                    WorkflowHistory.record_type == t, WorkflowHistory.action == "submit",
                    WorkflowHistory.from_state == REJECTED))
            assert resubmitted > 5, t


def test_district_accounts_are_real_demo_accounts(app, monkeypatch, login_as):
    _load(app, monkeypatch)
    accounts = district_accounts()
    assert len(accounts) == 2 * 39 and len({a.mobile for a in accounts}) == 78
    assert {a.unit for a in accounts} == {name for _, name, _ in U.DISTRICTS} - {"万州区", "渝中区"}
    with app.app_context():
        users = {u.mobile: u for u in db.session.scalars(select(ReformUser).where(
            ReformUser.mobile.in_([a.mobile for a in accounts])))}
        assert len(users) == 78
        for acc in accounts:
            u = users[acc.mobile]
            assert u.username == acc.mobile and u.unit.name == acc.unit
            assert u.role_names == set(acc.roles) and not u.must_change_password
    assert "大渡口" in [a.name for a in accounts if a.mobile == "13900010021"][0]
    login_as("13900010022")  # 大渡口审核员: the demo password, no forced change


# -- truthful histories -----------------------------------------------------------------------

def _check_histories(app, now: dt.datetime, earliest: dt.date) -> int:
    """Walk every record's history: a chain of states from draft to the
    record's state, one row per version step, each done by someone the chain
    allows at that moment (app.workflow.engine.refusal), with matching
    submitted_by/submitted_on/approved_on/changed_on. Returns the records seen."""
    seen = 0
    with app.app_context():
        users = {u.id: u for u in db.session.scalars(select(ReformUser))}
        for t in TYPES:
            model = _model(t)
            chain = get_type(t).chain
            history: dict[int, list] = {}
            for h in db.session.scalars(select(WorkflowHistory).where(
                    WorkflowHistory.record_type == t).order_by(
                    WorkflowHistory.created_on, WorkflowHistory.id)):
                history.setdefault(h.record_id, []).append(h)
            records = db.session.scalars(select(model)).all()
            assert set(history) <= {r.id for r in records}
            for rec in records:
                seen += 1
                rows = history.get(rec.id, [])
                assert len(rows) == rec.version - 1, (t, rec.id)
                filer = users[rec.filed_by_id]
                assert filer.unit_id == rec.unit_id and "录入员" in filer.role_names
                assert earliest <= rec.created_on.date() and rec.created_on <= now
                # replay on a copy, asking the engine whether each step was allowed
                probe = model(unit_id=rec.unit_id, filed_by_id=rec.filed_by_id, state=DRAFT,
                              submitted_by_id=None, version=1)
                last_submit = approved = None
                when = rec.created_on
                for h in rows:
                    assert h.from_state == probe.state, (t, rec.id)
                    assert h.created_on >= when and h.created_on <= now
                    when = h.created_on
                    actor = users[h.actor_id]
                    assert refusal(h.action, actor, probe) is None, (t, rec.id, h.action)
                    assert h.to_state == target_state(h.action, probe)
                    assert h.actor_unit_id == actor.unit_id and h.record_unit_id == rec.unit_id
                    assert bool(h.reason) == (h.action == "reject")
                    if h.action == "submit":
                        probe.submitted_by_id = actor.id
                        last_submit, approved = h, None
                    if h.to_state == APPROVED:
                        approved = h.created_on
                    probe.state = h.to_state
                assert probe.state == rec.state, (t, rec.id)
                assert rec.state in chain.states
                assert rec.submitted_by_id == (last_submit.actor_id if last_submit else None)
                assert rec.submitted_on == (last_submit.created_on if last_submit else None)
                assert rec.approved_on == approved
                assert rec.changed_on == (rows[-1].created_on if rows else rec.created_on)
    return seen


def test_every_history_is_consistent_with_its_record(app, monkeypatch):
    counts = _load(app, monkeypatch)
    earlier, _ = demo_periods(TODAY)
    seen = _check_histories(app, NOW, dt.date(2026, 7, 1))
    assert seen == sum(sum(c.values()) for c in counts.values())
    assert earlier == "2026Q3"
    with app.app_context():
        # rejections carry reasons and are counted against the district
        reasons = db.session.scalars(select(WorkflowHistory.reason).where(
            WorkflowHistory.action == "reject")).all()
        assert len(reasons) > 20 and len(set(reasons)) > 5


def test_every_record_passes_clean(app, monkeypatch):
    _load(app, monkeypatch)
    with app.app_context():
        for t in TYPES:
            records = db.session.scalars(select(_model(t))).all()
            assert records
            for rec in records:
                assert rec.clean() == [], (t, rec.id, rec.title)
        recognitions = db.session.scalars(select(_model("recognition"))).all()
        assert {r.date.year for r in recognitions} == {TODAY.year}
        assert all(dt.date(2026, 7, 1) <= r.date <= r.created_on.date() for r in recognitions)
        linked = [r for r in recognitions if r.demand_id]
        assert linked and all(r.demand.unit_id == r.unit_id and r.demand.state == APPROVED
                              and r.demand.title == r.item for r in linked)


# -- what a first start shows -----------------------------------------------------------------

def _ranking(runner, period: str) -> list[dict]:
    result = runner.invoke(args=["score", "run", "--scheme", "district_2023", "--period", period,
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["rows"]


def test_district_2023_ranks_all_41_districts(app, runner, monkeypatch):
    _load(app, monkeypatch)
    earlier, current = demo_periods(TODAY)
    assert (earlier, current) == ("2026Q3", "2026Q4")
    districts = {name for _, name, _ in U.DISTRICTS}
    rankings = {}
    for period in (earlier, current):
        rows = _ranking(runner, period)
        assert {r["unit"] for r in rows} == districts and len(rows) == 41
        totals = [r["total"] for r in rows]
        assert len(set(totals)) > 10, period  # a real spread …
        ranks = [r["rank"] for r in rows]
        assert len(set(ranks)) < 41, period  # … with ties in places
        assert sorted(ranks) == ranks and ranks[0] == 1
        rankings[period] = [r["unit"] for r in rows]
    assert rankings[earlier] != rankings[current]  # a trend to show


def test_demo_reviewers_and_reform_office_have_work_waiting(app, monkeypatch):
    _load(app, monkeypatch)
    with app.app_context():
        def user(mobile):
            return db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))

        def waiting(u, t):  # records waiting for u's review (not u's own drafts)
            model = _model(t)
            return db.session.scalar(select(func.count()).select_from(model).where(
                todo_clause(model, u)))

        # 万州 and 渝中 reviewers (step 1), the reform office (step 2): for both types
        for mobile in ("13900000012", "13900000022", "13900000001"):
            u = user(mobile)
            assert todo_count(u) > 0, mobile
            assert all(waiting(u, t) > 0 for t in TYPES), mobile
        # the other districts' reviewers have theirs too
        reviewers = [a.mobile for a in district_accounts() if a.roles == ("审核员",)]
        assert sum(todo_count(user(m)) > 0 for m in reviewers) > 10
        assert todo_count(user("13900000099")) == 0  # the administrator reviews nothing


# -- the earlier quarter in the previous year ---------------------------------------------------

def test_first_quarter_keeps_the_previous_year_closed_and_valid(app, runner, monkeypatch):
    counts = _load(app, monkeypatch, today=IN_Q1)
    assert all(counts[t] for t in TYPES)
    earlier, current = demo_periods(IN_Q1)
    assert (earlier, current) == ("2025Q4", "2026Q1")
    _check_histories(app, dt.datetime.combine(IN_Q1, dt.time(8, 0)), dt.date(2025, 10, 1))
    with app.app_context():
        recognitions = db.session.scalars(select(_model("recognition"))).all()
        last_year = [r for r in recognitions if r.date.year == 2025]
        assert last_year and {r.date.year for r in recognitions} == {2025, 2026}
        for r in recognitions:
            if r.date.year == 2025:
                # filed, reviewed and closed in its own year: nothing left to edit
                assert r.state == APPROVED and r.approved_on.year == 2025
                assert r.created_on.year == 2025
            else:
                assert r.clean() == [], (r.id, r.item)
        # valid under the evaluation year in force when it was filed
        monkeypatch.setitem(app.config, "EVALUATION_YEAR", 2025)
        assert all(r.clean() == [] for r in last_year)
    for period in (earlier, current):
        rows = _ranking(runner, period)
        assert len(rows) == 41 and len({r["total"] for r in rows}) > 5, period


def test_later_record_types_plug_in_their_generators(app, monkeypatch):
    def later_type(ctx):  # e.g. pilots, before their model exists
        raise AssertionError("must not run for a type that is not registered")

    wrote_itself = []

    def self_writing(ctx):  # a generator that writes its records itself
        wrote_itself.append((ctx.today, ctx.rng("x").random()))
        return {APPROVED: 3}

    monkeypatch.setitem(GENERATORS, "pilot_not_yet_registered", later_type)
    monkeypatch.setitem(GENERATORS, "recognition", GENERATORS["recognition"])  # put back after
    register_generator("recognition")(self_writing)
    counts = _load(app, monkeypatch)
    assert counts["recognition"] == {APPROVED: 3} and wrote_itself[0][0] == TODAY
    assert set(counts) == set(TYPES) and counts["demand"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(_model("recognition"))) == 0


@pytest.mark.parametrize("today", [dt.date(2026, 10, 1), dt.date(2026, 1, 1)])
def test_the_first_day_of_a_quarter_works(app, monkeypatch, today):
    counts = _load(app, monkeypatch, today=today)
    assert all(counts[t] for t in TYPES)
    _check_histories(app, dt.datetime.combine(today, dt.time(8, 0)),
                     dt.date(today.year - (today.month == 1), (today.month - 4) % 12 + 1, 1))


def test_first_start_demo_has_approved_records_of_every_type(app, monkeypatch):
    """What ``python run.py`` loads on an empty database: every registered
    record type has approved records (so its reports and cockpit boards show
    something), and the records as a whole are in every state."""
    from app.demo.load import load_demo
    from app.workflow.registry import all_types

    monkeypatch.setitem(app.config, "EVALUATION_YEAR", dt.date.today().year)
    with app.app_context():
        load_demo(quarter=True)
        seen = set()
        for rt in all_types():
            states = dict(db.session.execute(
                select(rt.model.state, func.count()).group_by(rt.model.state)).all())
            assert states.get(APPROVED, 0) > 0, f"{rt.name}: no approved demo record {states}"
            seen |= set(states)
        assert STATES <= seen
        # and a published district ranking of this quarter and the one before
        from app.reports import service

        published = {(s.scheme_code, s.period_code) for s in service.published_snapshots()}
        assert {("district_2023", code) for code in demo_periods()} <= published
